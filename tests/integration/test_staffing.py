"""Preparation groups (备课组) and teaching assignments (任课), as an admin sets them.

Classes are inserted through the superuser connection: creating them over HTTP
(`POST /classes/batch`) belongs to another area and these tests should not depend
on it.
"""

import asyncio
import json
import uuid

import pytest

from services.roster.subjects import default_subjects


async def add_teacher(admin, name: str, remark: str | None = None) -> dict:
    body = {"name": name, "gender": "男", **({"remark": remark} if remark else {})}
    return await admin.json("POST", "/teachers", expect=201, json=body)


async def add_teachers(admin, *names: str) -> list[dict]:
    return [await add_teacher(admin, name) for name in names]


async def put(admin, path: str, json):
    return await admin.request("PUT", path, json=json)


async def disable(admin, *teachers: dict) -> None:
    await admin.json("POST", "/teachers/disable",
                     json={"teacher_ids": [t["id"] for t in teachers]})


async def add_classes(db, admin, grade: int, count: int, **fields) -> list[str]:
    rows = await db.fetch(
        "INSERT INTO roster.classes (school_id, grade, kind, number, virtual)"
        " SELECT $1, $2, $3, n, $5 FROM generate_series(1, $4) n RETURNING id",
        uuid.UUID(admin.school["id"]), grade, fields.get("kind", "administrative"),
        count, fields.get("virtual", False),
    )
    return [str(row["id"]) for row in rows]


async def audit(db, admin, target_kind: str) -> list[dict]:
    rows = await db.fetch(
        "SELECT action, target_id, before, after FROM roster.audit_log"
        " WHERE school_id = $1 AND target_kind = $2 ORDER BY id",
        uuid.UUID(admin.school["id"]), target_kind,
    )
    return [{"action": r["action"], "target_id": r["target_id"],
             "before": json.loads(r["before"]) if r["before"] else None,
             "after": json.loads(r["after"]) if r["after"] else None}
            for r in rows]


async def prep_group(admin, grade, subject: str) -> dict:
    groups = await admin.json("GET", "/prep-groups", params={"grade": str(grade)})
    return next(g for g in groups["items"] if g["subject"] == subject)


async def assignments(admin, grade=7) -> dict:
    return await admin.json("GET", "/assignments", params={"grade": str(grade)})


def names(summaries: list[dict]) -> list[str]:
    return [s["name"] for s in summaries]


def class_subject(table: dict, class_id: str, subject: str) -> list[str]:
    row = next(c for c in table["classes"] if c["class_id"] == class_id)
    cell = next(s for s in row["subjects"] if s["subject"] == subject)
    return names(cell["teachers"])


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- preparation groups ----------------------------------------------------------

async def test_every_subject_of_the_grade_has_a_group_empty_at_first(new_school):
    admin = await new_school()

    by_name = await admin.json("GET", "/prep-groups", params={"grade": "初一年级"})
    by_number = await admin.json("GET", "/prep-groups", params={"grade": "7"})

    expected = [name for _, name in default_subjects("junior")]
    assert by_name == by_number
    assert (by_name["grade"], by_name["grade_name"]) == (7, "初一年级")
    assert [g["subject"] for g in by_name["items"]] == expected
    assert by_name["total"] == len(expected)
    assert by_name["items"][0]["category"] == "思想品德"
    assert all(g["leaders"] == [] and g["members"] == [] for g in by_name["items"])


async def test_a_leader_is_always_a_member_of_the_group(new_school, db):
    admin = await new_school()
    zhang, li = await add_teachers(admin, "张三", "李四")

    group = await admin.json("PUT", "/prep-groups/初一年级/语文", json={
        "leader_ids": [zhang["id"]], "member_ids": [li["id"]]})

    assert names(group["leaders"]) == ["张三"]
    assert sorted(names(group["members"])) == sorted(["张三", "李四"])
    assert set(group["leaders"][0]) == {"id", "kid", "name", "remark"}
    assert await prep_group(admin, 7, "语文") == group
    [entry] = await audit(db, admin, "prep_group")
    assert entry["target_id"] == group["subject_id"]
    assert entry["before"] == {"leaders": [], "members": []}
    assert names(entry["after"]["leaders"]) == ["张三"]
    assert len(entry["after"]["members"]) == 2


