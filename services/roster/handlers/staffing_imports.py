"""The roster side of staffing imports: 导入备课组长 and 导入任课关系.

The importer reads the school's layout (grades, subjects, classes) and teachers to
check a file, then lands its rows in batches. Each row lands whole or not at all
(a savepoint per row), with the staffing rules of the one-by-one screens: a
disabled teacher cannot be given a new place, every change holds its grade's lock
and gets an audit entry. Landing a row again changes nothing.
"""

from uuid import UUID

from shared.contracts.common import Caller
from shared.contracts.roster import RowResult
from shared.contracts.roster.staffing_imports import (
    AssignmentBatch,
    GradeSubjectNames,
    MatchableTeacher,
    PrepLeaderBatch,
    StaffedClass,
    StaffingLayout,
    TeacherPageQuery,
)
from shared.errors import DomainError, NotFound
from shared.logging import get_logger
from shared.service import rpc

from services.roster.grades import grade_name, school_grades
from services.roster.handlers.staffing import (
    ids,
    lock_grade,
    prep_snapshot,
    record_staffing,
    refuse_disabled,
    resolve_subject,
    school_teachers,
    summaries,
    unique,
)
from services.roster.storage import schools as school_storage
from services.roster.storage import staffing as staffing_storage
from services.roster.storage import staffing_imports as storage

log = get_logger("roster.staffing_imports")


async def _each_row(connection, rows, land) -> list[RowResult]:
    """Land each row under a savepoint; a refused row leaves nothing behind."""
    results = []
    for row in rows:
        try:
            async with connection.transaction():
                await land(row)
        except DomainError as error:
            results.append(RowResult(row=row.row, error=error.message))
        else:
            results.append(RowResult(row=row.row))
    return results


async def _school_grade(connection, school_id: UUID, grade: int) -> None:
    school = await school_storage.school(connection, school_id)
    if grade not in school_grades(school["stages"]):
        raise NotFound(f"本校没有{grade_name(grade)}，请核对年级")
    await lock_grade(connection, school_id, grade)


