"""SPEC §6: authenticated reads through the gateway (GET /teachers, GET /students?q=,
GET /me) answer with p99 under 50 ms at 64 concurrent clients on loopback.

The floor is a bare aiohttp JSON handler, run as the gateway runs (its own
process, uvloop), under the same load generator at the same concurrency.
"""

import asyncio
import time
import urllib.request
from urllib.parse import quote

import pytest

from deploy.infra import free_port
from tests.bench.figures import Figure, report
from tests.bench.floors import run_load
from tests.bench.imports import roster_file, timed_import
from tests.harness import ServiceProcess
from tests.integration.api import log_in
from tests.integration.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.bench

BENCHMARK = "4. authenticated reads, 64 clients"
CLIENTS = 64
LOAD = {"concurrency": CLIENTS, "warmup": 2.0, "duration": 8.0}
TARGET_P99_MS = 50.0


@pytest.fixture
def bare_server(suite_env):
    """The bare aiohttp server on a free port; its base URL."""
    port = free_port()
    server = ServiceProcess("bare-aiohttp", "tests.bench.bare_server",
                            {**suite_env, "BENCH_BARE_PORT": str(port)})
    server.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
                break
            except OSError:
                assert server.running and time.monotonic() < deadline, server.tail()
                time.sleep(0.1)
        yield base
    finally:
        server.stop()


async def a_school_of_realistic_size(new_school):
    """A school with 300 teachers and 3,000 students, as the reads find it."""
    admin = await new_school()
    await timed_import(admin, "teachers", roster_file("teachers", 300, seed=31))
    await timed_import(admin, "students", roster_file("students", 3000, seed=32))
    return admin


async def search_terms(admin) -> list[str]:
    """What an admin types in the students' search box: names, parts of names,
    student numbers and kids of the school's students."""
    page = await admin.json("GET", "/students", params={"page_size": 40})
    students = page["items"]
    return [students[0]["name"], students[1]["name"][:1], students[2]["name"][-2:],
            students[3]["student_number"], str(students[4]["kid"]),
            students[5]["name"], students[6]["name"][1:], "不存在的人"]


def read_plan(terms: list[str]) -> list[dict]:
    plan = []
    for term in terms:
        plan += [
            {"tag": "GET /teachers", "method": "GET", "path": "/api/v1/teachers"},
            {"tag": "GET /students?q=", "method": "GET",
             "path": f"/api/v1/students?q={quote(term)}"},
            {"tag": "GET /me", "method": "GET", "path": "/api/v1/me"},
        ]
    return plan


async def test_reads_at_sixty_four_clients(new_school, http, suite_env, bare_server):
    admin = await a_school_of_realistic_size(new_school)
    terms = await search_terms(admin)
    # One session per client, as 64 people would have.
    sessions = [await log_in(http, admin.phone, ADMIN_PASSWORD)
                for _ in range(CLIENTS)]
    base = f"http://127.0.0.1:{suite_env['GATEWAY_PORT']}"

    floor = await asyncio.to_thread(run_load, {
        **LOAD, "base": bare_server,
        "requests": [{"tag": "bare", "method": "GET", "path": "/api/v1/me"}]})
    reads = await asyncio.to_thread(run_load, {
        **LOAD, "base": base, "requests": read_plan(terms),
        "tokens": [session.token for session in sessions]})
    assert set(reads["statuses"]) == {"200"}, reads
    assert set(floor["statuses"]) == {"200"}, floor

    bare = floor["all"]
    figures = [
        Figure(BENCHMARK, "all reads p99", reads["all"]["p99"], "ms",
               "bare aiohttp p99", bare["p99"], f"< {TARGET_P99_MS:.0f} ms"),
        Figure(BENCHMARK, "all reads p50", reads["all"]["p50"], "ms",
               "bare aiohttp p50", bare["p50"], ""),
        Figure(BENCHMARK, "reads/s", reads["rps"], "/s", "bare aiohttp req/s",
               floor["rps"], ""),
    ]
    for tag, stats in reads["tags"].items():
        figures.append(Figure(BENCHMARK, f"{tag} p99", stats["p99"], "ms",
                              "bare aiohttp p99", bare["p99"],
                              f"< {TARGET_P99_MS:.0f} ms"))
    notes = [f"{tag}: {stats['count']} requests, p50 {stats['p50']:.1f} ms, "
             f"max {stats['max']:.0f} ms" for tag, stats in reads["tags"].items()]
    report(BENCHMARK, figures, notes)
