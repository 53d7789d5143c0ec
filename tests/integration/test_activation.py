"""Activation by kid, end to end: teachers, students and parents, and the codes.

Codes are read where the development SMS provider writes them, as a person running
the suite locally would.
"""

import asyncio
import json
import re
import uuid
from datetime import timedelta
from pathlib import Path

from tests.integration.api import log_in, next_phone
from tests.integration.test_student_accounts import account_of
from tests.integration.test_students import add_student, id_number, make_class

PASSWORD = "Huanying2026"
NO_MATCH = "kid号与姓名不匹配，请核对后重新输入"


# --- helpers, also used by the recovery and batch tests ------------------------


def sent_to(suite_env, recipient: str, channel: str = "sms") -> list[str]:
    """The bodies of the messages the development provider delivered, oldest first."""
    outbox = Path(suite_env["NOTIFY_DEV_OUTBOX"]) / f"{channel}.jsonl"
    if not outbox.exists():
        return []
    lines = [json.loads(line) for line in outbox.read_text("utf-8").splitlines()]
    return [line["body"] for line in lines if line["to"] == recipient]


async def code_sent_to(suite_env, recipient: str, nth: int = 1,
                       channel: str = "sms") -> str:
    """The nth code sent to the recipient, once it has arrived."""
    for _ in range(100):
        codes = [found.group(1) for body in sent_to(suite_env, recipient, channel)
                 if (found := re.search(r"验证码是(\d{6})", body))]
        if len(codes) >= nth:
            return codes[nth - 1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"code number {nth} never reached the recipient")


async def post(http, path: str, body: dict, expect: int = 200) -> dict:
    response = await http.post(f"/api/v1{path}", json=body)
    answer = await response.json()
    assert response.status == expect, (response.status, answer)
    return answer


async def teacher_waiting(admin, db, name: str = "赵老师") -> dict:
    """A new teacher whose account waits for activation."""
    teacher = await admin.json("POST", "/teachers", expect=201,
                               json={"name": name, "gender": "女"})
    await account_of(db, teacher["kid"])
    return teacher


async def student_waiting(admin, db, **fields) -> dict:
    student = await add_student(admin, **fields)
    await account_of(db, student["kid"])
    return student


async def activate_teacher(http, suite_env, teacher: dict, phone: str) -> dict:
    started = await post(http, "/activation/start", {
        "kind": "teacher", "kid": teacher["kid"], "name": teacher["name"]}, 201)
    await post(http, f"/activation/{started['id']}/phone", {"phone": phone})
    code = await code_sent_to(suite_env, phone)
    await post(http, f"/activation/{started['id']}/verify", {"code": code})
    return await post(http, f"/activation/{started['id']}/password",
                      {"password": PASSWORD})


async def activate_parent(http, suite_env, student: dict, phone: str, *,
                          relation: str = "mother", nth: int = 1,
                          password: str = PASSWORD) -> tuple[dict, dict]:
    """Run a parent's activation; (the verify answer, the password answer)."""
    started = await post(http, "/activation/start", {
        "kind": "parent", "kid": student["kid"], "student_name": student["name"],
        "relation": relation}, 201)
    await post(http, f"/activation/{started['id']}/phone", {"phone": phone})
    code = await code_sent_to(suite_env, phone, nth)
    verified = await post(http, f"/activation/{started['id']}/verify",
                          {"code": code})
    done = await post(http, f"/activation/{started['id']}/password",
                      {"password": password})
    return verified, done


async def allow_next_code(db, phone: str) -> None:
    """Age the recipient's codes past the 60-second wait between two codes."""
    await db.execute(
        "UPDATE identity.verification_codes"
        " SET created_at = created_at - interval '61 seconds' WHERE recipient = $1",
        phone)


# --- teachers ------------------------------------------------------------------


