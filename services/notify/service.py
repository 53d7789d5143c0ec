"""The notify service: SMS and e-mail from a durable queue, with a delivery log.

Receiving and sending are apart: a `notification.requested` event only records the
message (through the inbox, so a redelivered event records nothing twice); the
sender then delivers recorded messages in turn, with retries and a dead-letter
queue, `notify.dead-letter`, holding those that never went out.
"""

from pathlib import Path

from shared.contracts.common import Caller
from shared.contracts.notify import MessagePage, MessageQuery
from shared.logging import get_logger
from shared.service import Service, event_handler, rpc
from shared.validators.phones import mask_phone

from services.notify import storage
from services.notify.providers import make_provider
from services.notify.sender import Sender
from services.notify.templates import render

log = get_logger("notify")

DEAD_LETTER_QUEUE = "notify.dead-letter"


class NotifyService(Service):
    name = "notify"
    migrations = Path(__file__).parent / "migrations"

    async def setup(self) -> None:
        self.provider = make_provider(self.settings)
        self.sender = Sender(self.pool, self.provider, self.settings)
        await self.bus.declare_queue(DEAD_LETTER_QUEUE, ["notify.message.dead"])
        self.sender.start()

    async def stop(self) -> None:
        await self.sender.stop()
        await self.provider.close()
        await super().stop()

    @event_handler("notification.requested")
    async def on_notification_requested(self, envelope: dict, connection) -> None:
        """Record the message for the sender; a template error is recorded as dead."""
        data = envelope["data"]
        body = render(data["template"], data.get("params", {}))
        await connection.execute(
            "INSERT INTO messages (id, channel, recipient, template, body)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            envelope["id"], data["channel"], data["to"], data["template"], body,
        )
        self.sender.wake.set()

    @rpc(model=MessageQuery)
    async def list_messages(self, params: MessageQuery, caller: Caller) -> MessagePage:
        """The delivery log for platform operators: recipients masked, bodies hidden."""
        caller.require_operator()
        async with self.pool.acquire() as connection:
            rows, total = await storage.message_page(
                connection, params.state, params.page_size, params.offset)
        items = [dict(row) | {"recipient": _mask(row["channel"], row["recipient"])}
                 for row in rows]
        return MessagePage(items=items, total=total)


def _mask(channel: str, recipient: str) -> str:
    if channel == "sms":
        return mask_phone(recipient)
    name, _, domain = recipient.partition("@")
    return f"{name[:1]}***@{domain}"
