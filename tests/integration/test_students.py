"""Students of one school: adding, the rules on numbers and classes, lists, edits,
disabling and deleting."""

import itertools
import json
import uuid
from datetime import date, timedelta

_people = itertools.count(1)
_CHECK_CHARS = "10X98765432"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(area: str = "110105") -> str:
    """A valid mainland ID number of a child, new each time within a test session."""
    n = next(_people)
    birth = date(2010, 1, 1) + timedelta(days=n % 1500)
    body = f"{area}{birth:%Y%m%d}{n % 1000:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS))
    return body + _CHECK_CHARS[total % 11]


async def make_class(admin, grade: int, number: int,
                     kind: str = "administrative") -> str:
    """A class of the admin's school, made through POST /classes; its id."""
    made = await admin.json("POST", "/classes", expect=201,
                            json={"grade": grade, "number": number, "kind": kind})
    return made["id"]


async def add_student(admin, **fields) -> dict:
    body = {"name": "李青原", "gender": "女", "grade": 7,
            "student_number": str(next(_people))} | fields
    return await admin.json("POST", "/students", expect=201, json=body)


async def student_count(db, admin) -> int:
    return await db.fetchval(
        "SELECT count(*) FROM roster.students WHERE school_id = $1",
        uuid.UUID(admin.school["id"]))


async def events(db, routing_key: str, student_id: str) -> list[dict]:
    rows = await db.fetch(
        "SELECT envelope FROM roster.outbox WHERE routing_key = $1 ORDER BY seq",
        routing_key)
    return [item for row in rows for item in _envelope(row)["data"]["students"]
            if item["id"] == student_id]


def _envelope(row) -> dict:
    value = row["envelope"]
    return json.loads(value) if isinstance(value, str) else value


async def test_student_added_to_a_class_of_its_grade_gets_a_kid(new_school, db):
    admin = await new_school()
    class_id = await make_class(admin, 7, 1)
    number = id_number()

    student = await add_student(admin, name="李青原", class_id=class_id,
                                student_number="16", id_number=number.lower(),
                                registry_number="g3202060042x")

    assert student["kid"] >= 18000001
    assert (student["grade"], student["grade_name"]) == (7, "初一年级")
    assert (student["class_id"], student["class_name"]) == (class_id, "(1)班")
    assert student["id_number"] == number
    assert student["registry_number"] == "G3202060042X"
    assert (student["enrolment"], student["status"]) == ("在籍", "active")
    assert student["transferred_in"] is False
    record = await admin.json("GET", f"/students/{student['id']}")
    assert record["id_number"] == number
    history = await db.fetch(
        "SELECT class_id, grade, ended_at FROM roster.student_class_history"
        " WHERE student_id = $1", uuid.UUID(student["id"]))
    assert [(str(h["class_id"]), h["grade"], h["ended_at"]) for h in history] == [
        (class_id, 7, None)]


async def test_grade_is_accepted_by_name(new_school):
    admin = await new_school()

    student = await add_student(admin, grade="初二年级")
    other = await add_student(admin, grade="九年级")

    assert (student["grade"], student["grade_name"]) == (8, "初二年级")
    assert other["grade"] == 9


async def test_grade_the_school_lacks_is_refused(new_school, db):
    admin = await new_school(stages=("junior",))

    response = await admin.post("/students", json={
        "name": "王一", "gender": "男", "grade": "高一年级", "student_number": "1"})

    assert response.status == 422
    assert "高一年级" in (await response.json())["error"]["message"]
    assert await student_count(db, admin) == 0


async def test_same_student_number_in_two_classes_of_a_school_is_accepted(
        new_school, db):
    admin = await new_school()
    first = await make_class(admin, 7, 1)
    second = await make_class(admin, 7, 2)
    eighth = await make_class(admin, 8, 1)

    students = [await add_student(admin, grade=grade, class_id=class_id,
                                  student_number="01")
                for grade, class_id in ((7, first), (7, second), (8, eighth))]

    assert [(s["grade"], s["class_name"], s["student_number"]) for s in students] == [
        (7, "(1)班", "01"), (7, "(2)班", "01"), (8, "(1)班", "01")]
    assert await student_count(db, admin) == 3


