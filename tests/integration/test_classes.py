"""Classes: numbering, aliases, the three kinds, their students and deletion."""

import asyncio
import uuid

import pytest

from tests.integration.api import log_in


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


async def add_class(admin, **fields) -> dict:
    return await admin.json("POST", "/classes", expect=201,
                            json={"grade": 7, "number": 1} | fields)


async def all_classes(admin, **params) -> dict:
    return await admin.json("GET", "/classes", params=params)


async def seat_student(db, admin, klass: dict, number: str, *, name="学生",
                       enrolment="在籍", status="active") -> None:
    """Put a student in a class directly in the database, as POST /students would."""
    await db.execute(
        "INSERT INTO roster.students (school_id, name, gender, id_type, id_number,"
        " grade, class_id, student_number, enrolment, status)"
        " VALUES ($1, $2, '女', '中国大陆居民身份证', $3, $4, $5, $6, $7, $8)",
        uuid.UUID(admin.school["id"]), name, f"T{uuid.uuid4().hex[:17]}",
        klass["grade"], uuid.UUID(klass["id"]), number, enrolment, status)


async def log_in_as_plain_teacher(http, admin, db):
    """A teacher without the admin permission, with an account opened directly.

    Activation is another area's work; the account is set as activation leaves it.
    """
    from tests.integration.conftest import ADMIN_PASSWORD

    teacher = await admin.json("POST", "/teachers", expect=201, json={
        "name": "吴老师", "gender": "男"})
    hashed = await db.fetchval(
        "SELECT password_hash FROM identity.accounts WHERE kid = $1",
        admin.account["kid"])
    for _ in range(50):
        updated = await db.execute(
            "UPDATE identity.accounts SET password_hash = $2, status = 'active'"
            " WHERE kid = $1", teacher["kid"], hashed)
        if updated == "UPDATE 1":
            break
        await asyncio.sleep(0.1)
    return await log_in(http, str(teacher["kid"]), ADMIN_PASSWORD)


async def test_a_class_is_created_with_its_number_alias_and_flags(new_school):
    admin = await new_school()

    created = await add_class(admin, grade="初一年级", number=3, alias="实验班",
                              virtual=True, sort_order=5)

    assert created["grade"] == 7 and created["grade_name"] == "初一年级"
    assert created["kind"] == "administrative"
    assert (created["number"], created["name"]) == (3, "(3)班")
    assert (created["alias"], created["virtual"], created["sort_order"]) == (
        "实验班", True, 5)
    assert created["student_count"] == created["counted_count"] == 0
    assert await admin.json("GET", f"/classes/{created['id']}") == created | {
        "students": []}


async def test_an_alias_of_only_invisible_characters_is_no_alias(new_school):
    admin = await new_school()
    aliased = await add_class(admin, number=2, alias="实验班")

    blank = await add_class(admin, alias="\u200b\u202e")
    cleaned = await add_class(admin, number=3, alias="\u200b火箭班\ufeff")
    cleared = await admin.json("PATCH", f"/classes/{aliased['id']}",
                               json={"alias": "\u2066\u200d"})

    assert blank["alias"] is None and cleaned["alias"] == "火箭班"
    assert cleared["alias"] is None
    listed = {c["number"]: c["alias"] for c in (await all_classes(admin))["items"]}
    assert listed == {1: None, 2: None, 3: "火箭班"}


async def test_a_batch_numbers_classes_after_the_highest_of_that_grade_and_kind(
        new_school):
    admin = await new_school()
    await add_class(admin, number=5)
    await add_class(admin, grade=8, number=9)

    batch = await admin.json("POST", "/classes/batch", expect=201,
                             json={"grade": 7, "count": 3})
    tiered = await admin.json("POST", "/classes/batch", expect=201,
                              json={"grade": "七年级", "count": 2, "kind": "tiered"})

    assert batch["total"] == 3
    assert [c["name"] for c in batch["items"]] == ["(6)班", "(7)班", "(8)班"]
    assert [c["number"] for c in tiered["items"]] == [1, 2]
    assert {c["kind"] for c in tiered["items"]} == {"tiered"}
    grades = {g["grade"]: g for g in (await admin.json("GET", "/grades"))["items"]}
    assert grades[7]["class_counts"] == {"administrative": 4, "tiered": 2,
                                         "elective": 0}
    assert grades[7]["class_count"] == 6 and grades[8]["class_count"] == 1


async def test_a_batch_starts_at_one_in_an_empty_grade(new_school):
    admin = await new_school()

    batch = await admin.json("POST", "/classes/batch", expect=201,
                             json={"grade": 9, "count": 2, "kind": "elective"})

    assert [(c["grade"], c["kind"], c["number"]) for c in batch["items"]] == [
        (9, "elective", 1), (9, "elective", 2)]


async def test_a_batch_past_class_999_is_refused_and_creates_nothing(new_school):
    admin = await new_school()
    await add_class(admin, number=998)

    response = await admin.post("/classes/batch", json={"grade": 7, "count": 3})

    error = (await response.json())["error"]
    assert response.status == 422
    assert "999" in error["message"] and has_chinese(error["message"])
    assert (await all_classes(admin))["total"] == 1


