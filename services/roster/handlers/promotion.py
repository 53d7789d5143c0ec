"""The yearly promotion (一键升学年) and undoing it.

A promotion is audited and announced as `roster.school.changed`; it also
announces its graduates as `roster.students.graduated`, and undoing it
announces them back as `roster.students.graduation_undone`.
"""

from collections import defaultdict
from itertools import groupby
from uuid import UUID

import asyncpg

from shared.contracts.common import Caller
from shared.contracts.roster import PromoteQuery, Promotion, PromotionUndone, term_name
from shared.db.outbox import record_event
from shared.errors import Conflict, NotFound
from shared.logging import get_logger
from shared.service import rpc

from services.roster import promotion as planning
from services.roster.audit import record_change
from services.roster.grades import grade_name, school_grades
from services.roster.handlers.school_settings import (
    SCHOOL_NOT_FOUND,
    school_event,
    school_for_update,
    settings_fields,
)
from services.roster.storage import promotion as promotion_storage
from services.roster.storage import school_settings as storage

log = get_logger("roster.promotion")


class PromotionHandlers:
    @rpc(model=PromoteQuery)
    async def promote(self, params: PromoteQuery, caller: Caller) -> Promotion:
        """Promote the school by a year, or with `dry_run` only show what would change.

        The real run applies exactly the plan a dry run shows at that moment, in one
        transaction under a per-school lock: classes move up a grade top grade
        first, the top grade's classes are left without a grade and their students
        graduate, and the year advances to its first term. `from_year`, when given,
        must be the current year, so a repeated request cannot promote twice.
        Without it, the year the school had when the request arrived must still
        be its year once the lock is held: two clicks at once promote only once.
        """
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            if params.dry_run:
                async with connection.transaction(isolation="repeatable_read",
                                                  readonly=True):
                    school = await storage.settings(connection, school_id)
                    plan = await _plan(connection, school, params.from_year)
                return Promotion(dry_run=True, **planning.describe(plan))

            # Read before waiting for the lock: a request queued behind another
            # promotion must not find the year that one left and promote again.
            arrived = await storage.settings(connection, school_id)
            async with connection.transaction():
                await promotion_storage.lock_school(connection, school_id)
                school = await school_for_update(connection, school_id)
                if params.from_year is None:
                    _refuse_if_promoted_meanwhile(arrived, school)
                plan = await _plan(connection, school, params.from_year,
                                   for_update=True)
                applied = await _apply(connection, caller, school, plan)
        log.info("school_promoted", promotion_id=str(applied["id"]),
                 to_year=plan.to_year)
        return Promotion(dry_run=False, promotion_id=applied["id"],
                         **planning.describe(plan))

    @rpc
    async def undo_promotion(self, params: dict, caller: Caller) -> PromotionUndone:
        """Undo the newest promotion, if nothing it touched has changed since.

        Every class and student it moved must still carry the version the
        promotion left, and the school its year, term and stages; otherwise the
        answer is a conflict naming what changed.
        """
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            await promotion_storage.lock_school(connection, school_id)
            school = await school_for_update(connection, school_id)
            promotion = await promotion_storage.newest_promotion(connection, school_id)
            if promotion is None:
                raise NotFound("没有可以撤销的升学年")
            undone = await _undo(connection, caller, school, promotion)
        log.info("school_promotion_undone", promotion_id=str(promotion["id"]))
        return undone


# --- the promotion, step by step ------------------------------------------------


async def _plan(connection, school, from_year: str | None, *,
                for_update: bool = False) -> planning.Plan:
    if school is None:
        raise NotFound(SCHOOL_NOT_FOUND)
    if school["academic_year"] is None:
        raise Conflict("请先在学校设置中填写当前学年（例如 2026-2027），再升学年")
    if from_year is not None and from_year != school["academic_year"]:
        raise Conflict(f"本校当前已是{school['academic_year']}学年，"
                       f"不是{from_year}学年：升学年可能已经做过了，请刷新后查看")

    classes = await promotion_storage.graded_classes(connection, school["id"],
                                                     for_update=for_update)
    students = await promotion_storage.current_students(connection, school["id"],
                                                        for_update=for_update)
    return planning.plan_promotion(
        school["academic_year"], school_grades(school["stages"]),
        [planning.ClassRow(**dict(row)) for row in classes],
        [planning.StudentRow(**_student_fields(row)) for row in students],
    )


def _refuse_if_promoted_meanwhile(arrived, school) -> None:
    """A conflict when the school's year changed while the request waited."""
    if arrived is not None and arrived["academic_year"] != school["academic_year"]:
        raise Conflict(f"本校已被另一个请求升学年到{school['academic_year']}学年，"
                       "请刷新后查看，不要重复升学年")


def _student_fields(row) -> dict:
    return {name: row[name]
            for name in ("id", "kid", "grade", "class_id", "status", "version")}


