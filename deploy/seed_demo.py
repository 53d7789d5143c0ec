"""Seed a demo: one platform operator, the school 演示学校 and its school admin.

`python -m deploy.seed_demo` runs against a suite that is up (the local runner calls
it once the gateway is ready). It is safe to run again: what exists is kept.

    DEMO_OPERATOR_LOGIN     default: operator
    DEMO_OPERATOR_PASSWORD  default: Operator2026
    DEMO_ADMIN_LOGIN        the admin's phone, default: 13800000001
    DEMO_ADMIN_PASSWORD     default: Xiaoyuan2026
"""

import asyncio
import os

import aiohttp

from shared.bus import Bus
from shared.errors import Conflict
from shared.settings import get_settings

DEMO_SCHOOL = "演示学校"


def demo_logins() -> dict[str, str]:
    env = os.environ.get
    return {
        "operator_login": env("DEMO_OPERATOR_LOGIN", "operator"),
        "operator_password": env("DEMO_OPERATOR_PASSWORD", "Operator2026"),
        "admin_login": env("DEMO_ADMIN_LOGIN", "13800000001"),
        "admin_password": env("DEMO_ADMIN_PASSWORD", "Xiaoyuan2026"),
    }


async def ensure_operator(login: str, password: str) -> None:
    settings = get_settings()
    bus = await Bus(settings.amqp_url, rpc_timeout=settings.rpc_timeout).connect()
    try:
        await bus.call("identity.ensure_operator",
                       {"login": login, "password": password})
    finally:
        await bus.close()


async def seed(base_url: str) -> dict[str, str]:
    logins = demo_logins()
    await ensure_operator(logins["operator_login"], logins["operator_password"])

    async with aiohttp.ClientSession(base_url) as http:
        if await _can_log_in(http, "/api/v1/auth/login", logins["admin_login"],
                             logins["admin_password"]):
            return logins
        token = await _login(http, "/api/v1/platform/auth/login",
                             logins["operator_login"], logins["operator_password"])
        headers = {"Authorization": f"Bearer {token}"}
        school_id = await _ensure_school(http, headers)
        async with http.post(f"/api/v1/schools/{school_id}/admins", headers=headers,
                             json={"name": "演示管理员", "gender": "女",
                                   "phone": logins["admin_login"],
                                   "password": logins["admin_password"]}) as response:
            if response.status != 201:
                raise SystemExit(f"创建演示学校管理员失败：{await response.text()}")
    return logins


async def _can_log_in(http, path: str, login: str, password: str) -> bool:
    async with http.post(path, json={"login": login, "password": password}) as response:
        return response.status == 200


async def _login(http, path: str, login: str, password: str) -> str:
    async with http.post(path, json={"login": login, "password": password}) as response:
        if response.status != 200:
            raise SystemExit(f"演示账号登录失败：{await response.text()}")
        return (await response.json())["access_token"]


async def _ensure_school(http, headers) -> str:
    async with http.get("/api/v1/schools", params={"page_size": 200},
                        headers=headers) as response:
        for school in (await response.json())["items"]:
            if school["name"] == DEMO_SCHOOL:
                return school["id"]
    async with http.post("/api/v1/schools", headers=headers,
                         json={"name": DEMO_SCHOOL, "stages": ["junior"]}) as response:
        if response.status != 201:
            raise Conflict(await response.text())
        return (await response.json())["id"]


def main() -> None:
    settings = get_settings()
    base_url = f"http://{settings.gateway_host}:{settings.gateway_port}"
    logins = asyncio.run(seed(base_url))
    print(f"演示学校已就绪：{base_url}/api/v1/docs")
    print(f"  平台管理员（管理登录）  {logins['operator_login']} / "
          f"{logins['operator_password']}")
    print(f"  学校管理员（用户登录）  {logins['admin_login']} / "
          f"{logins['admin_password']}")


if __name__ == "__main__":
    main()