async def test_teacher_activates_with_kid_name_and_phone_then_logs_in_by_phone(
        http, new_school, db, suite_env):
    admin = await new_school()
    teacher = await teacher_waiting(admin, db)
    phone = next_phone()

    started = await post(http, "/activation/start", {
        "kind": "teacher", "kid": str(teacher["kid"]), "name": " 赵老师 "}, 201)
    sent = await post(http, f"/activation/{started['id']}/phone", {"phone": phone})
    code = await code_sent_to(suite_env, phone)
    verified = await post(http, f"/activation/{started['id']}/verify", {"code": code})
    done = await post(http, f"/activation/{started['id']}/password",
                      {"password": PASSWORD})

    assert (started["step"], started["next_step"]) == ("started", "phone")
    assert (sent["step"], sent["next_step"], sent["resend_in"]) == (
        "code_sent", "verify", 60)
    assert sent["phone"] == phone[:3] + "****" + phone[-4:]
    assert (verified["step"], verified["next_step"]) == ("verified", "password")
    assert (done["step"], done["next_step"], done["login"]) == ("done", None, phone)
    by_phone = await log_in(http, phone, PASSWORD)
    by_kid = await log_in(http, str(teacher["kid"]), PASSWORD)
    assert by_phone.account["kind"] == "teacher"
    assert by_phone.account["id"] == by_kid.account["id"]
    account = await db.fetchrow(
        "SELECT status, phone, phone_verified FROM identity.accounts WHERE kid = $1",
        teacher["kid"])
    assert tuple(account) == ("active", phone, True)


async def test_codes_are_stored_hashed(http, new_school, db, suite_env):
    admin = await new_school()
    teacher = await teacher_waiting(admin, db)
    phone = next_phone()
    started = await post(http, "/activation/start", {
        "kind": "teacher", "kid": teacher["kid"], "name": "赵老师"}, 201)

    await post(http, f"/activation/{started['id']}/phone", {"phone": phone})

    code = await code_sent_to(suite_env, phone)
    stored = await db.fetchval(
        "SELECT code_hash FROM identity.verification_codes WHERE subject_id = $1",
        uuid.UUID(started["id"]))
    assert stored.startswith("$argon2id$") and code not in stored


async def test_any_wrong_kid_and_name_answers_the_same_and_starts_nothing(
        http, new_school, db):
    admin = await new_school()
    teacher = await teacher_waiting(admin, db)
    student = await student_waiting(admin, db, class_id=await make_class(admin, 7, 1))
    before = await db.fetchval("SELECT count(*) FROM identity.activations")

    attempts = [
        {"kind": "teacher", "kid": teacher["kid"], "name": "钱老师"},
        {"kind": "teacher", "kid": 99999999999, "name": "赵老师"},
        {"kind": "teacher", "kid": student["kid"], "name": student["name"]},
        {"kind": "student", "kid": teacher["kid"], "name": "赵老师",
         "i_am_the_student": True},
        {"kind": "parent", "kid": teacher["kid"], "student_name": "赵老师",
         "relation": "father"},
        {"kind": "parent", "kid": student["kid"], "student_name": "别人",
         "relation": "father"},
    ]
    answers = [await post(http, "/activation/start", body, 422) for body in attempts]

    assert {a["error"]["message"] for a in answers} == {NO_MATCH}
    assert await db.fetchval("SELECT count(*) FROM identity.activations") == before


async def test_steps_out_of_order_are_refused_with_the_step_expected(
        http, new_school, db, suite_env):
    admin = await new_school()
    teacher = await teacher_waiting(admin, db)
    started = await post(http, "/activation/start", {
        "kind": "teacher", "kid": teacher["kid"], "name": "赵老师"}, 201)
    path = f"/activation/{started['id']}"

    early_verify = await post(http, f"{path}/verify", {"code": "123456"}, 409)
    early_password = await post(http, f"{path}/password", {"password": PASSWORD}, 409)
    phone = next_phone()
    await post(http, f"{path}/phone", {"phone": phone})
    still_early = await post(http, f"{path}/password", {"password": PASSWORD}, 409)
    await post(http, f"{path}/verify", {"code": await code_sent_to(suite_env, phone)})
    late_phone = await post(http, f"{path}/phone", {"phone": phone}, 409)
    await post(http, f"{path}/password", {"password": PASSWORD})
    after_done = await post(http, f"{path}/password", {"password": PASSWORD}, 409)

    assert "填写手机号" in early_verify["error"]["message"]
    assert "填写手机号" in early_password["error"]["message"]
    assert "验证码" in still_early["error"]["message"]
    assert "设置密码" in late_phone["error"]["message"]
    assert "已完成" in after_done["error"]["message"]


