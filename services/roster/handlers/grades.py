"""Grades and their subjects.

A school has the grades of its stages. Each grade teaches subjects grouped in the
manual's seven categories, in a normal mode or, for senior grades, the 3+3
elective mode. A new school starts from the usual subjects of its stages.
"""

from shared.contracts.common import Caller
from shared.contracts.roster.grades import (
    CATEGORIES,
    CategorySubjects,
    ClassCounts,
    GradeSubjects,
    GradeSubjectsPut,
    GradeSubjectsRef,
    GradeSubjectsReplaced,
    GradeSummary,
    GradeSummaryList,
    RemovedSubject,
    SubjectItem,
)
from shared.errors import InvalidInput, NotFound
from shared.logging import get_logger
from shared.service import rpc

from services.roster.audit import record_change
from services.roster.grades import (
    GRADE_NAMES,
    STAGE_GRADES,
    parse_grade,
    school_grades,
    stage_of,
)
from services.roster.storage import grades as storage
from services.roster.storage import schools as school_storage
from services.roster.subjects import default_subjects

log = get_logger("roster.grades")

ELECTIVE_GRADES = STAGE_GRADES["senior"]


async def school_stages(connection, school_id) -> list[str]:
    school = await school_storage.school(connection, school_id)
    if school is None:
        raise NotFound("学校不存在")
    return list(school["stages"])


async def resolve_grade(connection, school_id, raw) -> int:
    """The school's grade named by `raw`; NotFound when the school lacks it."""
    return parse_grade(raw, await school_stages(connection, school_id))


def check_mode(grade: int, mode: str) -> None:
    if mode == "3+3" and grade not in ELECTIVE_GRADES:
        raise InvalidInput(f"3+3模式只适用于高中年级（高一至高三），"
                           f"{GRADE_NAMES[grade]}请选择普通模式")


def grade_summary(grade: int, row) -> GradeSummary:
    """A grade with its counts; a grade without a row yet has nothing in it."""
    counts = ClassCounts()
    if row is not None:
        counts = ClassCounts(administrative=row["administrative"],
                             tiered=row["tiered"], elective=row["elective"])
    return GradeSummary(
        grade=grade, grade_name=GRADE_NAMES[grade], stage=stage_of(grade),
        mode=row["subject_mode"] if row else "normal",
        class_count=counts.administrative + counts.tiered + counts.elective,
        class_counts=counts, subject_count=row["subject_count"] if row else 0,
    )


def grade_subjects(grade: int, mode: str, rows) -> GradeSubjects:
    """All seven categories in the manual's order, empty ones included."""
    by_category = {category: [] for category in CATEGORIES}
    for row in rows:
        by_category[row["category"]].append(
            SubjectItem(id=str(row["id"]), name=row["name"]))
    return GradeSubjects(
        grade=grade, grade_name=GRADE_NAMES[grade], mode=mode,
        categories=[CategorySubjects(category=category, subjects=subjects)
                    for category, subjects in by_category.items()],
    )


def subject_entries(params: GradeSubjectsPut) -> list[tuple[str, str, int]]:
    """(category, name, order) in the manual's category order, as the admin listed."""
    listed = {entry.category: entry.subjects for entry in params.categories}
    names = [(category, subject.name)
             for category in CATEGORIES for subject in listed.get(category, [])]
    return [(category, name, order) for order, (category, name) in enumerate(names)]


def subjects_snapshot(mode: str, rows) -> dict:
    return {"mode": mode,
            "subjects": [[row["category"], row["name"]] for row in rows]}


class GradeHandlers:
    async def seed_default_subjects(self, connection, school_id, stages) -> None:
        """Give every grade of a new school the usual subjects of its stage."""
        rows = [
            (school_id, grade, category, name, order)
            for stage in stages
            for grade in STAGE_GRADES[stage]
            for order, (category, name) in enumerate(default_subjects(stage))
        ]
        await connection.executemany(
            "INSERT INTO subjects (school_id, grade, category, name, sort_order)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            rows,
        )

    @rpc
    async def list_grades(self, params: dict, caller: Caller) -> GradeSummaryList:
        """The school's grades, lowest first, with their mode and counts."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            grades = school_grades(await school_stages(connection, school_id))
            rows = {row["grade"]: row for row in
                    await storage.grade_summaries(connection, school_id, grades)}
        items = [grade_summary(grade, rows.get(grade)) for grade in grades]
        return GradeSummaryList(items=items, total=len(items))

    @rpc(model=GradeSubjectsRef)
    async def get_grade_subjects(self, params: GradeSubjectsRef,
                                 caller: Caller) -> GradeSubjects:
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            grade = await resolve_grade(connection, school_id, params.grade)
            mode = await storage.subject_mode(connection, school_id, grade)
            rows = await storage.subjects_of_grade(connection, school_id, grade)
        return grade_subjects(grade, mode, rows)

    @rpc(model=GradeSubjectsPut)
    async def replace_grade_subjects(self, params: GradeSubjectsPut,
                                     caller: Caller) -> GradeSubjectsReplaced:
        """Make a grade's subjects exactly those sent.

        A subject whose name stays keeps its id (and so its preparation group and
        teachers), even when it moves to another category; a subject left out is
        removed with its groups and teachers, and the answer lists it.
        """
        school_id = caller.require_school_admin()
        entries = subject_entries(params)
        async with self.pool.acquire() as connection, connection.transaction():
            grade = await resolve_grade(connection, school_id, params.grade)
            mode_before = await storage.lock_grade(connection, school_id, grade)
            mode = params.mode or mode_before
            check_mode(grade, mode)
            before = await storage.subjects_of_grade(connection, school_id, grade)

            kept = {name for _, name, _ in entries}
            removed = [row for row in before if row["name"] not in kept]
            await storage.delete_subjects(connection, [row["id"] for row in removed])
            await storage.save_subjects(connection, school_id, grade, entries)
            await storage.set_subject_mode(connection, school_id, grade, mode)
            after = await storage.subjects_of_grade(connection, school_id, grade)

            await record_change(connection, caller, action="subjects",
                                target_kind="grade", target_id=grade,
                                before=subjects_snapshot(mode_before, before),
                                after=subjects_snapshot(mode, after))
        log.info("grade_subjects_replaced", grade=grade, removed=len(removed))
        return GradeSubjectsReplaced(
            **grade_subjects(grade, mode, after).model_dump(),
            removed=[RemovedSubject(id=str(row["id"]), name=row["name"],
                                    category=row["category"]) for row in removed],
        )
