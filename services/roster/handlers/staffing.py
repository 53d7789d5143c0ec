"""Preparation groups (备课组) and teaching assignments (任课).

Every change of a grade's staffing holds that grade's row lock, so two admins
editing the same grade take turns and each audit entry's "before" is the truth.
A disabled teacher keeps the places they had but cannot be given a new one.
"""

from uuid import UUID

from shared.contracts.common import Caller
from shared.contracts.roster.staffing import (
    AssignmentQuery,
    AssignmentsCleared,
    ClassAssignments,
    ClassSubjectAssignment,
    ClassSubjectSet,
    GradeAssignments,
    GradeLeaders,
    GradeLeadersSet,
    HeadTeacher,
    HeadTeacherSet,
    PrepGroup,
    PrepGroups,
    PrepGroupSet,
    StaffingQuery,
)
from shared.db.outbox import record_event
from shared.errors import Conflict, NotFound
from shared.logging import get_logger
from shared.service import rpc

from services.roster.audit import record_change
from services.roster.grades import grade_name, parse_grade
from services.roster.storage import schools as school_storage
from services.roster.storage import staffing as storage

log = get_logger("roster.staffing")

CLASS_NOT_FOUND = "班级不存在"
TEACHERS_ABSENT = "有教师不存在，请刷新教师列表后重新选择"


def summary(row) -> dict:
    return {"id": row["id"], "kid": row["kid"], "name": row["name"],
            "remark": row["remark"]}


def summaries(rows) -> list[dict]:
    return [summary(row) for row in rows]


def class_name(row) -> str:
    return f"({row['number']})班"


def who(rows) -> str:
    """Names as an admin tells same-name teachers apart: 张三（语文组）、李四."""
    return "、".join(f"{r['name']}（{r['remark']}）" if r["remark"] else r["name"]
                    for r in rows)


def ids(rows) -> set[UUID]:
    return {row["id"] for row in rows}


def unique(values: list[UUID]) -> list[UUID]:
    return list(dict.fromkeys(values))


# --- resolving what a request names ----------------------------------------------

async def resolve_grade(connection, school_id: UUID, raw: str) -> int:
    school = await school_storage.school(connection, school_id)
    return parse_grade(raw, list(school["stages"]))


async def lock_grade(connection, school_id: UUID, grade: int) -> None:
    if not await storage.lock_grade(connection, school_id, grade):
        raise NotFound(f"本校没有{grade_name(grade)}")


async def resolve_subject(connection, school_id: UUID, grade: int, raw: str):
    """A subject of the grade by its id or its name."""
    try:
        subject_id = UUID(raw)
    except ValueError:
        row = await storage.subject_by_name(connection, school_id, grade, raw)
        missing = f"{grade_name(grade)}没有“{raw}”这门学科，请先在学科管理中添加"
    else:
        row = await storage.subject_by_id(connection, school_id, grade, subject_id)
        missing = f"{grade_name(grade)}没有这门学科，请刷新后重新选择"
    if row is None:
        raise NotFound(missing)
    return row


async def locked_class(connection, school_id: UUID, class_id: UUID):
    """The class and its grade, both locked for the rest of the transaction."""
    row = await storage.class_in_school(connection, school_id, class_id,
                                        for_update=True)
    if row is None:
        raise NotFound(CLASS_NOT_FOUND)
    await lock_grade(connection, school_id, row["grade"])
    return row


async def school_teachers(connection, school_id: UUID, wanted: list[UUID]):
    """The wanted teachers, all of this school; an unknown id is refused as absent."""
    rows = await storage.teachers(connection, school_id, wanted)
    missing = set(wanted) - ids(rows)
    if missing:
        raise NotFound(TEACHERS_ABSENT,
                       details={"teacher_ids": sorted(map(str, missing))})
    return rows


def refuse_disabled(rows, newcomers: set[UUID], role: str) -> None:
    """A disabled teacher may keep a place but cannot be given a new one."""
    disabled = [r for r in rows if r["status"] == "disabled" and r["id"] in newcomers]
    if disabled:
        raise Conflict(f"{who(disabled)}已停用，不能{role}；请先在教师管理中启用",
                       details={"teacher_ids": [str(r["id"]) for r in disabled]})


async def record_staffing(connection, caller: Caller, *, action: str,
                          target_kind: str, target_id, before, after,
                          event: dict) -> None:
    await record_change(connection, caller, action=action, target_kind=target_kind,
                        target_id=target_id, before=before, after=after)
    await record_event(connection, f"roster.{target_kind}.changed",
                       {"school_id": str(caller.school_id), **event})


# --- preparation groups ----------------------------------------------------------

def prep_group_out(subject, members) -> PrepGroup:
    return PrepGroup(subject_id=subject["id"], subject=subject["name"],
                     category=subject["category"],
                     leaders=summaries(m for m in members if m["is_leader"]),
                     members=summaries(members))


def prep_snapshot(members) -> dict:
    return {"leaders": summaries(m for m in members if m["is_leader"]),
            "members": summaries(members)}


