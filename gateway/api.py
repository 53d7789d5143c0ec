"""Declaring the public API: each operation states its path, auth, inputs and purpose.

The same declarations register the aiohttp routes and build the OpenAPI document, so
the document cannot drift from what the gateway serves.
"""

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from aiohttp import web
from pydantic import BaseModel

from shared.contracts.common import Caller
from shared.errors import InvalidInput
from shared.validation import parse

PREFIX = "/api/v1"

# Who may call an operation.
PUBLIC, USER, ADMIN, OPERATOR = "public", "user", "admin", "operator"


@dataclass
class Call:
    """One request as a handler sees it: validated inputs and the authenticated
    caller."""

    request: web.Request
    caller: Caller
    body: BaseModel | None
    query: BaseModel | None

    @property
    def bus(self):
        return self.request.app["bus"]

    def path_param(self, name: str) -> str:
        return self.request.match_info[name]

    def path_uuid(self, name: str, missing: str) -> str:
        """A path id; one that is not even a UUID is as absent as an unknown one."""
        from shared.errors import NotFound

        value = self.request.match_info[name]
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise NotFound(missing) from None

    async def rpc(self, method: str, params: dict | BaseModel | None = None, **kwargs):
        if isinstance(params, BaseModel):
            params = params.model_dump(mode="json")
        ctx = {"caller": self.caller.model_dump(mode="json"),
               "request_id": self.request["request_id"]}
        return await self.bus.call(method, params or {}, ctx=ctx, **kwargs)


Handler = Callable[[Call], Awaitable[Any]]


@dataclass
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    auth: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    tag: str = ""
    binary: str | None = None
    # Media types of a body that is a file rather than JSON: multipart/form-data
    # (the file in field `file`) or the file itself, e.g. image/png.
    upload: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)


class Api:
    def __init__(self) -> None:
        self.operations: list[Operation] = []

    def route(self, method: str, path: str, *, summary: str, auth: str = USER,
              **options) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.operations.append(
                Operation(method, path, handler, summary, auth, **options)
            )
            return handler

        return register

    def install(self, app: web.Application, authenticate) -> None:
        for operation in self.operations:
            app.router.add_route(operation.method, PREFIX + operation.path,
                                 _endpoint(operation, authenticate))


def _endpoint(operation: Operation, authenticate):
    async def endpoint(request: web.Request) -> web.StreamResponse:
        caller = await authenticate(request, operation.auth)
        body = await _read_body(request, operation.body) if operation.body else None
        query = _read_query(request, operation.query) if operation.query else None

        result = await operation.handler(Call(request, caller, body, query))
        if isinstance(result, web.StreamResponse):
            return result
        return web.json_response(result, status=operation.status,
                                 dumps=lambda v: json.dumps(v, ensure_ascii=False))

    return endpoint


async def _read_body(request: web.Request, model: type[BaseModel]) -> BaseModel:
    if not request.can_read_body:
        raise InvalidInput("请求内容为空，请提交 JSON")
    try:
        data = await request.json()
        refuse_nul(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInput("请求内容不是合法的 JSON") from None
    except RecursionError:
        raise InvalidInput("请求内容的 JSON 嵌套太深") from None
    return parse(model, data)


def _read_query(request: web.Request, model: type[BaseModel]) -> BaseModel:
    query = dict(request.query)
    refuse_nul(query)
    return parse(model, query)


def refuse_nul(value) -> None:
    """A NUL character is never meant and PostgreSQL cannot store it: refuse it
    early."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidInput("内容里有不可见的控制字符（NUL），请删除后重试")
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key)
            refuse_nul(item)
    elif isinstance(value, list):
        for item in value:
            refuse_nul(item)