async def test_a_group_is_replaced_whole_and_found_by_subject_id(new_school):
    admin = await new_school()
    zhang, li, wang = await add_teachers(admin, "张三", "李四", "王五")
    first = await admin.json("PUT", "/prep-groups/7/数学", json={
        "leader_ids": [zhang["id"]], "member_ids": [li["id"]]})

    second = await admin.json("PUT", f"/prep-groups/7/{first['subject_id']}", json={
        "leader_ids": [], "member_ids": [li["id"], wang["id"], wang["id"]]})

    assert second["subject"] == "数学"
    assert second["leaders"] == []
    assert sorted(names(second["members"])) == sorted(["李四", "王五"])
    assert await prep_group(admin, 7, "数学") == second


async def test_a_disabled_teacher_keeps_a_place_but_cannot_be_given_one(new_school):
    admin = await new_school()
    zhang, li = await add_teachers(admin, "张三", "李四")
    await admin.json("PUT", "/prep-groups/7/英语", json={
        "leader_ids": [], "member_ids": [zhang["id"]]})
    await disable(admin, zhang, li)
    kept = await admin.json("PUT", "/prep-groups/7/英语", json={
        "leader_ids": [], "member_ids": [zhang["id"]]})

    as_member = await put(admin, "/prep-groups/7/英语", json={
        "leader_ids": [], "member_ids": [zhang["id"], li["id"]]})
    as_leader = await put(admin, "/prep-groups/7/英语", json={
        "leader_ids": [zhang["id"]], "member_ids": []})

    assert names(kept["members"]) == ["张三"]
    assert as_member.status == 409
    assert "李四" in (await as_member.json())["error"]["message"]
    assert as_leader.status == 409
    assert "张三" in (await as_leader.json())["error"]["message"]
    assert await prep_group(admin, 7, "英语") == kept


async def test_an_unknown_or_other_schools_teacher_is_refused_as_absent(new_school):
    admin, other = await new_school(), await new_school()
    zhang = await add_teacher(admin, "张三")
    stranger = await add_teacher(other, "陌生人")
    await admin.json("PUT", "/prep-groups/7/物理", json={
        "leader_ids": [zhang["id"]], "member_ids": []})
    before = await prep_group(admin, 7, "物理")

    for teacher_id in (stranger["id"], str(uuid.uuid4())):
        response = await put(admin, "/prep-groups/7/物理", json={
            "leader_ids": [], "member_ids": [zhang["id"], teacher_id]})
        body = await response.json()
        assert response.status == 404, body
        assert has_chinese(body["error"]["message"])

    assert await prep_group(admin, 7, "物理") == before


@pytest.mark.parametrize("path, status", [
    ("/prep-groups/7/天文", 404),
    ("/prep-groups/高一年级/语文", 404),
    ("/prep-groups/火星年级/语文", 422),
    (f"/prep-groups/7/{uuid.uuid4()}", 404),
])
async def test_an_unknown_grade_or_subject_is_named(new_school, path, status):
    admin = await new_school()
    zhang = await add_teacher(admin, "张三")

    response = await put(admin, path, json={"leader_ids": [zhang["id"]],
                                           "member_ids": []})
    body = await response.json()

    assert response.status == status, body
    assert has_chinese(body["error"]["message"])


async def test_a_subject_of_another_grade_is_not_in_this_grades_groups(new_school):
    admin = await new_school()
    zhang = await add_teacher(admin, "张三")
    eighth = await prep_group(admin, 8, "语文")

    response = await put(admin, f"/prep-groups/7/{eighth['subject_id']}", json={
        "leader_ids": [zhang["id"]], "member_ids": []})

    assert response.status == 404
    assert await prep_group(admin, 8, "语文") == eighth


@pytest.mark.parametrize("body", [
    {"leader_ids": []},
    {"leader_ids": ["不是编号"], "member_ids": []},
    {"leader_ids": [], "member_ids": [], "others": []},
    [],
])
async def test_a_malformed_group_is_refused_and_changes_nothing(new_school, body):
    admin = await new_school()
    zhang = await add_teacher(admin, "张三")
    await admin.json("PUT", "/prep-groups/7/语文", json={
        "leader_ids": [zhang["id"]], "member_ids": []})
    before = await prep_group(admin, 7, "语文")

    response = await put(admin, "/prep-groups/7/语文", json=body)

    assert response.status == 422
    assert has_chinese((await response.json())["error"]["message"])
    assert await prep_group(admin, 7, "语文") == before


# --- teaching assignments --------------------------------------------------------