async def test_student_number_taken_in_the_class_is_refused_naming_the_class(
        new_school, db):
    admin, other_school = await new_school(), await new_school()
    class_id = await make_class(admin, 7, 1)
    await add_student(admin, class_id=class_id, student_number="01")

    response = await admin.post("/students", json={
        "name": "林佳盈", "gender": "女", "grade": 7, "class_id": class_id,
        "student_number": "01"})

    assert response.status == 409
    message = (await response.json())["error"]["message"]
    assert "“01”" in message and "初一年级(1)班" in message
    assert await student_count(db, admin) == 1
    other_class = await make_class(other_school, 7, 1)
    await add_student(other_school, class_id=other_class, student_number="01")


async def test_students_without_a_class_share_one_numbering_per_grade(
        new_school, db):
    admin = await new_school()
    class_id = await make_class(admin, 7, 1)
    await add_student(admin, class_id=class_id, student_number="01")
    await add_student(admin, grade=7, student_number="01")
    await add_student(admin, grade=8, student_number="01")

    response = await admin.post("/students", json={
        "name": "林佳盈", "gender": "女", "grade": 7, "student_number": "01"})

    assert response.status == 409
    assert "初一年级未分班" in (await response.json())["error"]["message"]
    assert await student_count(db, admin) == 3


async def test_id_number_held_by_a_current_student_names_the_holding_school(
        new_school, db):
    first, second = await new_school(), await new_school()
    number = id_number()
    await add_student(first, id_number=number)

    elsewhere = await second.post("/students", json={
        "name": "杜雨彤", "gender": "女", "grade": 7, "student_number": "1",
        "id_number": number})
    here = await first.post("/students", json={
        "name": "杜雨彤", "gender": "女", "grade": 7, "student_number": "2",
        "id_number": number})

    assert elsewhere.status == 409
    message = (await elsewhere.json())["error"]["message"]
    assert message == f"该证件号码已是{first.school['name']}的在校学生"
    assert here.status == 409
    assert await student_count(db, second) == 0
    assert await student_count(db, first) == 1


async def test_bad_input_is_refused_and_adds_nothing(new_school, db):
    admin = await new_school()
    valid = id_number()
    wrong_check_digit = valid[:-1] + ("1" if valid[-1] != "1" else "2")
    bad_bodies = [
        {"name": "王一", "gender": "男", "grade": 7, "student_number": "1",
         "id_number": wrong_check_digit},
        {"name": "王一", "gender": "男", "grade": 7, "student_number": "  "},
        {"name": "王一", "gender": "未知", "grade": 7, "student_number": "1"},
        {"name": "王一", "gender": "男", "grade": 7, "student_number": "1",
         "enrolment": "旁听"},
        {"name": "王一", "gender": "男", "grade": 7, "student_number": "1",
         "id_type": "驾驶证", "id_number": "123"},
        {"name": "王一", "gender": "男", "grade": 7, "student_number": "1",
         "status": "graduated"},
    ]

    for body in bad_bodies:
        response = await admin.post("/students", json=body)
        assert response.status == 422, body
        assert (await response.json())["error"]["message"], body

    assert await student_count(db, admin) == 0


async def test_class_of_another_school_is_refused_as_not_found(new_school, db):
    admin, other_school = await new_school(), await new_school()
    foreign_class = await make_class(other_school, 7, 1)

    response = await admin.post("/students", json={
        "name": "王一", "gender": "男", "grade": 7, "student_number": "1",
        "class_id": foreign_class})

    assert response.status == 422
    assert "班级不存在" in (await response.json())["error"]["message"]
    assert await student_count(db, admin) == 0


