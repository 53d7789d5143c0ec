"""The yearly promotion (一键升学年): the dry run, the real run and undoing it."""

import asyncio
import json
from itertools import count
from uuid import UUID

from tests.integration.api import Account

YEAR, NEXT_YEAR = "2026-2027", "2027-2028"

_student_numbers = count(1)


async def make_classes(admin: Account, db, grade: int, count_: int,
                       kind: str = "administrative") -> list[dict]:
    """`count_` classes of a grade, made through POST /classes/batch."""
    body = await admin.json("POST", "/classes/batch", expect=201,
                            json={"grade": grade, "count": count_, "kind": kind})
    return body["items"]


async def make_student(admin: Account, db, klass: dict | None, name: str = "学生",
                       *, grade: int | None = None, number: str | None = None) -> dict:
    """A student in `klass` (or without a class, in `grade`), via POST /students."""
    return await admin.json("POST", "/students", expect=201, json={
        "name": name, "gender": "男",
        "grade": klass["grade"] if klass else grade,
        "class_id": klass["id"] if klass else None,
        "student_number": number or f"S{next(_student_numbers):06d}"})


def _school_id(admin: Account):
    return _uuid(admin.school["id"])


def _uuid(value) -> UUID:
    return UUID(str(value))


async def junior_school(new_school, db, *, students_per_class: int = 2):
    """A junior school in its 2026-2027 第二学期, (1)(2)班 in each grade, students."""
    admin = await new_school()
    await admin.json("PATCH", "/school", json={"academic_year": YEAR, "term": 2})
    classes = {grade: await make_classes(admin, db, grade, 2) for grade in (7, 8, 9)}
    students = {grade: [await make_student(admin, db, klass, f"学生{grade}")
                        for klass in classes[grade]
                        for _ in range(students_per_class)]
                for grade in (7, 8, 9)}
    return admin, classes, students


async def class_grades(db, admin: Account) -> dict:
    rows = await db.fetch("SELECT id, grade FROM roster.classes WHERE school_id = $1",
                          _school_id(admin))
    return {str(row["id"]): row["grade"] for row in rows}


async def student_states(db, admin: Account) -> dict:
    rows = await db.fetch(
        "SELECT id, grade, status, graduated_at FROM roster.students"
        " WHERE school_id = $1", _school_id(admin))
    return {str(row["id"]): (row["grade"], row["status"], row["graduated_at"])
            for row in rows}


async def graduates(admin: Account, db) -> set[str]:
    """Graduates as GET /students?status=graduated lists them."""
    body = await admin.json("GET", "/students",
                            params={"status": "graduated", "page_size": 200})
    return {item["id"] for item in body["items"]}


def _plan_only(answer: dict) -> dict:
    return {key: value for key, value in answer.items()
            if key not in ("dry_run", "promotion_id")}


async def test_the_dry_run_shows_the_plan_and_changes_nothing(new_school, db):
    admin, classes, students = await junior_school(new_school, db)
    grades_before = await class_grades(db, admin)

    plan = await admin.json("POST", "/school/promote", params={"dry_run": "true"})

    assert plan["dry_run"] is True and plan["promotion_id"] is None
    assert (plan["from_year"], plan["to_year"]) == (YEAR, NEXT_YEAR)
    moves = {(c["old_grade_name"], c["name"], c["new_grade_name"])
             for c in plan["classes"]}
    steps = (("初一年级", "初二年级"), ("初二年级", "初三年级"))
    assert moves == {(old, name, new) for old, new in steps
                     for name in ("(1)班", "(2)班")}
    assert plan["graduating"] == {"classes": 2, "students": 4}
    assert {(c["class_id"], c["old_grade_name"])
            for c in plan["classes_left_without_grade"]} == {
        (klass["id"], "初三年级") for klass in classes[9]}
    assert await class_grades(db, admin) == grades_before
    school = await admin.json("GET", "/school")
    assert (school["academic_year"], school["term"]) == (YEAR, 2)


