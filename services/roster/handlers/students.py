"""Students: add, edit, list and search, disable and enable, delete, transfers.

A student transferred out is archived with where they sat, then removed from the
school. Added again elsewhere with the same ID number, they are the same person:
they keep their kid, and `roster.students.transferred_in` tells identity so that
their parents' accounts follow them.

A student number is unique within its class (the manual numbers each class 01,
02, ...), and among the grade's students without a class; an ID number is unique
among the platform's current students.
"""

import asyncpg

from shared.contracts.common import Caller
from shared.contracts.roster import (
    ArchivedStudent,
    ArchivedStudentDetail,
    NewStudent,
    Student,
    StudentArchivePage,
    StudentArchiveQuery,
    StudentArchiveRef,
    StudentExportQuery,
    StudentIds,
    StudentIn,
    StudentPage,
    StudentPatch,
    StudentQuery,
    StudentRef,
    TransferOutRequest,
)
from shared.db.outbox import record_event
from shared.errors import Conflict, InvalidInput, NotFound
from shared.logging import get_logger
from shared.service import rpc
from shared.validators.id_numbers import mask_id_number, normalise

from services.roster.audit import record_change
from services.roster.grades import grade_name, parse_grade
from services.roster.storage import schools as school_storage
from services.roster.storage import students as storage

log = get_logger("roster.students")

STUDENT_NOT_FOUND = "学生不存在"
ARCHIVE_NOT_FOUND = "转出记录不存在"
CLASS_NOT_FOUND = "班级不存在，请重新选择班级"
NOT_ADMINISTRATIVE = "学生只能编入行政班，请选择行政班"
GRADUATED_FIXED = "已毕业的学生不能{action}"
SOME_MISSING = "有学生不存在，请刷新列表后重试"


def number_claim(class_id, grade, number: str) -> tuple:
    """Where a student number must be unique: the class, or for a student without
    one, the grade's students without a class."""
    return (class_id, None, number) if class_id is not None else (None, grade, number)


def holder_claim(holder) -> tuple:
    """The claim a row of `storage.number_holders` answers."""
    return (holder["claimed_class_id"], holder["claimed_grade"],
            holder["student_number"])


def number_taken(holder) -> str:
    """The message for a number held already, naming the holder's class."""
    where = grade_name(holder["grade"])
    where += (f"({holder['class_number']})班" if holder["class_number"] is not None
              else "未分班")
    return f"学号“{holder['student_number']}”已被{where}的学生使用，请换一个学号"


def id_number_held(school_name: str) -> str:
    return f"该证件号码已是{school_name}的在校学生"


def student_out(row, *, masked: bool = False, cls=Student) -> Student:
    student = cls.model_validate(dict(row) | {"grade_name": grade_name(row["grade"])})
    if masked and student.id_number:
        student.id_number = mask_id_number(student.id_number)
    return student


def student_event(row) -> dict:
    return {"id": str(row["id"]), "kid": row["kid"], "school_id": str(row["school_id"]),
            "name": row["name"], "status": row["status"]}


def archive_out(row, *, masked: bool) -> ArchivedStudent:
    record = row["record"]
    fields = {name: record.get(name) for name in (
        "name", "gender", "grade", "grade_name", "class_name", "student_number",
        "registry_number", "enrolment")}
    archived = dict(row) | fields
    if masked:
        archived["id_number"] = (mask_id_number(row["id_number"])
                                 if row["id_number"] else None)
        return ArchivedStudent.model_validate(archived)
    return ArchivedStudentDetail.model_validate(archived)


def _new_identifiers(before, changes: dict) -> dict:
    """The student number and ID document an edit brings, when they are new.

    A student moving to another class (or grade, without a class) brings their
    number there, so it is checked again.
    """
    fresh = {}
    seat = {name: changes.get(name, before[name])
            for name in ("student_number", "class_id", "grade")}
    if any(seat[name] != before[name] for name in seat):
        fresh |= seat
    document = (changes.get("id_type", before["id_type"]),
                changes.get("id_number", before["id_number"]))
    if document != (before["id_type"], before["id_number"]):
        fresh["id_type"], fresh["id_number"] = document
    return fresh