async def test_class_must_be_an_administrative_class_of_the_same_grade(new_school, db):
    admin = await new_school()
    grade_eight = await make_class(admin, 8, 1)
    tiered = await make_class(admin, 7, 1, kind="tiered")

    for class_id in (grade_eight, tiered):
        response = await admin.post("/students", json={
            "name": "王一", "gender": "男", "grade": 7, "student_number": "1",
            "class_id": class_id})
        assert response.status == 422, class_id

    assert await student_count(db, admin) == 0


async def test_search_finds_by_number_name_registry_number_kid_and_id_number(
        new_school):
    admin = await new_school()
    number = id_number()
    student = await add_student(admin, name="欧阳明轩", student_number="0716",
                                registry_number="G110105", id_number=number)
    await add_student(admin, name="张伟", student_number="0717")

    for q in ("0716", "明轩", "g110105", str(student["kid"]), number):
        found = await admin.json("GET", "/students", params={"q": q})
        assert [s["id"] for s in found["items"]] == [student["id"]], q

    listed = found["items"][0]
    assert listed["id_number"] != number and "*" in listed["id_number"]
    assert listed["id_number"][-4:] == number[-4:]
    assert listed["name"] == "欧阳明轩" and listed["registry_number"] == "G110105"


async def test_list_filters_and_counts_the_enrolled(new_school, db):
    admin = await new_school()
    first = await make_class(admin, 7, 1)
    second = await make_class(admin, 7, 2)
    await add_student(admin, class_id=first)
    await add_student(admin, class_id=first, enrolment="借读")
    in_second = await add_student(admin, class_id=second)
    await add_student(admin, grade=8)

    whole = await admin.json("GET", "/students")
    grade = await admin.json("GET", "/students", params={"grade": "初一年级"})
    one_class = await admin.json("GET", "/students", params={"class_id": first})
    visiting = await admin.json("GET", "/students", params={"enrolment": "借读"})
    page = await admin.json("GET", "/students", params={"page_size": 1, "page": 2})

    assert (whole["total"], whole["counted"]) == (4, 3)
    assert (grade["total"], grade["counted"]) == (3, 2)
    assert (one_class["total"], one_class["counted"]) == (2, 1)
    assert (visiting["total"], visiting["counted"]) == (1, 0)
    assert (len(page["items"]), page["total"]) == (1, 4)
    assert [s["class_name"] for s in grade["items"]] == ["(1)班", "(1)班", "(2)班"]
    assert in_second["id"] == grade["items"][2]["id"]


async def test_moving_to_another_class_closes_the_old_history_row(new_school, db):
    admin = await new_school()
    first = await make_class(admin, 7, 1)
    second = await make_class(admin, 7, 2)
    student = await add_student(admin, class_id=first)

    moved = await admin.json("PATCH", f"/students/{student['id']}",
                             json={"class_id": second, "student_number": "99"})

    assert (moved["class_id"], moved["class_name"]) == (second, "(2)班")
    assert moved["student_number"] == "99"
    assert moved["kid"] == student["kid"] and moved["name"] == student["name"]
    history = await db.fetch(
        "SELECT class_id, ended_at FROM roster.student_class_history"
        " WHERE student_id = $1 ORDER BY id", uuid.UUID(student["id"]))
    assert [str(h["class_id"]) for h in history] == [first, second]
    assert history[0]["ended_at"] is not None and history[1]["ended_at"] is None


