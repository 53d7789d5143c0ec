"""The gateway application: middlewares, health checks, docs and the public API."""

import asyncio
import json
import uuid

import structlog
from aiohttp import web

from shared.bus import Bus
from shared.errors import DomainError, ServiceTimeout
from shared.logging import get_logger
from shared.settings import SERVICES, Settings

from gateway.api import PREFIX
from gateway.auth import Authenticator
from gateway.openapi import build_document, docs_page
from gateway.routes import api

log = get_logger("gateway")


def error_response(status: int, code: str, message: str, details=None,
                   request_id: str | None = None) -> web.Response:
    body = {"error": {"code": code, "message": message, "details": details}}
    if request_id:
        body["error"]["request_id"] = request_id
    return web.json_response(body, status=status,
                             dumps=lambda v: json.dumps(v, ensure_ascii=False))


@web.middleware
async def request_context(request: web.Request, handler):
    """One canonical log line per request; errors become the documented JSON shape."""
    request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
    request["request_id"] = request_id
    structlog.contextvars.bind_contextvars(request_id=request_id)
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        response = await _answer(request, handler, request_id)
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    response.headers["X-Request-Id"] = request_id
    log.info("request", method=request.method, path=request.path,
             status=response.status, ms=round((loop.time() - started) * 1000, 1),
             request_id=request_id)
    return response


async def _answer(request, handler, request_id):
    try:
        return await handler(request)
    except DomainError as error:
        return error_response(error.status, error.code, error.message, error.details,
                              request_id)
    except web.HTTPRequestEntityTooLarge:
        return error_response(413, "file_too_large", "请求内容太大", None, request_id)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return error_response(error.status, _HTTP_CODES.get(error.status, "http_error"),
                              _HTTP_MESSAGES.get(error.status, error.reason),
                              None, request_id)
    except Exception:
        log.error("request_failed", exc_info=True)
        return error_response(500, "internal", "服务器内部错误，请稍后重试", None,
                              request_id)


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}
_HTTP_MESSAGES = {404: "没有这个接口，请检查地址", 405: "该接口不支持这种请求方法"}


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the broker is connected and every service answers a ping."""
    bus: Bus = request.app["bus"]

    async def ping(service: str) -> tuple[str, bool]:
        try:
            await bus.call(f"{service}.ping", timeout=2.0)
            return service, True
        except (DomainError, ServiceTimeout):
            return service, False

    answers = dict(await asyncio.gather(*(ping(s) for s in SERVICES)))
    ready = all(answers.values())
    return web.json_response({"status": "ready" if ready else "not_ready",
                              "services": answers}, status=200 if ready else 503)


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[request_context],
                          client_max_size=settings.max_upload_bytes + 1024 * 1024)
    app["settings"] = settings
    app.cleanup_ctx.append(_bus_context)

    api.install(app, lambda request, level: app["authenticator"](request, level))
    document = build_document(api)
    page = docs_page(api)

    async def openapi(request: web.Request) -> web.Response:
        return web.json_response(document)

    async def docs(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    app.router.add_get(f"{PREFIX}/openapi.json", openapi)
    app.router.add_get(f"{PREFIX}/docs", docs)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


async def _bus_context(app: web.Application):
    settings = app["settings"]
    bus = await Bus(settings.amqp_url, rpc_timeout=settings.rpc_timeout).connect()
    app["bus"] = bus
    app["authenticator"] = Authenticator(bus)
    yield
    await bus.close()