async def test_an_unknown_or_malformed_activation_id_is_not_found(http):
    unknown = await post(http, f"/activation/{uuid.uuid4()}/phone",
                         {"phone": next_phone()}, 404)
    malformed = await post(http, "/activation/abc/phone", {"phone": next_phone()}, 404)

    assert unknown["error"]["message"] == malformed["error"]["message"]


async def test_an_expired_activation_is_gone(http, new_school, db):
    admin = await new_school()
    teacher = await teacher_waiting(admin, db)
    started = await post(http, "/activation/start", {
        "kind": "teacher", "kid": teacher["kid"], "name": "赵老师"}, 201)
    await db.execute(
        "UPDATE identity.activations SET expires_at = now() - interval '1 second'"
        " WHERE id = $1", uuid.UUID(started["id"]))

    gone = await post(http, f"/activation/{started['id']}/phone",
                      {"phone": next_phone()}, 404)

    assert "过期" in gone["error"]["message"]


async def test_a_phone_another_account_logs_in_with_is_refused(
        http, new_school, db, suite_env):
    admin = await new_school()
    teacher = await teacher_waiting(admin, db)
    started = await post(http, "/activation/start", {
        "kind": "teacher", "kid": teacher["kid"], "name": "赵老师"}, 201)

    taken = await post(http, f"/activation/{started['id']}/phone",
                       {"phone": admin.phone}, 409)

    assert "手机号" in taken["error"]["message"]
    assert await db.fetchval(
        "SELECT count(*) FROM identity.verification_codes WHERE subject_id = $1",
        uuid.UUID(started["id"])) == 0


async def test_bad_phone_and_weak_password_change_nothing(
        http, new_school, db, suite_env):
    admin = await new_school()
    teacher = await teacher_waiting(admin, db)
    started = await post(http, "/activation/start", {
        "kind": "teacher", "kid": teacher["kid"], "name": "赵老师"}, 201)
    path = f"/activation/{started['id']}"

    bad_phone = await post(http, f"{path}/phone", {"phone": "12345"}, 422)
    phone = next_phone()
    await post(http, f"{path}/phone", {"phone": phone})
    await post(http, f"{path}/verify", {"code": await code_sent_to(suite_env, phone)})
    weak = await post(http, f"{path}/password", {"password": "abcdefgh"}, 422)

    assert "11位" in bad_phone["error"]["message"]
    assert "大写字母" in weak["error"]["message"]
    account = await db.fetchrow(
        "SELECT status, password_hash, phone_verified FROM identity.accounts"
        " WHERE kid = $1", teacher["kid"])
    assert tuple(account) == ("pending", None, False)
    again = await post(http, f"{path}/password", {"password": PASSWORD})
    assert again["step"] == "done"


async def test_an_active_account_cannot_be_activated_again(
        http, new_school, db, suite_env):
    admin = await new_school()
    teacher = await teacher_waiting(admin, db)
    await activate_teacher(http, suite_env, teacher, next_phone())

    again = await post(http, "/activation/start", {
        "kind": "teacher", "kid": teacher["kid"], "name": "赵老师"}, 409)

    assert "已激活" in again["error"]["message"]


# --- students ------------------------------------------------------------------


async def test_student_activates_with_kid_and_name_and_logs_in_with_kid(
        http, new_school, db):
    admin = await new_school()
    student = await student_waiting(admin, db, class_id=await make_class(admin, 7, 1))
    body = {"kind": "student", "kid": student["kid"], "name": student["name"]}

    unconfirmed = await post(http, "/activation/start", body, 422)
    started = await post(http, "/activation/start",
                         body | {"i_am_the_student": True}, 201)
    no_phone = await post(http, f"/activation/{started['id']}/phone",
                          {"phone": next_phone()}, 409)
    done = await post(http, f"/activation/{started['id']}/password",
                      {"password": PASSWORD})

    assert "我是学生" in unconfirmed["error"]["message"]
    assert started["next_step"] == "password"
    assert "不需要手机号" in no_phone["error"]["message"]
    assert done["login"] == str(student["kid"])
    session = await log_in(http, str(student["kid"]), PASSWORD)
    assert session.account["kind"] == "student"
    assert session.account["must_change_password"] is False


# --- parents -------------------------------------------------------------------