async def test_moving_into_a_class_where_the_number_is_taken_is_refused(
        new_school, db):
    admin = await new_school()
    first = await make_class(admin, 7, 1)
    second = await make_class(admin, 7, 2)
    await add_student(admin, class_id=second, student_number="01", name="秦源")
    student = await add_student(admin, class_id=first, student_number="01")
    await add_student(admin, class_id=first, student_number="02")

    refused = {}
    for place, body in [("初一年级(2)班", {"class_id": second}),
                        ("初一年级(1)班", {"student_number": "02"})]:
        response = await admin.request("PATCH", f"/students/{student['id']}",
                                       json=body)
        refused[place] = (response.status, (await response.json())["error"])

    assert [(status, place in error["message"])
            for place, (status, error) in refused.items()] == [(409, True)] * 2
    record = await admin.json("GET", f"/students/{student['id']}")
    assert record == {key: student[key] for key in record}
    history = await db.fetch(
        "SELECT class_id FROM roster.student_class_history WHERE student_id = $1",
        uuid.UUID(student["id"]))
    assert [str(h["class_id"]) for h in history] == [first]
    moved = await admin.json("PATCH", f"/students/{student['id']}",
                             json={"class_id": second, "student_number": "03"})
    assert (moved["class_name"], moved["student_number"]) == ("(2)班", "03")


async def test_a_class_alone_moves_the_student_into_its_grade(new_school, db):
    admin = await new_school()
    seventh = await make_class(admin, 7, 1)
    eighth = await make_class(admin, 8, 3)
    student = await add_student(admin, class_id=seventh)

    moved = await admin.json("PATCH", f"/students/{student['id']}",
                             json={"class_id": eighth})
    stranded = await admin.request("PATCH", f"/students/{student['id']}",
                                   json={"grade": 9})
    left = await admin.json("PATCH", f"/students/{student['id']}",
                            json={"grade": 9, "class_id": None})

    assert (moved["grade"], moved["class_name"]) == (8, "(3)班")
    assert stranded.status == 422
    assert (left["grade"], left["class_id"], left["class_name"]) == (9, None, None)


async def test_bad_edits_change_nothing(new_school, db):
    admin, other_school = await new_school(), await new_school()
    taken = id_number()
    await add_student(admin, student_number="01")
    await add_student(other_school, id_number=taken)
    student = await add_student(admin, student_number="02", name="林佳盈")
    foreign_class = await make_class(other_school, 7, 1)

    for body, status in [({"student_number": "01"}, 409),
                         ({"id_number": taken}, 409),
                         ({"class_id": foreign_class}, 422),
                         ({"name": None}, 422),
                         ({"id_number": "123"}, 422),
                         ({"kid": 1}, 422)]:
        response = await admin.request("PATCH", f"/students/{student['id']}",
                                       json=body)
        assert response.status == status, (body, await response.json())

    record = await admin.json("GET", f"/students/{student['id']}")
    assert record == {key: student[key] for key in record}


async def test_disabled_students_are_listed_apart_and_can_be_enabled(new_school):
    admin = await new_school()
    first, second = await add_student(admin), await add_student(admin)

    disabled = await admin.json("POST", "/students/disable",
                                json={"student_ids": [first["id"], second["id"]]})
    listed = await admin.json("GET", "/students", params={"status": "disabled"})
    enabled = await admin.json("POST", "/students/enable",
                               json={"student_ids": [first["id"]]})
    active = await admin.json("GET", "/students", params={"status": "active"})

    assert disabled == {"changed": 2} and enabled == {"changed": 1}
    assert listed["total"] == 2
    assert [s["id"] for s in active["items"]] == [first["id"]]
    record = await admin.json("GET", f"/students/{second['id']}")
    assert (record["status"], record["kid"]) == ("disabled", second["kid"])


async def test_disabling_with_an_unknown_student_changes_nobody(new_school):
    admin = await new_school()
    student = await add_student(admin)

    response = await admin.post("/students/disable", json={
        "student_ids": [student["id"], str(uuid.uuid4())]})

    assert response.status == 404
    record = await admin.json("GET", f"/students/{student['id']}")
    assert record["status"] == "active"


