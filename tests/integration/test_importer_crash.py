"""An importer worker killed in the middle of a commit loses and doubles nothing."""

import asyncio
import subprocess
import sys

from tests.integration.api import SAMPLES

MAKE_ROSTER = SAMPLES.parent / "tools" / "make_roster.py"
ROWS = 600


async def wait_until_committing_halfway(admin, job_id: str) -> dict:
    for _ in range(600):
        job = await admin.json("GET", f"/imports/{job_id}")
        if job["state"] == "committing" and 0 < job["progress"]["done"] < ROWS // 2:
            return job
        assert job["state"] in ("ready", "committing"), job
        await asyncio.sleep(0.02)
    raise AssertionError(f"never saw the commit in progress: {job}")


async def test_killed_worker_leaves_every_teacher_exactly_once(
        new_school, services, db, tmp_path):
    admin = await new_school()
    roster_file = tmp_path / "teachers.xlsx"
    subprocess.run([sys.executable, str(MAKE_ROSTER), "teachers", str(roster_file),
                    "--rows", str(ROWS), "--seed", "11"], check=True,
                   capture_output=True)
    response = await admin.upload("teachers", roster_file)
    job = await admin.wait_for_job((await response.json())["id"])
    assert job["summary"]["ok"] == ROWS

    await admin.json("POST", f"/imports/{job['id']}/confirm", expect=202)
    await wait_until_committing_halfway(admin, job["id"])
    services["importer"].kill()
    # The only importer is gone, so its state is read from its table directly.
    interrupted = await db.fetchrow(
        "SELECT state, done FROM importer.jobs WHERE id = $1", job["id"])
    services["importer"].start()
    done = await admin.wait_for_job(job["id"], states=("done", "failed"), timeout=120)

    assert interrupted["state"] == "committing"
    assert interrupted["done"] < ROWS
    assert done["state"] == "done", done
    assert done["message"] == f"{ROWS}/{ROWS} 导入成功"
    counts = await db.fetchrow(
        "SELECT count(*) AS teachers, count(DISTINCT id_number) AS people,"
        " count(DISTINCT kid) AS kids FROM roster.teachers"
        " WHERE school_id = $1 AND import_ref IS NOT NULL",
        admin.school["id"],
    )
    assert dict(counts) == {"teachers": ROWS, "people": ROWS, "kids": ROWS}
