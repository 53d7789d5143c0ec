"""Login sessions and their tokens, stored only as digests."""

from datetime import timedelta
from uuid import UUID

import asyncpg

from services.identity.storage.accounts import ACCOUNT_COLUMNS, utcnow

_SESSION_ACCOUNT_COLUMNS = ", ".join(
    "a." + column.strip() for column in ACCOUNT_COLUMNS.split(",")
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
        f"SELECT s.id AS session_id, {_SESSION_ACCOUNT_COLUMNS}"
        " FROM sessions s JOIN accounts a ON a.id = s.account_id"
        " WHERE s.access_hash = $1 AND s.revoked_at IS NULL"
        " AND s.access_expires_at > now() AND a.status = 'active'",
        access_hash,
    )


async def revoke_sessions(
    connection: asyncpg.Connection, account_id: UUID, reason: str, *,
    keep: UUID | None = None,
) -> int:
    """End the account's live sessions, but `keep`; how many ended."""
    result = await connection.execute(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = $2"
        " WHERE account_id = $1 AND revoked_at IS NULL"
        " AND id IS DISTINCT FROM $3",
        account_id, reason, keep,
    )
    return int(result.split()[-1])


async def revoke_session(connection: asyncpg.Connection, session_id: UUID, reason: str):
    await connection.execute(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = $2"
        " WHERE id = $1 AND revoked_at IS NULL",
        session_id, reason,
    )