async def _apply(connection, caller: Caller, school, plan: planning.Plan):
    try:
        changes = await _move_classes(connection, plan)
        changes += await _move_students(connection, plan)
    except asyncpg.UniqueViolationError:
        raise Conflict("升学年时有班级或学生同时被修改，请稍后重试") from None

    after = await storage.update_school(
        connection, school["id"], {"academic_year": plan.to_year, "term": 1}
    )
    await promotion_storage.move_class_history(
        connection, [move.row.id for move in plan.students]
    )
    changes.append({"kind": "school", "id": str(school["id"]),
                    "before": {"academic_year": school["academic_year"],
                               "term": school["term"]},
                    "after": settings_fields(after)})
    applied = await promotion_storage.insert_promotion(
        connection, school["id"], caller.account_id, plan.from_year, plan.to_year,
        changes,
    )
    await _report_promotion(connection, caller, school, after, plan, applied["id"])
    return applied


async def _move_classes(connection, plan: planning.Plan) -> list[dict]:
    changes = []
    for batch in planning.update_order(plan.classes):
        new_grade = batch[0].new_grade
        rows = await promotion_storage.set_class_grade(
            connection, [move.row.id for move in batch], new_grade
        )
        versions = {row["id"]: row["version"] for row in rows}
        changes += [{"kind": "class", "id": str(move.row.id),
                     "before": {"grade": move.row.grade},
                     "version": versions[move.row.id],
                     "label": _class_label(new_grade, move.row.number)}
                    for move in batch]
    await promotion_storage.follow_class_grades(
        connection, [move.row.id for move in plan.moving_classes]
    )
    return changes


async def _move_students(connection, plan: planning.Plan) -> list[dict]:
    moving, graduating = plan.moving_students, plan.graduating_students
    # Students without a class keep their number unique within a grade, checked
    # row by row: the top grade leaves first, then each grade moves up into the
    # grade just emptied, highest first.
    rows = await promotion_storage.graduate_students(
        connection, [m.row.id for m in graduating]
    )
    for grade in sorted({m.new_grade for m in moving}, reverse=True):
        batch = [m for m in moving if m.new_grade == grade]
        rows += await promotion_storage.set_student_grades(
            connection, [m.row.id for m in batch], [grade] * len(batch)
        )
    versions = {row["id"]: row["version"] for row in rows}
    return [{"kind": "student", "id": str(m.row.id), "kid": m.row.kid,
             "before": {"grade": m.row.grade, "status": m.row.status,
                        "graduated_at": None},
             "graduated": m.graduates, "version": versions[m.row.id]}
            for m in plan.students]


async def _report_promotion(connection, caller: Caller, school, after, plan,
                            promotion_id) -> None:
    graduates = plan.graduating_students
    await record_change(
        connection, caller, action="promote", target_kind="school",
        target_id=school["id"],
        before={"academic_year": school["academic_year"], "term": school["term"]},
        after={"academic_year": after["academic_year"], "term": after["term"],
               "promotion_id": str(promotion_id),
               "classes_moved_up": len(plan.moving_classes),
               "classes_left_without_grade": len(plan.graduating_classes),
               "students_graduated": len(graduates)},
    )
    await record_event(connection, "roster.school.changed", school_event(after))
    if graduates:
        await record_event(connection, "roster.students.graduated", {
            "school_id": str(school["id"]),
            "students": [{"id": str(m.row.id), "kid": m.row.kid} for m in graduates],
        })


def _class_label(grade: int | None, number: int) -> str:
    name = planning.class_name(number)
    return f"{grade_name(grade)}{name}" if grade else f"已毕业的{name}"


# --- undoing it -------------------------------------------------------------------


async def _undo(connection, caller: Caller, school, promotion) -> PromotionUndone:
    entries = defaultdict(list)
    for entry in promotion["changes"]:
        entries[entry["kind"]].append(entry)
    classes = await _unchanged_or_refuse(connection, school, entries)
    await _refuse_taken_places(connection, school["id"], entries["class"], classes)

    await _restore_classes(connection, entries["class"])
    restored = await _restore_students(connection, entries["student"])
    # Students placed in a promoted class since then go back down with it.
    await promotion_storage.students_follow_classes(
        connection, [UUID(entry["id"]) for entry in entries["class"]]
    )
    await promotion_storage.restore_class_history(
        connection, [row["id"] for row in restored], promotion["applied_at"]
    )
    before = entries["school"][0]["before"]
    after = await storage.update_school(connection, school["id"], before)
    await promotion_storage.mark_undone(connection, promotion["id"])

    await _report_undo(connection, caller, school, after, promotion, restored)
    return PromotionUndone(
        promotion_id=promotion["id"], academic_year=after["academic_year"],
        term=after["term"], term_name=term_name(after["academic_year"], after["term"]),
        classes=len(entries["class"]), students=len(restored),
    )