async def test_the_assignment_table_has_every_class_and_subject(new_school, db):
    admin = await new_school()
    administrative = await add_classes(db, admin, 7, 2)
    [virtual] = await add_classes(db, admin, 7, 1, kind="tiered", virtual=True)
    await add_classes(db, admin, 8, 1)

    table = await admin.json("GET", "/assignments", params={"grade": "七年级"})
    tiered = await admin.json("GET", "/assignments",
                              params={"grade": "7", "kind": "tiered"})

    subjects = [name for _, name in default_subjects("junior")]
    assert (table["grade"], table["grade_name"], table["leaders"]) == (7, "初一年级",
                                                                        [])
    assert [c["class_id"] for c in table["classes"]] == administrative + [virtual]
    assert [c["class_name"] for c in table["classes"]] == ["(1)班", "(2)班", "(1)班"]
    assert [c["virtual"] for c in table["classes"]] == [False, False, True]
    for row in table["classes"]:
        assert row["head_teacher"] is None
        assert [s["subject"] for s in row["subjects"]] == subjects
        assert all(s["teachers"] == [] for s in row["subjects"])
    assert [c["class_id"] for c in tiered["classes"]] == [virtual]


async def test_a_grade_can_have_several_leaders_and_then_none(new_school, db):
    admin = await new_school()
    zhang, li = await add_teachers(admin, "张三", "李四")

    set_ = await admin.json("PUT", "/assignments/初一年级/leaders",
                            json={"teacher_ids": [zhang["id"], li["id"]]})
    shown = await assignments(admin)
    cleared = await admin.json("PUT", "/assignments/7/leaders",
                               json={"teacher_ids": []})

    assert sorted(names(set_["leaders"])) == sorted(["张三", "李四"])
    assert shown["leaders"] == set_["leaders"]
    assert cleared["leaders"] == []
    assert (await assignments(admin))["leaders"] == []
    first, second = await audit(db, admin, "grade_leaders")
    assert first["target_id"] == "7"
    assert first["before"] == {"teachers": []}
    assert len(first["after"]["teachers"]) == 2
    assert second["before"] == first["after"]
    assert second["after"] == {"teachers": []}


async def test_a_class_gets_a_head_teacher_who_can_be_replaced_and_removed(new_school,
                                                                           db):
    admin = await new_school()
    zhang, li = await add_teachers(admin, "张三", "李四")
    [class_id] = await add_classes(db, admin, 7, 1)
    path = f"/classes/{class_id}/head-teacher"

    first = await admin.json("PUT", path, json={"teacher_id": zhang["id"]})
    second = await admin.json("PUT", path, json={"teacher_id": li["id"]})
    shown = (await assignments(admin))["classes"][0]["head_teacher"]
    removed = await admin.json("PUT", path, json={"teacher_id": None})

    assert first["head_teacher"]["name"] == "张三"
    assert first["class_name"] == "(1)班"
    assert second["head_teacher"]["name"] == "李四"
    assert shown == second["head_teacher"]
    assert removed["head_teacher"] is None
    assert (await assignments(admin))["classes"][0]["head_teacher"] is None
    entries = await audit(db, admin, "head_teacher")
    assert [names(e["after"]["teachers"]) for e in entries] == [["张三"], ["李四"], []]
    assert all(e["target_id"] == class_id for e in entries)


async def test_a_class_subject_teacher_joins_the_subjects_prep_group(new_school, db):
    admin = await new_school()
    zhang, li, wang = await add_teachers(admin, "张三", "李四", "王五")
    [class_id] = await add_classes(db, admin, 7, 1)
    await admin.json("PUT", "/prep-groups/7/数学", json={
        "leader_ids": [zhang["id"]], "member_ids": []})

    taught = await admin.json("PUT", f"/classes/{class_id}/subjects/数学",
                              json={"teacher_ids": [zhang["id"], li["id"]]})
    group = await prep_group(admin, 7, "数学")
    narrowed = await admin.json("PUT", f"/classes/{class_id}/subjects/数学",
                                json={"teacher_ids": [wang["id"]]})

    assert sorted(names(taught["teachers"])) == sorted(["张三", "李四"])
    assert taught["subject"] == "数学"
    assert names(group["leaders"]) == ["张三"]
    assert sorted(names(group["members"])) == sorted(["张三", "李四"])
    assert names(narrowed["teachers"]) == ["王五"]
    assert class_subject(await assignments(admin), class_id, "数学") == ["王五"]
    later = await prep_group(admin, 7, "数学")
    assert sorted(names(later["members"])) == sorted(["张三", "李四", "王五"])
    entries = await audit(db, admin, "class_subject")
    assert [len(e["after"]["teachers"]) for e in entries] == [2, 1]
    assert entries[1]["before"] == entries[0]["after"]


