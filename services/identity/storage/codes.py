"""Verification codes: issued, counted per recipient, tried, used up or dead."""

from datetime import timedelta
from uuid import UUID

import asyncpg


async def lock_recipient(connection: asyncpg.Connection, recipient: str) -> None:
    """Serialise issuing to one recipient, so that two requests cannot both pass
    the limits; held until the transaction ends."""
    await connection.execute(
        "SELECT pg_advisory_xact_lock(hashtext('verification_code:' || $1))",
        recipient,
    )


async def recent_issues(connection: asyncpg.Connection,
                        recipient: str) -> asyncpg.Record:
    """The recipient's codes of the last day: the latest, and the ones whose
    ageing out frees a place in the hourly and the daily allowance."""
    return await connection.fetchrow(
        """
        SELECT max(created_at) AS latest,
               count(*) FILTER (WHERE created_at > now() - interval '1 hour')
                   AS in_hour,
               count(*) AS in_day,
               array_agg(created_at ORDER BY created_at DESC)
                   FILTER (WHERE created_at > now() - interval '1 hour') AS hour_times,
               array_agg(created_at ORDER BY created_at DESC) AS day_times,
               now() AS now
        FROM verification_codes
        WHERE recipient = $1 AND created_at > now() - interval '1 day'
        """,
        recipient,
    )


async def retire(connection: asyncpg.Connection, subject_id: UUID) -> None:
    """A new code replaces the subject's earlier ones."""
    await connection.execute(
        "UPDATE verification_codes SET dead_at = now()"
        " WHERE subject_id = $1 AND used_at IS NULL AND dead_at IS NULL",
        subject_id,
    )


async def insert_code(connection: asyncpg.Connection, *, recipient: str, channel: str,
                      purpose: str, subject_id: UUID, code_hash: str,
                      ttl: timedelta) -> None:
    await connection.execute(
        "INSERT INTO verification_codes (recipient, channel, purpose, subject_id,"
        " code_hash, expires_at) VALUES ($1, $2, $3, $4, $5, now() + $6::interval)",
        recipient, channel, purpose, subject_id, code_hash, ttl,
    )


async def latest_code(connection: asyncpg.Connection,
                      subject_id: UUID) -> asyncpg.Record | None:
    """The subject's newest code, locked, with whether it has expired."""
    return await connection.fetchrow(
        "SELECT id, code_hash, wrong_attempts, used_at, dead_at,"
        " expires_at <= now() AS expired"
        " FROM verification_codes WHERE subject_id = $1"
        " ORDER BY created_at DESC LIMIT 1 FOR UPDATE",
        subject_id,
    )


async def use_code(connection: asyncpg.Connection, code_id: UUID) -> None:
    await connection.execute(
        "UPDATE verification_codes SET used_at = now() WHERE id = $1", code_id
    )


async def count_wrong_try(connection: asyncpg.Connection, code_id: UUID,
                          *, dies: bool) -> None:
    await connection.execute(
        "UPDATE verification_codes SET wrong_attempts = wrong_attempts + 1,"
        " dead_at = CASE WHEN $2 THEN now() ELSE dead_at END WHERE id = $1",
        code_id, dies,
    )
