"""SPEC §6: four importer workers on four files finish in about the time one
worker takes for one file of the same size, where cores allow.

The floor is one worker importing one 25,000-row file, measured in the same run.
On a machine with fewer cores than one import keeps busy, four imports cannot
overlap fully: the second floor is the CPU the suite's processes spent on the one
import, four times over, spread across the cores.
"""

import asyncio
import os
import time

import pytest

from tests.bench.figures import (
    Figure,
    cpu_between,
    machine_busy_seconds,
    report,
    suite_cpu_seconds,
)
from tests.bench.imports import (
    check_landed,
    roster_file,
    school_student_count,
    timed_import,
    wait_for_accounts,
)
from tests.harness import ServiceProcess

pytestmark = pytest.mark.bench

BENCHMARK = "2. four importer workers on four files"
ROWS = 25_000
WORKERS = 4


def parsed_here(worker: ServiceProcess, job_id: str) -> bool:
    return any("job_parsing" in line and job_id in line
               for line in worker.output(since_start=True).splitlines())


async def import_checked(admin, path):
    result = await timed_import(admin, "students", path)
    check_landed(result, ROWS)
    return result


async def check_counted(db, admin, result) -> None:
    # One at a time: the imports share this one connection.
    assert await school_student_count(db, admin.school["id"]) == result.committed


async def test_four_workers_take_four_files_in_the_time_of_one(
        new_school, services, suite_env, db):
    single_file = roster_file("students", ROWS, seed=20)
    files = [roster_file("students", ROWS, seed=21 + n) for n in range(WORKERS)]

    admin = await new_school()
    cpu_before = suite_cpu_seconds()
    single = await import_checked(admin, single_file)
    single_cpu = cpu_between(cpu_before, suite_cpu_seconds())["all"]
    await check_counted(db, admin, single)
    await wait_for_accounts(db, admin.school["id"], single.committed)

    extra = [ServiceProcess(f"importer-{n}", "services.importer", suite_env)
             for n in range(2, WORKERS + 1)]
    try:
        for worker in extra:
            worker.start()
        for worker in extra:
            worker.wait_for_output("service_started")
        admins = [await new_school() for _ in files]
        started = time.perf_counter()
        cpu_before, busy_before = suite_cpu_seconds(), machine_busy_seconds()
        results = await asyncio.gather(*(import_checked(a, path)
                                         for a, path in zip(admins, files)))
        wall = time.perf_counter() - started
        four_cpu = cpu_between(cpu_before, suite_cpu_seconds())["all"]
        others = machine_busy_seconds() - busy_before - four_cpu
        workers = [services["importer"], *extra]
        parsed_by = {worker.name for result in results for worker in workers
                     if parsed_here(worker, result.preview["id"])}
    finally:
        for worker in extra:
            worker.stop()
    for admin, result in zip(admins, results):
        await check_counted(db, admin, result)
        await wait_for_accounts(db, admin.school["id"], result.committed)

    cores = os.cpu_count() or 1
    cores_floor = max(single.total, WORKERS * single_cpu / cores)
    report(BENCHMARK, [
        Figure(BENCHMARK, f"{WORKERS} × {ROWS:,} rows, {WORKERS} workers", wall, "s",
               f"1 × {ROWS:,} rows, 1 worker", single.total, "≈ 1 where cores allow"),
        Figure(BENCHMARK, f"{WORKERS} × {ROWS:,} rows, {WORKERS} workers", wall, "s",
               f"{WORKERS} × its CPU / {cores} cores", cores_floor, "≈ 1"),
    ], [
        (f"one file: upload → preview {single.parse:.2f} s, confirm → done "
         f"{single.commit:.2f} s, {single_cpu:.1f} CPU-s of the suite "
         f"({single_cpu / single.total:.2f} cores busy)"),
        "four files: each took " + ", ".join(f"{r.total:.1f}" for r in results)
        + f" s; {len(parsed_by)} workers parsed them; {four_cpu:.1f} CPU-s of the "
        f"suite ({four_cpu / wall:.2f} cores busy), other work on the host "
        f"{max(others, 0):.1f} CPU-s",
    ])
