"""The identity service: accounts, passwords, login sessions and their tokens."""

from datetime import timedelta
from pathlib import Path

import asyncpg

from shared.contracts.common import Caller
from shared.contracts.identity import (
    AccountView,
    LoginRequest,
    OperatorIn,
    RefreshIn,
    SchoolAccountIn,
    TokenIn,
    Tokens,
)
from shared.db.outbox import record_event
from shared.errors import Conflict, Locked, NotFound, Unauthenticated
from shared.logging import get_logger
from shared.service import Service, event_handler, rpc

from services.identity import storage
from services.identity.passwords import Passwords, check_password_rule
from services.identity.tokens import digest, new_token

log = get_logger("identity")

WRONG_CREDENTIALS = "账号或密码错误"
SESSION_ENDED = "登录已失效，请重新登录"


def account_view(row: asyncpg.Record) -> AccountView:
    return AccountView(
        id=row["id"], kid=row["kid"], kind=row["kind"], name=row["name"],
        school_id=row["school_id"], permissions=list(row["permissions"]),
        must_change_password=row["must_change_password"],
    )


class IdentityService(Service):
    name = "identity"
    migrations = Path(__file__).parent / "migrations"

    async def setup(self) -> None:
        s = self.settings
        self.passwords = Passwords(memory_kib=s.argon2_memory_kib,
                                   time_cost=s.argon2_time_cost,
                                   parallelism=s.argon2_parallelism)

    # --- login and sessions ------------------------------------------------------

    @rpc(model=LoginRequest)
    async def login(self, params: LoginRequest, caller: Caller) -> Tokens:
        """Tokens for a right password; the same answer for every wrong login."""
        async with self.pool.acquire() as connection:
            account = await storage.find_for_login(connection, params.login.strip(),
                                                   params.realm)
            if account and account["locked_until"] and \
                    account["locked_until"] > storage.utcnow():
                wait = account["locked_until"] - storage.utcnow()
                raise Locked(f"密码错误次数过多，账号已暂时锁定，请{_minutes(wait)}后再试")

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
        await storage.open_session(
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
            row = await storage.session_for_access(connection, digest(params.token))
        if row is None:
            raise Unauthenticated(SESSION_ENDED)
        return {"session_id": str(row["session_id"]),
                "account": account_view(row).model_dump(mode="json")}

    @rpc(model=RefreshIn)
    async def refresh(self, params: RefreshIn, caller: Caller) -> Tokens:
        """New tokens for a refresh token; each works once, and a reuse ends the session."""
        async with self.pool.acquire() as connection, connection.transaction():
            token = await connection.fetchrow(
                "SELECT r.session_id, r.used_at, s.revoked_at, s.expires_at, s.account_id"
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
                await storage.revoke_session(connection, token["session_id"],
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
        async with self.pool.acquire() as connection:
            row = await connection.fetchrow(
                f"SELECT {storage.ACCOUNT_COLUMNS} FROM accounts WHERE id = $1",
                caller.account_id,
            )
        if row is None:
            raise NotFound("账号不存在")
        return account_view(row)

    # --- accounts made by others -------------------------------------------------

    @rpc(model=SchoolAccountIn)
    async def create_school_account(self, params: SchoolAccountIn, caller: Caller):
        """An active account with a verified phone and a known password (school admins)."""
        caller.require_operator()
        check_password_rule(params.password)
        password_hash = await self.passwords.hash(params.password)
        async with self.pool.acquire() as connection, connection.transaction():
            try:
                row = await connection.fetchrow(
                    """
                    INSERT INTO accounts (kind, kid, person_id, school_id, name, phone,
                        phone_verified, permissions, password_hash, status)
                    VALUES ($1, $2, $3, $4, $5, $6, true, $7, $8, 'active')
                    ON CONFLICT (person_id) DO UPDATE SET
                        phone = EXCLUDED.phone, phone_verified = true,
                        password_hash = EXCLUDED.password_hash, status = 'active',
                        updated_at = now()
                    RETURNING *
                    """,
                    params.kind, params.kid, params.person_id, params.school_id,
                    params.name, params.phone, params.permissions, password_hash,
                )
                await record_event(connection, "notification.requested", {
                    "channel": "sms", "to": params.phone, "template": "admin_welcome",
                    "params": {"name": params.name},
                })
            except asyncpg.UniqueViolationError:
                raise Conflict("该手机号已被其他账号用作登录名") from None
        return account_view(row)

    @rpc(model=OperatorIn)
    async def ensure_operator(self, params: OperatorIn, caller: Caller) -> AccountView:
        """Create or re-key a platform operator; reached only from inside the bus."""
        check_password_rule(params.password)
        password_hash = await self.passwords.hash(params.password)
        async with self.pool.acquire() as connection:
            row = await connection.fetchrow(
                """
                INSERT INTO accounts (kind, login_name, name, password_hash, status)
                VALUES ('operator', $1, $2, $3, 'active')
                ON CONFLICT (login_name) DO UPDATE SET
                    password_hash = EXCLUDED.password_hash, status = 'active',
                    failed_logins = 0, locked_until = NULL, updated_at = now()
                RETURNING *
                """,
                params.login, params.name, password_hash,
            )
        return account_view(row)

    @event_handler("roster.teachers.created")
    async def on_teachers_created(self, envelope: dict, connection) -> None:
        """Every new teacher gets an account waiting for activation, keyed by kid."""
        teachers = envelope["data"]["teachers"]
        await connection.executemany(
            """
            INSERT INTO accounts (kind, kid, person_id, school_id, name, permissions)
            VALUES ('teacher', $1, $2, $3, $4, $5)
            ON CONFLICT (person_id) DO UPDATE SET
                permissions = EXCLUDED.permissions, name = EXCLUDED.name,
                updated_at = now()
            """,
            [(t["kid"], t["id"], t["school_id"], t["name"], t["permissions"])
             for t in teachers],
        )
        log.info("teacher_accounts_created", count=len(teachers))


    @event_handler("roster.teachers.changed")
    async def on_teachers_changed(self, envelope: dict, connection) -> None:
        """Mirror name, permissions and status; a disabled teacher's sessions end."""
        for teacher in envelope["data"]["teachers"]:
            row = await connection.fetchrow(
                """
                UPDATE accounts SET name = $2, permissions = $3, updated_at = now(),
                    status = CASE
                        WHEN $4 = 'disabled' THEN 'disabled'
                        WHEN password_hash IS NULL THEN 'pending'
                        ELSE 'active' END
                WHERE person_id = $1 AND status <> 'deleted'
                RETURNING id, status
                """,
                teacher["id"], teacher["name"], teacher["permissions"],
                teacher["status"],
            )
            if row is not None and row["status"] == "disabled":
                ended = await storage.revoke_sessions(connection, row["id"], "disabled")
                log.info("account_disabled", account_id=str(row["id"]), sessions=ended)

    @event_handler("roster.teachers.deleted")
    async def on_teachers_deleted(self, envelope: dict, connection) -> None:
        """A deleted teacher's account ends, and its phone is free for another."""
        for teacher in envelope["data"]["teachers"]:
            row = await connection.fetchrow(
                "UPDATE accounts SET status = 'deleted', phone_verified = false,"
                " email_verified = false, password_hash = NULL, updated_at = now()"
                " WHERE person_id = $1 RETURNING id",
                teacher["id"],
            )
            if row is not None:
                await storage.revoke_sessions(connection, row["id"], "deleted")
                log.info("account_deleted", account_id=str(row["id"]))


    @event_handler("roster.students.created", "roster.students.transferred_in",
                   "roster.students.changed")
    async def on_students_saved(self, envelope: dict, connection) -> None:
        """A student's account follows the record, keyed by kid.

        A student who transferred in keeps the kid, so the account found by kid is
        moved to the new school with its password; a disabled one loses its sessions.
        """
        for student in envelope["data"]["students"]:
            row = await connection.fetchrow(
                """
                INSERT INTO accounts (kind, kid, person_id, school_id, name)
                VALUES ('student', $1, $2, $3, $4)
                ON CONFLICT (kid) DO UPDATE SET
                    person_id = EXCLUDED.person_id, school_id = EXCLUDED.school_id,
                    name = EXCLUDED.name, updated_at = now(),
                    status = CASE
                        WHEN $5 = 'disabled' THEN 'disabled'
                        WHEN accounts.password_hash IS NULL THEN 'pending'
                        ELSE 'active' END
                RETURNING id, status
                """,
                student["kid"], student["id"], student["school_id"], student["name"],
                student.get("status", "active"),
            )
            if row["status"] == "disabled":
                await storage.revoke_sessions(connection, row["id"], "disabled")

    @event_handler("roster.students.deleted", "roster.students.transferred_out")
    async def on_students_removed(self, envelope: dict, connection) -> None:
        """A student who left cannot log in; the account waits, should they come back."""
        for student in envelope["data"]["students"]:
            row = await connection.fetchrow(
                "UPDATE accounts SET status = 'deleted', updated_at = now()"
                " WHERE kid = $1 AND kind = 'student' RETURNING id",
                student["kid"],
            )
            if row is not None:
                await storage.revoke_sessions(connection, row["id"], "left_school")


def _minutes(wait: timedelta) -> str:
    seconds = max(1, int(wait.total_seconds()))
    return f"{seconds}秒" if seconds < 60 else f"{(seconds + 59) // 60}分钟"