class PrepGroupHandlers:
    @rpc(model=StaffingQuery)
    async def list_prep_groups(self, params: StaffingQuery, caller: Caller):
        """Every subject of the grade with its leaders and members, empty ones too."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            grade = await resolve_grade(connection, school_id, params.grade)
            subjects = await storage.grade_subjects(connection, school_id, grade)
            members = await storage.grade_prep_members(connection, school_id, grade)

        by_subject: dict[UUID, list] = {}
        for member in members:
            by_subject.setdefault(member["subject_id"], []).append(member)
        items = [prep_group_out(s, by_subject.get(s["id"], [])) for s in subjects]
        return PrepGroups(grade=grade, grade_name=grade_name(grade), items=items,
                          total=len(items))

    @rpc(model=PrepGroupSet)
    async def set_prep_group(self, params: PrepGroupSet, caller: Caller) -> PrepGroup:
        """Make the group exactly these leaders and members; leaders are members."""
        school_id = caller.require_school_admin()
        leader_ids = unique(params.leader_ids)
        member_ids = unique(params.member_ids + leader_ids)
        async with self.pool.acquire() as connection, connection.transaction():
            grade = await resolve_grade(connection, school_id, params.grade)
            await lock_grade(connection, school_id, grade)
            subject = await resolve_subject(connection, school_id, grade,
                                            params.subject)
            before = await storage.prep_members(connection, subject["id"])

            rows = await school_teachers(connection, school_id, member_ids)
            was_leader = {m["id"] for m in before if m["is_leader"]}
            refuse_disabled(rows, set(leader_ids) - was_leader, "担任备课组长")
            refuse_disabled(rows, set(member_ids) - ids(before), "加入备课组")

            await storage.replace_prep_group(connection, school_id, grade,
                                             subject["id"], leader_ids, member_ids)
            after = await storage.prep_members(connection, subject["id"])
            if prep_snapshot(after) != prep_snapshot(before):
                await record_staffing(
                    connection, caller, action="set", target_kind="prep_group",
                    target_id=subject["id"], before=prep_snapshot(before),
                    after=prep_snapshot(after),
                    event={"grade": grade, "subject_id": str(subject["id"])},
                )
        return prep_group_out(subject, after)


# --- teaching assignments --------------------------------------------------------

def class_assignments(row, subjects, head, teachers) -> ClassAssignments:
    return ClassAssignments(
        class_id=row["id"], class_name=class_name(row), kind=row["kind"],
        number=row["number"], alias=row["alias"], virtual=row["virtual"],
        head_teacher=summary(head) if head else None,
        subjects=[{"subject_id": s["id"], "subject": s["name"],
                   "teachers": summaries(teachers.get((row["id"], s["id"]), []))}
                  for s in subjects],
    )


class AssignmentHandlers:
    @rpc(model=AssignmentQuery)
    async def get_assignments(self, params: AssignmentQuery, caller: Caller):
        """The grade's leaders and, per class, its head teacher and subject teachers."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            grade = await resolve_grade(connection, school_id, params.grade)
            leaders = await storage.grade_leaders(connection, school_id, grade)
            classes = await storage.grade_classes(connection, school_id, grade,
                                                  params.kind)
            subjects = await storage.grade_subjects(connection, school_id, grade)
            heads = await storage.grade_head_teachers(connection, school_id, grade)
            taught = await storage.grade_subject_teachers(connection, school_id,
                                                          grade)

        head_of = {row["class_id"]: row for row in heads}
        teachers: dict[tuple, list] = {}
        for row in taught:
            teachers.setdefault((row["class_id"], row["subject_id"]), []).append(row)
        return GradeAssignments(
            grade=grade, grade_name=grade_name(grade), leaders=summaries(leaders),
            classes=[class_assignments(c, subjects, head_of.get(c["id"]), teachers)
                     for c in classes],
        )

    @rpc(model=GradeLeadersSet)
    async def set_grade_leaders(self, params: GradeLeadersSet, caller: Caller):
        """Make these teachers the grade's leaders; an empty list leaves none."""
        school_id = caller.require_school_admin()
        wanted = unique(params.teacher_ids)
        async with self.pool.acquire() as connection, connection.transaction():
            grade = await resolve_grade(connection, school_id, params.grade)
            await lock_grade(connection, school_id, grade)
            before = await storage.grade_leaders(connection, school_id, grade)

            rows = await school_teachers(connection, school_id, wanted)
            refuse_disabled(rows, set(wanted) - ids(before), "担任年级组长")

            await storage.replace_grade_leaders(connection, school_id, grade, wanted)
            after = await storage.grade_leaders(connection, school_id, grade)
            if ids(after) != ids(before):
                await record_staffing(
                    connection, caller, action="set", target_kind="grade_leaders",
                    target_id=grade, before={"teachers": summaries(before)},
                    after={"teachers": summaries(after)}, event={"grade": grade},
                )
        return GradeLeaders(grade=grade, grade_name=grade_name(grade),
                            leaders=summaries(after))

    @rpc(model=HeadTeacherSet)
    async def set_head_teacher(self, params: HeadTeacherSet, caller: Caller):
        """Make this teacher the class's head teacher; null leaves it without one."""
        school_id = caller.require_school_admin()
        wanted = [params.teacher_id] if params.teacher_id else []
        async with self.pool.acquire() as connection, connection.transaction():
            row = await locked_class(connection, school_id, params.class_id)
            before = await storage.head_teacher(connection, row["id"])
            current = [before] if before else []

            teachers = await school_teachers(connection, school_id, wanted)
            refuse_disabled(teachers, set(wanted) - ids(current), "担任班主任")

            await storage.set_head_teacher(connection, row["id"], params.teacher_id)
            after = teachers[0] if teachers else None
            if ids(teachers) != ids(current):
                await record_staffing(
                    connection, caller, action="set", target_kind="head_teacher",
                    target_id=row["id"], before={"teachers": summaries(current)},
                    after={"teachers": summaries(teachers)},
                    event={"grade": row["grade"], "class_id": str(row["id"])},
                )
        return HeadTeacher(class_id=row["id"], class_name=class_name(row),
                           head_teacher=summary(after) if after else None)

    @rpc(model=ClassSubjectSet)
    async def set_class_subject_teachers(self, params: ClassSubjectSet,
                                         caller: Caller):
        """Make these teachers teach the subject in the class.

        Each becomes a member of the grade's preparation group of that subject;
        removing a teacher from the class leaves their group membership alone.
        """
        school_id = caller.require_school_admin()
        wanted = unique(params.teacher_ids)
        async with self.pool.acquire() as connection, connection.transaction():
            row = await locked_class(connection, school_id, params.class_id)
            subject = await resolve_subject(connection, school_id, row["grade"],
                                            params.subject)
            before = await storage.class_subject_teachers(connection, row["id"],
                                                          subject["id"])

            rows = await school_teachers(connection, school_id, wanted)
            refuse_disabled(rows, set(wanted) - ids(before), "担任任课教师")

            await storage.replace_class_subject_teachers(connection, row["id"],
                                                         subject["id"], wanted)
            await self._join_prep_group(connection, caller, row["grade"], subject,
                                        wanted)
            after = await storage.class_subject_teachers(connection, row["id"],
                                                         subject["id"])
            if ids(after) != ids(before):
                await record_staffing(
                    connection, caller, action="set", target_kind="class_subject",
                    target_id=row["id"],
                    before={"subject_id": subject["id"],
                            "teachers": summaries(before)},
                    after={"subject_id": subject["id"], "teachers": summaries(after)},
                    event={"grade": row["grade"], "class_id": str(row["id"]),
                           "subject_id": str(subject["id"])},
                )
        return ClassSubjectAssignment(
            class_id=row["id"], class_name=class_name(row), subject_id=subject["id"],
            subject=subject["name"], teachers=summaries(after),
        )

    async def _join_prep_group(self, connection, caller: Caller, grade: int,
                               subject, teacher_ids: list[UUID]) -> None:
        before = await storage.prep_members(connection, subject["id"])
        added = await storage.add_prep_members(connection, caller.school_id, grade,
                                               subject["id"], teacher_ids)
        if not added:
            return
        after = await storage.prep_members(connection, subject["id"])
        await record_staffing(
            connection, caller, action="join", target_kind="prep_group",
            target_id=subject["id"], before=prep_snapshot(before),
            after=prep_snapshot(after),
            event={"grade": grade, "subject_id": str(subject["id"])},
        )

    @rpc(model=StaffingQuery)
    async def clear_assignments(self, params: StaffingQuery, caller: Caller):
        """Remove the grade's head teachers, subject teachers and grade leaders.

        Preparation groups stay as they are. Answers how many of each went.
        """
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            grade = await resolve_grade(connection, school_id, params.grade)
            await lock_grade(connection, school_id, grade)
            before = await self._grade_snapshot(connection, school_id, grade)

            counts = await storage.clear_grade(connection, school_id, grade)
            if any(counts.values()):
                await record_staffing(
                    connection, caller, action="clear", target_kind="assignments",
                    target_id=grade, before=before,
                    after={"leaders": [], "head_teachers": [], "subject_teachers": []},
                    event={"grade": grade},
                )
        log.info("assignments_cleared", grade=grade, **counts)
        return AssignmentsCleared(grade=grade, grade_name=grade_name(grade), **counts)

    async def _grade_snapshot(self, connection, school_id: UUID, grade: int) -> dict:
        leaders = await storage.grade_leaders(connection, school_id, grade)
        heads = await storage.grade_head_teachers(connection, school_id, grade)
        taught = await storage.grade_subject_teachers(connection, school_id, grade)
        return {
            "leaders": summaries(leaders),
            "head_teachers": [{"class_id": r["class_id"], "teacher": summary(r)}
                              for r in heads],
            "subject_teachers": [{"class_id": r["class_id"],
                                  "subject_id": r["subject_id"],
                                  "teacher": summary(r)} for r in taught],
        }


class StaffingHandlers(PrepGroupHandlers, AssignmentHandlers):
    """The entry points of chapters 七 (备课组管理) and 八 (任课管理)."""
