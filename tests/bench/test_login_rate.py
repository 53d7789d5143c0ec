"""SPEC §6: logins through the gateway reach at least 90% of the argon2id hashing
rate the machine allows.

The floor is argon2-cffi verifying with the project's parameters (19 MiB, 2
passes, 1 lane) on two threads of one process, measured in the same run just
before and just after the logins.
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

    figures, notes = [], []
    for clients in CLIENTS:
        # The host's other work comes and goes: the floor is taken just before
        # and just after the logins, and their mean is the one they are held to.
        before = await asyncio.to_thread(argon2_verifies_per_second)
        result = await asyncio.to_thread(run_load, {
            "base": base, "concurrency": clients, "warmup": 1.0, "duration": 6.0,
            "requests": [login]})
        after = await asyncio.to_thread(argon2_verifies_per_second)
        assert set(result["statuses"]) == {"200"}, result
        floor = (before + after) / 2
        figures.append(Figure(BENCHMARK, f"logins/s, {clients} clients",
                              result["rps"], "/s", "argon2id verify/s", floor,
                              "≥ 0.90"))
        latency = result["all"]
        notes.append(f"{clients} clients: {latency['count']} logins, p50 "
                     f"{latency['p50']:.0f} ms, p99 {latency['p99']:.0f} ms; "
                     f"argon2id {before:.1f}/s before, {after:.1f}/s after")
    report(BENCHMARK, figures, notes)
