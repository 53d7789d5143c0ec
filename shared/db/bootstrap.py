"""Create the database, one role and one schema per service:
`python -m shared.db.bootstrap`.

Run by the local runner, the test harness and the compose file before any service
starts, with the superuser URL of DB_SUPERUSER_URL. Safe to run again: what exists is
left alone, except that each role's password is set to the configured one.
"""

import asyncio

import asyncpg

from shared.logging import configure, get_logger
from shared.settings import SERVICES, Settings, get_settings

log = get_logger("bootstrap")


async def ensure_database(settings: Settings) -> None:
    connection = await asyncpg.connect(settings.db_superuser_url)
    try:
        exists = await connection.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", settings.db_name
        )
        if not exists:
            await connection.execute(f'CREATE DATABASE "{settings.db_name}"')
            log.info("database_created", database=settings.db_name)
    finally:
        await connection.close()


async def ensure_service_roles(settings: Settings) -> None:
    superuser = await asyncpg.connect(settings.db_superuser_url,
                                      database=settings.db_name)
    try:
        await superuser.execute(
            f'REVOKE ALL ON DATABASE "{settings.db_name}" FROM PUBLIC'
        )
        await superuser.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        for service in SERVICES:
            await _ensure_role_and_schema(superuser, settings, service)
    finally:
        await superuser.close()


async def _ensure_role_and_schema(connection, settings: Settings, service: str) -> None:
    role = settings.db_user(service)
    password = settings.db_password(service).replace("'", "''")
    exists = await connection.fetchval(
        "SELECT 1 FROM pg_roles WHERE rolname = $1", role)
    verb = "ALTER" if exists else "CREATE"
    await connection.execute(f"{verb} ROLE {role} LOGIN PASSWORD '{password}'")

    await connection.execute(
        f"CREATE SCHEMA IF NOT EXISTS {service} AUTHORIZATION {role}")
    await connection.execute(
        f'GRANT CONNECT ON DATABASE "{settings.db_name}" TO {role}')
    log.info("service_role_ready", role=role, schema=service)


async def main() -> None:
    settings = get_settings()
    configure("bootstrap", fmt=settings.log_format, level=settings.log_level)
    await ensure_database(settings)
    await ensure_service_roles(settings)


if __name__ == "__main__":
    asyncio.run(main())
