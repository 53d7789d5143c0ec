"""Numbered SQL migrations, applied once each, in order, by any number of processes.

A service keeps its files in `services/<name>/migrations/NNN_what.sql`. Starting
several copies at once is safe: they take a transaction-level advisory lock on the
schema's name, and the ones that wait find the work already done.
"""

from pathlib import Path

import asyncpg

from shared.db.outbox import MESSAGING_TABLES
from shared.logging import get_logger

log = get_logger("migrations")


def migration_files(folder: Path) -> list[tuple[int, str, str]]:
    found = []
    for path in sorted(folder.glob("*.sql")):
        number = int(path.name.split("_", 1)[0])
        found.append((number, path.name, path.read_text(encoding="utf-8")))
    return found


async def apply_migrations(pool: asyncpg.Pool, schema: str, folder: Path) -> int:
    """Apply the files of `folder` not yet recorded in `<schema>.schema_migrations`."""
    applied = 0
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))", f"migrations:{schema}"
        )
        await connection.execute(
            f"CREATE TABLE IF NOT EXISTS {schema}.schema_migrations ("
            " number integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {
            row["number"]
            for row in await connection.fetch(
                f"SELECT number FROM {schema}.schema_migrations"
            )
        }
        await connection.execute(f"SET LOCAL search_path TO {schema}")
        await connection.execute(MESSAGING_TABLES)
        for number, name, sql in migration_files(folder):
            if number in done:
                continue
            await connection.execute(sql)
            await connection.execute(
                f"INSERT INTO {schema}.schema_migrations (number, name)"
                " VALUES ($1, $2)",
                number, name,
            )
            log.info("migration_applied", schema=schema, migration=name)
            applied += 1
    return applied
