"""The whole suite, for real: PostgreSQL, RabbitMQ, four services and the gateway.

Started once per test session on ports of its own, in a temporary folder, and
driven over HTTP. Tests that need a fresh school make one with `new_school`, so
they never see each other's data.
"""

import os
import urllib.request
from itertools import count

import aiohttp
import asyncpg
import pytest

from deploy.infra import free_port
from shared.bus import Bus
from tests.harness import Infra, ServiceProcess
from tests.integration.api import Account, log_in, next_phone

OPERATOR_LOGIN = "test-operator"
OPERATOR_PASSWORD = "Operator2026"
ADMIN_PASSWORD = "Xiaoyuan2026"

_schools = count(1)


@pytest.fixture(scope="session")
def infra(tmp_path_factory):
    infra = Infra(tmp_path_factory.mktemp("infra"))
    infra.start()
    yield infra
    infra.stop()


@pytest.fixture(scope="session")
def suite_env(infra) -> dict:
    gateway_port = free_port()
    return {
        **os.environ, **infra.env,
        "GATEWAY_PORT": str(gateway_port),
        "IMPORT_BATCH_SIZE": "20",
        "IMPORT_BATCH_PAUSE": "0.05",
        "ACCESS_TOKEN_TTL": "900",
        "RPC_TIMEOUT": "5",
    }


@pytest.fixture(scope="session")
def services(infra, suite_env):
    """Every service and the gateway as separate processes, as in production."""
    bootstrap = ServiceProcess("bootstrap", "shared.db.bootstrap", suite_env)
    bootstrap.run_to_completion()

    processes = {
        name: ServiceProcess(name, module, suite_env)
        for name, module in [("identity", "services.identity"),
                             ("roster", "services.roster"),
                             ("notify", "services.notify"),
                             ("importer", "services.importer"),
                             ("gateway", "gateway")]
    }
    for process in processes.values():
        process.start()
    _wait_ready(suite_env["GATEWAY_PORT"], processes)
    yield processes
    for process in reversed(list(processes.values())):
        process.stop()


def _wait_ready(port: str, processes, timeout: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=3):
                return
        except OSError:
            time.sleep(0.3)
    logs = "\n".join(p.tail() for p in processes.values())
    pytest.fail(f"the suite did not become ready:\n{logs}", pytrace=False)


@pytest.fixture(scope="session")
async def http(services, suite_env):
    base = f"http://127.0.0.1:{suite_env['GATEWAY_PORT']}"
    async with aiohttp.ClientSession(base) as session:
        yield session


@pytest.fixture(scope="session")
async def db(infra):
    """A superuser connection, for asserting what landed and for injecting faults."""
    connection = await asyncpg.connect(infra.env["DB_SUPERUSER_URL"],
                                       database="xiaoyuan")
    yield connection
    await connection.close()


@pytest.fixture(scope="session")
async def operator(http, infra) -> Account:
    bus = await Bus(infra.env["AMQP_URL"]).connect()
    try:
        await bus.call("identity.ensure_operator",
                       {"login": OPERATOR_LOGIN, "password": OPERATOR_PASSWORD})
    finally:
        await bus.close()
    return await log_in(http, OPERATOR_LOGIN, OPERATOR_PASSWORD, platform=True)


@pytest.fixture
def new_school(http, operator):
    """Make a school with its admin and return the admin, logged in."""
    return _school_maker(http, operator)


@pytest.fixture(scope="module")
def new_school_once(http, operator):
    """The same, for module-scoped fixtures that set a school up once."""
    return _school_maker(http, operator)


def _school_maker(http, operator):
    async def make(stages=("junior",)) -> Account:
        number = next(_schools)
        school = await operator.json("POST", "/schools", expect=201, json={
            "name": f"测试学校{number}-{os.getpid()}", "stages": list(stages)})
        phone = next_phone()
        await operator.json("POST", f"/schools/{school['id']}/admins", expect=201,
                            json={"name": "管理员", "gender": "女", "phone": phone,
                                  "password": ADMIN_PASSWORD})
        admin = await log_in(http, phone, ADMIN_PASSWORD)
        admin.school = school
        admin.phone = phone
        return admin

    return make
