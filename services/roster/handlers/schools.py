"""Schools, made by platform operators, and their first admins."""

from shared.contracts.common import ADMIN, Caller, PageQuery
from shared.contracts.roster import School, SchoolAdminIn, SchoolIn, TeacherInSchool
from shared.db.outbox import record_event
from shared.errors import Conflict, NotFound
from shared.logging import get_logger
from shared.service import rpc
from shared.validators.id_numbers import MAINLAND_ID

from services.roster.audit import record_change
from services.roster.grades import school_grades
from services.roster.handlers.teachers import saved_teacher, teacher_event, teacher_out
from services.roster.storage import schools as storage
from services.roster.storage import teachers as teacher_storage

log = get_logger("roster.schools")


def school_out(row) -> School:
    return School.model_validate(dict(row))


class SchoolHandlers:
    @rpc(model=SchoolIn)
    async def create_school(self, params: SchoolIn, caller: Caller) -> School:
        """A school with the grades of its stages and their usual subjects."""
        caller.require_operator()
        async with self.pool.acquire() as connection, connection.transaction():
            row = await storage.insert_school(connection, params.name, params.stages)
            if row is None:
                raise Conflict(f"已有名为“{params.name}”的学校")
            await storage.insert_grades(connection, row["id"],
                                        school_grades(params.stages))
            await self.seed_default_subjects(connection, row["id"], params.stages)
            await record_change(connection, caller, action="create",
                                target_kind="school", target_id=row["id"],
                                after=row, school_id=row["id"])
            await record_event(connection, "roster.school.created",
                               {"id": str(row["id"]), "name": row["name"]})
        log.info("school_created", school_id=str(row["id"]))
        return school_out(row)

    @rpc(model=PageQuery)
    async def list_schools(self, params: PageQuery, caller: Caller) -> dict:
        caller.require_operator()
        async with self.pool.acquire() as connection:
            rows, total = await storage.school_page(connection, params.page_size,
                                                    params.offset)
        return {"items": [school_out(r) for r in rows], "total": total}

    @rpc
    async def get_school(self, params: dict, caller: Caller) -> School:
        school_id = caller.require_school_member()
        async with self.pool.acquire() as connection:
            row = await storage.school(connection, school_id)
        if row is None:
            raise NotFound("学校不存在")
        return school_out(row)

    @rpc(model=TeacherInSchool)
    async def discard_school_admin(self, params: TeacherInSchool, caller: Caller):
        """Take back an admin made by create_school_admin whose account could not be
        opened, so a refused request leaves nothing behind."""
        caller.require_operator()
        async with self.pool.acquire() as connection, connection.transaction():
            row = await teacher_storage.teacher_in_school(
                connection, params.school_id, params.teacher_id, for_update=True)
            if row is None:
                raise NotFound("教师不存在")
            await teacher_storage.delete_teacher(connection, row["id"])
            await record_change(connection, caller, action="discard",
                                target_kind="teacher", target_id=row["id"],
                                before=row, school_id=params.school_id)
            await record_event(connection, "roster.teachers.deleted",
                               {"teachers": [teacher_event(row)]})
        return {"discarded": 1}

    @rpc(model=SchoolAdminIn)
    async def create_school_admin(self, params: SchoolAdminIn, caller: Caller):
        """A teacher holding the admin permission; identity gives it its password."""
        caller.require_operator()
        async with self.pool.acquire() as connection, connection.transaction():
            if await storage.school(connection, params.school_id) is None:
                raise NotFound("学校不存在")
            fields = params.model_dump() | {"id_type": MAINLAND_ID}
            row = await saved_teacher(
                connection, params.school_id,
                lambda: teacher_storage.insert_teacher(
                    connection, params.school_id, fields, [ADMIN]),
                fields["phone"],
            )
            await record_change(connection, caller, action="create",
                                target_kind="teacher", target_id=row["id"],
                                after=row, school_id=params.school_id)
            await record_event(connection, "roster.teachers.created",
                               {"teachers": [teacher_event(row)]})
        return teacher_out(row, masked=False)
