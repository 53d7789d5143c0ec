"""The floors the SPEC's figures are measured against, taken in the benchmark's run.

Each floor is the least the machine needs for the same work without the product:
reading the sheet with python-calamine, COPYing its rows into PostgreSQL, hashing
passwords with the project's argon2id parameters, answering HTTP with bare aiohttp.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import asyncpg
import python_calamine
from argon2 import PasswordHasher, Type

from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SCRATCH_SCHEMA = "bench_scratch"


def calamine_parse_seconds(path: Path) -> tuple[float, int]:
    """Seconds to load the file's first sheet and iterate every row; and the rows."""
    data = path.read_bytes()
    started = time.perf_counter()
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = 0
    for _row in workbook.get_sheet_by_index(0).iter_rows():
        rows += 1
    return time.perf_counter() - started, rows - 1


def sheet_records(path: Path) -> list[tuple]:
    """The data rows of a students file as text tuples (row number first)."""
    workbook = python_calamine.CalamineWorkbook.from_filelike(
        io.BytesIO(path.read_bytes()))
    rows = workbook.get_sheet_by_index(0).to_python()
    return [(number, *(_text(cell) for cell in cells[:7]))
            for number, cells in enumerate(rows[1:], start=2)]


def _text(cell) -> str | None:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return None if cell in ("", None) else str(cell)


async def copy_seconds(superuser_dsn: str, records: list[tuple]) -> float:
    """Seconds for one asyncpg COPY of `records` into a fresh scratch table with a
    primary key and a unique index, as the superuser in the suite's database."""
    connection = await asyncpg.connect(superuser_dsn, database="xiaoyuan")
    try:
        await connection.execute(f"""
            CREATE SCHEMA IF NOT EXISTS {SCRATCH_SCHEMA};
            DROP TABLE IF EXISTS {SCRATCH_SCHEMA}.students;
            CREATE TABLE {SCRATCH_SCHEMA}.students (
                row integer PRIMARY KEY, name text, gender text, grade text,
                class_number text, student_number text, id_number text,
                id_type text);
            CREATE UNIQUE INDEX ON {SCRATCH_SCHEMA}.students
                (grade, class_number, student_number);
        """)
        started = time.perf_counter()
        await connection.copy_records_to_table(
            "students", schema_name=SCRATCH_SCHEMA, records=records)
        took = time.perf_counter() - started
        await connection.execute(f"DROP SCHEMA {SCRATCH_SCHEMA} CASCADE")
        return took
    finally:
        await connection.close()


def argon2_verifies_per_second(seconds: float = 3.0, threads: int = 2) -> float:
    """argon2id verifications a second with the project's parameters, `threads`
    threads in one process (argon2 releases the GIL, as in identity)."""
    settings = Settings()
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism, hash_len=32, salt_len=16,
        type=Type.ID)
    password = "Xiaoyuan2026"
    stored = hasher.hash(password)
    counts = [0] * threads
    stop_at = time.perf_counter() + seconds

    def verify(slot: int) -> None:
        while time.perf_counter() < stop_at:
            hasher.verify(stored, password)
            counts[slot] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=verify, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.perf_counter() - started)


def run_load(plan: dict) -> dict:
    """Run tests.bench.load with `plan` in a process of its own; its JSON answer."""
    finished = subprocess.run(
        [sys.executable, "-m", "tests.bench.load"], input=json.dumps(plan),
        capture_output=True, text=True, cwd=ROOT,
        timeout=plan.get("warmup", 0) + plan["duration"] + 120, check=False)
    if finished.returncode != 0:
        raise AssertionError(f"the load generator failed:\n{finished.stderr}")
    return json.loads(finished.stdout)
