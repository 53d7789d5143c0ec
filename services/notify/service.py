"""The notify service: SMS and e-mail from a durable queue, with a delivery log."""

from pathlib import Path

from shared.logging import get_logger
from shared.service import Service, event_handler

from services.notify.providers import DevelopmentProvider
from services.notify.templates import render

log = get_logger("notify")


class NotifyService(Service):
    name = "notify"
    migrations = Path(__file__).parent / "migrations"

    async def setup(self) -> None:
        self.provider = DevelopmentProvider(self.settings.notify_dev_outbox)

    @event_handler("notification.requested")
    async def on_notification_requested(self, envelope: dict, connection) -> None:
        """Record the message, hand it to the provider, and log its delivery state."""
        data = envelope["data"]
        body = render(data["template"], data.get("params", {}))
        message_id = envelope["id"]
        await connection.execute(
            "INSERT INTO messages (id, channel, recipient, template, body)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            message_id, data["channel"], data["to"], data["template"], body,
        )
        await self.provider.send(data["channel"], data["to"], body, message_id)
        await connection.execute(
            "UPDATE messages SET state = 'sent', attempts = attempts + 1,"
            " provider = $2, sent_at = now() WHERE id = $1",
            message_id, self.provider.name,
        )
        log.info("notification_sent", channel=data["channel"], to=data["to"],
                 template=data["template"], provider=self.provider.name)