async def test_delete_removes_the_student_and_history_for_good(new_school, db):
    admin = await new_school()
    class_id = await make_class(admin, 7, 1)
    student = await add_student(admin, class_id=class_id, student_number="05")

    deleted = await admin.json("DELETE", f"/students/{student['id']}")
    again = await admin.request("DELETE", f"/students/{student['id']}")

    assert deleted == {"deleted": 1}
    assert again.status == 404
    assert (await admin.get(f"/students/{student['id']}")).status == 404
    assert await db.fetchval(
        "SELECT count(*) FROM roster.student_class_history WHERE student_id = $1",
        uuid.UUID(student["id"])) == 0
    assert await db.fetchval(
        "SELECT count(*) FROM roster.student_archive WHERE student_id = $1",
        uuid.UUID(student["id"])) == 0
    await add_student(admin, student_number="05")


async def test_changes_publish_events_and_audit_entries(new_school, db):
    admin = await new_school()
    student = await add_student(admin)
    await admin.json("PATCH", f"/students/{student['id']}", json={"name": "李佳琦"})
    await admin.json("POST", "/students/disable", json={"student_ids": [student["id"]]})
    await admin.json("DELETE", f"/students/{student['id']}")

    created = await events(db, "roster.students.created", student["id"])
    changed = await events(db, "roster.students.changed", student["id"])
    deleted = await events(db, "roster.students.deleted", student["id"])

    assert created == [{"id": student["id"], "kid": student["kid"],
                        "school_id": admin.school["id"], "name": "李青原",
                        "status": "active"}]
    assert [(e["name"], e["status"]) for e in changed] == [
        ("李佳琦", "active"), ("李佳琦", "disabled")]
    assert [e["kid"] for e in deleted] == [student["kid"]]
    actions = await db.fetch(
        "SELECT action FROM roster.audit_log WHERE target_kind = 'student'"
        " AND target_id = $1 ORDER BY id", student["id"])
    assert [a["action"] for a in actions] == [
        "create", "update", "status:disabled", "delete"]


async def test_another_schools_admin_finds_none_of_its_students(new_school):
    admin, other_school = await new_school(), await new_school()
    student = await add_student(admin, name="赵小明")
    path = f"/students/{student['id']}"

    for method, route, body in [("GET", path, None), ("PATCH", path, {"name": "改"}),
                                ("DELETE", path, None),
                                ("POST", "/students/disable",
                                 {"student_ids": [student["id"]]}),
                                ("POST", "/students/enable",
                                 {"student_ids": [student["id"]]})]:
        response = await other_school.request(method, route, json=body)
        assert response.status == 404, (method, route)

    searched = await other_school.json("GET", "/students", params={"q": "赵小明"})
    assert searched["total"] == 0
    record = await admin.json("GET", path)
    assert (record["name"], record["status"]) == ("赵小明", "active")


async def test_export_lists_current_students_in_full_for_reimport(new_school):
    import io

    import openpyxl

    admin = await new_school()
    klass = await make_class(admin, 7, 1)
    number = id_number()
    student = await add_student(admin, class_id=klass, id_number=number,
                                name="=HYPERLINK(1)")

    response = await admin.get("/exports/students.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(await response.read())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]

    assert response.status == 200
    assert rows[0][:6] == ["kid", "姓名", "性别", "年级", "班级", "学号"]
    exported = {row[0]: row for row in rows[1:]}
    assert exported[str(student["kid"])][3:7] == [
        "初一年级", "(1)班", student["student_number"], number]
    assert exported[str(student["kid"])][1] == "'=HYPERLINK(1)"


async def test_the_api_document_says_a_student_number_is_unique_within_a_class(http):
    document = await (await http.get("/api/v1/openapi.json")).json()

    summary = document["paths"]["/api/v1/students"]["post"]["summary"]
    schemas = document["components"]["schemas"]
    described = [schemas[name]["properties"]["student_number"]["description"]
                 for name in ("StudentIn", "StudentChanges")]

    assert "本校唯一" not in summary
    assert "学号在同一班级内唯一，未分班的学生在本年级内唯一" in summary
    assert all("同一班级内不能重复" in text and "本年级" in text for text in described)
