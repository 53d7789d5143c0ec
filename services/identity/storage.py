"""The identity schema: accounts, sessions and refresh tokens."""

from datetime import datetime, timedelta, timezone
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
    """The account a login name designates: kid, verified phone or e-mail, or operator name."""
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
    """Count a wrong password; from the fifth on, lock for a doubling wait up to 15 min."""
    await connection.execute(
        """
        UPDATE accounts SET
            failed_logins = failed_logins + 1,
            locked_until = CASE WHEN failed_logins + 1 >= 5
                THEN now() + least(interval '15 minutes',
                                   interval '30 seconds' * power(2, failed_logins + 1 - 5))
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


async def open_session(
    connection: asyncpg.Connection,
    account_id: UUID,
    access_hash: bytes,
    refresh_hash: bytes,
    *,
    access_ttl: int,
    refresh_ttl: int,
) -> UUID:
    now = utcnow()
    session_id = await connection.fetchval(
        "INSERT INTO sessions (account_id, access_hash, access_expires_at, expires_at)"
        " VALUES ($1, $2, $3, $4) RETURNING id",
        account_id, access_hash, now + timedelta(seconds=access_ttl),
        now + timedelta(seconds=refresh_ttl),
    )
    await connection.execute(
        "INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)",
        refresh_hash, session_id,
    )
    return session_id


async def session_for_access(
    connection: asyncpg.Connection, access_hash: bytes
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"SELECT s.id AS session_id, {', '.join('a.' + c.strip() for c in ACCOUNT_COLUMNS.split(','))}"
        " FROM sessions s JOIN accounts a ON a.id = s.account_id"
        " WHERE s.access_hash = $1 AND s.revoked_at IS NULL"
        " AND s.access_expires_at > now() AND a.status = 'active'",
        access_hash,
    )


async def revoke_sessions(
    connection: asyncpg.Connection, account_id: UUID, reason: str
) -> int:
    result = await connection.execute(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = $2"
        " WHERE account_id = $1 AND revoked_at IS NULL",
        account_id, reason,
    )
    return int(result.split()[-1])


async def revoke_session(connection: asyncpg.Connection, session_id: UUID, reason: str):
    await connection.execute(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = $2"
        " WHERE id = $1 AND revoked_at IS NULL",
        session_id, reason,
    )
