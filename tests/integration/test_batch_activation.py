"""The school admin's batch operations on students' accounts: initial passwords with
a forced change at first login, and parent links synced by ID number."""

import asyncio
import uuid

from tests.integration.api import log_in, next_phone
from tests.integration.test_activation import (
    PASSWORD,
    activate_parent,
    post,
    student_waiting,
)
from tests.integration.test_student_accounts import account_of
from tests.integration.test_students import id_number, make_class

INITIAL = "Chushi2026"
CHANGED = "Gaiguo2026"
MUST_CHANGE = "首次登录请先修改初始密码，再进行其他操作"


async def statuses(db, students: list[dict]) -> dict[int, str]:
    rows = await db.fetch(
        "SELECT kid, status FROM identity.accounts WHERE kid = ANY($1)",
        [s["kid"] for s in students])
    return {row["kid"]: row["status"] for row in rows}


async def school_of_three_classes(admin, db) -> dict[str, list[dict]]:
    """Two students in each of 初一(1)班, 初一(2)班 and 初二(1)班, accounts waiting."""
    classes = {"7-1": await make_class(admin, 7, 1),
               "7-2": await make_class(admin, 7, 2),
               "8-1": await make_class(admin, 8, 1)}
    students = {}
    for key, class_id in classes.items():
        grade = int(key.split("-")[0])
        students[key] = [await student_waiting(admin, db, grade=grade,
                                               class_id=class_id, name=f"学生{n}")
                         for n in range(2)]
    students["classes"] = classes
    return students


async def test_batch_activation_by_class_grade_and_school(http, new_school, db):
    admin = await new_school()
    school = await school_of_three_classes(admin, db)
    classes = school.pop("classes")
    everyone = [s for group in school.values() for s in group]
    # One student activated on their own keeps their own password.
    own = school["8-1"][0]
    started = await post(http, "/activation/start", {
        "kind": "student", "kid": own["kid"], "name": own["name"],
        "i_am_the_student": True}, 201)
    await post(http, f"/activation/{started['id']}/password", {"password": PASSWORD})

    by_class = await admin.json("POST", "/students/activate", json={
        "scope": "class", "class_id": classes["7-1"], "password": INITIAL})
    after_class = await statuses(db, everyone)
    by_grade = await admin.json("POST", "/students/activate", json={
        "scope": "grade", "grade": "初一年级", "password": INITIAL})
    by_school = await admin.json("POST", "/students/activate", json={
        "scope": "school", "password": INITIAL})
    again = await admin.json("POST", "/students/activate", json={
        "scope": "school", "password": INITIAL})

    assert by_class == {"activated": 2, "students": 2}
    assert {after_class[s["kid"]] for s in school["7-1"]} == {"active"}
    assert {after_class[s["kid"]] for s in school["7-2"]} == {"pending"}
    assert after_class[school["8-1"][1]["kid"]] == "pending"
    assert by_grade == {"activated": 2, "students": 4}
    assert by_school == {"activated": 1, "students": 6}
    assert again == {"activated": 0, "students": 6}
    assert set((await statuses(db, everyone)).values()) == {"active"}
    kept = await log_in(http, str(own["kid"]), PASSWORD)
    assert kept.account["must_change_password"] is False
    assert await audited(admin, "activate_students", 4)


async def audited(admin, action: str, count: int) -> bool:
    """Whether the school's audit trail comes to hold `count` entries of the action
    (they travel there as events)."""
    for _ in range(50):
        entries = await admin.json("GET", "/audit", params={"action": action})
        if entries["total"] >= count:
            return entries["total"] == count
        await asyncio.sleep(0.1)
    return False


async def test_students_given_the_initial_password_must_change_it_first(
        http, new_school, db):
    admin = await new_school()
    student = await student_waiting(admin, db, class_id=await make_class(admin, 7, 1))
    await admin.json("POST", "/students/activate",
                     json={"scope": "school", "password": INITIAL})

    session = await log_in(http, str(student["kid"]), INITIAL)
    me = await session.json("GET", "/me")
    blocked = await session.json("GET", "/school", expect=403)
    wrong_old = await session.json("POST", "/auth/password", expect=422, json={
        "old_password": "Wrong2026x", "new_password": CHANGED})
    same = await session.json("POST", "/auth/password", expect=422, json={
        "old_password": INITIAL, "new_password": INITIAL})
    weak = await session.json("POST", "/auth/password", expect=422, json={
        "old_password": INITIAL, "new_password": "abc"})
    still_blocked = await session.json("GET", "/school", expect=403)
    changed = await session.json("POST", "/auth/password", json={
        "old_password": INITIAL, "new_password": CHANGED})
    school = await session.json("GET", "/school")
    me_after = await session.json("GET", "/me")

    assert session.account["must_change_password"] is True
    assert me["must_change_password"] is True
    assert blocked["error"]["message"] == MUST_CHANGE
    assert "原密码不正确" in wrong_old["error"]["message"]
    assert "相同" in same["error"]["message"]
    assert "8到64" in weak["error"]["message"]
    assert still_blocked["error"]["message"] == MUST_CHANGE
    assert changed["ok"] is True
    assert school["id"] == admin.school["id"]
    assert me_after["must_change_password"] is False
    fresh = await log_in(http, str(student["kid"]), CHANGED)
    assert fresh.account["must_change_password"] is False


