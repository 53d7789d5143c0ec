"""Bearer-token authentication, with a cache measured in seconds.

The identity service decides whether a token is live. The gateway remembers its
answer for `CACHE_SECONDS`, which bounds how long a disabled account or an ended
session keeps working (the SPEC allows seconds) while sparing identity a call on
every request.
"""

import time

from aiohttp import web

from shared.contracts.common import Caller
from shared.errors import Forbidden, Unauthenticated

from gateway.api import ADMIN, OPERATOR, PUBLIC

CACHE_SECONDS = 2.0
CACHE_LIMIT = 50_000


class Authenticator:
    def __init__(self, bus) -> None:
        self.bus = bus
        self._cache: dict[str, tuple[float, Caller]] = {}

    async def __call__(self, request: web.Request, level: str) -> Caller:
        if level == PUBLIC:
            return Caller()
        caller = await self.caller_for(bearer_token(request))
        request["caller"] = caller

        if level == OPERATOR and not caller.is_operator:
            raise Forbidden("只有平台管理员可以进行此操作")
        if level == ADMIN:
            caller.require_school_admin()
        return caller

    async def caller_for(self, token: str) -> Caller:
        now = time.monotonic()
        cached = self._cache.get(token)
        if cached and cached[0] > now:
            return cached[1]

        answer = await self.bus.call("identity.authenticate", {"token": token})
        account = answer["account"]
        caller = Caller(account_id=account["id"], kid=account["kid"],
                        kind=account["kind"], school_id=account["school_id"],
                        permissions=account["permissions"])
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[token] = (now + CACHE_SECONDS, caller)
        return caller

    def forget(self, token: str) -> None:
        self._cache.pop(token, None)


def bearer_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("请先登录：缺少 Authorization: Bearer 令牌")
    token = token.strip()
    if not 10 <= len(token) <= 200:
        raise Unauthenticated("登录令牌无效，请重新登录")
    return token