async def test_teachers_assigned_at_once_all_join_the_prep_group(new_school, db):
    admin = await new_school()
    teachers = await add_teachers(admin, *(f"教师{n}" for n in range(6)))
    classes = await add_classes(db, admin, 7, 6)

    await asyncio.gather(*(
        admin.json("PUT", f"/classes/{class_id}/subjects/英语",
                   json={"teacher_ids": [teacher["id"]]})
        for class_id, teacher in zip(classes, teachers)
    ))

    group = await prep_group(admin, 7, "英语")
    assert {m["id"] for m in group["members"]} == {t["id"] for t in teachers}
    assert len(await audit(db, admin, "prep_group")) == 6


async def test_a_class_subject_may_be_named_by_id(new_school, db):
    admin = await new_school()
    zhang = await add_teacher(admin, "张三")
    [class_id] = await add_classes(db, admin, 8, 1)
    subject = await prep_group(admin, 8, "历史")

    taught = await admin.json("PUT",
                              f"/classes/{class_id}/subjects/{subject['subject_id']}",
                              json={"teacher_ids": [zhang["id"]]})

    assert taught["subject"] == "历史"
    assert class_subject(await assignments(admin, 8), class_id, "历史") == ["张三"]


async def test_a_disabled_teacher_cannot_be_newly_assigned(new_school, db):
    admin = await new_school()
    zhang = await add_teacher(admin, "张三", remark="语文组")
    [class_id] = await add_classes(db, admin, 7, 1)
    await disable(admin, zhang)
    before = await assignments(admin)

    attempts = [
        ("/assignments/7/leaders", {"teacher_ids": [zhang["id"]]}),
        (f"/classes/{class_id}/head-teacher", {"teacher_id": zhang["id"]}),
        (f"/classes/{class_id}/subjects/语文", {"teacher_ids": [zhang["id"]]}),
    ]
    for path, body in attempts:
        response = await put(admin, path, json=body)
        error = (await response.json())["error"]
        assert response.status == 409, path
        assert "张三（语文组）" in error["message"]
        assert error["details"]["teacher_ids"] == [zhang["id"]]

    assert await assignments(admin) == before
    assert (await prep_group(admin, 7, "语文"))["members"] == []


async def test_a_disabled_teacher_keeps_assignments_made_before(new_school, db):
    admin = await new_school()
    zhang, li = await add_teachers(admin, "张三", "李四")
    [class_id] = await add_classes(db, admin, 7, 1)
    path = f"/classes/{class_id}/subjects/语文"
    await admin.json("PUT", path, json={"teacher_ids": [zhang["id"]]})
    await disable(admin, zhang)

    kept = await admin.json("PUT", path, json={"teacher_ids": [zhang["id"], li["id"]]})

    assert sorted(names(kept["teachers"])) == sorted(["张三", "李四"])


@pytest.mark.parametrize("path, body, status", [
    ("/assignments/7/leaders", {"teacher_ids": "张三"}, 422),
    ("/assignments/7/leaders", {}, 422),
    ("/assignments/初九年级/leaders", {"teacher_ids": []}, 422),
    ("/assignments/高一年级/leaders", {"teacher_ids": []}, 404),
    ("/classes/{class_id}/head-teacher", {}, 422),
    ("/classes/{class_id}/head-teacher", {"teacher_id": "张三"}, 422),
    ("/classes/{class_id}/head-teacher", {"teacher_id": str(uuid.uuid4())}, 404),
    ("/classes/不是编号/head-teacher", {"teacher_id": None}, 404),
    (f"/classes/{uuid.uuid4()}/head-teacher", {"teacher_id": None}, 404),
    ("/classes/{class_id}/subjects/天文", {"teacher_ids": []}, 404),
    ("/classes/{class_id}/subjects/语文", {"teacher_ids": [str(uuid.uuid4())]}, 404),
])
async def test_bad_assignments_are_refused_and_change_nothing(new_school, db, path,
                                                              body, status):
    admin = await new_school()
    zhang = await add_teacher(admin, "张三")
    [class_id] = await add_classes(db, admin, 7, 1)
    await admin.json("PUT", "/assignments/7/leaders",
                     json={"teacher_ids": [zhang["id"]]})
    await admin.json("PUT", f"/classes/{class_id}/head-teacher",
                     json={"teacher_id": zhang["id"]})
    before = await assignments(admin)

    response = await put(admin, path.format(class_id=class_id), json=body)
    answer = await response.json()

    assert response.status == status, answer
    assert has_chinese(answer["error"]["message"])
    assert await assignments(admin) == before


