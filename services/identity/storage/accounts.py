"""Accounts: finding them by login name, failed logins, passwords set and reset."""

from datetime import datetime, timezone
from uuid import UUID

import asyncpg

ACCOUNT_COLUMNS = (
    "id, kid, kind, name, school_id, permissions, must_change_password, status,"
    " password_hash, failed_logins, locked_until"
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


async def find_for_login(
    connection: asyncpg.Connection, login: str, realm: str
) -> asyncpg.Record | None:
    """The account a login name designates: kid, verified phone or e-mail, or
    operator name."""
    if realm == "platform":
        return await connection.fetchrow(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts"
            " WHERE kind = 'operator' AND login_name = $1", login,
        )
    if login.isdigit() and len(login) == 11 and login.startswith("1"):
        row = await connection.fetchrow(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts"
            " WHERE phone = $1 AND phone_verified AND kind <> 'operator'", login,
        )
        if row is not None:
            return row
    if login.isdigit() and len(login) <= 18:
        return await connection.fetchrow(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts"
            " WHERE kid = $1 AND kind <> 'operator'", int(login),
        )
    if "@" in login:
        return await connection.fetchrow(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts"
            " WHERE lower(email) = lower($1) AND email_verified AND kind <> 'operator'",
            login,
        )
    return None


async def record_failure(connection: asyncpg.Connection, account_id: UUID) -> None:
    """Count a wrong password; from the fifth on, lock for a doubling wait up to
    15 minutes."""
    await connection.execute(
        """
        UPDATE accounts SET
            failed_logins = failed_logins + 1,
            locked_until = CASE WHEN failed_logins + 1 >= 5
                THEN now() + least(interval '15 minutes',
                                   interval '30 seconds'
                                   * power(2, failed_logins + 1 - 5))
                ELSE locked_until END
        WHERE id = $1
        """,
        account_id,
    )


async def record_success(connection: asyncpg.Connection, account_id: UUID) -> None:
    await connection.execute(
        "UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1",
        account_id,
    )


async def account(connection: asyncpg.Connection, account_id: UUID, *,
                  for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await connection.fetchrow(
        f"SELECT {ACCOUNT_COLUMNS}, phone FROM accounts WHERE id = $1{lock}",
        account_id,
    )


async def account_by_kid(connection: asyncpg.Connection, kid: int,
                         kind: str) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"SELECT {ACCOUNT_COLUMNS}, phone FROM accounts WHERE kid = $1 AND kind = $2",
        kid, kind,
    )


async def phone_holder(connection: asyncpg.Connection,
                       phone: str) -> asyncpg.Record | None:
    """The account whose login name the phone is, if any."""
    return await connection.fetchrow(
        f"SELECT {ACCOUNT_COLUMNS}, phone FROM accounts"
        " WHERE phone = $1 AND phone_verified", phone,
    )


async def set_password(connection: asyncpg.Connection, account_id: UUID,
                       password_hash: str, *, must_change: bool = False) -> None:
    """A new password; the lock of failed logins goes with the old one."""
    await connection.execute(
        "UPDATE accounts SET password_hash = $2, must_change_password = $3,"
        " failed_logins = 0, locked_until = NULL, updated_at = now() WHERE id = $1",
        account_id, password_hash, must_change,
    )
