"""Every school endpoint, walked by intruders: nothing is seen, nothing changes.

A second school's admin aims each request at the first school's records and gets
404, as if they did not exist; a teacher of the first school without the admin
permission gets 403 on every admin operation the API document lists. The first
school's data reads the same before and after the walk.
"""

import re

import pytest

from tests.integration.api import SAMPLES
from tests.integration.test_teachers import make_second_admin

SEEN_FROM_THE_SCHOOL = ["/school/settings", "/teachers?page_size=200",
                        "/classes?page_size=500", "/students?page_size=200",
                        "/prep-groups?grade=7", "/assignments?grade=7", "/grades",
                        "/grades/7/subjects", "/audit?page_size=1"]


async def school_with_records(admin) -> dict:
    """One of each record, and the ids a walker will aim at."""
    teacher = await admin.json("POST", "/teachers", expect=201,
                               json={"name": "被访问", "gender": "女"})
    klass = (await admin.json("POST", "/classes/batch", expect=201,
                              json={"grade": 7, "count": 1}))["items"][0]
    student = await admin.json("POST", "/students", expect=201, json={
        "name": "学生甲", "gender": "男", "grade": 7, "class_id": klass["id"],
        "student_number": "01"})
    leaving = await admin.json("POST", "/students", expect=201, json={
        "name": "学生乙", "gender": "女", "grade": 7, "class_id": klass["id"],
        "student_number": "02"})
    archived = await admin.json("POST", f"/students/{leaving['id']}/transfer-out",
                                json={})
    subjects = await admin.json("GET", "/grades/7/subjects")
    subject = subjects["categories"][1]["subjects"][0]
    _, job = await admin.import_file("teachers", SAMPLES / "teachers-messy.xlsx")
    return {"teacher": teacher["id"], "class": klass["id"], "student": student["id"],
            "archive": archived["id"], "subject": subject["id"], "job": job["id"]}


def aimed_requests(ids: dict) -> list[tuple[str, str, dict | None]]:
    """Requests at the first school's records, each with a body that is valid."""
    t, c, s = ids["teacher"], ids["class"], ids["student"]
    return [
        ("GET", f"/teachers/{t}", None),
        ("PATCH", f"/teachers/{t}", {"remark": "入侵"}),
        ("PUT", f"/teachers/{t}/permissions", {"permissions": ["admin"]}),
        ("POST", "/teachers/disable", {"teacher_ids": [t]}),
        ("POST", "/teachers/enable", {"teacher_ids": [t]}),
        ("DELETE", f"/teachers/{t}", None),
        ("GET", f"/classes/{c}", None),
        ("PATCH", f"/classes/{c}", {"alias": "入侵"}),
        ("DELETE", f"/classes/{c}", None),
        ("PUT", f"/classes/{c}/head-teacher", {"teacher_id": None}),
        ("PUT", f"/classes/{c}/subjects/{ids['subject']}", {"teacher_ids": []}),
        ("PUT", f"/prep-groups/7/{ids['subject']}",
         {"leader_ids": [], "member_ids": []}),
        ("GET", f"/students/{s}", None),
        ("PATCH", f"/students/{s}", {"name": "入侵"}),
        ("POST", "/students/disable", {"student_ids": [s]}),
        ("POST", "/students/enable", {"student_ids": [s]}),
        ("POST", f"/students/{s}/transfer-out", {}),
        ("DELETE", f"/students/{s}", None),
        ("GET", f"/students/archive/{ids['archive']}", None),
        ("GET", f"/imports/{ids['job']}", None),
        ("GET", f"/imports/{ids['job']}/rows", None),
        ("GET", f"/imports/{ids['job']}/errors.xlsx", None),
        ("POST", f"/imports/{ids['job']}/confirm", None),
    ]


async def own_records(intruder) -> dict:
    """The intruder's own class and subject, to aim the first school's teachers at."""
    klass = (await intruder.json("POST", "/classes/batch", expect=201,
                                 json={"grade": 7, "count": 1}))["items"][0]
    subjects = await intruder.json("GET", "/grades/7/subjects")
    return {"class": klass["id"],
            "subject": subjects["categories"][1]["subjects"][0]["id"]}


def borrowing_requests(theirs: dict, mine: dict) -> list[tuple[str, str, dict]]:
    """The intruder's own records, given the first school's teacher."""
    teacher = theirs["teacher"]
    return [
        ("PUT", f"/classes/{mine['class']}/head-teacher", {"teacher_id": teacher}),
        ("PUT", f"/classes/{mine['class']}/subjects/{mine['subject']}",
         {"teacher_ids": [teacher]}),
        ("PUT", f"/prep-groups/7/{mine['subject']}",
         {"leader_ids": [teacher], "member_ids": [teacher]}),
        ("PUT", "/assignments/7/leaders", {"teacher_ids": [teacher]}),
    ]


async def snapshot(admin) -> dict:
    return {path: await admin.json("GET", path) for path in SEEN_FROM_THE_SCHOOL}


async def send(account, method: str, path: str, body):
    kwargs = {"json": body} if body is not None else {}
    return await account.request(method, path, **kwargs)


@pytest.fixture(scope="module")
async def first_school(new_school_once):
    admin = await new_school_once()
    return admin, await school_with_records(admin)


async def test_a_second_schools_admin_finds_none_of_the_first_schools_records(
        first_school, new_school):
    admin, ids = first_school
    intruder = await new_school()
    before = await snapshot(admin)

    answers = [(method, path, (await send(intruder, method, path, body)).status)
               for method, path, body in aimed_requests(ids)]
    mine = await own_records(intruder)
    borrowed = [(method, path, (await send(intruder, method, path, body)).status)
                for method, path, body in borrowing_requests(ids, mine)]

    assert [a for a in answers if a[2] != 404] == []
    assert [b for b in borrowed if b[2] != 404] == []
    assert await snapshot(admin) == before
    for method, path, _ in aimed_requests(ids):
        if method == "GET":  # the same ids do lead somewhere, for their owner
            assert (await admin.get(path)).status == 200, path


async def test_a_teacher_without_the_admin_flag_is_refused_every_admin_operation(
        first_school, http, db):
    admin, ids = first_school
    teacher, session = await make_second_admin(http, admin, db)
    await admin.json("PUT", f"/teachers/{teacher['id']}/permissions",
                     json={"permissions": ["leadership"]})
    await session.wait_until(lambda me: "admin" not in me["permissions"])
    before = await snapshot(admin)
    document = await (await http.get("/api/v1/openapi.json")).json()

    refused, walked = [], 0
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            if operation["x-permission"] != "admin":
                continue
            path = fill(template.removeprefix("/api/v1"), ids)
            response = await send(session, method.upper(), path, {})
            walked += 1
            if response.status != 403:
                refused.append((method, path, response.status))

    assert walked > 40
    assert refused == []
    assert await snapshot(admin) == before


def fill(template: str, ids: dict) -> str:
    """A documented path with the first school's ids in its placeholders."""
    by_area = {"teachers": ids["teacher"], "classes": ids["class"],
               "students": ids["student"], "schools": ids["class"]}

    def value(match: re.Match) -> str:
        name, area = match.group(1), template.split("/")[1]
        return {"grade": "7", "subject": ids["subject"], "kind": "teachers",
                "job": ids["job"]}.get(name) or by_area.get(area, ids["job"])

    return re.sub(r"{(\w+)}", value, template)
