"""The floor of an HTTP read: a bare aiohttp JSON handler, run as the gateway runs.

`BENCH_BARE_PORT=8123 python -m tests.bench.bare_server` serves
GET /api/v1/me with a small JSON body on 127.0.0.1, on uvloop and without an access
log, like the gateway: nothing between the socket and the answer but aiohttp.
"""

import os

from aiohttp import web

ACCOUNT = {"id": "7d3c2a4e-0f55-4d8b-9f0a-0d8f7f9c1e11", "kid": 1000042,
           "kind": "teacher", "name": "管理员", "permissions": ["admin"],
           "school_id": "0c5a4b7e-2f0e-4a51-a3d9-6f6e3c0b7a55",
           "must_change_password": False}


async def me(request: web.Request) -> web.Response:
    return web.json_response(ACCOUNT)


def main() -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    app = web.Application()
    app.router.add_get("/api/v1/me", me)
    app.router.add_get("/healthz", me)
    print("bare_server_started", flush=True)
    web.run_app(app, host="127.0.0.1", port=int(os.environ["BENCH_BARE_PORT"]),
                access_log=None, print=None)


if __name__ == "__main__":
    main()
