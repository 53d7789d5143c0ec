"""Students leaving and joining: transfer out with an archive, transfer in by ID
number keeping the kid, and the roster side of student imports."""

import json
import uuid

import pytest

from shared.bus import Bus
from shared.errors import Forbidden
from tests.integration.test_students import add_student, id_number, make_class


@pytest.fixture
async def bus(infra):
    bus = await Bus(infra.env["AMQP_URL"]).connect()
    yield bus
    await bus.close()


def as_admin(admin) -> dict:
    """The bus context the importer sends on behalf of the admin who started a job."""
    return {"caller": {"kid": admin.account["kid"], "kind": admin.account["kind"],
                       "school_id": admin.school["id"],
                       "permissions": admin.account["permissions"]}}


def import_row(row: int, **fields) -> dict:
    return {"row": row, "name": f"学生{row}", "gender": "男", "grade": 7,
            "class_number": 1, "student_number": f"S{row}", "id_type": None,
            "id_number": None, "registry_number": None, "enrolment": "在籍"} | fields


async def published(db, routing_key: str) -> list[dict]:
    rows = await db.fetch(
        "SELECT envelope FROM roster.outbox WHERE routing_key = $1 ORDER BY seq",
        routing_key)
    envelopes = [json.loads(r["envelope"]) if isinstance(r["envelope"], str)
                 else r["envelope"] for r in rows]
    return [item for envelope in envelopes for item in envelope["data"]["students"]]


async def transfer_out(admin, student: dict, reason: str | None = "随父母工作调动"):
    return await admin.json("POST", f"/students/{student['id']}/transfer-out",
                            json={"reason": reason})


async def test_transfer_out_archives_the_record_and_class_history(new_school, db):
    admin = await new_school()
    first = await make_class(admin, 7, 1)
    second = await make_class(admin, 7, 2)
    number = id_number()
    student = await add_student(admin, class_id=first, id_number=number,
                                student_number="16", registry_number="G1")
    await admin.json("PATCH", f"/students/{student['id']}", json={"class_id": second})

    archive = await transfer_out(admin, student)

    assert (archive["student_id"], archive["kid"]) == (student["id"], student["kid"])
    assert (archive["name"], archive["student_number"]) == ("李青原", "16")
    assert (archive["grade_name"], archive["class_name"]) == ("初一年级", "(2)班")
    assert (archive["id_number"], archive["reason"]) == (number, "随父母工作调动")
    assert archive["transferred_in"] is False
    assert archive["record"]["registry_number"] == "G1"
    history = archive["class_history"]
    assert [h["class_name"] for h in history] == ["(1)班", "(2)班"]
    assert all(h["ended_at"] for h in history)
    assert (await admin.get(f"/students/{student['id']}")).status == 404
    assert (await admin.json("GET", "/students"))["total"] == 0
    assert await db.fetchval(
        "SELECT count(*) FROM roster.student_class_history WHERE student_id = $1",
        uuid.UUID(student["id"])) == 0


async def test_archive_lists_mask_id_numbers_and_the_record_shows_them(new_school):
    admin = await new_school()
    number = id_number()
    student = await add_student(admin, name="索鹤铭", id_number=number)
    archive = await transfer_out(admin, student, reason=None)

    listed = await admin.json("GET", "/students/archive")
    searched = await admin.json("GET", "/students/archive", params={"q": "鹤铭"})
    by_kid = await admin.json("GET", "/students/archive",
                              params={"q": str(student["kid"])})
    record = await admin.json("GET", f"/students/archive/{archive['id']}")

    assert listed["total"] == 1
    assert "*" in listed["items"][0]["id_number"]
    assert "record" not in listed["items"][0]
    assert [a["id"] for a in searched["items"]] == [archive["id"]]
    assert [a["id"] for a in by_kid["items"]] == [archive["id"]]
    assert record["id_number"] == number and record["reason"] is None


async def test_transferred_out_student_number_can_be_given_again(new_school):
    admin = await new_school()
    student = await add_student(admin, student_number="08")

    await transfer_out(admin, student)
    newcomer = await add_student(admin, student_number="08", name="王五")

    assert newcomer["student_number"] == "08"