def _school_grade(raw, school) -> int:
    """A grade of the school from a form or a filter; one it lacks is bad input."""
    try:
        return parse_grade(raw, school["stages"])
    except NotFound as error:
        raise InvalidInput(error.message) from None


class StudentHandlers:
    @rpc(model=StudentIn)
    async def create_student(self, params: StudentIn, caller: Caller) -> NewStudent:
        """Add a student; an ID number transferred out elsewhere brings its kid back."""
        school_id = caller.require_school_admin()
        fields = params.model_dump()
        async with self.pool.acquire() as connection, connection.transaction():
            school = await school_storage.school(connection, school_id)
            await _place(connection, school, fields, class_grade=None)
            await _refuse_duplicates(connection, school_id, fields)
            source = await _transfer_source(connection, school_id, fields)
            row = await _insert(connection, school_id, fields, source)
            await storage.open_class_history(connection, [row["id"]])

            await record_change(connection, caller, action="create",
                                target_kind="student", target_id=row["id"],
                                after=row)
            await record_event(connection, "roster.students.created",
                               {"students": [student_event(row)]})
            if source is not None:
                await link_transfer(connection, [(row, source)])
        log.info("student_created", student_id=str(row["id"]),
                 transferred_in=source is not None)
        student = student_out(row, cls=NewStudent)
        student.transferred_in = source is not None
        return student

    @rpc(model=StudentQuery)
    async def list_students(self, params: StudentQuery, caller: Caller) -> StudentPage:
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            grade = None
            if params.grade:
                school = await school_storage.school(connection, school_id)
                grade = _school_grade(params.grade, school)
            rows, total, counted = await storage.student_page(
                connection, school_id, q=params.q, grade=grade,
                class_id=params.class_id, status=params.status,
                enrolment=params.enrolment, limit=params.page_size,
                offset=params.offset,
            )
        return StudentPage(items=[student_out(r, masked=True) for r in rows],
                           total=total, counted=counted)

    @rpc(model=StudentRef)
    async def get_student(self, params: StudentRef, caller: Caller) -> Student:
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            row = await storage.student_in_school(connection, school_id,
                                                  params.student_id)
        if row is None:
            raise NotFound(STUDENT_NOT_FOUND)
        return student_out(row)

    @rpc(model=StudentPatch)
    async def update_student(self, params: StudentPatch, caller: Caller) -> Student:
        """Change the fields sent; a new class closes the old class's history row."""
        school_id = caller.require_school_admin()
        changes = params.model_dump(exclude_unset=True, exclude={"student_id"})
        async with self.pool.acquire() as connection, connection.transaction():
            before = await storage.student_in_school(
                connection, school_id, params.student_id, for_update=True
            )
            if before is None:
                raise NotFound(STUDENT_NOT_FOUND)
            if not changes:
                return student_out(before)
            changes = await _checked_changes(connection, before, changes)
            after = await _update(connection, before, changes)
            if after["class_id"] != before["class_id"]:
                await storage.close_class_history(connection, after["id"])
                await storage.open_class_history(connection, [after["id"]])

            await record_change(connection, caller, action="update",
                                target_kind="student", target_id=after["id"],
                                before=before, after=after)
            await record_event(connection, "roster.students.changed",
                               {"students": [student_event(after)]})
        return student_out(after)

    @rpc(model=StudentIds)
    async def disable_students(self, params: StudentIds, caller: Caller) -> dict:
        """Disabled students cannot log in; their record and account are kept."""
        return await self._set_student_status(params, caller, "disabled")

    @rpc(model=StudentIds)
    async def enable_students(self, params: StudentIds, caller: Caller) -> dict:
        return await self._set_student_status(params, caller, "active")

    @rpc(model=StudentRef)
    async def delete_student(self, params: StudentRef, caller: Caller) -> dict:
        """Delete for good: the record and its class history; nothing is archived."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            before = await storage.student_in_school(
                connection, school_id, params.student_id, for_update=True
            )
            if before is None:
                raise NotFound(STUDENT_NOT_FOUND)
            await storage.delete_student(connection, before["id"])

            await record_change(connection, caller, action="delete",
                                target_kind="student", target_id=before["id"],
                                before=before)
            await record_event(connection, "roster.students.deleted",
                               {"students": [student_event(before)]})
        return {"deleted": 1}

    # --- transfers -------------------------------------------------------------

    @rpc(model=TransferOutRequest)
    async def transfer_out_student(self, params: TransferOutRequest,
                                   caller: Caller) -> ArchivedStudentDetail:
        """Archive the student with their class history, then remove them.

        The archive stays readable by the school; the kid waits for the school the
        student transfers in to.
        """
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            before = await storage.student_in_school(
                connection, school_id, params.student_id, for_update=True
            )
            if before is None:
                raise NotFound(STUDENT_NOT_FOUND)
            if before["status"] == "graduated":
                raise Conflict(GRADUATED_FIXED.format(action="转出"))
            archive = await _archive(connection, before, params.reason)
            await storage.delete_student(connection, before["id"])

            await record_change(connection, caller, action="transfer_out",
                                target_kind="student", target_id=before["id"],
                                before=before, after={"archive_id": archive["id"],
                                                      "reason": params.reason})
            await record_event(connection, "roster.students.deleted", {"students": [
                student_event(before) | {"transferred_out": True}]})
        log.info("student_transferred_out", student_id=str(before["id"]))
        return archive_out(archive, masked=False)

    @rpc(model=StudentArchiveQuery)
    async def list_student_archive(self, params: StudentArchiveQuery,
                                   caller: Caller) -> StudentArchivePage:
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            rows, total = await storage.archive_page(
                connection, school_id, q=params.q, limit=params.page_size,
                offset=params.offset,
            )
        return StudentArchivePage(items=[archive_out(r, masked=True) for r in rows],
                                  total=total)

    @rpc(model=StudentArchiveRef)
    async def get_student_archive(self, params: StudentArchiveRef,
                                  caller: Caller) -> ArchivedStudentDetail:
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            row = await storage.archive_in_school(connection, school_id,
                                                  params.archive_id)
        if row is None:
            raise NotFound(ARCHIVE_NOT_FOUND)
        return archive_out(row, masked=False)

    # --- status --------------------------------------------------------------

    async def _set_student_status(self, params: StudentIds, caller: Caller,
                                  status: str) -> dict:
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            before = await storage.students_by_ids(connection, school_id,
                                                   params.student_ids, for_update=True)
            if len(before) != len(set(params.student_ids)):
                raise NotFound(SOME_MISSING)
            if any(row["status"] == "graduated" for row in before):
                action = "停用" if status == "disabled" else "启用"
                raise Conflict(GRADUATED_FIXED.format(action=action))
            changed = await storage.set_status(
                connection, school_id, [row["id"] for row in before], status
            )

            for old, new in zip(before, changed):
                await record_change(connection, caller, action=f"status:{status}",
                                    target_kind="student", target_id=new["id"],
                                    before={"status": old["status"]},
                                    after={"status": new["status"]})
            await record_event(connection, "roster.students.changed",
                               {"students": [student_event(r) for r in changed]})
        log.info("students_status_changed", status=status, count=len(changed))
        return {"changed": len(changed)}


# --- steps of the entry points above -------------------------------------------

    @rpc(model=StudentExportQuery)
    async def students_for_export(self, params: StudentExportQuery, caller: Caller):
        """One page of the school's current students, in full, for an export."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            rows = await storage.export_page(connection, school_id, params.after_kid,
                                             params.limit)
        return [student_out(row) for row in rows]