async def test_parent_activates_by_phone_and_is_linked_to_the_child(
        http, new_school, db, suite_env):
    admin = await new_school()
    student = await student_waiting(admin, db, class_id=await make_class(admin, 7, 1),
                                    name="王小明", id_number=id_number())
    phone = next_phone()

    verified, done = await activate_parent(http, suite_env, student, phone,
                                           relation="father")

    assert verified["existing_account"] is False
    assert (done["step"], done["login"]) == ("done", phone)
    parent = await log_in(http, phone, PASSWORD)
    me = await parent.json("GET", "/me")
    assert me["kind"] == "parent" and me["name"] == "王小明的爸爸"
    assert me["children"] == [{"kid": student["kid"], "name": "王小明",
                               "relation": "father",
                               "school_id": admin.school["id"]}]


async def test_a_parent_links_a_second_child_with_the_existing_password(
        http, new_school, db, suite_env):
    first_school, second_school = await new_school(), await new_school()
    elder = await student_waiting(first_school, db, name="李大", grade=8,
                                  class_id=await make_class(first_school, 8, 1))
    younger = await student_waiting(second_school, db, name="李二",
                                    class_id=await make_class(second_school, 7, 1))
    phone = next_phone()
    await activate_parent(http, suite_env, elder, phone)

    started = await post(http, "/activation/start", {
        "kind": "parent", "kid": younger["kid"], "student_name": "李二",
        "relation": "mother"}, 201)
    await allow_next_code(db, phone)
    await post(http, f"/activation/{started['id']}/phone", {"phone": phone})
    verified = await post(http, f"/activation/{started['id']}/verify",
                          {"code": await code_sent_to(suite_env, phone, 2)})
    wrong = await post(http, f"/activation/{started['id']}/password",
                       {"password": "Another2026"}, 422)
    linked_early = await log_in(http, phone, PASSWORD)
    children_early = (await linked_early.json("GET", "/me"))["children"]
    done = await post(http, f"/activation/{started['id']}/password",
                      {"password": PASSWORD})

    assert verified["existing_account"] is True
    assert "已有家长账号" in wrong["error"]["message"]
    assert [c["kid"] for c in children_early] == [elder["kid"]]
    assert done["step"] == "done"
    me = await (await log_in(http, phone, PASSWORD)).json("GET", "/me")
    assert [(c["kid"], c["name"], c["relation"]) for c in me["children"]] == [
        (elder["kid"], "李大", "mother"), (younger["kid"], "李二", "mother")]
    assert await db.fetchval(
        "SELECT count(*) FROM identity.accounts WHERE phone = $1", phone) == 1


async def test_a_teachers_phone_cannot_become_a_parent_login(
        http, new_school, db, suite_env):
    admin = await new_school()
    student = await student_waiting(admin, db, class_id=await make_class(admin, 7, 1))
    started = await post(http, "/activation/start", {
        "kind": "parent", "kid": student["kid"], "student_name": student["name"],
        "relation": "relative"}, 201)

    taken = await post(http, f"/activation/{started['id']}/phone",
                       {"phone": admin.phone}, 409)

    assert "手机号" in taken["error"]["message"]


async def test_a_student_who_left_cannot_be_named_by_a_parent(
        http, new_school, db):
    admin = await new_school()
    student = await student_waiting(admin, db, class_id=await make_class(admin, 7, 1))
    await admin.json("DELETE", f"/students/{student['id']}")
    await account_of(db, student["kid"], until=lambda a: a["status"] == "deleted")

    refused = await post(http, "/activation/start", {
        "kind": "parent", "kid": student["kid"], "student_name": student["name"],
        "relation": "father"}, 422)

    assert refused["error"]["message"] == NO_MATCH


# --- codes ---------------------------------------------------------------------


async def started_teacher(http, admin, db) -> str:
    teacher = await teacher_waiting(admin, db)
    started = await post(http, "/activation/start", {
        "kind": "teacher", "kid": teacher["kid"], "name": "赵老师"}, 201)
    return f"/activation/{started['id']}"


