"""Activation records: who is activating, the step reached, when it expires."""

from datetime import timedelta
from uuid import UUID

import asyncpg

_COLUMNS = (
    "id, kind, account_id, student_account_id, relation, phone, step, expires_at"
)


async def insert_activation(connection: asyncpg.Connection, *, kind: str,
                            ttl: timedelta, account_id: UUID | None = None,
                            student_account_id: UUID | None = None,
                            relation: str | None = None) -> asyncpg.Record:
    return await connection.fetchrow(
        f"INSERT INTO activations (kind, account_id, student_account_id, relation,"
        f" expires_at) VALUES ($1, $2, $3, $4, now() + $5::interval)"
        f" RETURNING {_COLUMNS}",
        kind, account_id, student_account_id, relation, ttl,
    )


async def live_activation(connection: asyncpg.Connection, activation_id: UUID, *,
                          lock: bool = True) -> asyncpg.Record | None:
    """The activation, locked for its next step; None once it has expired."""
    return await connection.fetchrow(
        f"SELECT {_COLUMNS} FROM activations WHERE id = $1 AND expires_at > now()"
        + (" FOR UPDATE" if lock else ""),
        activation_id,
    )


async def update_activation(connection: asyncpg.Connection, activation_id: UUID,
                            **changes) -> asyncpg.Record:
    """Set the given columns (step, phone, account_id); `done` stamps the end."""
    names = list(changes)
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=2))
    finished = ", finished_at = now()" if changes.get("step") == "done" else ""
    return await connection.fetchrow(
        f"UPDATE activations SET {assignments}{finished} WHERE id = $1"
        f" RETURNING {_COLUMNS}",
        activation_id, *changes.values(),
    )


async def activate_account(connection: asyncpg.Connection, account_id: UUID,
                           password_hash: str, phone: str | None) -> bool:
    """A pending account becomes active with its password (and verified phone).

    False when it is no longer pending. A phone another account verified meanwhile
    raises UniqueViolationError.
    """
    result = await connection.execute(
        """
        UPDATE accounts SET password_hash = $2, status = 'active',
            phone = coalesce($3, phone),
            phone_verified = phone_verified OR $3::text IS NOT NULL,
            must_change_password = false, failed_logins = 0, locked_until = NULL,
            updated_at = now()
        WHERE id = $1 AND status = 'pending'
        """,
        account_id, password_hash, phone,
    )
    return result.endswith(" 1")


async def insert_parent_account(connection: asyncpg.Connection, *, name: str,
                                phone: str, password_hash: str) -> UUID:
    """An active parent account whose login is the verified phone."""
    return await connection.fetchval(
        "INSERT INTO accounts (kind, name, phone, phone_verified, password_hash,"
        " status) VALUES ('parent', $1, $2, true, $3, 'active') RETURNING id",
        name, phone, password_hash,
    )