async def _place(connection, school, fields: dict, class_grade) -> None:
    """Resolve the grade and check the class: of this school, administrative and
    of that grade. A class given without a grade puts the student in its grade."""
    grade = fields.get("grade")
    if grade is not None:
        grade = fields["grade"] = _school_grade(grade, school)
    if "class_id" not in fields:
        if grade is not None and class_grade not in (None, grade):
            raise InvalidInput("学生还在原年级的班级里：请同时选择新年级的班级，"
                               "或把班级设为空")
        return
    if fields["class_id"] is None:
        return

    found = await storage.class_in_school(connection, school["id"],
                                          fields["class_id"])
    if found is None or found["grade"] is None:
        raise InvalidInput(CLASS_NOT_FOUND)
    if found["kind"] != "administrative":
        raise InvalidInput(NOT_ADMINISTRATIVE)
    if grade is None:
        fields["grade"] = found["grade"]
    elif found["grade"] != grade:
        raise InvalidInput(f"{grade_name(found['grade'])}({found['number']})班"
                           f"不属于{grade_name(grade)}，请重新选择班级")


async def _refuse_duplicates(connection, school_id, fields: dict, *,
                             student_id=None) -> None:
    number = fields.get("student_number")
    if number:
        claim = number_claim(fields.get("class_id"), fields["grade"], number)
        holders = await storage.number_holders(connection, school_id, [claim],
                                               except_student=student_id)
        if holders:
            raise Conflict(number_taken(holders[0]))
    if fields.get("id_number"):
        holders = await storage.id_number_holders(
            connection, [(fields["id_type"], fields["id_number"])],
            except_student=student_id,
        )
        if holders:
            raise Conflict(id_number_held(holders[0]["school_name"]))