class StaffingImportHandlers:
    @rpc(model=TeacherPageQuery)
    async def teachers_for_matching(self, params: TeacherPageQuery,
                                    caller: Caller) -> list[MatchableTeacher]:
        """One page, by kid, of the school's teachers as names are matched to them."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            rows = await storage.teacher_page(connection, school_id,
                                              params.after_kid, params.limit)
        return [MatchableTeacher.model_validate(dict(row)) for row in rows]

    @rpc
    async def staffing_layout(self, params: dict, caller: Caller) -> StaffingLayout:
        """The school's grades with their subjects, and its administrative classes."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            school = await school_storage.school(connection, school_id)
            grades = school_grades(school["stages"])
            subjects = await storage.subjects_by_grade(connection, school_id, grades)
            classes = await storage.administrative_classes(connection, school_id,
                                                           grades)
        by_grade: dict[int, list[str]] = {grade: [] for grade in grades}
        for subject in subjects:
            by_grade[subject["grade"]].append(subject["name"])
        return StaffingLayout(
            grades=[GradeSubjectNames(grade=g, grade_name=grade_name(g), subjects=s)
                    for g, s in by_grade.items()],
            classes=[StaffedClass(id=c["id"], grade=c["grade"],
                                  grade_name=grade_name(c["grade"]),
                                  number=c["number"], name=f"({c['number']})班",
                                  virtual=c["virtual"]) for c in classes],
        )

    # --- prep leaders ------------------------------------------------------------

    @rpc(model=PrepLeaderBatch)
    async def import_prep_leaders(self, params: PrepLeaderBatch,
                                  caller: Caller) -> list[RowResult]:
        """Make each row's teachers the leaders of its grade's groups.

        For each subject of a row, the teachers named lead the group from now on;
        leaders not named stay members. Answers each row's outcome.
        """
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            async def land(row):
                await _school_grade(connection, school_id, row.grade)
                for staff in row.subjects:
                    await self._lead(connection, caller, row.grade, staff)

            results = await _each_row(connection, params.rows, land)
        log.info("prep_leaders_imported", job_id=str(params.job_id),
                 rows=len(results))
        return results

    async def _lead(self, connection, caller: Caller, grade: int, staff) -> None:
        subject = await resolve_subject(connection, caller.school_id, grade,
                                        staff.subject)
        leader_ids = unique(staff.teacher_ids)
        before = await staffing_storage.prep_members(connection, subject["id"])
        rows = await school_teachers(connection, caller.school_id, leader_ids)
        refuse_disabled(rows, set(leader_ids) - {m["id"] for m in before
                                                 if m["is_leader"]}, "担任备课组长")

        members = unique([m["id"] for m in before] + leader_ids)
        await staffing_storage.replace_prep_group(connection, caller.school_id, grade,
                                                  subject["id"], leader_ids, members)
        after = await staffing_storage.prep_members(connection, subject["id"])
        if prep_snapshot(after) != prep_snapshot(before):
            await record_staffing(
                connection, caller, action="import", target_kind="prep_group",
                target_id=subject["id"], before=prep_snapshot(before),
                after=prep_snapshot(after),
                event={"grade": grade, "subject_id": str(subject["id"])},
            )

    # --- assignments -------------------------------------------------------------

    @rpc(model=AssignmentBatch)
    async def import_assignments(self, params: AssignmentBatch,
                                 caller: Caller) -> list[RowResult]:
        """Set each row's head teacher and subject teachers of its class.

        A subject's teachers become exactly those named and join the grade's
        preparation group of the subject. Answers each row's outcome.
        """
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            async def land(row):
                await _school_grade(connection, school_id, row.grade)
                found = await storage.administrative_class(
                    connection, school_id, row.grade, row.class_number)
                if found is None:
                    raise NotFound(f"本校没有{grade_name(row.grade)}"
                                   f"({row.class_number})班，请先在班级管理中添加")
                if row.head_teacher_id is not None:
                    await self._head(connection, caller, found, row.head_teacher_id)
                for staff in row.subjects:
                    await self._teach(connection, caller, found, staff)

            results = await _each_row(connection, params.rows, land)
        log.info("assignments_imported", job_id=str(params.job_id),
                 rows=len(results))
        return results

    async def _head(self, connection, caller: Caller, found, teacher_id) -> None:
        before = await staffing_storage.head_teacher(connection, found["id"])
        current = [before] if before else []
        if teacher_id in ids(current):
            return
        teachers = await school_teachers(connection, caller.school_id, [teacher_id])
        refuse_disabled(teachers, {teacher_id}, "担任班主任")
        await staffing_storage.set_head_teacher(connection, found["id"], teacher_id)
        await record_staffing(
            connection, caller, action="import", target_kind="head_teacher",
            target_id=found["id"], before={"teachers": summaries(current)},
            after={"teachers": summaries(teachers)},
            event={"grade": found["grade"], "class_id": str(found["id"])},
        )

    async def _teach(self, connection, caller: Caller, found, staff) -> None:
        subject = await resolve_subject(connection, caller.school_id, found["grade"],
                                        staff.subject)
        wanted = unique(staff.teacher_ids)
        before = await staffing_storage.class_subject_teachers(
            connection, found["id"], subject["id"])
        rows = await school_teachers(connection, caller.school_id, wanted)
        refuse_disabled(rows, set(wanted) - ids(before), "担任任课教师")

        await staffing_storage.replace_class_subject_teachers(
            connection, found["id"], subject["id"], wanted)
        await self._join_group(connection, caller, found["grade"], subject, wanted)
        after = await staffing_storage.class_subject_teachers(
            connection, found["id"], subject["id"])
        if ids(after) != ids(before):
            await record_staffing(
                connection, caller, action="import", target_kind="class_subject",
                target_id=found["id"],
                before={"subject_id": subject["id"], "teachers": summaries(before)},
                after={"subject_id": subject["id"], "teachers": summaries(after)},
                event={"grade": found["grade"], "class_id": str(found["id"]),
                       "subject_id": str(subject["id"])},
            )

    async def _join_group(self, connection, caller: Caller, grade: int, subject,
                          teacher_ids: list[UUID]) -> None:
        """Teachers of a class subject are members of the grade's group of it."""
        before = await staffing_storage.prep_members(connection, subject["id"])
        added = await staffing_storage.add_prep_members(
            connection, caller.school_id, grade, subject["id"], teacher_ids)
        if not added:
            return
        after = await staffing_storage.prep_members(connection, subject["id"])
        await record_staffing(
            connection, caller, action="import", target_kind="prep_group",
            target_id=subject["id"], before=prep_snapshot(before),
            after=prep_snapshot(after),
            event={"grade": grade, "subject_id": str(subject["id"])},
        )
