"""Sending queued messages: in turn, at a bounded pace per recipient, with retries.

A message is claimed ('sending', with a lease in next_attempt_at), then sent outside
any transaction; a sender that dies mid-send leaves the message to be tried again
when the lease ends (at least once, never lost). A failed attempt waits twice
as long as the one before; after the last allowed attempt the message is dead and
goes to the dead-letter queue for people to look at.
"""

import asyncio

from shared.db.outbox import record_event
from shared.logging import get_logger

from services.notify.providers import DeliveryFailed
from services.notify.templates import FORGOTTEN_BODY, SECRET_TEMPLATES

log = get_logger("notify.sender")

LEASE_SECONDS = 60
BATCH = 20
MAX_PAUSE_SECONDS = 600


class Sender:
    def __init__(self, pool, provider, settings) -> None:
        self.pool = pool
        self.provider = provider
        self.settings = settings
        self.wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notify-sender")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            self.wake.clear()
            try:
                while await self.send_due() == BATCH:
                    pass
            except Exception:
                log.warning("sending_failed", exc_info=True)
            try:
                await asyncio.wait_for(self.wake.wait(), 1.0)
            except asyncio.TimeoutError:
                pass

    async def send_due(self) -> int:
        messages = await self._claim()
        await asyncio.gather(*(self._deliver(message) for message in messages))
        return len(messages)

    async def _claim(self):
        """Take due messages, leaving each recipient at most its allowance a minute.

        A message counts against its recipient while being sent and for a minute
        after; claims are serialised so two senders cannot both use the allowance.
        """
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "SELECT pg_advisory_xact_lock(hashtext('notify.claim'))")
            return await connection.fetch(
                """
                WITH due AS (
                    SELECT id, recipient, row_number() OVER (
                        PARTITION BY recipient ORDER BY next_attempt_at, created_at
                    ) AS turn
                    FROM messages
                    WHERE state IN ('queued', 'sending') AND next_attempt_at <= now()
                ), busy AS (
                    SELECT recipient, count(*) AS used FROM messages
                    WHERE recipient IN (SELECT recipient FROM due)
                      AND (sent_at > now() - interval '1 minute'
                           OR (state = 'sending' AND next_attempt_at > now()))
                    GROUP BY recipient
                )
                UPDATE messages SET state = 'sending',
                    next_attempt_at = now() + $1 * interval '1 second'
                WHERE id IN (
                    SELECT due.id FROM due LEFT JOIN busy USING (recipient)
                    WHERE due.turn + coalesce(busy.used, 0) <= $2
                    LIMIT $3)
                RETURNING id, channel, recipient, body, attempts, template
                """,
                LEASE_SECONDS, self.settings.notify_per_recipient_per_minute, BATCH,
            )

    async def _deliver(self, message) -> None:
        try:
            await self.provider.send(message["channel"], message["recipient"],
                                     message["body"], str(message["id"]))
        except DeliveryFailed as failure:
            await self._record_failure(message, str(failure))
            return
        async with self.pool.acquire() as connection:
            await connection.execute(
                "UPDATE messages SET state = 'sent', attempts = attempts + 1,"
                " provider = $2, sent_at = now(), last_error = NULL,"
                " body = CASE WHEN template = ANY($3) THEN $4 ELSE body END"
                " WHERE id = $1",
                message["id"], self.provider.name, list(SECRET_TEMPLATES),
                FORGOTTEN_BODY,
            )
        log.info("notification_sent", message_id=str(message["id"]),
                 channel=message["channel"], to=message["recipient"],
                 template=message["template"], provider=self.provider.name)

    async def _record_failure(self, message, error: str) -> None:
        attempts = message["attempts"] + 1
        dead = attempts >= self.settings.notify_max_attempts
        pause = min(MAX_PAUSE_SECONDS,
                    self.settings.notify_retry_base_seconds * 2 ** (attempts - 1))
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(
                """
                UPDATE messages SET attempts = $2, last_error = $3, provider = $4,
                    state = CASE WHEN $5 THEN 'dead' ELSE 'queued' END,
                    dead_at = CASE WHEN $5 THEN now() END,
                    next_attempt_at = now() + $6 * interval '1 second',
                    body = CASE WHEN $5 AND template = ANY($7) THEN $8 ELSE body END
                WHERE id = $1
                """,
                message["id"], attempts, error, self.provider.name, dead, pause,
                list(SECRET_TEMPLATES), FORGOTTEN_BODY,
            )
            if dead:
                await record_event(connection, "notify.message.dead", {
                    "id": str(message["id"]), "channel": message["channel"],
                    "template": message["template"], "attempts": attempts,
                    "last_error": error})
        log.warning("notification_failed", message_id=str(message["id"]),
                    attempts=attempts, dead=dead, error=error)
