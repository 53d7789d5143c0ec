"""Classes: administrative (行政班), tiered (分层走班) and elective (选修班).

A class is numbered within its grade and kind, (1)班 to (999)班; it may carry an
alias, be virtual, and be placed by a sort order. It lists its students by
student number and cannot be deleted while any student still sits in it.
"""

import asyncpg

from shared.contracts.common import Caller
from shared.contracts.roster.classes import (
    CLASS_NUMBER_MAX,
    KIND_NAMES,
    Class,
    ClassBatchIn,
    ClassIn,
    ClassPage,
    ClassPatch,
    ClassQuery,
    ClassRef,
    ClassStudent,
    ClassWithStudents,
    class_name,
)
from shared.errors import Conflict, InvalidInput, NotFound
from shared.logging import get_logger
from shared.service import rpc
from shared.validators.id_numbers import mask_id_number

from services.roster.audit import record_change
from services.roster.grades import grade_name
from services.roster.handlers.grades import resolve_grade
from services.roster.storage import classes as storage
from services.roster.storage import grades as grade_storage

log = get_logger("roster.classes")

CLASS_NOT_FOUND = "班级不存在"


def class_out(row) -> Class:
    """A class as clients see it; a row without counts is a class just made."""
    return Class(
        id=row["id"], grade=row["grade"], grade_name=grade_name(row["grade"]),
        kind=row["kind"], number=row["number"], name=class_name(row["number"]),
        alias=row["alias"], virtual=row["virtual"], sort_order=row["sort_order"],
        student_count=row.get("student_count", 0),
        counted_count=row.get("counted_count", 0),
    )


def student_out(row, klass) -> ClassStudent:
    student = ClassStudent(**dict(row), grade_name=grade_name(row["grade"]),
                           class_name=class_name(klass["number"]))
    if student.id_number:
        student.id_number = mask_id_number(student.id_number)
    return student


def taken_number(grade: int, kind: str, number: int) -> Conflict:
    return Conflict(f"{grade_name(grade)}已有{KIND_NAMES[kind]}{class_name(number)}，"
                    f"同一年级同类班级的班号不能重复，请换一个班号")


async def grade_in_body(connection, school_id, raw) -> int:
    """A grade sent in a form: one the school lacks is a mistake in the form."""
    try:
        return await resolve_grade(connection, school_id, raw)
    except NotFound as missing:
        raise InvalidInput(missing.message) from None


async def apply_class_changes(connection, caller: Caller, before, changes: dict):
    try:
        after = await storage.update_class(connection, before["id"], changes)
    except asyncpg.UniqueViolationError:
        raise taken_number(before["grade"], before["kind"],
                           changes["number"]) from None
    await record_change(connection, caller, action="update", target_kind="class",
                        target_id=after["id"], before=before, after=after)


def refuse_if_occupied(klass, current: int, graduated: int) -> None:
    name = f"{grade_name(klass['grade']) or ''}{class_name(klass['number'])}"
    if current:
        raise Conflict(f"{name}还有{current}名学生，请先把他们调到其他班级再删除",
                       details={"students": current})
    if graduated:
        raise Conflict(f"{name}还保留着{graduated}名毕业生的记录，不能删除",
                       details={"graduated": graduated})


class ClassHandlers:
    @rpc(model=ClassQuery)
    async def list_classes(self, params: ClassQuery, caller: Caller) -> ClassPage:
        """The school's current classes by grade, kind, sort order and number."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            grade = None
            if params.grade is not None:
                grade = await grade_in_body(connection, school_id, params.grade)
            rows, total = await storage.class_page(
                connection, school_id, grade=grade, kind=params.kind,
                limit=params.page_size, offset=params.offset,
            )
        return ClassPage(items=[class_out(row) for row in rows], total=total)

    @rpc(model=ClassIn)
    async def create_class(self, params: ClassIn, caller: Caller) -> Class:
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            grade = await grade_in_body(connection, school_id, params.grade)
            await grade_storage.lock_grade(connection, school_id, grade)
            fields = params.model_dump() | {"grade": grade}
            try:
                row = await storage.insert_class(connection, school_id, fields)
            except asyncpg.UniqueViolationError:
                raise taken_number(grade, params.kind, params.number) from None
            await record_change(connection, caller, action="create",
                                target_kind="class", target_id=row["id"], after=row)
        log.info("class_created", class_id=str(row["id"]))
        return class_out(row)

    @rpc(model=ClassBatchIn)
    async def create_classes(self, params: ClassBatchIn, caller: Caller) -> ClassPage:
        """Add `count` classes numbered on from the grade's highest of that kind."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            grade = await grade_in_body(connection, school_id, params.grade)
            await grade_storage.lock_grade(connection, school_id, grade)
            highest = await storage.highest_number(connection, school_id, grade,
                                                   params.kind)
            if highest + params.count > CLASS_NUMBER_MAX:
                raise InvalidInput(
                    f"{grade_name(grade)}的{KIND_NAMES[params.kind]}已编到"
                    f"{class_name(highest)}，班号最大为{CLASS_NUMBER_MAX}，"
                    f"最多还能添加{CLASS_NUMBER_MAX - highest}个班")
            numbers = list(range(highest + 1, highest + params.count + 1))
            rows = await storage.insert_numbered_classes(
                connection, school_id, grade, params.kind, numbers)
            for row in rows:
                await record_change(connection, caller, action="create",
                                    target_kind="class", target_id=row["id"],
                                    after=row)
        log.info("classes_created", grade=grade, count=len(rows))
        rows = sorted(rows, key=lambda row: row["number"])
        return ClassPage(items=[class_out(row) for row in rows], total=len(rows))

    @rpc(model=ClassRef)
    async def get_class(self, params: ClassRef, caller: Caller) -> ClassWithStudents:
        """The class with its current students, ordered by student number."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            row = await storage.counted_class(connection, school_id, params.class_id)
            if row is None:
                raise NotFound(CLASS_NOT_FOUND)
            students = await storage.students_in_class(connection, school_id,
                                                       params.class_id)
        return ClassWithStudents(
            **class_out(row).model_dump(),
            students=[student_out(student, row) for student in students],
        )

    @rpc(model=ClassPatch)
    async def update_class(self, params: ClassPatch, caller: Caller) -> Class:
        school_id = caller.require_school_admin()
        changes = params.model_dump(exclude_unset=True, exclude={"class_id"})
        async with self.pool.acquire() as connection, connection.transaction():
            before = await storage.class_in_school(connection, school_id,
                                                   params.class_id, for_update=True)
            if before is None:
                raise NotFound(CLASS_NOT_FOUND)
            if changes:
                await apply_class_changes(connection, caller, before, changes)
            row = await storage.counted_class(connection, school_id, before["id"])
        return class_out(row)

    @rpc(model=ClassRef)
    async def delete_class(self, params: ClassRef, caller: Caller) -> dict:
        """Delete an empty class, with its head teacher and subject teachers."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            before = await storage.class_in_school(connection, school_id,
                                                   params.class_id, for_update=True)
            if before is None:
                raise NotFound(CLASS_NOT_FOUND)
            current, graduated = await storage.students_on_record(connection,
                                                                  before["id"])
            refuse_if_occupied(before, current, graduated)
            await storage.delete_class(connection, before["id"])
            await record_change(connection, caller, action="delete",
                                target_kind="class", target_id=before["id"],
                                before=before)
        log.info("class_deleted", class_id=str(before["id"]))
        return {"deleted": 1}