async def test_a_number_is_unique_within_a_grade_and_kind_only(new_school):
    admin = await new_school()
    await add_class(admin, number=2)

    taken = await admin.post("/classes", json={"grade": 7, "number": 2})
    await add_class(admin, number=2, kind="elective")
    await add_class(admin, grade=8, number=2)

    assert taken.status == 409
    message = (await taken.json())["error"]["message"]
    assert "初一年级" in message and "(2)班" in message
    assert (await all_classes(admin))["total"] == 3


async def test_renumbering_onto_a_taken_number_is_refused_and_changes_nothing(
        new_school):
    admin = await new_school()
    await add_class(admin, number=1)
    second = await add_class(admin, number=2, alias="二班")

    response = await admin.request("PATCH", f"/classes/{second['id']}",
                                   json={"number": 1, "alias": "新名"})

    assert response.status == 409
    assert await admin.json("GET", f"/classes/{second['id']}") == second | {
        "students": []}


async def test_an_edit_changes_only_the_fields_sent(new_school):
    admin = await new_school()
    klass = await add_class(admin, number=4, alias="火箭班", sort_order=3)

    renumbered = await admin.json("PATCH", f"/classes/{klass['id']}",
                                  json={"number": 14, "virtual": True})
    cleared = await admin.json("PATCH", f"/classes/{klass['id']}", json={"alias": ""})

    assert (renumbered["number"], renumbered["name"]) == (14, "(14)班")
    assert renumbered["virtual"] is True
    assert (renumbered["alias"], renumbered["sort_order"]) == ("火箭班", 3)
    assert cleared["alias"] is None and cleared["number"] == 14


@pytest.mark.parametrize("body, fragment", [
    ({"grade": 7, "number": 0}, "班号"),
    ({"grade": 7, "number": 1000}, "班号"),
    ({"grade": 7, "number": 1, "alias": "别" * 21}, "别名"),
    ({"grade": 7, "number": 1, "kind": "走班"}, "班级类型"),
    ({"grade": 1, "number": 1}, "一年级"),
    ({"grade": "大一", "number": 1}, "大一"),
    ({"number": 1}, "年级"),
    ({"grade": 7, "number": 1, "teacher": "王"}, "teacher"),
], ids=["number 0", "number 1000", "long alias", "unknown kind",
        "grade the school lacks", "made-up grade", "no grade", "unknown field"])
async def test_a_bad_class_form_is_refused_and_creates_nothing(
        new_school, body, fragment):
    admin = await new_school()

    response = await admin.post("/classes", json=body)

    error = (await response.json())["error"]
    assert response.status == 422, error
    assert fragment in error["message"] and has_chinese(error["message"])
    assert (await all_classes(admin))["total"] == 0


async def test_a_bad_edit_is_refused_and_changes_nothing(new_school):
    admin = await new_school()
    klass = await add_class(admin, number=6, alias="六班")

    for body in ({"number": None}, {"virtual": None}, {"alias": "长" * 21},
                 {"grade": 8}, {"number": -1}):
        response = await admin.request("PATCH", f"/classes/{klass['id']}", json=body)
        assert response.status == 422, body

    assert await admin.json("GET", f"/classes/{klass['id']}") == klass | {
        "students": []}


async def test_the_list_filters_by_grade_and_kind_in_the_schools_order(new_school):
    admin = await new_school()
    await add_class(admin, number=1, sort_order=2)
    await add_class(admin, number=2, sort_order=1)
    await add_class(admin, number=3, sort_order=1)
    await add_class(admin, number=1, kind="tiered")
    await add_class(admin, grade=8, number=1)

    grade7 = await all_classes(admin, grade="初一年级")
    tiered = await all_classes(admin, kind="tiered")
    page = await all_classes(admin, page=2, page_size=2)

    assert [(c["kind"], c["number"]) for c in grade7["items"]] == [
        ("administrative", 2), ("administrative", 3), ("administrative", 1),
        ("tiered", 1)]
    assert tiered["total"] == 1 and tiered["items"][0]["kind"] == "tiered"
    assert page["total"] == 5 and len(page["items"]) == 2
    bad = await admin.get("/classes", params={"kind": "走班"})
    assert bad.status == 422


async def test_a_class_lists_its_students_by_number_and_counts_the_enrolled(
        new_school, db):
    admin = await new_school()
    klass = await add_class(admin, number=1)
    other = await add_class(admin, number=2)
    await seat_student(db, admin, klass, "10", name="曲书昕")
    await seat_student(db, admin, klass, "9", name="王晓琳")
    await seat_student(db, admin, klass, "02", name="李小明", enrolment="借读")
    await seat_student(db, admin, klass, "03", name="秦源", status="disabled")
    await seat_student(db, admin, klass, "01", name="已毕业", status="graduated")
    await seat_student(db, admin, other, "04", name="隔壁")

    shown = await admin.json("GET", f"/classes/{klass['id']}")

    assert [s["student_number"] for s in shown["students"]] == ["02", "03", "9", "10"]
    assert (shown["student_count"], shown["counted_count"]) == (4, 3)
    loaned = shown["students"][0]
    assert (loaned["name"], loaned["enrolment"]) == ("李小明", "借读")
    assert (loaned["class_id"], loaned["class_name"]) == (klass["id"], "(1)班")
    assert loaned["grade"] == 7 and loaned["grade_name"] == "初一年级"
    assert "*" in loaned["id_number"]
    listed = {c["id"]: c for c in (await all_classes(admin))["items"]}
    assert (listed[klass["id"]]["student_count"],
            listed[klass["id"]]["counted_count"]) == (4, 3)
    assert listed[other["id"]]["student_count"] == 1


