"""What every service is made of: a pool, the bus, migrations, entry points, a relay.

A service is a class. Its methods marked `@rpc` answer `<service>.<method>` calls,
its methods marked `@event_handler(...)` consume events through the inbox, and
`run()` wires them up:

    class RosterService(Service):
        name = "roster"

        @rpc(model=SchoolIn)
        async def create_school(self, params: SchoolIn, caller: Caller): ...

Handlers receive validated params and the caller the gateway authenticated; what
they return is sent back as JSON (pydantic models are dumped in JSON mode).
"""

import asyncio
import json
import signal
import uuid
from pathlib import Path
from typing import Any

import structlog
from aio_pika.abc import AbstractIncomingMessage
from pydantic import BaseModel

from shared.bus import Bus
from shared.contracts.common import Caller
from shared.db import create_pool
from shared.db.migrations import apply_migrations
from shared.db.outbox import OutboxRelay, process_once
from shared.errors import DomainError
from shared.logging import configure, get_logger
from shared.settings import Settings, get_settings
from shared.validation import parse

log = get_logger("service")


def rpc(func=None, *, model: type[BaseModel] | None = None):
    """Mark a method as the answer to `<service>.<method name>` calls."""

    def mark(f):
        f.__rpc__ = {"model": model}
        return f

    return mark(func) if func is not None else mark


def event_handler(*routing_keys: str):
    """Mark a method as a consumer of events; it runs inside an inbox transaction."""

    def mark(f):
        f.__events__ = routing_keys
        return f

    return mark


def to_wire(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    if isinstance(value, dict):
        return {key: to_wire(item) for key, item in value.items()}
    return value


class Service:
    name: str = ""
    migrations: Path | None = None
    rpc_prefetch = 32

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.pool = None
        self.bus: Bus | None = None
        self.relay: OutboxRelay | None = None

    # --- life cycle --------------------------------------------------------------

    async def start(self) -> None:
        self.pool = await create_pool(self.settings, self.name)
        if self.migrations is not None:
            await apply_migrations(self.pool, self.name, self.migrations)
        self.bus = await Bus(self.settings.amqp_url,
                             rpc_timeout=self.settings.rpc_timeout).connect()
        await self.setup()
        await self._register_entry_points()
        self.relay = OutboxRelay(self.pool, self.bus, self.name)
        await self.relay.start()
        log.info("service_started")

    async def setup(self) -> None:
        """Hook for a service's own start-up work, run before entry points open."""

    async def stop(self) -> None:
        if self.relay:
            await self.relay.stop()
        if self.bus:
            await self.bus.close()
        if self.pool:
            await self.pool.close()
        log.info("service_stopped")

    def run(self) -> None:
        configure(self.name, fmt=self.settings.log_format,
                  level=self.settings.log_level)
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
        asyncio.run(self._serve_until_signalled())

    async def _serve_until_signalled(self) -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        await self.start()
        await stopping.wait()
        await self.stop()

    # --- entry points ----------------------------------------------------------

    async def _register_entry_points(self) -> None:
        await self.bus.serve(f"{self.name}.ping", self._ping,
                             prefetch=self.rpc_prefetch)
        for attr in dir(type(self)):
            method = getattr(self, attr)
            if hasattr(method, "__rpc__"):
                await self.bus.serve(
                    f"{self.name}.{attr}",
                    self._rpc_entry(method, method.__rpc__["model"]),
                    prefetch=self.rpc_prefetch,
                )
            if hasattr(method, "__events__"):
                queue = f"{self.name}.events.{attr}"
                await self.bus.consume(queue, method.__events__,
                                       self._event_entry(method, queue))

    async def _ping(self, *, params=None, ctx=None) -> dict:
        async with self.pool.acquire() as connection:
            await connection.fetchval("SELECT 1")
        return {"service": self.name, "ok": True}

    def _rpc_entry(self, method, model):
        async def entry(*, params: dict, ctx: dict) -> Any:
            structlog.contextvars.bind_contextvars(
                request_id=ctx.get("request_id"), method=method.__name__
            )
            try:
                caller = Caller.model_validate(ctx.get("caller") or {})
                arguments = parse(model, params) if model is not None else params
                return to_wire(await method(arguments, caller))
            except DomainError as error:
                log.info("rpc_refused", code=error.code)
                raise
            finally:
                structlog.contextvars.unbind_contextvars("request_id", "method")

        return entry

    def _event_entry(self, method, consumer: str):
        async def entry(message: AbstractIncomingMessage) -> None:
            envelope = json.loads(message.body)
            message_id = message.message_id or envelope.get("id") or str(uuid.uuid4())
            structlog.contextvars.bind_contextvars(event=envelope.get("type"),
                                                   event_id=message_id)
            try:
                async with self.pool.acquire() as connection, connection.transaction():
                    if await process_once(connection, message_id, consumer):
                        await method(envelope, connection)
                await message.ack()
            except Exception:
                log.error("event_handler_failed", exc_info=True)
                # Back on the queue after a pause, so a poison message cannot spin.
                await asyncio.sleep(1)
                await message.nack(requeue=True)
            finally:
                structlog.contextvars.unbind_contextvars("event", "event_id")

        return entry