async def _transfer_source(connection, school_id, fields: dict):
    if not fields.get("id_number"):
        return None
    sources = await storage.transfer_sources(
        connection, school_id, [(fields["id_type"], fields["id_number"])]
    )
    return sources[0] if sources else None


async def _insert(connection, school_id, fields: dict, source):
    kid = source["kid"] if source is not None else None
    try:
        return await storage.insert_student(connection, school_id, fields, kid)
    except asyncpg.UniqueViolationError as error:
        raise _duplicate(error, fields) from None


async def _update(connection, before, changes: dict):
    try:
        return await storage.update_student(connection, before["id"], changes)
    except asyncpg.UniqueViolationError as error:
        raise _duplicate(error, dict(before) | changes) from None


def _duplicate(error: asyncpg.UniqueViolationError, fields: dict) -> Conflict:
    # Two requests raced past the checks; the index had the last word.
    number = fields["student_number"]
    if error.constraint_name == "students_number_in_class":
        return Conflict(f"学号“{number}”已被同班学生使用，请换一个学号")
    if error.constraint_name == "students_number_in_grade_unplaced":
        return Conflict(f"学号“{number}”已被本年级未分班的学生使用，请换一个学号")
    return Conflict("该证件号码已是在校学生，请核对证件号码")


async def link_transfer(connection, pairs) -> None:
    """Mark the archives left behind and tell who listens that these came in."""
    await storage.mark_transferred_in(
        connection, [source["id"] for _, source in pairs], pairs[0][0]["school_id"]
    )
    await record_event(connection, "roster.students.transferred_in", {"students": [
        {"id": str(row["id"]), "kid": row["kid"],
         "school_id": str(row["school_id"]), "name": row["name"],
         "id_type": row["id_type"], "id_number": row["id_number"],
         "from_school_id": str(source["school_id"])}
        for row, source in pairs
    ]})


async def _checked_changes(connection, before, changes: dict) -> dict:
    """The edit made whole (grade, class, ID document) once it passes every rule."""
    school = await school_storage.school(connection, before["school_id"])
    if "grade" in changes or "class_id" in changes:
        class_grade = await _current_class_grade(connection, before)
        await _place(connection, school, changes, class_grade)
    if "id_type" in changes or "id_number" in changes:
        id_type = changes.get("id_type", before["id_type"])
        number = changes.get("id_number", before["id_number"])
        changes["id_type"] = id_type
        changes["id_number"] = normalise(id_type, number) if number else None
    if before["status"] != "graduated":
        await _refuse_duplicates(connection, before["school_id"],
                                 _new_identifiers(before, changes),
                                 student_id=before["id"])
    return changes


async def _current_class_grade(connection, before):
    if before["class_id"] is None:
        return None
    found = await storage.class_in_school(connection, before["school_id"],
                                          before["class_id"])
    return found["grade"] if found is not None else None


async def _archive(connection, student, reason):
    await storage.close_class_history(connection, student["id"])
    history = [
        dict(row) | {"grade_name": grade_name(row["grade"])}
        for row in await storage.class_history(connection, student["id"])
    ]
    record = student_out(student).model_dump(mode="json") | {
        "school_id": str(student["school_id"])}
    return await storage.insert_archive(connection, student, record, history,
                                        reason)