async def test_student_added_elsewhere_with_the_id_number_keeps_the_kid(
        new_school, db):
    first, second = await new_school(), await new_school()
    number = id_number()
    student = await add_student(first, id_number=number)
    archive = await transfer_out(first, student)

    arrived = await add_student(second, id_number=number, name="李青原")

    assert arrived["transferred_in"] is True
    assert arrived["kid"] == student["kid"] and arrived["id"] != student["id"]
    assert [e for e in await published(db, "roster.students.transferred_in")
            if e["id"] == arrived["id"]] == [{
                "id": arrived["id"], "kid": student["kid"],
                "school_id": second.school["id"], "name": "李青原",
                "id_type": "中国大陆居民身份证", "id_number": number,
                "from_school_id": first.school["id"]}]
    left = await first.json("GET", f"/students/archive/{archive['id']}")
    assert left["transferred_in"] is True
    stranger = await add_student(second, id_number=id_number())
    assert stranger["transferred_in"] is False


async def test_transfer_out_publishes_the_deletion(new_school, db):
    admin = await new_school()
    student = await add_student(admin)

    await transfer_out(admin, student)

    assert [e for e in await published(db, "roster.students.deleted")
            if e["id"] == student["id"]] == [{
                "id": student["id"], "kid": student["kid"],
                "school_id": admin.school["id"], "name": student["name"],
                "status": "active", "transferred_out": True}]
    actions = await db.fetch(
        "SELECT action FROM roster.audit_log WHERE target_kind = 'student'"
        " AND target_id = $1 ORDER BY id", student["id"])
    assert [a["action"] for a in actions] == ["create", "transfer_out"]


async def test_another_school_cannot_transfer_out_or_read_the_archive(new_school):
    admin, other_school = await new_school(), await new_school()
    student = await add_student(admin)
    kept = await add_student(admin)
    archive = await transfer_out(admin, student)

    refused = await other_school.post(f"/students/{kept['id']}/transfer-out",
                                      json={})
    hidden = await other_school.get(f"/students/archive/{archive['id']}")
    listed = await other_school.json("GET", "/students/archive")

    assert (refused.status, hidden.status) == (404, 404)
    assert listed["total"] == 0
    assert (await admin.json("GET", f"/students/{kept['id']}"))["status"] == "active"


async def test_bad_transfer_requests_change_nothing(new_school, db):
    admin = await new_school()
    student = await add_student(admin)

    too_long = await admin.post(f"/students/{student['id']}/transfer-out",
                                json={"reason": "很" * 201})
    unknown = await admin.post(f"/students/{uuid.uuid4()}/transfer-out", json={})
    not_an_id = await admin.get("/students/archive/abc")

    assert (too_long.status, unknown.status, not_an_id.status) == (422, 404, 404)
    assert (await admin.json("GET", f"/students/{student['id']}"))["id"]
    assert await db.fetchval(
        "SELECT count(*) FROM roster.student_archive WHERE school_id = $1",
        uuid.UUID(admin.school["id"])) == 0


# --- the roster side of student imports ------------------------------------------


async def test_import_makes_missing_classes_and_is_idempotent(new_school, bus, db):
    admin = await new_school()
    existing = await make_class(admin, 7, 1)
    job = str(uuid.uuid4())
    rows = [import_row(2), import_row(3, class_number=2, grade=8),
            import_row(4, id_number=id_number(), id_type="中国大陆居民身份证")]

    first = await bus.call("roster.import_students", {"job_id": job, "rows": rows},
                           ctx=as_admin(admin))
    again = await bus.call("roster.import_students", {"job_id": job, "rows": rows},
                           ctx=as_admin(admin))

    assert [r["error"] for r in first] == [None, None, None]
    assert first == again
    listed = await admin.json("GET", "/students")
    assert listed["total"] == 3
    by_number = {s["student_number"]: s for s in listed["items"]}
    assert by_number["S2"]["class_id"] == existing
    assert (by_number["S3"]["grade"], by_number["S3"]["class_name"]) == (8, "(2)班")
    assert {s["kid"] for s in listed["items"]} == {r["kid"] for r in first}
    assert await db.fetchval(
        "SELECT count(*) FROM roster.classes WHERE school_id = $1",
        uuid.UUID(admin.school["id"])) == 2
    assert await db.fetchval(
        "SELECT count(*) FROM roster.student_class_history WHERE school_id = $1",
        uuid.UUID(admin.school["id"])) == 3


