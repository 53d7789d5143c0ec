"""Text messages through a real HTTP SMS gateway: retries, dead letters, pacing.

The suite's notify process is swapped, for this module, for one configured with the
HTTP provider, aimed at a small SMS gateway the test runs on loopback and can make
fail on purpose.
"""

import asyncio
import uuid

import aio_pika
import pytest
from aiohttp import web

from deploy.infra import free_port
from shared.bus import Bus
from tests.harness import ServiceProcess


class SmsGateway:
    """Answers 503 to the first `failures` posts, then 200; remembers what it took."""

    def __init__(self) -> None:
        self.failures = 0
        self.received: list[dict] = []
        self.attempts = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        assert request.headers["Authorization"] == "Bearer test-key"
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=503)
        self.received.append(await request.json())
        return web.json_response({"ok": True})


@pytest.fixture(scope="module")
async def sms_gateway():
    gateway = SmsGateway()
    app = web.Application()
    app.router.add_post("/sms", gateway.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    gateway.url = f"http://127.0.0.1:{port}/sms"
    yield gateway
    await runner.cleanup()


@pytest.fixture(scope="module")
async def http_notify(services, suite_env, sms_gateway):
    services["notify"].stop()
    notify = ServiceProcess("notify-http", "services.notify", suite_env | {
        "NOTIFY_SMS_PROVIDER": "http", "NOTIFY_SMS_URL": sms_gateway.url,
        "NOTIFY_SMS_KEY": "test-key", "NOTIFY_MAX_ATTEMPTS": "3",
        "NOTIFY_RETRY_BASE_SECONDS": "0.2", "NOTIFY_PER_RECIPIENT_PER_MINUTE": "3"})
    notify.start()
    notify.wait_for_output("service_started")
    yield notify
    notify.stop()
    services["notify"].start()


@pytest.fixture
async def bus(infra):
    bus = await Bus(infra.env["AMQP_URL"]).connect()
    yield bus
    await bus.close()


async def request_sms(bus, phone: str) -> str:
    message_id = str(uuid.uuid4())
    await bus.publish("notification.requested", {
        "id": message_id, "type": "notification.requested", "version": 1,
        "data": {"channel": "sms", "to": phone, "template": "verification_code",
                 "params": {"code": "123456"}}}, message_id=message_id)
    return message_id


async def message_state(db, message_id: str, *, until, seconds: float = 10.0):
    for _ in range(int(seconds * 10)):
        row = await db.fetchrow(
            "SELECT state, attempts FROM notify.messages WHERE id = $1",
            uuid.UUID(message_id))
        if row is not None and until(row):
            return row
        await asyncio.sleep(0.1)
    raise AssertionError(f"message {message_id} stayed {row}")


async def test_a_failing_gateway_is_retried_until_it_takes_the_message(
        http_notify, sms_gateway, bus, db):
    sms_gateway.failures = 2

    message_id = await request_sms(bus, "13500000001")
    row = await message_state(db, message_id, until=lambda r: r["state"] == "sent")

    assert row["attempts"] == 3
    assert [m["id"] for m in sms_gateway.received][-1] == message_id


async def test_a_message_that_never_goes_out_lands_in_the_dead_letter_queue(
        http_notify, sms_gateway, bus, db, infra):
    sms_gateway.failures = 1000

    message_id = await request_sms(bus, "13500000002")
    row = await message_state(db, message_id, until=lambda r: r["state"] == "dead")
    sms_gateway.failures = 0

    assert row["attempts"] == 3
    connection = await aio_pika.connect(infra.env["AMQP_URL"])
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue("notify.dead-letter", durable=True)
        dead = []
        while (message := await queue.get(fail=False, timeout=5)) is not None:
            dead.append(message.body.decode())
            await message.ack()
    assert any(message_id in body for body in dead)


async def test_one_recipient_gets_at_most_three_messages_a_minute(
        http_notify, sms_gateway, bus, db):
    ids = [await request_sms(bus, "13500000003") for _ in range(5)]

    await asyncio.sleep(3)
    states = [(await db.fetchval("SELECT state FROM notify.messages WHERE id = $1",
                                 uuid.UUID(i))) for i in ids]

    assert states.count("sent") == 3
    assert states.count("queued") == 2


async def test_the_delivery_log_shows_states_with_recipients_masked(
        http_notify, operator, new_school):
    await new_school()

    log = await operator.json("GET", "/platform/notifications",
                              params={"page_size": 50})
    dead = await operator.json("GET", "/platform/notifications",
                               params={"state": "dead"})

    assert log["total"] >= 3
    assert all("****" in item["recipient"] for item in log["items"])
    assert "body" not in log["items"][0]
    assert dead["items"] and all(item["state"] == "dead" for item in dead["items"])


async def test_a_delivered_code_is_not_kept_in_the_delivery_log(
        http_notify, sms_gateway, bus, db):
    sms_gateway.failures = 0

    message_id = await request_sms(bus, "13500000009")
    await message_state(db, message_id, until=lambda r: r["state"] == "sent")
    body = await db.fetchval("SELECT body FROM notify.messages WHERE id = $1",
                             uuid.UUID(message_id))

    assert "123456" in sms_gateway.received[-1]["body"]
    assert "123456" not in body