async def test_promotion_applies_exactly_the_previewed_plan(new_school, db):
    admin, classes, students = await junior_school(new_school, db)
    preview = await admin.json("POST", "/school/promote", params={"dry_run": "true"})

    applied = await admin.json("POST", "/school/promote")

    assert applied["dry_run"] is False and applied["promotion_id"]
    assert _plan_only(applied) == _plan_only(preview)
    grades = await class_grades(db, admin)
    for grade in (7, 8):
        assert {grades[k["id"]] for k in classes[grade]} == {grade + 1}
    assert {grades[k["id"]] for k in classes[9]} == {None}
    states = await student_states(db, admin)
    assert {states[s["id"]][:2] for s in students[7]} == {(8, "active")}
    assert {states[s["id"]][:2] for s in students[9]} == {(None, "graduated")}
    assert all(states[s["id"]][2] is not None for s in students[9])
    school = await admin.json("GET", "/school/settings")
    assert (school["academic_year"], school["term"]) == (NEXT_YEAR, 1)
    assert school["term_name"] == "2027-2028 学年第一学期"


async def test_graduates_keep_their_records_and_are_listed_as_graduated(new_school, db):
    admin, classes, students = await junior_school(new_school, db)

    await admin.json("POST", "/school/promote")

    graduated = {s["id"] for s in students[9]}
    assert await graduates(admin, db) == graduated
    kept = await db.fetch("SELECT id, kid FROM roster.students WHERE id = ANY($1)",
                          [_uuid(s) for s in graduated])
    assert {row["kid"] for row in kept} == {s["kid"] for s in students[9]}


async def test_promotion_publishes_school_changed_and_graduates(new_school, db):
    admin, classes, students = await junior_school(new_school, db)

    await admin.json("POST", "/school/promote")

    school_id = admin.school["id"]
    graduated = await db.fetchval(
        "SELECT envelope FROM roster.outbox WHERE routing_key ="
        " 'roster.students.graduated' AND envelope->'data'->>'school_id' = $1",
        school_id)
    assert graduated is not None
    changed = await db.fetch(
        "SELECT envelope FROM roster.outbox WHERE routing_key = 'roster.school.changed'"
        " AND envelope->'data'->>'id' = $1", school_id)
    assert changed


async def test_the_promotion_keeps_previous_values_and_versions(new_school, db):
    admin, classes, students = await junior_school(new_school, db)

    applied = await admin.json("POST", "/school/promote")

    changes = await db.fetchval("SELECT changes FROM roster.promotions WHERE id = $1",
                                _uuid(applied["promotion_id"]))
    entries = {entry["id"]: entry for entry in json.loads(changes)}
    first = classes[7][0]["id"]
    version = await db.fetchval("SELECT version FROM roster.classes WHERE id = $1",
                                _uuid(first))
    assert entries[first]["before"] == {"grade": 7}
    assert entries[first]["version"] == version
    graduate = students[9][0]["id"]
    assert entries[graduate]["before"]["status"] == "active"


async def test_a_repeated_request_cannot_promote_twice(new_school, db):
    admin, _, _ = await junior_school(new_school, db, students_per_class=0)

    answers = await asyncio.gather(*(
        admin.post("/school/promote", params={"from_year": YEAR}) for _ in range(2)))

    assert sorted(response.status for response in answers) == [200, 409]
    refused = next(r for r in answers if r.status == 409)
    assert "升学年可能已经做过了" in (await refused.json())["error"]["message"]
    school = await admin.json("GET", "/school")
    assert school["academic_year"] == NEXT_YEAR


async def waiting_for_the_promotion_lock(db, count_: int) -> None:
    for _ in range(100):
        waiting = await db.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
            " AND NOT granted")
        if waiting >= count_:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the promotions never queued for the school's lock")


async def test_two_clicks_at_once_without_from_year_promote_once(new_school, db):
    admin, _, _ = await junior_school(new_school, db, students_per_class=1)
    grades_before = await class_grades(db, admin)
    # Hold the school's promotion lock so both requests arrive before either runs.
    holder = db.transaction()
    await holder.start()
    await db.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('roster.promotion:' || $1, 0))",
        admin.school["id"])
    clicks = [asyncio.create_task(admin.post("/school/promote")) for _ in range(2)]
    try:
        await waiting_for_the_promotion_lock(db, 2)
    finally:
        await holder.commit()
    answers = await asyncio.gather(*clicks)

    assert sorted(response.status for response in answers) == [200, 409]
    refused = await next(r for r in answers if r.status == 409).json()
    assert f"已被另一个请求升学年到{NEXT_YEAR}学年" in refused["error"]["message"]
    assert (await admin.json("GET", "/school"))["academic_year"] == NEXT_YEAR
    assert set((await class_grades(db, admin)).values()) == {8, 9, None}
    undone = await admin.json("POST", "/school/promote/undo")
    assert undone["academic_year"] == YEAR
    assert await class_grades(db, admin) == grades_before