async def test_import_answers_each_refused_row_with_its_reason(new_school, bus, db):
    admin, other_school = await new_school(), await new_school()
    held = id_number()
    await add_student(other_school, id_number=held)
    first_class = await make_class(admin, 7, 1)
    await add_student(admin, class_id=first_class, student_number="S2")
    rows = [import_row(2), import_row(3, id_number=held),
            import_row(4, grade=10), import_row(5), import_row(6, student_number="S5")]

    results = await bus.call("roster.import_students",
                             {"job_id": str(uuid.uuid4()), "rows": rows},
                             ctx=as_admin(admin))

    errors = {r["row"]: r["error"] for r in results}
    assert "S2" in errors[2] and "初一年级(1)班" in errors[2]
    assert errors[3] == f"该证件号码已是{other_school.school['name']}的在校学生"
    assert "高一年级" in errors[4]
    assert errors[5] is None and "S5" in errors[6] and "(1)班" in errors[6]
    assert [r["kid"] is not None for r in results] == [False, False, False, True, False]
    assert (await admin.json("GET", "/students"))["total"] == 2


async def test_imported_student_transferred_from_elsewhere_keeps_the_kid(
        new_school, bus, db):
    first, second = await new_school(), await new_school()
    number = id_number()
    student = await add_student(first, id_number=number)
    await transfer_out(first, student)

    results = await bus.call(
        "roster.import_students",
        {"job_id": str(uuid.uuid4()),
         "rows": [import_row(2, id_number=number, id_type="中国大陆居民身份证")]},
        ctx=as_admin(second))

    assert results[0]["kid"] == student["kid"]
    arrivals = [e for e in await published(db, "roster.students.transferred_in")
                if e["kid"] == student["kid"]]
    assert [e["from_school_id"] for e in arrivals] == [first.school["id"]]


def probe(row: int, **fields) -> dict:
    return {"row": row, "grade": 7, "class_number": 1} | fields


async def test_known_conflicts_name_holding_schools_taken_numbers_and_arrivals(
        new_school, bus, db):
    admin, other_school = await new_school(), await new_school()
    held_elsewhere, held_here, leaving = id_number(), id_number(), id_number()
    await add_student(other_school, id_number=held_elsewhere)
    first_class = await make_class(admin, 7, 1)
    await add_student(admin, id_number=held_here, class_id=first_class,
                      student_number="01")
    await make_class(admin, 7, 2)
    gone = await add_student(other_school, id_number=leaving)
    await transfer_out(other_school, gone)

    found = await bus.call("roster.known_student_conflicts", {"rows": [
        probe(2, id_number=held_elsewhere, student_number="02"),
        probe(3, id_number=held_here, student_number="03"),
        probe(4, student_number="01"),
        probe(5, id_number=leaving, student_number="05"),
        probe(6, id_number=id_number(), student_number="06"),
        probe(7, class_number=2, student_number="01"),
        probe(8, class_number=3, student_number="01"),
        probe(9, grade=8, student_number="01"),
    ]}, ctx=as_admin(admin))

    by_row = {c["row"]: c for c in found}
    assert sorted(by_row) == [2, 3, 4, 5]
    assert by_row[2]["id_number_school"] == other_school.school["name"]
    assert by_row[2]["id_number_here"] is False
    assert by_row[3]["id_number_here"] is True
    assert by_row[4]["student_number_taken"] is True
    assert by_row[4]["messages"] == [
        "学号“01”已被初一年级(1)班的学生使用，请换一个学号"]
    assert by_row[5]["transferred_from"] == other_school.school["name"]
    assert by_row[5]["messages"] == [] and by_row[5]["notices"]


async def test_import_puts_the_same_number_in_different_classes(new_school, bus, db):
    admin = await new_school()
    first_class = await make_class(admin, 7, 1)
    await add_student(admin, class_id=first_class, student_number="01")
    rows = [import_row(2, class_number=2, student_number="01"),
            import_row(3, class_number=3, student_number="01"),
            import_row(4, grade=8, class_number=1, student_number="01"),
            import_row(5, class_number=2, student_number="02")]

    results = await bus.call("roster.import_students",
                             {"job_id": str(uuid.uuid4()), "rows": rows},
                             ctx=as_admin(admin))

    assert [r["error"] for r in results] == [None] * 4
    listed = (await admin.json("GET", "/students"))["items"]
    assert sorted((s["grade"], s["class_name"], s["student_number"])
                  for s in listed) == [
        (7, "(1)班", "01"), (7, "(2)班", "01"), (7, "(2)班", "02"),
        (7, "(3)班", "01"), (8, "(1)班", "01")]


async def test_import_calls_without_the_admin_permission_are_refused(new_school, bus):
    admin = await new_school()
    ctx = as_admin(admin)
    ctx["caller"]["permissions"] = []

    with pytest.raises(Forbidden):
        await bus.call("roster.import_students",
                       {"job_id": str(uuid.uuid4()), "rows": [import_row(2)]},
                       ctx=ctx)

    assert (await admin.json("GET", "/students"))["total"] == 0
