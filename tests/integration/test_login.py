"""Logging in, tokens and their end, through the gateway."""

import asyncio

from tests.integration.api import log_in
from tests.integration.conftest import ADMIN_PASSWORD


async def test_operator_creates_school_whose_admin_logs_in(new_school):
    admin = await new_school()

    me = await admin.json("GET", "/me")
    assert me["kind"] == "teacher"
    assert me["school_id"] == admin.school["id"]
    assert "admin" in me["permissions"]
    assert admin.account["kid"] >= 10_000_000

    school = await admin.json("GET", "/school")
    assert school["name"] == admin.school["name"]


async def test_admin_can_log_in_with_kid_too(http, new_school):
    admin = await new_school()

    again = await log_in(http, str(admin.account["kid"]), ADMIN_PASSWORD)

    assert again.account["id"] == admin.account["id"]


async def test_wrong_password_is_refused_without_saying_which_part(http, new_school):
    admin = await new_school()

    wrong = await http.post("/api/v1/auth/login",
                            json={"login": admin.phone, "password": "Wrong2026x"})
    unknown = await http.post("/api/v1/auth/login",
                              json={"login": "13000000000", "password": "Wrong2026x"})

    assert wrong.status == unknown.status == 401
    assert (await wrong.json())["error"]["message"] == \
        (await unknown.json())["error"]["message"] == "账号或密码错误"


async def test_school_user_cannot_use_the_platform_login(http, new_school):
    admin = await new_school()

    response = await http.post("/api/v1/platform/auth/login",
                               json={"login": admin.phone, "password": ADMIN_PASSWORD})

    assert response.status == 401


async def test_missing_and_malformed_tokens_are_refused(http):
    missing = await http.get("/api/v1/me")
    malformed = await http.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    unknown = await http.get("/api/v1/me",
                             headers={"Authorization": "Bearer " + "x" * 43})

    for response in (missing, malformed, unknown):
        assert response.status == 401
        body = await response.json()
        assert body["error"]["code"] == "unauthenticated"
        assert body["error"]["message"]


async def test_expired_access_token_is_refused(new_school, db):
    admin = await new_school()
    assert (await admin.get("/me")).status == 200

    await db.execute(
        "UPDATE identity.sessions SET access_expires_at = now() - interval '1 second'"
        " WHERE account_id = $1", admin.account["id"],
    )
    await asyncio.sleep(2.2)  # the gateway may remember a live token for 2 s

    response = await admin.get("/me")
    assert response.status == 401


async def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(
        http, new_school):
    admin = await new_school()

    first = await http.post("/api/v1/auth/refresh",
                            json={"refresh_token": admin.refresh_token})
    rotated = await first.json()
    assert first.status == 200, rotated
    assert rotated["refresh_token"] != admin.refresh_token

    reused = await http.post("/api/v1/auth/refresh",
                             json={"refresh_token": admin.refresh_token})
    assert reused.status == 401

    after = await http.post("/api/v1/auth/refresh",
                            json={"refresh_token": rotated["refresh_token"]})
    assert after.status == 401, "the whole session ends when a token is reused"


async def test_logout_ends_the_session(new_school):
    admin = await new_school()

    assert (await admin.post("/auth/logout")).status == 200

    assert (await admin.get("/me")).status == 401


async def test_repeated_failures_lock_the_account_for_a_while(http, new_school):
    admin = await new_school()

    statuses = []
    for _ in range(6):
        response = await http.post(
            "/api/v1/auth/login",
            json={"login": admin.phone, "password": "Wrong2026x"})
        statuses.append(response.status)

    right = await http.post("/api/v1/auth/login",
                            json={"login": admin.phone, "password": ADMIN_PASSWORD})
    assert statuses[:5] == [401] * 5
    assert right.status == 429
    assert "锁定" in (await right.json())["error"]["message"]


async def test_a_school_admin_cannot_create_schools(new_school):
    admin = await new_school()

    response = await admin.post("/schools",
                                json={"name": "越权学校", "stages": ["primary"]})

    assert response.status == 403