async def test_a_school_without_an_academic_year_is_told_to_set_one(new_school):
    admin = await new_school()

    response = await admin.post("/school/promote", params={"dry_run": "true"})

    assert response.status == 409
    assert "当前学年" in (await response.json())["error"]["message"]


async def test_undo_restores_grades_statuses_year_and_term(new_school, db):
    admin, classes, students = await junior_school(new_school, db)
    grades_before = await class_grades(db, admin)
    states_before = await student_states(db, admin)
    await admin.json("POST", "/school/promote")

    undone = await admin.json("POST", "/school/promote/undo")

    assert undone["academic_year"] == YEAR and undone["term"] == 2
    assert undone["term_name"] == "2026-2027 学年第二学期"
    assert undone["classes"] == 6 and undone["students"] == 12
    assert await class_grades(db, admin) == grades_before
    assert await student_states(db, admin) == states_before
    assert await graduates(admin, db) == set()
    again = await admin.post("/school/promote/undo")
    assert again.status == 404


async def test_students_without_a_class_sharing_a_number_promote_and_undo(
        new_school, db):
    admin = await new_school()
    await admin.json("PATCH", "/school", json={"academic_year": YEAR, "term": 2})
    unplaced = {grade: await make_student(admin, db, None, f"未分班{grade}",
                                          grade=grade, number="01")
                for grade in (7, 8, 9)}
    states_before = await student_states(db, admin)

    await admin.json("POST", "/school/promote")
    promoted = await student_states(db, admin)
    await admin.json("POST", "/school/promote/undo")

    assert promoted[unplaced[7]["id"]][:2] == (8, "active")
    assert promoted[unplaced[8]["id"]][:2] == (9, "active")
    assert promoted[unplaced[9]["id"]][:2] == (None, "graduated")
    assert await student_states(db, admin) == states_before


async def class_stints(db, student: dict) -> list[tuple]:
    rows = await db.fetch(
        "SELECT grade, academic_year, ended_at IS NULL AS open"
        " FROM roster.student_class_history WHERE student_id = $1"
        " ORDER BY started_at, id", _uuid(student["id"]))
    return [tuple(row) for row in rows]


async def test_class_history_follows_the_promotion_and_its_undoing(new_school, db):
    admin, classes, students = await junior_school(new_school, db,
                                                   students_per_class=1)
    pupil, graduate = students[7][0], students[9][0]
    before = await class_stints(db, pupil)

    await admin.json("POST", "/school/promote")
    promoted = await class_stints(db, pupil), await class_stints(db, graduate)
    await admin.json("POST", "/school/promote/undo")

    assert before == [(7, YEAR, True)]
    assert promoted == ([(7, YEAR, False), (8, NEXT_YEAR, True)],
                        [(9, YEAR, False)])
    assert await class_stints(db, pupil) == before
    assert await class_stints(db, graduate) == [(9, YEAR, True)]


async def test_a_student_placed_in_a_promoted_class_goes_back_down_with_it(
        new_school, db):
    admin, classes, _ = await junior_school(new_school, db, students_per_class=0)
    await admin.json("POST", "/school/promote")
    newcomer = await make_student(admin, db, classes[7][0] | {"grade": 8}, "插班生")

    await admin.json("POST", "/school/promote/undo")

    states = await student_states(db, admin)
    assert states[newcomer["id"]][:2] == (7, "active")


async def test_undo_is_refused_when_a_promoted_class_changed_since(new_school, db):
    admin, classes, students = await junior_school(new_school, db)
    await admin.json("POST", "/school/promote")
    grades_after = await class_grades(db, admin)
    changed = classes[7][0]["id"]
    await db.execute("UPDATE roster.classes SET alias = '实验班' WHERE id = $1",
                     _uuid(changed))

    response = await admin.post("/school/promote/undo")

    body = await response.json()
    assert response.status == 409, body
    assert "初二年级(1)班已修改" in body["error"]["message"]
    assert [item["id"] for item in body["error"]["details"]["changed"]] == [changed]
    assert await class_grades(db, admin) == grades_after
    school = await admin.json("GET", "/school")
    assert school["academic_year"] == NEXT_YEAR


