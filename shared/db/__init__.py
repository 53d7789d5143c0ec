"""PostgreSQL access: a pool per service, connected as that service's own role.

Each service owns one schema and can reach nothing else: its role is granted only
its schema, and the pool's search_path names only that schema. JSON and JSONB
columns come back as Python values.
"""

import json

import asyncpg

from shared.settings import Settings

# One encoder for every value: json.dumps with options builds a new one per call,
# and import jobs encode several values per row.
_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def _encode_jsonb(value) -> bytes:
    # jsonb's binary form is a version byte followed by the JSON text; binary lets
    # COPY carry jsonb columns.
    return b"\x01" + _JSON.encode(value).encode()


def _decode_jsonb(data: bytes):
    return json.loads(data[1:])


async def _init_connection(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec(
        "json", encoder=_JSON.encode,
        decoder=json.loads, schema="pg_catalog",
    )
    await connection.set_type_codec(
        "jsonb", encoder=_encode_jsonb, decoder=_decode_jsonb,
        schema="pg_catalog", format="binary",
    )


async def create_pool(settings: Settings, service: str) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        settings.db_dsn(service),
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        init=_init_connection,
        server_settings={"search_path": service, "application_name": service},
    )
