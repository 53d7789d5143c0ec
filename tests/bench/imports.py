"""Imports as a school admin does them, timed phase by phase, and their inputs.

Roster files are made by the shared make_roster tool (xlsxwriter, so shaped like
Excel's files) and kept under var/bench/rosters: the same size and seed always
give the same file, so a second run skips the minute it takes to write them.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.bench.figures import RESULTS_DIR
from tests.integration.api import SAMPLES

MAKE_ROSTER = SAMPLES.parent / "tools" / "make_roster.py"
ROSTERS = RESULTS_DIR / "rosters"
POLL_SECONDS = 0.05


def roster_file(kind: str, rows: int, seed: int) -> Path:
    """A students or teachers file of `rows` rows, made once per size and seed."""
    path = ROSTERS / f"{kind}-{rows}-seed{seed}.xlsx"
    if not path.exists():
        ROSTERS.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.xlsx")
        subprocess.run([sys.executable, str(MAKE_ROSTER), kind, str(partial),
                        "--rows", str(rows), "--seed", str(seed)],
                       check=True, capture_output=True)
        partial.rename(path)
    return path


@dataclass
class TimedImport:
    """One import's outcome and how long each phase took, in seconds."""

    preview: dict
    done: dict
    upload: float
    parse: float
    commit: float
    total: float

    @property
    def committed(self) -> int:
        return int(self.done["message"].split("/")[0])


async def timed_import(admin, kind: str, path: Path) -> TimedImport:
    """Upload, wait for the preview, confirm at once and wait for the end."""
    content = path.read_bytes()
    started = time.perf_counter()
    response = await admin.upload(kind, content)
    job = await response.json()
    assert response.status == 202, job
    uploaded = time.perf_counter()
    preview = await wait_for(admin, job["id"], ("ready", "failed"))
    assert preview["state"] == "ready", preview
    parsed = time.perf_counter()
    await admin.json("POST", f"/imports/{job['id']}/confirm", expect=202)
    done = await wait_for(admin, job["id"], ("done", "failed"))
    assert done["state"] == "done", done
    finished = time.perf_counter()
    return TimedImport(preview, done, upload=uploaded - started,
                       parse=parsed - uploaded, commit=finished - parsed,
                       total=finished - started)


async def wait_for(admin, job_id: str, states, timeout: float = 600.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = await admin.json("GET", f"/imports/{job_id}")
        if job["state"] in states:
            return job
        assert time.monotonic() < deadline, job
        await asyncio.sleep(POLL_SECONDS)


def check_landed(result: TimedImport, rows: int) -> None:
    """Every row is accounted for: committed, or an error saying why not; and few
    rows are refused at all (random ID numbers of different files meet now and
    then, in the preview or, for files imported side by side, at commit)."""
    preview, done = result.preview["summary"], result.done["summary"]
    assert preview["total"] == rows, preview
    assert result.committed == done["ok"], result.done
    assert done["ok"] + done["errors"] == rows, result.done
    assert done["errors"] < rows * 0.02, result.done


async def school_student_count(db, school_id: str) -> int:
    return await db.fetchval(
        "SELECT count(*) FROM roster.students WHERE school_id = $1", school_id)


async def wait_for_accounts(db, school_id: str, count: int,
                            timeout: float = 300.0) -> float:
    """Wait until identity holds a student account for each of `count` students
    of the school (it follows roster's events); the seconds waited."""
    started = time.perf_counter()
    while True:
        accounts = await db.fetchval(
            "SELECT count(*) FROM identity.accounts"
            " WHERE school_id = $1 AND kind = 'student'", school_id)
        if accounts >= count:
            return time.perf_counter() - started
        assert time.perf_counter() - started < timeout, (accounts, count)
        await asyncio.sleep(0.2)