async def test_undo_is_refused_when_a_graduate_changed_since(new_school, db):
    admin, classes, students = await junior_school(new_school, db)
    await admin.json("POST", "/school/promote")
    graduate = students[9][0]
    await db.execute("UPDATE roster.students SET name = '改名' WHERE id = $1",
                     _uuid(graduate["id"]))

    response = await admin.post("/school/promote/undo")

    body = await response.json()
    assert response.status == 409, body
    assert f"学生改名（{graduate['kid']}）已修改" in body["error"]["message"]


async def test_undo_is_refused_while_a_new_class_holds_a_restored_number(new_school,
                                                                       db):
    admin, classes, students = await junior_school(new_school, db,
                                                   students_per_class=0)
    await admin.json("POST", "/school/promote")
    await make_classes(admin, db, 7, 1)

    response = await admin.post("/school/promote/undo")

    body = await response.json()
    assert response.status == 409, body
    assert "初一年级(1)班" in body["error"]["message"]
    assert (await admin.json("GET", "/school"))["academic_year"] == NEXT_YEAR


async def test_undo_is_refused_when_the_term_was_switched_since(new_school, db):
    admin, _, _ = await junior_school(new_school, db, students_per_class=0)
    await admin.json("POST", "/school/promote")
    await admin.json("POST", "/school/term", json={"academic_year": NEXT_YEAR,
                                                   "term": 2})

    response = await admin.post("/school/promote/undo")

    assert response.status == 409
    assert "当前学期已改为2027-2028 学年第二学期" in (
        await response.json())["error"]["message"]


async def staged_school(new_school, db, stages: tuple, grades: tuple):
    """A school of `stages` in its 2026-2027 第二学期, a class with a student in each
    of `grades`."""
    admin = await new_school(stages=stages)
    await admin.json("PATCH", "/school", json={"academic_year": YEAR, "term": 2})
    classes = {grade: (await make_classes(admin, db, grade, 1))[0] for grade in grades}
    students = {grade: await make_student(admin, db, klass, f"学生{grade}")
                for grade, klass in classes.items()}
    return admin, classes, students


async def test_junior_students_graduate_rather_than_enter_senior_grades(
        new_school, db):
    admin, classes, students = await staged_school(
        new_school, db, ("junior", "senior"), (9, 10))

    plan = await admin.json("POST", "/school/promote", params={"dry_run": "true"})
    done = await admin.json("POST", "/school/promote")

    assert _plan_only(done) == _plan_only(plan)
    assert [c["old_grade_name"] for c in done["classes_left_without_grade"]] == [
        "初三年级"]
    assert [(c["old_grade"], c["new_grade"]) for c in done["classes"]] == [(10, 11)]
    grades = await class_grades(db, admin)
    assert grades == {classes[9]["id"]: None, classes[10]["id"]: 11}
    assert await graduates(admin, db) == {students[9]["id"]}
    states = await student_states(db, admin)
    assert states[students[10]["id"]][:2] == (11, "active")


async def test_a_nine_year_school_moves_its_sixth_grade_into_junior(new_school, db):
    admin, classes, students = await staged_school(
        new_school, db, ("primary", "junior"), (6, 9))

    await admin.json("POST", "/school/promote")

    assert await class_grades(db, admin) == {classes[6]["id"]: 7,
                                             classes[9]["id"]: None}
    assert await graduates(admin, db) == {students[9]["id"]}


async def test_promotion_touches_only_the_callers_school(new_school, db):
    first, classes, _ = await junior_school(new_school, db, students_per_class=1)
    second = await new_school()
    await second.json("PATCH", "/school", json={"academic_year": YEAR, "term": 2})
    first_grades = await class_grades(db, first)

    plan = await second.json("POST", "/school/promote")
    refused = await second.post("/school/promote/undo")

    assert plan["classes"] == [] and plan["graduating"] == {"classes": 0,
                                                            "students": 0}
    assert await class_grades(db, first) == first_grades
    assert refused.status == 200
    first_undo = await first.post("/school/promote/undo")
    assert first_undo.status == 404
    assert (await first.json("GET", "/school"))["academic_year"] == YEAR