async def test_five_wrong_codes_kill_the_code_and_a_new_one_works(
        http, new_school, db, suite_env):
    admin = await new_school()
    path = await started_teacher(http, admin, db)
    phone = next_phone()
    await post(http, f"{path}/phone", {"phone": phone})
    code = await code_sent_to(suite_env, phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    tries = [await post(http, f"{path}/verify", {"code": wrong}, 422)
             for _ in range(5)]
    right_too_late = await post(http, f"{path}/verify", {"code": code}, 422)
    await allow_next_code(db, phone)
    await post(http, f"{path}/phone", {"phone": phone})
    verified = await post(http, f"{path}/verify",
                          {"code": await code_sent_to(suite_env, phone, 2)})

    messages = [t["error"]["message"] for t in tries]
    assert messages[:4] == [f"验证码错误，还可以再试{n}次" for n in (4, 3, 2, 1)]
    assert "错误次数过多" in messages[4]
    assert "失效" in right_too_late["error"]["message"]
    assert verified["step"] == "verified"


async def test_a_new_code_replaces_the_previous_one(http, new_school, db, suite_env):
    admin = await new_school()
    path = await started_teacher(http, admin, db)
    phone = next_phone()
    await post(http, f"{path}/phone", {"phone": phone})
    first = await code_sent_to(suite_env, phone)
    await allow_next_code(db, phone)
    await post(http, f"{path}/phone", {"phone": phone})
    second = await code_sent_to(suite_env, phone, 2)

    old = await post(http, f"{path}/verify", {"code": first}, 422) \
        if first != second else None
    verified = await post(http, f"{path}/verify", {"code": second})

    assert old is None or "验证码错误" in old["error"]["message"]
    assert verified["step"] == "verified"


async def test_a_code_expires_after_five_minutes(http, new_school, db, suite_env):
    admin = await new_school()
    path = await started_teacher(http, admin, db)
    phone = next_phone()
    await post(http, f"{path}/phone", {"phone": phone})
    code = await code_sent_to(suite_env, phone)
    await db.execute(
        "UPDATE identity.verification_codes"
        " SET expires_at = now() - interval '1 second' WHERE recipient = $1", phone)

    expired = await post(http, f"{path}/verify", {"code": code}, 422)

    assert "过期" in expired["error"]["message"]


async def test_a_new_code_comes_no_sooner_than_a_minute_later(http, new_school, db):
    admin = await new_school()
    path = await started_teacher(http, admin, db)
    phone = next_phone()
    await post(http, f"{path}/phone", {"phone": phone})

    response = await http.post(f"/api/v1{path}/phone", json={"phone": phone})
    body = await response.json()

    assert response.status == 429
    assert re.search(r"请\d+秒后", body["error"]["message"])
    assert 0 < body["error"]["details"]["retry_after"] <= 60
    assert await db.fetchval(
        "SELECT count(*) FROM identity.verification_codes WHERE recipient = $1",
        phone) == 1


async def test_at_most_five_codes_an_hour_to_one_phone(http, new_school, db):
    admin = await new_school()
    path = await started_teacher(http, admin, db)
    phone = next_phone()
    for _ in range(5):
        await post(http, f"{path}/phone", {"phone": phone})
        await allow_next_code(db, phone)

    sixth = await post(http, f"{path}/phone", {"phone": phone}, 429)
    await db.execute(
        "UPDATE identity.verification_codes"
        " SET created_at = created_at - interval '1 hour' WHERE recipient = $1", phone)
    after_an_hour = await post(http, f"{path}/phone", {"phone": phone})

    assert "每小时最多获取5次" in sixth["error"]["message"]
    assert re.search(r"请\d+分钟后再试", sixth["error"]["message"])
    assert after_an_hour["step"] == "code_sent"


async def test_at_most_ten_codes_a_day_to_one_phone(http, new_school, db):
    admin = await new_school()
    path = await started_teacher(http, admin, db)
    phone = next_phone()
    await db.executemany(
        "INSERT INTO identity.verification_codes (recipient, channel, purpose,"
        " subject_id, code_hash, expires_at, created_at)"
        " VALUES ($1, 'sms', 'activation', gen_random_uuid(), 'x',"
        " now() - $2::interval, now() - $2::interval)",
        [(phone, timedelta(hours=hours)) for hours in range(2, 22, 2)])

    refused = await post(http, f"{path}/phone", {"phone": phone}, 429)

    assert "每天最多获取10次" in refused["error"]["message"]
    assert "小时" in refused["error"]["message"]
    assert refused["error"]["details"]["retry_after"] > 3600