async def test_students_added_through_the_student_form_sit_in_their_class(
        new_school):
    admin = await new_school()
    klass = await add_class(admin, number=3)
    for number, enrolment in (("12", "在籍"), ("011", "借读"), ("7", "在籍")):
        await admin.json("POST", "/students", expect=201, json={
            "name": f"学生{number}", "gender": "男", "grade": 7,
            "class_id": klass["id"], "student_number": number,
            "enrolment": enrolment})

    shown = await admin.json("GET", f"/classes/{klass['id']}")

    assert [s["student_number"] for s in shown["students"]] == ["7", "011", "12"]
    assert (shown["student_count"], shown["counted_count"]) == (3, 2)
    assert {s["class_name"] for s in shown["students"]} == {"(3)班"}
    refused = await admin.request("DELETE", f"/classes/{klass['id']}")
    assert refused.status == 409


async def test_a_class_with_students_cannot_be_deleted(new_school, db):
    admin = await new_school()
    klass = await add_class(admin, number=1)
    await seat_student(db, admin, klass, "01")

    refused = await admin.request("DELETE", f"/classes/{klass['id']}")

    assert refused.status == 409
    message = (await refused.json())["error"]["message"]
    assert "1名学生" in message and has_chinese(message)
    assert (await admin.json("GET", f"/classes/{klass['id']}"))["student_count"] == 1


async def test_an_empty_class_is_deleted_for_good(new_school, db):
    admin = await new_school()
    klass = await add_class(admin, number=1)
    await seat_student(db, admin, klass, "01")
    await db.execute("UPDATE roster.students SET class_id = NULL WHERE class_id = $1",
                     uuid.UUID(klass["id"]))

    await admin.json("DELETE", f"/classes/{klass['id']}")

    assert (await admin.get(f"/classes/{klass['id']}")).status == 404
    assert (await all_classes(admin))["total"] == 0
    again = await admin.json("POST", "/classes", expect=201,
                             json={"grade": 7, "number": 1})
    assert again["id"] != klass["id"]


async def test_class_changes_are_recorded_in_the_audit_trail(new_school, db):
    admin = await new_school()
    klass = await add_class(admin, number=1)
    await admin.json("PATCH", f"/classes/{klass['id']}", json={"alias": "一班"})
    await admin.json("DELETE", f"/classes/{klass['id']}")

    actions = await db.fetch(
        "SELECT action, actor_kid FROM roster.audit_log"
        " WHERE school_id = $1 AND target_kind = 'class' AND target_id = $2"
        " ORDER BY id", uuid.UUID(admin.school["id"]), klass["id"])

    assert [a["action"] for a in actions] == ["create", "update", "delete"]
    assert {a["actor_kid"] for a in actions} == {admin.account["kid"]}


async def test_another_schools_classes_answer_as_if_absent(new_school, db):
    first, second = await new_school(), await new_school()
    klass = await add_class(first, number=1)
    await seat_student(db, first, klass, "01")

    for method, body in (("GET", None), ("PATCH", {"alias": "偷改"}),
                         ("DELETE", None)):
        response = await second.request(method, f"/classes/{klass['id']}", json=body)
        assert response.status == 404, method
    not_an_id = await second.get("/classes/not-a-class")

    assert not_an_id.status == 404
    assert (await all_classes(second))["total"] == 0
    mine = await add_class(second, number=1)
    assert mine["id"] != klass["id"]
    shown = await first.json("GET", f"/classes/{klass['id']}")
    assert shown["alias"] is None and shown["student_count"] == 1


async def test_a_teacher_without_the_admin_permission_is_refused(http, new_school, db):
    admin = await new_school()
    klass = await add_class(admin, number=1)
    teacher = await log_in_as_plain_teacher(http, admin, db)

    for method, path, body in (
            ("GET", "/grades", None), ("GET", "/grades/7/subjects", None),
            ("PUT", "/grades/7/subjects", {"categories": []}),
            ("GET", "/classes", None), ("POST", "/classes", {"grade": 7, "number": 9}),
            ("POST", "/classes/batch", {"grade": 7, "count": 1}),
            ("GET", f"/classes/{klass['id']}", None),
            ("PATCH", f"/classes/{klass['id']}", {"alias": "x"}),
            ("DELETE", f"/classes/{klass['id']}", None)):
        response = await teacher.request(method, path, json=body)
        assert response.status == 403, (method, path)

    assert (await all_classes(admin))["total"] == 1
