"""Accounts made by others: school admins by operators, operators from inside the
bus, and teachers' and students' accounts following the roster's events."""

from uuid import UUID

import asyncpg

from shared.contracts.common import Caller
from shared.contracts.identity import (
    AccountCheckIn,
    AccountView,
    OperatorIn,
    PersonIds,
    SchoolAccountIn,
)
from shared.db.outbox import record_event
from shared.errors import Conflict
from shared.logging import get_logger
from shared.service import event_handler, rpc

from services.identity.passwords import check_password_rule
from services.identity.storage import parent_links
from services.identity.storage.sessions import revoke_sessions
from services.identity.views import account_view

log = get_logger("identity.accounts")

PHONE_TAKEN = "该手机号已被其他账号用作登录名"


class AccountHandlers:
    @rpc(model=SchoolAccountIn)
    async def create_school_account(self, params: SchoolAccountIn, caller: Caller):
        """An active account with a verified phone and a known password (school
        admins)."""
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
                raise Conflict(PHONE_TAKEN) from None
        return account_view(row)

    @rpc(model=AccountCheckIn)
    async def check_school_account(self, params: AccountCheckIn, caller: Caller):
        """Would create_school_account take this phone and password? Asked first, so
        a refusal leaves no half-made admin behind in the roster."""
        caller.require_operator()
        check_password_rule(params.password)
        async with self.pool.acquire() as connection:
            taken = await connection.fetchval(
                "SELECT 1 FROM accounts WHERE phone = $1 AND phone_verified",
                params.phone)
        if taken:
            raise Conflict(PHONE_TAKEN)
        return {"ok": True}

    @rpc(model=PersonIds)
    async def accounts_able_to_log_in(self, params: PersonIds, caller: Caller):
        """Which of these people of the caller's school have an active account."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            rows = await connection.fetch(
                "SELECT person_id FROM accounts WHERE person_id = ANY($1)"
                " AND school_id = $2 AND status = 'active'",
                params.person_ids, school_id)
        return [str(row["person_id"]) for row in rows]

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

    # --- teachers ------------------------------------------------------------

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
                ended = await revoke_sessions(connection, row["id"], "disabled")
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
                await revoke_sessions(connection, row["id"], "deleted")
                log.info("account_deleted", account_id=str(row["id"]))

    # --- students ------------------------------------------------------------

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
                await revoke_sessions(connection, row["id"], "disabled")

    @event_handler("roster.students.deleted", "roster.students.transferred_out")
    async def on_students_removed(self, envelope: dict, connection) -> None:
        """A student who left cannot log in; the account waits, should they come back.

        Parents' links to the record end with it; a sync of parent links finds
        them again by ID number when the student's new record appears.
        """
        students = envelope["data"]["students"]
        for student in students:
            row = await connection.fetchrow(
                "UPDATE accounts SET status = 'deleted', updated_at = now()"
                " WHERE kid = $1 AND kind = 'student' RETURNING id",
                student["kid"],
            )
            if row is not None:
                await revoke_sessions(connection, row["id"], "left_school")
        await parent_links.end_links(connection, [UUID(s["id"]) for s in students])
