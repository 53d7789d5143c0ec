"""The transactional outbox and its relay, and the inbox of idempotent consumers.

A service records an event in its own `outbox` table inside the transaction that made
the change, so the event exists if and only if the change does. The relay publishes
recorded events in order with publisher confirms and marks them sent; a crash between
the two publishes an event twice, which the consumers' inbox absorbs.
"""

import asyncio
import uuid
from datetime import datetime, timezone
from typing import Any

import asyncpg

from shared.logging import get_logger

log = get_logger("outbox")

MESSAGING_TABLES = """
CREATE TABLE IF NOT EXISTS outbox (
    seq bigserial PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    routing_key text NOT NULL,
    envelope jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (seq)
    WHERE published_at IS NULL;
CREATE TABLE IF NOT EXISTS inbox (
    message_id uuid NOT NULL,
    consumer text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, consumer)
);
"""


async def record_event(
    connection: asyncpg.Connection,
    routing_key: str,
    data: dict[str, Any],
    *,
    version: int = 1,
) -> uuid.UUID:
    """Add an event to the outbox; call inside the transaction making the change."""
    event_id = uuid.uuid4()
    envelope = {
        "id": str(event_id),
        "type": routing_key,
        "version": version,
        "occurred_at": datetime.now(timezone.utc).isoformat(),
        "data": data,
    }
    await connection.execute(
        "INSERT INTO outbox (id, routing_key, envelope) VALUES ($1, $2, $3)",
        event_id, routing_key, envelope,
    )
    await connection.execute("SELECT pg_notify(current_schema() || '_outbox', '')")
    return event_id


async def process_once(
    connection: asyncpg.Connection, message_id: str, consumer: str
) -> bool:
    """Claim a message for `consumer` inside the caller's transaction.

    False when it was processed before: the caller then skips the work and acks.
    """
    claimed = await connection.fetchval(
        "INSERT INTO inbox (message_id, consumer) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING RETURNING true",
        uuid.UUID(message_id), consumer,
    )
    return bool(claimed)


class OutboxRelay:
    """Publishes a schema's outbox, woken by NOTIFY and by a slow poll as a backstop."""

    batch_size = 200
    poll_seconds = 2.0

    def __init__(self, pool: asyncpg.Pool, bus, schema: str) -> None:
        self.pool = pool
        self.bus = bus
        self.schema = schema
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._listener: asyncpg.Connection | None = None

    async def start(self) -> None:
        self._listener = await self.pool.acquire()
        await self._listener.add_listener(f"{self.schema}_outbox", self._on_notify)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._listener is not None:
            await self._listener.remove_listener(f"{self.schema}_outbox",
                                                 self._on_notify)
            await self.pool.release(self._listener)

    def _on_notify(self, *_args) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            # Cleared before draining, so a NOTIFY that lands mid-drain is not lost.
            self._wake.clear()
            try:
                while await self.relay_batch() == self.batch_size:
                    pass
            except Exception:
                # The broker or database is away; the rows stay and are tried again.
                log.warning("outbox_relay_failed", exc_info=True)
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            except asyncio.TimeoutError:
                pass

    async def relay_batch(self) -> int:
        async with self.pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(
                "SELECT seq, id, routing_key, envelope FROM outbox"
                " WHERE published_at IS NULL ORDER BY seq"
                " LIMIT $1 FOR UPDATE SKIP LOCKED",
                self.batch_size,
            )
            # Confirms are awaited together: one round trip per batch, not per event.
            await asyncio.gather(*(
                self.bus.publish(
                    row["routing_key"], row["envelope"], message_id=str(row["id"])
                )
                for row in rows
            ))
            if rows:
                await connection.execute(
                    "UPDATE outbox SET published_at = now() WHERE seq = ANY($1)",
                    [row["seq"] for row in rows],
                )
        return len(rows)
