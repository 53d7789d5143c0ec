"""Password resets, step by step."""

from datetime import timedelta
from uuid import UUID

import asyncpg

_COLUMNS = "id, account_id, recipient, channel, step, expires_at"


async def insert_recovery(connection: asyncpg.Connection, *, account_id: UUID | None,
                          recipient: str, channel: str,
                          ttl: timedelta) -> asyncpg.Record:
    return await connection.fetchrow(
        f"INSERT INTO recoveries (account_id, recipient, channel, expires_at)"
        f" VALUES ($1, $2, $3, now() + $4::interval) RETURNING {_COLUMNS}",
        account_id, recipient, channel, ttl,
    )


async def live_recovery(connection: asyncpg.Connection, recovery_id: UUID, *,
                        lock: bool = True) -> asyncpg.Record | None:
    """The recovery, locked for its next step; None once it has expired."""
    return await connection.fetchrow(
        f"SELECT {_COLUMNS} FROM recoveries WHERE id = $1 AND expires_at > now()"
        + (" FOR UPDATE" if lock else ""),
        recovery_id,
    )


async def set_step(connection: asyncpg.Connection, recovery_id: UUID,
                   step: str) -> asyncpg.Record:
    finished = ", finished_at = now()" if step == "done" else ""
    return await connection.fetchrow(
        f"UPDATE recoveries SET step = $2{finished} WHERE id = $1"
        f" RETURNING {_COLUMNS}",
        recovery_id, step,
    )


async def recoverable_account(connection: asyncpg.Connection, *, phone: str | None,
                              email: str | None) -> asyncpg.Record | None:
    """The active school account (not an operator) the phone or e-mail logs in."""
    if phone is not None:
        return await connection.fetchrow(
            "SELECT id FROM accounts WHERE phone = $1 AND phone_verified"
            " AND status = 'active' AND kind <> 'operator'", phone,
        )
    return await connection.fetchrow(
        "SELECT id FROM accounts WHERE lower(email) = lower($1) AND email_verified"
        " AND status = 'active' AND kind <> 'operator'", email,
    )
