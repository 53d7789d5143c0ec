"""The message bus: request/reply between services and events on a topic exchange.

Request/reply is aio-pika's JSON RPC pattern, with one durable queue per method named
`<service>.<method>` (so an operator sees who answers what). Calls expire after the
caller's timeout: a request nobody picked up in time is dropped by the broker rather
than answered after the caller gave up. Errors travel as `{"code", "message",
"details"}` and are raised again on the calling side as the same DomainError class.

Events are persistent messages on the durable topic exchange `xiaoyuan.events`,
published with publisher confirms. Each consumer owns a durable queue and acknowledges
a message only after its work is committed, so a crash means redelivery, not loss.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from aio_pika.exceptions import DeliveryError, MessageProcessError
from aio_pika.patterns import JsonRPC
from aio_pika.patterns.rpc import JsonRPCError, RPCMessageType

from shared.errors import (
    DomainError,
    ServiceTimeout,
    ServiceUnavailable,
    from_wire,
)
from shared.logging import get_logger

EVENTS_EXCHANGE = "xiaoyuan.events"

log = get_logger("bus")


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, default=_json_default).encode()


class _DomainRPC(JsonRPC):
    """JsonRPC whose errors are DomainErrors on both ends of the call."""

    def serialize(self, data: Any) -> bytes:
        return dumps(data)

    def serialize_exception(self, exception: Exception) -> Any:
        if isinstance(exception, DomainError):
            return exception.to_wire()
        log.error("rpc_handler_failed", exc_info=exception)
        return {"code": "internal", "message": "服务内部错误，请稍后重试",
                "details": None}

    async def deserialize_message(self, message: AbstractIncomingMessage) -> Any:
        payload = self.deserialize(message.body)
        if message.type == RPCMessageType.ERROR.value:
            return _RemoteError(payload)
        return payload


class _RemoteError(JsonRPCError):
    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__("remote error")
        self.payload = payload


class Bus:
    """A robust connection with RPC and event publishing on top of it."""

    def __init__(self, url: str, *, rpc_timeout: float = 10.0) -> None:
        self.url = url
        self.rpc_timeout = rpc_timeout
        self.connection: AbstractRobustConnection | None = None
        self._rpc: _DomainRPC | None = None
        self._events_channel = None
        self._events_exchange = None

    async def connect(self) -> "Bus":
        self.connection = await aio_pika.connect_robust(
            self.url, client_properties={"connection_name": "xiaoyuan"}
        )
        rpc_channel = await self.connection.channel()
        self._rpc = await _DomainRPC.create(rpc_channel)

        self._events_channel = await self.connection.channel(publisher_confirms=True)
        self._events_exchange = await self._events_channel.declare_exchange(
            EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
        )
        return self

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()

    # --- request/reply -------------------------------------------------------

    async def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        ctx: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Ask `<service>.<method>` and wait for its answer, or raise a DomainError.

        ServiceTimeout when no answer comes in time; ServiceUnavailable when the
        method has no queue at all (its service never started).
        """
        timeout = timeout or self.rpc_timeout
        kwargs = {"params": params or {}, "ctx": ctx or {}}
        try:
            result = await asyncio.wait_for(
                self._rpc.call(method, kwargs=kwargs, expiration=timeout),
                timeout,
            )
        except asyncio.TimeoutError:
            raise ServiceTimeout(details={"method": method}) from None
        except (DeliveryError, MessageProcessError):
            raise ServiceUnavailable(details={"method": method}) from None
        except _RemoteError as error:
            raise from_wire(error.payload) from None

        if isinstance(result, _RemoteError):
            raise from_wire(result.payload)
        return result

    async def serve(
        self, method: str, handler: Callable[..., Awaitable[Any]], *, prefetch: int = 32
    ) -> None:
        """Answer calls to `method`; several processes may serve the same method."""
        await self._rpc.channel.set_qos(prefetch_count=prefetch)
        await self._rpc.register(method, handler, durable=True, auto_delete=False)

    # --- events ----------------------------------------------------------------

    async def publish(
        self, routing_key: str, envelope: dict[str, Any], *, message_id: str
    ) -> None:
        """Publish one persistent event and wait for the broker's confirm."""
        message = aio_pika.Message(
            dumps(envelope),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message_id,
            type=routing_key,
        )
        await self._events_exchange.publish(message, routing_key=routing_key)

    async def consume(
        self,
        queue_name: str,
        routing_keys: Iterable[str],
        handler: Callable[[AbstractIncomingMessage], Awaitable[None]],
        *,
        prefetch: int = 16,
        exchange: str | None = EVENTS_EXCHANGE,
    ) -> None:
        """Deliver messages of a durable queue to `handler`, acknowledged by it."""
        channel = await self.connection.channel()
        await channel.set_qos(prefetch_count=prefetch)
        queue = await channel.declare_queue(queue_name, durable=True)
        if exchange is not None:
            source = await channel.declare_exchange(
                exchange, aio_pika.ExchangeType.TOPIC, durable=True
            )
            for key in routing_keys:
                await queue.bind(source, routing_key=key)
        await queue.consume(handler)

    async def declare_queue(self, queue_name: str, routing_keys: Iterable[str]) -> None:
        """A durable queue bound to events, for people or tools to read later."""
        channel = self._events_channel
        queue = await channel.declare_queue(queue_name, durable=True)
        for key in routing_keys:
            await queue.bind(self._events_exchange, routing_key=key)