async def _unchanged_or_refuse(connection, school, entries) -> dict:
    """The touched classes as they are now; a conflict when anything moved on."""
    class_ids = [UUID(entry["id"]) for entry in entries["class"]]
    student_ids = [UUID(entry["id"]) for entry in entries["student"]]
    classes = {row["id"]: row for row in
               await promotion_storage.classes_by_ids(connection, school["id"],
                                                      class_ids)}
    students = {row["id"]: row for row in
                await promotion_storage.students_by_ids(connection, school["id"],
                                                        student_ids)}

    changed = _school_changes(school, entries["school"][0]["after"])
    changed += [_class_change(entry, classes.get(UUID(entry["id"])))
                for entry in entries["class"]]
    changed += [_student_change(entry, students.get(UUID(entry["id"])))
                for entry in entries["student"]]
    changed = [item for item in changed if item is not None]
    if changed:
        shown = "、".join(item["what"] for item in changed[:5])
        more = f"等{len(changed)}项" if len(changed) > 5 else ""
        raise Conflict(f"升学年之后这些内容又有改动，无法撤销：{shown}{more}",
                       details={"changed": changed})
    return classes


def _school_changes(school, promoted: dict) -> list[dict]:
    changed = []
    if (school["academic_year"], school["term"]) != (promoted["academic_year"],
                                                     promoted["term"]):
        now = term_name(school["academic_year"], school["term"])
        changed.append({"kind": "school", "id": str(school["id"]),
                        "what": f"当前学期已改为{now}"})
    if list(school["stages"]) != list(promoted["stages"]):
        changed.append({"kind": "school", "id": str(school["id"]),
                        "what": "学段已修改"})
    return changed


def _class_change(entry: dict, row) -> dict | None:
    if row is not None and row["version"] == entry["version"]:
        return None
    what = f"{entry['label']}{'已删除' if row is None else '已修改'}"
    return {"kind": "class", "id": entry["id"], "what": what}


def _student_change(entry: dict, row) -> dict | None:
    if row is not None and row["version"] == entry["version"]:
        return None
    who = (f"学生{row['name']}（{row['kid']}）已修改" if row is not None
           else f"学生（{entry['kid']}）已删除")
    return {"kind": "student", "id": entry["id"], "what": who}


async def _refuse_taken_places(connection, school_id: UUID, entries: list[dict],
                               classes: dict) -> None:
    """Classes made since (a new 初一 (1)班) must not hold a restored class's number."""
    places = [{"grade": entry["before"]["grade"],
               "kind": classes[UUID(entry["id"])]["kind"],
               "number": classes[UUID(entry["id"])]["number"]} for entry in entries]
    taken = await promotion_storage.classes_in_places(
        connection, school_id, places, list(classes)
    )
    if taken:
        names = "、".join(_class_label(row["grade"], row["number"]) for row in taken)
        raise Conflict(f"升学年后新建的{names}占用了要恢复的班号，"
                       "请先删除或改号这些班级再撤销",
                       details=[{"class_id": str(row["id"])} for row in taken])


async def _restore_classes(connection, entries: list[dict]) -> None:
    by_grade = defaultdict(list)
    for entry in entries:
        by_grade[entry["before"]["grade"]].append(UUID(entry["id"]))
    # Lowest grade first: each grade is emptied by the step before it.
    for grade in sorted(by_grade):
        await promotion_storage.set_class_grade(connection, by_grade[grade], grade)
    await promotion_storage.follow_class_grades(
        connection, [UUID(entry["id"]) for entry in entries]
    )


async def _restore_students(connection, entries: list[dict]):
    # The reverse of the promotion's order: each grade steps down into the grade
    # just vacated, lowest first, and the graduates come back last.
    def order(entry):
        return (entry["graduated"], entry["before"]["grade"] or 0)

    restored = []
    try:
        for _, group in groupby(sorted(entries, key=order), key=order):
            restored += await promotion_storage.restore_students(
                connection, [{"id": entry["id"], **entry["before"]} for entry in group]
            )
        return restored
    except asyncpg.UniqueViolationError:
        raise Conflict("有毕业生的学号或证件号码已被在校学生使用，无法撤销升学年；"
                       "请先处理重复的学号或证件号码") from None


async def _report_undo(connection, caller: Caller, school, after, promotion,
                       restored) -> None:
    graduates = {UUID(entry["id"]) for entry in promotion["changes"]
                 if entry.get("graduated")}
    back = [row for row in restored if row["id"] in graduates]
    await record_change(
        connection, caller, action="promote:undo", target_kind="school",
        target_id=school["id"],
        before={"academic_year": school["academic_year"], "term": school["term"]},
        after={"academic_year": after["academic_year"], "term": after["term"],
               "promotion_id": str(promotion["id"])},
    )
    await record_event(connection, "roster.school.changed", school_event(after))
    if back:
        await record_event(connection, "roster.students.graduation_undone", {
            "school_id": str(school["id"]),
            "students": [{"id": str(row["id"]), "kid": row["kid"],
                          "status": row["status"]} for row in back],
        })
