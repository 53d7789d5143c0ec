"""Password recovery by phone or e-mail, end to end, telling nothing about accounts."""

import asyncio
import uuid

from tests.integration.api import log_in, next_phone
from tests.integration.conftest import ADMIN_PASSWORD
from tests.integration.test_activation import (
    allow_next_code,
    code_sent_to,
    post,
    sent_to,
)

NEW_PASSWORD = "Zhaohui2026"


async def recover(http, suite_env, login: str, *, channel: str = "sms",
                  nth: int = 1) -> dict:
    started = await post(http, "/recovery/start", {"login": login})
    code = await code_sent_to(suite_env, login, nth, channel)
    await post(http, f"/recovery/{started['id']}/verify", {"code": code})
    return await post(http, f"/recovery/{started['id']}/password",
                      {"password": NEW_PASSWORD})


async def test_a_reset_by_phone_changes_the_password_and_ends_every_session(
        http, new_school, suite_env):
    admin = await new_school()
    other_session = await log_in(http, admin.phone, ADMIN_PASSWORD)

    started = await post(http, "/recovery/start", {"login": admin.phone})
    code = await code_sent_to(suite_env, admin.phone)
    verified = await post(http, f"/recovery/{started['id']}/verify", {"code": code})
    done = await post(http, f"/recovery/{started['id']}/password",
                      {"password": NEW_PASSWORD})
    # Sessions end within seconds: the gateway may remember a live token for 2 s.
    for _ in range(50):
        if (await other_session.get("/me")).status == 401:
            break
        await asyncio.sleep(0.1)

    assert (started["step"], started["next_step"]) == ("code_sent", "verify")
    assert started["sent_to"] == admin.phone[:3] + "****" + admin.phone[-4:]
    assert "找回密码" in sent_to(suite_env, admin.phone)[-1]
    assert (verified["step"], verified["next_step"]) == ("verified", "password")
    assert (done["step"], done["next_step"]) == ("done", None)
    assert (await admin.get("/me")).status == 401
    assert (await other_session.get("/me")).status == 401
    old = await http.post("/api/v1/auth/login",
                          json={"login": admin.phone, "password": ADMIN_PASSWORD})
    assert old.status == 401
    again = await log_in(http, admin.phone, NEW_PASSWORD)
    assert again.account["id"] == admin.account["id"]


async def test_an_unknown_login_gets_the_same_answer_and_no_message(
        http, new_school, suite_env, db):
    admin = await new_school()
    unknown = next_phone()

    known = await post(http, "/recovery/start", {"login": admin.phone})
    nobody = await post(http, "/recovery/start", {"login": unknown})
    wrong_known = await post(http, f"/recovery/{known['id']}/verify",
                             {"code": "000000"}, 422)
    wrong_nobody = await post(http, f"/recovery/{nobody['id']}/verify",
                              {"code": "000000"}, 422)
    await code_sent_to(suite_env, admin.phone)

    assert set(known) == set(nobody)
    for field in ("step", "next_step", "resend_in"):
        assert known[field] == nobody[field]
    assert nobody["sent_to"] == unknown[:3] + "****" + unknown[-4:]
    assert wrong_known["error"]["message"] == wrong_nobody["error"]["message"]
    assert sent_to(suite_env, unknown) == []
    assert await db.fetchval(
        "SELECT count(*) FROM notify.messages WHERE recipient = $1", unknown) == 0


async def test_the_sending_limits_answer_the_same_with_or_without_an_account(
        http, new_school):
    admin = await new_school()
    unknown = next_phone()
    await post(http, "/recovery/start", {"login": admin.phone})
    await post(http, "/recovery/start", {"login": unknown})

    known_again = await post(http, "/recovery/start", {"login": admin.phone}, 429)
    unknown_again = await post(http, "/recovery/start", {"login": unknown}, 429)

    assert known_again["error"]["code"] == unknown_again["error"]["code"] == "locked"
    assert "秒后" in unknown_again["error"]["message"]


