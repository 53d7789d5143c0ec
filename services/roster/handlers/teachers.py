"""Teachers: add, edit, list and search, disable and enable, delete, permissions.

Identity hears of every change through `roster.teachers.*` events and ends the
sessions of a disabled or deleted teacher.
"""

import asyncpg

from shared.contracts.common import ADMIN, Caller
from shared.contracts.roster import (
    IdNumbersIn,
    PermissionsIn,
    PhonesIn,
    RowResult,
    Teacher,
    TeacherIds,
    TeacherImportBatch,
    TeacherExportQuery,
    TeacherIn,
    TeacherPage,
    TeacherPatch,
    TeacherQuery,
    TeacherRef,
)
from shared.db.outbox import record_event
from shared.errors import Conflict, NotFound
from shared.logging import get_logger
from shared.service import rpc
from shared.validators.id_numbers import mask_id_number
from shared.validators.phones import mask_phone

from services.roster.audit import record_change
from services.roster.storage import teachers as storage

log = get_logger("roster.teachers")

TEACHER_NOT_FOUND = "教师不存在"
DUPLICATE_ID_NUMBER = "证件号码与本校已有教师重复"
PHONE_INDEX = "teachers_phone_in_school"
LAST_ADMIN = ("学校至少要保留一位能登录的启用管理员：请先把管理员权限交给另一位"
              "已激活账号的教师")


def teacher_out(row, *, masked: bool) -> Teacher:
    teacher = Teacher.model_validate(dict(row))
    if masked:
        teacher.phone = mask_phone(teacher.phone) if teacher.phone else None
        teacher.id_number = (mask_id_number(teacher.id_number)
                             if teacher.id_number else None)
    return teacher


def teacher_event(row) -> dict:
    return {"id": str(row["id"]), "kid": row["kid"], "school_id": str(row["school_id"]),
            "name": row["name"], "permissions": list(row["permissions"]),
            "status": row["status"]}


async def ensure_an_admin_remains(bus, connection, school_id, caller: Caller) -> None:
    """Refuse a change that leaves the school no enabled admin who can log in.

    An admin teacher whose account was never activated cannot administer anything,
    so identity is asked which of the remaining admins have an active account.
    """
    admins = await storage.enabled_admin_ids(connection, school_id)
    able = []
    if admins:
        able = await bus.call("identity.accounts_able_to_log_in",
                              {"person_ids": [str(a) for a in admins]},
                              ctx={"caller": caller.model_dump(mode="json")})
    if not able:
        raise Conflict(LAST_ADMIN)


def phone_taken(phone: str, holder) -> str:
    """Whose number it is, so the admin can tell which record to correct."""
    if holder is None:
        return f"手机号码{phone}已被本校另一位教师使用，请核对后重新填写"
    remark = f"（备注：{holder['remark']}）" if holder["remark"] else ""
    return (f"手机号码{phone}已被本校教师{holder['name']}{remark}使用，"
            "同一学校的教师不能使用相同的手机号码，请核对后重新填写")


async def saved_teacher(connection, school_id, write, phone: str | None):
    """The row `write()` answers; a conflict naming what clashed when it clashes.

    The write runs in a savepoint, so after a clash the teacher holding the phone
    number can still be looked up and named, even one added a moment ago by
    another request.
    """
    try:
        async with connection.transaction():
            return await write()
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name != PHONE_INDEX:
            raise Conflict(DUPLICATE_ID_NUMBER) from None
    holders = await storage.phone_holders(connection, school_id, [phone])
    raise Conflict(phone_taken(phone, holders.get(phone)))


def import_refusal(row: dict, known_id_numbers: set, phone_holders: dict) -> str:
    """Why an imported row was skipped: its ID number, its phone number, or both."""
    reasons = []
    if row.get("id_number") in known_id_numbers:
        reasons.append(DUPLICATE_ID_NUMBER)
    if row.get("phone") in phone_holders:
        reasons.append(phone_taken(row["phone"], phone_holders[row["phone"]]))
    return "；".join(reasons) or DUPLICATE_ID_NUMBER


