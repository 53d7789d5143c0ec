"""Bearer-token authentication, with a cache measured in seconds.

The identity service decides whether a token is live. The gateway remembers its
answer for `CACHE_SECONDS`, which bounds how long a disabled account or an ended
session keeps working (the SPEC allows seconds) while sparing identity a call on
every request. A token in steady use has its answer renewed in the background
before it expires, and concurrent requests with a token not known yet share one
call, so requests wait for identity only on a token's first use.
"""

import asyncio
import time

from aiohttp import web

from shared.contracts.common import Caller
from shared.errors import Forbidden, Unauthenticated

from gateway.api import ADMIN, OPERATOR, PREFIX, PUBLIC

CACHE_SECONDS = 2.0
# An answer used when older than this is renewed before it expires.
REFRESH_SECONDS = 1.5
CACHE_LIMIT = 50_000

# What an account given an initial password may do before changing it.
BEFORE_PASSWORD_CHANGE = {PREFIX + path for path in ("/me", "/auth/password",
                                                     "/auth/logout")}


class SessionCaller(Caller):
    """The caller, and whether their password must change before anything else."""

    must_change_password: bool = False


class Authenticator:
    def __init__(self, bus) -> None:
        self.bus = bus
        # token -> (when the answer expires, the caller)
        self._cache: dict[str, tuple[float, Caller]] = {}
        self._asking: dict[str, asyncio.Future] = {}

    async def __call__(self, request: web.Request, level: str) -> Caller:
        if level == PUBLIC:
            return Caller()
        caller = await self.caller_for(bearer_token(request))
        request["caller"] = caller
        if caller.must_change_password and request.path not in BEFORE_PASSWORD_CHANGE:
            raise Forbidden("首次登录请先修改初始密码，再进行其他操作")

        if level == OPERATOR and not caller.is_operator:
            raise Forbidden("只有平台管理员可以进行此操作")
        if level == ADMIN:
            caller.require_school_admin()
        return caller

    async def caller_for(self, token: str) -> Caller:
        """The caller behind `token`. An answer is used for CACHE_SECONDS from
        when identity was asked; used after REFRESH_SECONDS, it is renewed in
        the background meanwhile, so a token in use never waits for identity."""
        now = time.monotonic()
        cached = self._cache.get(token)
        if cached and cached[0] > now:
            if cached[0] - now < CACHE_SECONDS - REFRESH_SECONDS:
                self._ask(token)
            return cached[1]
        # Shielded: a client that goes away does not cancel the others' answer.
        return await asyncio.shield(self._ask(token))

    def _ask(self, token: str) -> asyncio.Future:
        """identity.authenticate for `token`, one call at a time: requests that
        come while it is out wait for the same answer."""
        asking = self._asking.get(token)
        if asking is None:
            asking = asyncio.ensure_future(self._authenticate(token))
            self._asking[token] = asking
            asking.add_done_callback(lambda done: self._settled(token, done))
        return asking

    def _settled(self, token: str, done: asyncio.Future) -> None:
        if self._asking.get(token) is done:
            del self._asking[token]
        # Read here, so a background renewal that failed is not reported as an
        # exception nobody retrieved; an ended session is forgotten at once.
        if not done.cancelled() and isinstance(done.exception(), Unauthenticated):
            self._cache.pop(token, None)

    async def _authenticate(self, token: str) -> Caller:
        now = time.monotonic()
        answer = await self.bus.call("identity.authenticate", {"token": token})
        account = answer["account"]
        caller = SessionCaller(
            account_id=account["id"], kid=account["kid"], kind=account["kind"],
            school_id=account["school_id"], permissions=account["permissions"],
            must_change_password=account.get("must_change_password", False))
        # A token forgotten (logged out) while identity was asked stays out.
        if self._asking.get(token) is asyncio.current_task():
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[token] = (now + CACHE_SECONDS, caller)
        return caller

    def forget(self, token: str) -> None:
        self._cache.pop(token, None)
        self._asking.pop(token, None)


def bearer_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("请先登录：缺少 Authorization: Bearer 令牌")
    token = token.strip()
    if not 10 <= len(token) <= 200:
        raise Unauthenticated("登录令牌无效，请重新登录")
    return token