async def test_changing_a_password_ends_the_other_sessions_only(http, new_school):
    admin = await new_school()
    from tests.integration.conftest import ADMIN_PASSWORD

    other = await log_in(http, admin.phone, ADMIN_PASSWORD)
    await admin.json("POST", "/auth/password", json={
        "old_password": ADMIN_PASSWORD, "new_password": CHANGED})
    await asyncio.sleep(2.1)  # the gateway may remember a live token for 2 s

    assert (await admin.get("/me")).status == 200
    assert (await other.get("/me")).status == 401
    await log_in(http, admin.phone, CHANGED)


async def test_a_bad_batch_request_activates_nobody(http, new_school, db):
    admin = await new_school()
    student = await student_waiting(admin, db, class_id=await make_class(admin, 7, 1))

    weak = await admin.json("POST", "/students/activate", expect=422,
                            json={"scope": "school", "password": "abcdefgh"})
    no_grade = await admin.json("POST", "/students/activate", expect=422,
                                json={"scope": "grade", "password": INITIAL})
    senior = await admin.json("POST", "/students/activate", expect=422,
                              json={"scope": "grade", "grade": 10,
                                    "password": INITIAL})
    no_class = await admin.json("POST", "/students/activate", expect=422,
                                json={"scope": "class", "password": INITIAL})
    unknown_class = await admin.json("POST", "/students/activate", expect=404,
                                     json={"scope": "class", "password": INITIAL,
                                           "class_id": str(uuid.uuid4())})

    assert "大写字母" in weak["error"]["message"]
    assert "年级" in no_grade["error"]["message"]
    assert "高一年级" in senior["error"]["message"]
    assert "班级" in no_class["error"]["message"]
    assert "班级" in unknown_class["error"]["message"]
    assert (await statuses(db, [student]))[student["kid"]] == "pending"


async def test_a_second_schools_admin_cannot_activate_or_sync_the_first_schools(
        http, new_school, db):
    first, intruder = await new_school(), await new_school()
    class_id = await make_class(first, 7, 1)
    student = await student_waiting(first, db, class_id=class_id,
                                    id_number=id_number())

    by_class = await intruder.json("POST", "/students/activate", expect=404, json={
        "scope": "class", "class_id": class_id, "password": INITIAL})
    by_school = await intruder.json("POST", "/students/activate", json={
        "scope": "school", "password": INITIAL})
    sync_class = await intruder.json("POST", "/students/sync-parents", expect=404,
                                     json={"scope": "class", "class_id": class_id})
    sync_school = await intruder.json("POST", "/students/sync-parents",
                                      json={"scope": "school"})

    assert "班级不存在" in by_class["error"]["message"]
    assert by_school == {"activated": 0, "students": 0}
    assert "班级不存在" in sync_class["error"]["message"]
    assert sync_school == {"linked": 0}
    assert (await statuses(db, [student]))[student["kid"]] == "pending"


async def test_sync_links_parents_again_to_a_student_who_transferred_in(
        http, new_school, db, suite_env):
    first, second = await new_school(), await new_school()
    number = id_number()
    student = await student_waiting(first, db, name="陈小雨", id_number=number,
                                    class_id=await make_class(first, 7, 1))
    mother, father = next_phone(), next_phone()
    await activate_parent(http, suite_env, student, mother, relation="mother")
    await activate_parent(http, suite_env, student, father, relation="father")
    parent = await log_in(http, mother, PASSWORD)

    await first.json("POST", f"/students/{student['id']}/transfer-out", json={})
    await account_of(db, student["kid"], until=lambda a: a["status"] == "deleted")
    left = await parent.wait_until(lambda me: me["children"] == [])
    arrived = await student_waiting(second, db, name="陈小雨", id_number=number,
                                    class_id=await make_class(second, 7, 3))
    before_sync = await parent.json("GET", "/me")
    by_first = await first.json("POST", "/students/sync-parents",
                                json={"scope": "school"})
    synced = await second.json("POST", "/students/sync-parents",
                               json={"scope": "grade", "grade": 7})
    again = await second.json("POST", "/students/sync-parents",
                              json={"scope": "school"})
    me = await parent.json("GET", "/me")

    assert left["children"] == [] and before_sync["children"] == []
    assert arrived["kid"] == student["kid"]
    assert by_first == {"linked": 0}
    assert synced == {"linked": 2}
    assert again == {"linked": 0}
    assert me["children"] == [{"kid": student["kid"], "name": "陈小雨",
                               "relation": "mother",
                               "school_id": second.school["id"]}]
    father_me = await (await log_in(http, father, PASSWORD)).json("GET", "/me")
    assert [c["relation"] for c in father_me["children"]] == ["father"]


async def test_sync_links_parents_to_a_student_made_again_with_a_new_kid(
        http, new_school, db, suite_env):
    admin = await new_school()
    number = id_number()
    class_id = await make_class(admin, 7, 1)
    student = await student_waiting(admin, db, name="周一", id_number=number,
                                    class_id=class_id)
    phone = next_phone()
    await activate_parent(http, suite_env, student, phone, relation="relative")
    await admin.json("DELETE", f"/students/{student['id']}")
    await account_of(db, student["kid"], until=lambda a: a["status"] == "deleted")

    again = await student_waiting(admin, db, name="周一", id_number=number,
                                  class_id=class_id)
    synced = await admin.json("POST", "/students/sync-parents",
                              json={"scope": "class", "class_id": class_id})

    assert again["kid"] != student["kid"]
    assert synced == {"linked": 1}
    assert await audited(admin, "sync_parents", 1)
    me = await (await log_in(http, phone, PASSWORD)).json("GET", "/me")
    assert [(c["kid"], c["relation"]) for c in me["children"]] == [
        (again["kid"], "relative")]