async def test_a_recovery_without_an_account_never_verifies(http, db):
    unknown = next_phone()
    started = await post(http, "/recovery/start", {"login": unknown})

    # Whatever is typed, even the code on record were it readable.
    refused = await post(http, f"/recovery/{started['id']}/verify",
                         {"code": "123456"}, 422)
    early = await post(http, f"/recovery/{started['id']}/password",
                       {"password": NEW_PASSWORD}, 409)

    assert "验证码错误" in refused["error"]["message"]
    assert "验证码" in early["error"]["message"]


async def test_steps_come_in_order_and_a_used_recovery_is_done(
        http, new_school, suite_env):
    admin = await new_school()
    started = await post(http, "/recovery/start", {"login": admin.phone})
    path = f"/recovery/{started['id']}"

    early = await post(http, f"{path}/password", {"password": NEW_PASSWORD}, 409)
    await post(http, f"{path}/verify",
               {"code": await code_sent_to(suite_env, admin.phone)})
    weak = await post(http, f"{path}/password", {"password": "short"}, 422)
    still_old = await log_in(http, admin.phone, ADMIN_PASSWORD)
    await post(http, f"{path}/password", {"password": NEW_PASSWORD})
    reused = await post(http, f"{path}/password", {"password": "Another2026"}, 409)
    again = await post(http, f"{path}/verify", {"code": "123456"}, 409)

    assert "验证码" in early["error"]["message"]
    assert "8到64" in weak["error"]["message"]
    assert still_old.account["id"] == admin.account["id"]
    assert "已重置" in reused["error"]["message"]
    assert "已重置" in again["error"]["message"]
    await log_in(http, admin.phone, NEW_PASSWORD)


async def test_an_expired_recovery_is_gone(http, new_school, db, suite_env):
    admin = await new_school()
    started = await post(http, "/recovery/start", {"login": admin.phone})
    code = await code_sent_to(suite_env, admin.phone)
    await db.execute(
        "UPDATE identity.recoveries SET expires_at = now() - interval '1 second'"
        " WHERE id = $1", uuid.UUID(started["id"]))

    gone = await post(http, f"/recovery/{started['id']}/verify", {"code": code}, 404)

    assert "过期" in gone["error"]["message"]
    await log_in(http, admin.phone, ADMIN_PASSWORD)


async def test_wrong_codes_count_and_the_fifth_kills_the_code(
        http, new_school, db, suite_env):
    admin = await new_school()
    started = await post(http, "/recovery/start", {"login": admin.phone})
    code = await code_sent_to(suite_env, admin.phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    for _ in range(5):
        await post(http, f"/recovery/{started['id']}/verify", {"code": wrong}, 422)
    dead = await post(http, f"/recovery/{started['id']}/verify", {"code": code}, 422)
    await allow_next_code(db, admin.phone)
    done = await recover(http, suite_env, admin.phone, nth=2)

    assert "失效" in dead["error"]["message"]
    assert done["step"] == "done"


async def test_a_reset_by_verified_email(http, new_school, db, suite_env):
    admin = await new_school()
    email = f"admin-{uuid.uuid4().hex[:8]}@school.example.cn"
    await db.execute(
        "UPDATE identity.accounts SET email = $2, email_verified = true"
        " WHERE id = $1", uuid.UUID(admin.account["id"]), email)

    started = await post(http, "/recovery/start", {"login": email.upper()})
    code = await code_sent_to(suite_env, email, channel="email")
    await post(http, f"/recovery/{started['id']}/verify", {"code": code})
    await post(http, f"/recovery/{started['id']}/password", {"password": NEW_PASSWORD})

    assert started["sent_to"] == f"a***@{email.split('@')[1]}"
    again = await log_in(http, email, NEW_PASSWORD)
    assert again.account["id"] == admin.account["id"]


async def test_a_login_that_is_neither_phone_nor_email_is_bad_input(http):
    for login in ("12345", "not an address", "someone@"):
        refused = await post(http, "/recovery/start", {"login": login}, 422)
        assert "手机号或邮箱" in refused["error"]["message"]