class TeacherHandlers:
    @rpc(model=TeacherIn)
    async def create_teacher(self, params: TeacherIn, caller: Caller) -> Teacher:
        school_id = caller.require_school_admin()
        fields = params.model_dump()
        async with self.pool.acquire() as connection, connection.transaction():
            row = await saved_teacher(
                connection, school_id,
                lambda: storage.insert_teacher(connection, school_id, fields),
                fields["phone"],
            )
            await record_change(connection, caller, action="create",
                                target_kind="teacher", target_id=row["id"], after=row)
            await record_event(connection, "roster.teachers.created",
                               {"teachers": [teacher_event(row)]})
        log.info("teacher_created", teacher_id=str(row["id"]))
        return teacher_out(row, masked=False)

    @rpc(model=TeacherQuery)
    async def list_teachers(self, params: TeacherQuery, caller: Caller) -> TeacherPage:
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            rows, total = await storage.teacher_page(
                connection, school_id, q=params.q, status=params.status,
                limit=params.page_size, offset=params.offset,
            )
        return TeacherPage(items=[teacher_out(r, masked=True) for r in rows],
                           total=total)

    @rpc(model=TeacherRef)
    async def get_teacher(self, params: TeacherRef, caller: Caller) -> Teacher:
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            row = await storage.teacher_in_school(connection, school_id,
                                                  params.teacher_id)
        if row is None:
            raise NotFound(TEACHER_NOT_FOUND)
        return teacher_out(row, masked=False)

    @rpc(model=TeacherPatch)
    async def update_teacher(self, params: TeacherPatch, caller: Caller) -> Teacher:
        school_id = caller.require_school_admin()
        changes = params.model_dump(exclude_unset=True, exclude={"teacher_id"})
        async with self.pool.acquire() as connection, connection.transaction():
            before = await storage.teacher_in_school(
                connection, school_id, params.teacher_id, for_update=True
            )
            if before is None:
                raise NotFound(TEACHER_NOT_FOUND)
            if not changes:
                return teacher_out(before, masked=False)
            after = await saved_teacher(
                connection, school_id,
                lambda: storage.update_teacher(connection, before["id"], changes),
                changes.get("phone"),
            )
            await record_change(connection, caller, action="update",
                                target_kind="teacher", target_id=after["id"],
                                before=before, after=after)
            await record_event(connection, "roster.teachers.changed",
                               {"teachers": [teacher_event(after)]})
        return teacher_out(after, masked=False)

    @rpc(model=TeacherIds)
    async def disable_teachers(self, params: TeacherIds, caller: Caller) -> dict:
        """Disabled teachers cannot log in; their account and password are kept."""
        return await self._set_status(params, caller, "disabled")

    @rpc(model=TeacherIds)
    async def enable_teachers(self, params: TeacherIds, caller: Caller) -> dict:
        return await self._set_status(params, caller, "active")

    async def _set_status(self, params: TeacherIds, caller: Caller, status: str):
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            before = await storage.teachers_by_ids(connection, school_id,
                                                   params.teacher_ids, for_update=True)
            if len(before) != len(set(params.teacher_ids)):
                raise NotFound("有教师不存在，请刷新列表后重试")
            changed = sorted(await storage.set_status(
                connection, school_id, [row["id"] for row in before], status
            ), key=lambda row: row["id"])
            await ensure_an_admin_remains(self.bus, connection, school_id, caller)
            for old, new in zip(before, changed):
                await record_change(connection, caller, action=f"status:{status}",
                                    target_kind="teacher", target_id=new["id"],
                                    before={"status": old["status"]},
                                    after={"status": new["status"]})
            await record_event(connection, "roster.teachers.changed",
                               {"teachers": [teacher_event(r) for r in changed]})
        log.info("teachers_status_changed", status=status, count=len(changed))
        return {"changed": len(changed)}

    @rpc(model=TeacherRef)
    async def delete_teacher(self, params: TeacherRef, caller: Caller) -> dict:
        """Delete for good: the record, its groups and assignments, and its account."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            before = await storage.teacher_in_school(
                connection, school_id, params.teacher_id, for_update=True
            )
            if before is None:
                raise NotFound(TEACHER_NOT_FOUND)
            await storage.delete_teacher(connection, before["id"])
            await ensure_an_admin_remains(self.bus, connection, school_id, caller)
            await record_change(connection, caller, action="delete",
                                target_kind="teacher", target_id=before["id"],
                                before=before)
            await record_event(connection, "roster.teachers.deleted",
                               {"teachers": [teacher_event(before)]})
        return {"deleted": 1}

    @rpc(model=PermissionsIn)
    async def set_permissions(self, params: PermissionsIn, caller: Caller) -> Teacher:
        school_id = caller.require_school_admin()
        permissions = sorted(set(params.permissions))
        async with self.pool.acquire() as connection, connection.transaction():
            before = await storage.teacher_in_school(
                connection, school_id, params.teacher_id, for_update=True
            )
            if before is None:
                raise NotFound(TEACHER_NOT_FOUND)
            after = await storage.update_teacher(connection, before["id"],
                                                 {"permissions": permissions})
            if ADMIN in before["permissions"] and ADMIN not in permissions:
                await ensure_an_admin_remains(self.bus, connection, school_id, caller)
            await record_change(connection, caller, action="permissions",
                                target_kind="teacher", target_id=after["id"],
                                before={"permissions": before["permissions"]},
                                after={"permissions": permissions})
            await record_event(connection, "roster.teachers.changed",
                               {"teachers": [teacher_event(after)]})
        return teacher_out(after, masked=False)

    @rpc(model=TeacherExportQuery)
    async def teachers_for_export(self, params: TeacherExportQuery, caller: Caller):
        """One page of the school's teachers as an export shows them, by kid."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            rows = await storage.export_page(connection, school_id, params.status,
                                             params.after_kid, params.limit)
        return [{"kid": r["kid"], "name": r["name"], "gender": r["gender"],
                 "remark": r["remark"], "permissions": list(r["permissions"]),
                 "status": r["status"]} for r in rows]

    # --- imports ---------------------------------------------------------------

    @rpc(model=IdNumbersIn)
    async def known_teacher_id_numbers(self, params: IdNumbersIn, caller: Caller):
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            found = await storage.existing_id_numbers(connection, school_id,
                                                      params.id_numbers)
        return sorted(found)

    @rpc(model=PhonesIn)
    async def known_teacher_phones(self, params: PhonesIn, caller: Caller):
        """Which of these phone numbers teachers of the caller's school already have."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            found = await storage.existing_phones(connection, school_id,
                                                  params.phones)
        return sorted(found)

    @rpc(model=TeacherImportBatch)
    async def import_teachers(self, params: TeacherImportBatch, caller: Caller):
        """Create a batch of imported teachers; the same batch sent again is harmless.

        Answers each row with the kid it got, or why it was not created: its ID
        number or its phone number already belongs to a teacher of the school.
        """
        school_id = caller.require_school_admin()
        rows = [r.model_dump() for r in params.rows]
        async with self.pool.acquire() as connection, connection.transaction():
            created = await storage.insert_imported_teachers(
                connection, school_id, params.job_id, rows
            )
            if created:
                await record_change(connection, caller, action="import",
                                    target_kind="teacher", target_id=params.job_id,
                                    after={"created": len(created),
                                           "kids": [r["kid"] for r in created]})
                await record_event(connection, "roster.teachers.created",
                                   {"teachers": [teacher_event(r) for r in created]})
            refs = [f"{params.job_id}:{r['row']}" for r in rows]
            landed = {r["import_ref"]: r["kid"]
                      for r in await storage.teachers_by_import_refs(connection, refs)}
            refusals = await self._import_refusals(
                connection, school_id,
                [row for row, ref in zip(rows, refs) if ref not in landed],
            )

        log.info("teachers_imported", job_id=str(params.job_id), created=len(created))
        return [RowResult(row=row["row"], kid=landed.get(ref),
                          error=refusals.get(row["row"]))
                for row, ref in zip(rows, refs)]

    @staticmethod
    async def _import_refusals(connection, school_id, skipped: list[dict]) -> dict:
        """Why each skipped row was skipped, by sheet row."""
        if not skipped:
            return {}
        id_numbers = [row["id_number"] for row in skipped if row.get("id_number")]
        phones = [row["phone"] for row in skipped if row.get("phone")]
        known = await storage.existing_id_numbers(connection, school_id, id_numbers)
        holders = await storage.phone_holders(connection, school_id, phones)
        return {row["row"]: import_refusal(row, known, holders) for row in skipped}
