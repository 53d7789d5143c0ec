"""Students: add, edit, list and search, disable and enable, delete, transfers.

A student transferred out is archived with where they sat, then removed from the
school. Added again elsewhere with the same ID number, they are the same person:
they keep their kid, and `roster.students.transferred_in` tells identity so that
their parents' accounts follow them.
"""

import asyncpg

from shared.contracts.common import Caller
from shared.contracts.roster import (
    ArchivedStudent,
    ArchivedStudentDetail,
    NewStudent,
    RowResult,
    Student,
    StudentArchivePage,
    StudentArchiveQuery,
    StudentArchiveRef,
    StudentConflict,
    StudentConflictQuery,
    StudentIds,
    StudentImportBatch,
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
from shared.validators.id_numbers import MAINLAND_ID, mask_id_number, normalise

from services.roster.audit import record_change
from services.roster.grades import grade_name, parse_grade, school_grades
from services.roster.storage import schools as school_storage
from services.roster.storage import students as storage

log = get_logger("roster.students")

STUDENT_NOT_FOUND = "学生不存在"
ARCHIVE_NOT_FOUND = "转出记录不存在"
CLASS_NOT_FOUND = "班级不存在，请重新选择班级"
NOT_ADMINISTRATIVE = "学生只能编入行政班，请选择行政班"
GRADUATED_FIXED = "已毕业的学生不能{action}"
SOME_MISSING = "有学生不存在，请刷新列表后重试"
DUPLICATE_STUDENT = "学号或证件号码与已有学生重复"


def number_taken(number: str) -> str:
    return f"学号“{number}”已被本校在校学生使用，请换一个学号"


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
    """The student number and ID document an edit brings, when they are new."""
    fresh = {}
    number = changes.get("student_number", before["student_number"])
    if number != before["student_number"]:
        fresh["student_number"] = number
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
                await _link_transfer(connection, [(row, source)])
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

    # --- imports ---------------------------------------------------------------

    @rpc(model=StudentConflictQuery)
    async def known_student_conflicts(self, params: StudentConflictQuery,
                                      caller: Caller) -> list[StudentConflict]:
        """For an import preview: the rows whose ID number a current student holds
        (here or elsewhere), whose student number is taken here, or whose ID number
        was transferred out of another school. Rows with nothing to say are left out.
        """
        school_id = caller.require_school_admin()
        probes = [_with_id_type(p.model_dump()) for p in params.rows]
        async with self.pool.acquire() as connection:
            holders = await _holders(connection, probes)
            taken = await storage.taken_student_numbers(
                connection, school_id, [p["student_number"] for p in probes
                                        if p["student_number"]]
            )
            sources = {_document(s): s for s in await storage.transfer_sources(
                connection, school_id, _documents(probes))}

        found = [_conflict(p, school_id, holders, taken, sources) for p in probes]
        return [c for c in found if c.messages or c.notices]

    @rpc(model=StudentImportBatch)
    async def import_students(self, params: StudentImportBatch,
                              caller: Caller) -> list[RowResult]:
        """Create a batch of imported students; the same batch sent again is harmless.

        Each row's administrative class is found, or made, by grade and number; a
        row whose ID number was transferred out of another school keeps its kid.
        Answers each row with the kid it got, or why it was not created.
        """
        school_id = caller.require_school_admin()
        rows = [_with_id_type(r.model_dump())
                | {"import_ref": f"{params.job_id}:{r.row}"} for r in params.rows]
        async with self.pool.acquire() as connection, connection.transaction():
            school = await school_storage.school(connection, school_id)
            landed = {r["import_ref"]: r["kid"] for r in
                      await storage.students_by_import_refs(
                          connection, [r["import_ref"] for r in rows])}
            errors = _grade_errors(school, rows)
            fresh = [r for r in rows
                     if r["import_ref"] not in landed and r["row"] not in errors]
            errors |= await _conflict_messages(connection, school_id, fresh)

            fresh = [r for r in fresh if r["row"] not in errors]
            created = await _create_imported(connection, caller, school_id, fresh)
            landed |= {r["import_ref"]: r["kid"] for r in created}
            missed = [r for r in fresh if r["import_ref"] not in landed]
            errors |= await _conflict_messages(connection, school_id, missed)

        log.info("students_imported", job_id=str(params.job_id), created=len(created))
        return [RowResult(row=r["row"], kid=landed.get(r["import_ref"]),
                          error=None if r["import_ref"] in landed
                          else errors.get(r["row"], DUPLICATE_STUDENT))
                for r in rows]


# --- steps of the entry points above -------------------------------------------


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
    if number and await storage.taken_student_numbers(
        connection, school_id, [number], except_student=student_id
    ):
        raise Conflict(number_taken(number))
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
    if error.constraint_name == "students_number_in_school":
        return Conflict(number_taken(fields["student_number"]))
    return Conflict("该证件号码已是在校学生，请核对证件号码")


async def _link_transfer(connection, pairs) -> None:
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


async def _holders(connection, rows: list[dict]) -> dict:
    return {_document(h): h for h in await storage.id_number_holders(
        connection, _documents(rows))}


async def _conflict_messages(connection, school_id, rows) -> dict:
    """Why each of these rows cannot be added, by sheet row."""
    if not rows:
        return {}
    holders = await _holders(connection, rows)
    taken = await storage.taken_student_numbers(
        connection, school_id, [r["student_number"] for r in rows]
    )
    messages = {}
    for row in rows:
        holder = holders.get(_document(row))
        if holder is not None:
            messages[row["row"]] = id_number_held(holder["school_name"])
        elif row["student_number"] in taken:
            messages[row["row"]] = number_taken(row["student_number"])
    return messages


async def _create_imported(connection, caller, school_id, rows) -> list:
    if not rows:
        return []
    made, classes = await storage.administrative_classes(
        connection, school_id, {(r["grade"], r["class_number"]) for r in rows}
    )
    sources = {_document(s): s for s in await storage.transfer_sources(
        connection, school_id, _documents(rows))}
    for row in rows:
        row["class_id"] = classes[(row["grade"], row["class_number"])]
        source = sources.get(_document(row))
        row["kid"] = source["kid"] if source is not None else None
    created = await storage.insert_imported_students(connection, school_id, rows)

    for made_class in made:
        await record_change(connection, caller, action="import",
                            target_kind="class", target_id=made_class["id"],
                            after=made_class)
    if created:
        await _announce_imported(connection, caller, created, sources)
    return created


async def _announce_imported(connection, caller, created, sources) -> None:
    await storage.open_class_history(connection, [r["id"] for r in created])
    await record_change(connection, caller, action="import",
                        target_kind="student", target_id=None,
                        after={"created": len(created),
                               "kids": [r["kid"] for r in created]})
    await record_event(connection, "roster.students.created",
                       {"students": [student_event(r) for r in created]})
    linked = [(row, sources[_document(row)]) for row in created
              if _document(row) in sources
              and sources[_document(row)]["kid"] == row["kid"]]
    if linked:
        await _link_transfer(connection, linked)


def _with_id_type(row: dict) -> dict:
    row["id_type"] = row.get("id_type") or MAINLAND_ID
    return row


def _document(row) -> tuple[str, str | None]:
    return row["id_type"], row["id_number"]


def _documents(rows) -> list[tuple[str, str]]:
    return list({_document(r) for r in rows if r["id_number"]})


def _grade_errors(school, rows: list[dict]) -> dict:
    grades = set(school_grades(school["stages"]))
    return {r["row"]: f"本校没有{grade_name(r['grade'])}，请核对年级"
            for r in rows if r["grade"] not in grades}


def _conflict(probe, school_id, holders, taken, sources) -> StudentConflict:
    found = StudentConflict(row=probe["row"])
    holder = holders.get(_document(probe)) if probe["id_number"] else None
    if holder is not None:
        found.id_number_school = holder["school_name"]
        found.id_number_here = holder["school_id"] == school_id
        found.messages.append(id_number_held(holder["school_name"]))
    if probe["student_number"] in taken:
        found.student_number_taken = True
        found.messages.append(number_taken(probe["student_number"]))
    source = sources.get(_document(probe)) if holder is None else None
    if source is not None:
        found.transferred_from = source["school_name"]
        found.notices.append(f"该学生从{source['school_name']}转入，将沿用原来的 kid")
    return found
