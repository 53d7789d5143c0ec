"""SPEC §6: logins through the gateway reach at least 90% of the argon2id hashing
rate the machine allows.

The floor is argon2-cffi verifying with the project's parameters (19 MiB, 2
passes, 1 lane) on two threads of one process, measured in the same run.
"""

import asyncio

import pytest

from tests.bench.figures import Figure, report
from tests.bench.floors import argon2_verifies_per_second, run_load
from tests.integration.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.bench

BENCHMARK = "3. login"
CLIENTS = (8, 16)


async def test_logins_per_second_against_the_hashing_rate(new_school, suite_env):
    admin = await new_school()
    base = f"http://127.0.0.1:{suite_env['GATEWAY_PORT']}"
    login = {"tag": "login", "method": "POST", "path": "/api/v1/auth/login",
             "json": {"login": admin.phone, "password": ADMIN_PASSWORD}}

    floor = await asyncio.to_thread(argon2_verifies_per_second)
    figures, notes = [], [f"argon2id floor: {floor:.1f} verifications/s on 2 threads"]
    for clients in CLIENTS:
        result = await asyncio.to_thread(run_load, {
            "base": base, "concurrency": clients, "warmup": 1.0, "duration": 6.0,
            "requests": [login]})
        assert set(result["statuses"]) == {"200"}, result
        figures.append(Figure(BENCHMARK, f"logins/s, {clients} clients",
                              result["rps"], "/s", "argon2id verify/s", floor,
                              "≥ 0.90"))
        latency = result["all"]
        notes.append(f"{clients} clients: {latency['count']} logins, p50 "
                     f"{latency['p50']:.0f} ms, p99 {latency['p99']:.0f} ms")
    report(BENCHMARK, figures, notes)