async def test_the_assignment_table_needs_a_grade(new_school):
    admin = await new_school()

    missing = await admin.get("/assignments")
    unknown = await admin.get("/assignments", params={"grade": "十三年级"})
    cleared = await admin.request("DELETE", "/assignments")

    assert (missing.status, unknown.status, cleared.status) == (422, 422, 422)
    assert has_chinese((await unknown.json())["error"]["message"])


async def test_clearing_a_grade_keeps_its_prep_groups_and_other_grades(new_school,
                                                                       db):
    admin = await new_school()
    zhang, li = await add_teachers(admin, "张三", "李四")
    first, second = await add_classes(db, admin, 7, 2)
    [eighth] = await add_classes(db, admin, 8, 1)
    await admin.json("PUT", "/assignments/7/leaders",
                     json={"teacher_ids": [zhang["id"], li["id"]]})
    await admin.json("PUT", f"/classes/{first}/head-teacher",
                     json={"teacher_id": zhang["id"]})
    for class_id in (first, second, eighth):
        await admin.json("PUT", f"/classes/{class_id}/subjects/语文",
                         json={"teacher_ids": [li["id"]]})
    await admin.json("PUT", f"/classes/{eighth}/head-teacher",
                     json={"teacher_id": li["id"]})
    eighth_before = await assignments(admin, 8)
    groups_before = await admin.json("GET", "/prep-groups", params={"grade": "7"})

    counts = await admin.json("DELETE", "/assignments", params={"grade": "初一年级"})

    assert counts == {"grade": 7, "grade_name": "初一年级", "head_teachers": 1,
                      "subject_teachers": 2, "leaders": 2}
    table = await assignments(admin)
    assert table["leaders"] == []
    assert all(c["head_teacher"] is None for c in table["classes"])
    assert all(s["teachers"] == [] for c in table["classes"] for s in c["subjects"])
    assert await assignments(admin, 8) == eighth_before
    assert await admin.json("GET", "/prep-groups", params={"grade": "7"}) \
        == groups_before
    [entry] = await audit(db, admin, "assignments")
    assert entry["action"] == "clear"
    assert len(entry["before"]["subject_teachers"]) == 2
    assert entry["before"]["head_teachers"][0]["class_id"] == first
    assert entry["after"] == {"leaders": [], "head_teachers": [],
                              "subject_teachers": []}


async def test_a_deleted_teacher_leaves_every_group_and_assignment(new_school, db):
    admin = await new_school()
    zhang = await add_teacher(admin, "张三")
    [class_id] = await add_classes(db, admin, 7, 1)
    await admin.json("PUT", f"/classes/{class_id}/subjects/语文",
                     json={"teacher_ids": [zhang["id"]]})
    await admin.json("PUT", f"/classes/{class_id}/head-teacher",
                     json={"teacher_id": zhang["id"]})

    await admin.json("DELETE", f"/teachers/{zhang['id']}")

    table = await assignments(admin)
    assert table["classes"][0]["head_teacher"] is None
    assert class_subject(table, class_id, "语文") == []
    assert (await prep_group(admin, 7, "语文"))["members"] == []


# --- another school --------------------------------------------------------------

async def test_another_schools_admin_finds_none_of_it(new_school, db):
    first, second = await new_school(), await new_school()
    zhang = await add_teacher(first, "张三")
    mine = await add_teacher(second, "李四")
    [class_id] = await add_classes(db, first, 7, 1)
    await first.json("PUT", f"/classes/{class_id}/subjects/语文",
                     json={"teacher_ids": [zhang["id"]]})
    subject_id = (await prep_group(first, 7, "语文"))["subject_id"]
    before = await assignments(first)
    groups_before = await first.json("GET", "/prep-groups", params={"grade": "7"})

    attempts = [
        (f"/classes/{class_id}/head-teacher", {"teacher_id": mine["id"]}),
        (f"/classes/{class_id}/subjects/语文", {"teacher_ids": [mine["id"]]}),
        (f"/prep-groups/7/{subject_id}", {"leader_ids": [mine["id"]],
                                          "member_ids": []}),
        ("/prep-groups/7/语文", {"leader_ids": [zhang["id"]], "member_ids": []}),
        ("/assignments/7/leaders", {"teacher_ids": [zhang["id"]]}),
    ]
    for path, body in attempts:
        response = await put(second, path, json=body)
        assert response.status == 404, path
    theirs = await assignments(second)
    cleared = await second.json("DELETE", "/assignments", params={"grade": "7"})

    assert theirs["classes"] == []
    assert cleared["subject_teachers"] == 0
    assert await assignments(first) == before
    assert await first.json("GET", "/prep-groups", params={"grade": "7"}) \
        == groups_before
