"""Login, the gateway's token checks, refresh, logout and the caller's own account."""

import unicodedata
from datetime import timedelta

from shared.contracts.common import Caller
from shared.contracts.identity import (
    AccountView,
    LoginRequest,
    RefreshIn,
    TokenIn,
    Tokens,
)
from shared.errors import Locked, NotFound, Unauthenticated
from shared.logging import get_logger
from shared.service import rpc

from services.identity.storage import accounts as storage
from services.identity.storage import parent_links
from services.identity.storage import sessions
from services.identity.tokens import digest, new_token
from services.identity.views import account_view, wait_minutes

log = get_logger("identity.sessions")

WRONG_CREDENTIALS = "账号或密码错误"
SESSION_ENDED = "登录已失效，请重新登录"


class SessionHandlers:
    @rpc(model=LoginRequest)
    async def login(self, params: LoginRequest, caller: Caller) -> Tokens:
        """Tokens for a right password; the same answer for every wrong login."""
        async with self.pool.acquire() as connection:
            # Full-width digits typed on a phone keyboard are the same login.
            login = unicodedata.normalize("NFKC", params.login).strip()
            account = await storage.find_for_login(connection, login,
                                                   params.realm)
            refuse_locked(account)

            matches = await self.passwords.verify(
                account["password_hash"] if account else None, params.password
            )
            if account is None or not matches:
                if account is not None:
                    await storage.record_failure(connection, account["id"])
                log.info("login_refused", realm=params.realm)
                raise Unauthenticated(WRONG_CREDENTIALS)
            if account["status"] != "active":
                raise Unauthenticated("该账号已停用，请联系学校管理员")

            await storage.record_success(connection, account["id"])
            tokens = await self._open_session(connection, account)
        log.info("login_succeeded", account_id=str(account["id"]), realm=params.realm)
        return tokens

    async def _open_session(self, connection, account) -> Tokens:
        access, refresh = new_token(), new_token()
        await sessions.open_session(
            connection, account["id"], digest(access), digest(refresh),
            access_ttl=self.settings.access_token_ttl,
            refresh_ttl=self.settings.refresh_token_ttl,
        )
        return Tokens(access_token=access, refresh_token=refresh,
                      expires_in=self.settings.access_token_ttl,
                      account=account_view(account))

    @rpc(model=TokenIn)
    async def authenticate(self, params: TokenIn, caller: Caller) -> dict:
        """The account behind a live access token, for the gateway's every request."""
        async with self.pool.acquire() as connection:
            row = await sessions.session_for_access(connection, digest(params.token))
        if row is None:
            raise Unauthenticated(SESSION_ENDED)
        return {"session_id": str(row["session_id"]),
                "account": account_view(row).model_dump(mode="json")}

    @rpc(model=RefreshIn)
    async def refresh(self, params: RefreshIn, caller: Caller) -> Tokens:
        """New tokens for a refresh token; each works once, and a reuse ends the
        session."""
        async with self.pool.acquire() as connection, connection.transaction():
            token = await connection.fetchrow(
                "SELECT r.session_id, r.used_at, s.revoked_at, s.expires_at,"
                " s.account_id"
                " FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id"
                " WHERE r.token_hash = $1 FOR UPDATE OF r, s",
                digest(params.refresh_token),
            )
            live = (token is not None and token["revoked_at"] is None
                    and token["expires_at"] > storage.utcnow())
            if live and token["used_at"] is None:
                return await self._rotate(connection, token)
            if live:
                # A used token again: someone holds a copy. The revocation must
                # commit, so the refusal is raised after the transaction.
                await sessions.revoke_session(connection, token["session_id"],
                                              "refresh_token_reused")
                log.warning("refresh_token_reused", session_id=str(token["session_id"]))
        raise Unauthenticated(SESSION_ENDED)

    async def _rotate(self, connection, token) -> Tokens:
        account = await connection.fetchrow(
            f"SELECT {storage.ACCOUNT_COLUMNS} FROM accounts WHERE id = $1",
            token["account_id"],
        )
        if account["status"] != "active":
            raise Unauthenticated(SESSION_ENDED)

        access, refresh = new_token(), new_token()
        ttl = self.settings.access_token_ttl
        await connection.execute(
            "UPDATE refresh_tokens SET used_at = now() WHERE token_hash = ANY("
            " SELECT token_hash FROM refresh_tokens WHERE session_id = $1"
            " AND used_at IS NULL)", token["session_id"],
        )
        await connection.execute(
            "UPDATE sessions SET access_hash = $2,"
            " access_expires_at = now() + $3::interval WHERE id = $1",
            token["session_id"], digest(access), timedelta(seconds=ttl),
        )
        await connection.execute(
            "INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)",
            digest(refresh), token["session_id"],
        )
        return Tokens(access_token=access, refresh_token=refresh, expires_in=ttl,
                      account=account_view(account))

    @rpc(model=TokenIn)
    async def logout(self, params: TokenIn, caller: Caller) -> dict:
        async with self.pool.acquire() as connection:
            await connection.execute(
                "UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout'"
                " WHERE access_hash = $1 AND revoked_at IS NULL", digest(params.token),
            )
        return {"ok": True}

    @rpc
    async def me(self, params: dict, caller: Caller) -> AccountView:
        """The caller's account; a parent's lists the children linked to it."""
        async with self.pool.acquire() as connection:
            row = await connection.fetchrow(
                f"SELECT {storage.ACCOUNT_COLUMNS} FROM accounts WHERE id = $1",
                caller.account_id,
            )
            if row is None:
                raise NotFound("账号不存在")
            children = None
            if row["kind"] == "parent":
                children = await parent_links.children(connection, row["id"])
        return account_view(row, children)


def refuse_locked(account) -> None:
    """Locked (429) while repeated wrong passwords keep the account locked."""
    if account and account["locked_until"] and \
            account["locked_until"] > storage.utcnow():
        wait = account["locked_until"] - storage.utcnow()
        raise Locked("密码错误次数过多，账号已暂时锁定，"
                     f"请{wait_minutes(wait.total_seconds())}后再试")
