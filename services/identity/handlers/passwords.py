"""Passwords people change: their own, and the initial one an admin gives students.

Students activated in a batch share the initial password their admin chose and must
change it at first login: until then the gateway lets their sessions only read
GET /me, change the password and log out.
"""

from shared.contracts.common import Caller
from shared.contracts.identity import BatchActivationIn, PasswordChangeRequest
from shared.errors import InvalidInput, Unauthenticated
from shared.logging import get_logger
from shared.service import rpc

from services.identity.audit import actor_of, record_school_changes, school_change
from services.identity.handlers.sessions import refuse_locked
from services.identity.passwords import check_password_rule
from services.identity.roster_queries import scoped_students
from services.identity.storage import accounts, sessions
from services.identity.tokens import digest

log = get_logger("identity.passwords")


class PasswordHandlers:
    @rpc(model=PasswordChangeRequest)
    async def change_password(self, params: PasswordChangeRequest,
                              caller: Caller) -> dict:
        """A new password for the caller, who proves the old one.

        The asking session stays open; every other session of the account ends, and
        the duty to change an initial password is lifted.
        """
        if caller.account_id is None:
            raise Unauthenticated()
        check_password_rule(params.new_password)
        if params.new_password == params.old_password:
            raise InvalidInput("新密码不能与原密码相同")
        await self._check_old_password(caller.account_id, params.old_password)
        password_hash = await self.passwords.hash(params.new_password)

        async with self.pool.acquire() as connection, connection.transaction():
            account = await accounts.account(connection, caller.account_id,
                                             for_update=True)
            await accounts.set_password(connection, account["id"], password_hash)
            session = await sessions.session_for_access(connection,
                                                        digest(params.token))
            ended = await sessions.revoke_sessions(
                connection, account["id"], "password_changed",
                keep=session["session_id"] if session else None,
            )
            if account["school_id"] is not None:
                await record_school_changes(connection, [school_change(
                    actor_of(account), account["school_id"], action="password_change",
                    target_kind=f"{account['kind']}_account", target_id=account["kid"],
                )])
        log.info("password_changed", account_id=str(account["id"]),
                 sessions_ended=ended)
        return {"ok": True, "sessions_ended": ended}

    async def _check_old_password(self, account_id, password: str) -> None:
        """Wrong old passwords count like wrong logins, lock included."""
        async with self.pool.acquire() as connection:
            account = await accounts.account(connection, account_id)
            refuse_locked(account)
            if not await self.passwords.verify(account["password_hash"], password):
                await accounts.record_failure(connection, account_id)
                raise InvalidInput("原密码不正确，请重新输入")
            await accounts.record_success(connection, account_id)

    @rpc(model=BatchActivationIn)
    async def activate_students(self, params: BatchActivationIn,
                                caller: Caller) -> dict:
        """Give every not-yet-activated student of the scope the initial password.

        Students already activated keep theirs. One hash serves the batch: the
        password is the same for all and known to the admin anyway, and every one
        of them must replace it at first login.
        """
        school_id = caller.require_school_admin()
        check_password_rule(params.password)
        students = await scoped_students(self.bus, params, caller)
        password_hash = await self.passwords.hash(params.password)

        async with self.pool.acquire() as connection, connection.transaction():
            kids = await connection.fetchval(
                """
                WITH activated AS (
                    UPDATE accounts SET password_hash = $3, status = 'active',
                        must_change_password = true, failed_logins = 0,
                        locked_until = NULL, updated_at = now()
                    WHERE kind = 'student' AND school_id = $1 AND kid = ANY($2)
                      AND status = 'pending'
                    RETURNING kid
                )
                SELECT coalesce(array_agg(kid ORDER BY kid), '{}') FROM activated
                """,
                school_id, [s["kid"] for s in students], password_hash,
            )
            await record_school_changes(connection, [school_change(
                caller, school_id, action="activate_students",
                target_kind="student_accounts",
                after=params.model_dump(mode="json", exclude={"password"})
                | {"activated": len(kids), "kids": list(kids)},
            )])
        log.info("students_activated", count=len(kids), scope=params.scope)
        return {"activated": len(kids), "students": len(students)}
