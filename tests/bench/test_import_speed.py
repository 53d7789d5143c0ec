"""SPEC §6: a 100,000-row student import, upload to committed, through the gateway
with one importer worker, within 2x the sum of two floors measured in the same run
(python-calamine's parse of the file and a COPY of its rows), with the worker's
peak RSS under 300 MB and flat from 20,000 rows to 100,000.
"""

import pytest

from tests.bench.figures import (
    Figure,
    cpu_between,
    machine_busy_seconds,
    peak_rss_mb,
    report,
    reset_peak_rss,
    suite_cpu_seconds,
)
from tests.bench.floors import calamine_parse_seconds, copy_seconds, sheet_records
from tests.bench.imports import (
    check_landed,
    roster_file,
    school_student_count,
    timed_import,
    wait_for_accounts,
)

pytestmark = pytest.mark.bench

BENCHMARK = "1. student import, one worker"
ROWS = 100_000
SMALL_ROWS = 20_000
RSS_GOAL_MB = 300


async def import_measured(new_school, db, services, path, rows):
    """Import into a new school; the outcome, the worker's peak RSS in MB during
    the import, the CPU seconds the suite's processes spent on it and the
    seconds identity took afterwards to open the students' accounts."""
    importer = services["importer"]
    admin = await new_school()
    assert reset_peak_rss(importer.pid), "cannot reset the importer's peak RSS"
    names = {process.pid: name for name, process in services.items()}
    cpu_before, busy_before = suite_cpu_seconds(names), machine_busy_seconds()
    result = await timed_import(admin, "students", path)
    cpu = cpu_between(cpu_before, suite_cpu_seconds(names))
    cpu["others"] = machine_busy_seconds() - busy_before - cpu["all"]
    peak = peak_rss_mb(importer.pid)
    check_landed(result, rows)
    assert await school_student_count(db, admin.school["id"]) == result.committed
    # Waiting here also keeps that work out of the next measurement.
    accounts_after = await wait_for_accounts(db, admin.school["id"], result.committed)
    return result, peak, cpu, accounts_after


async def test_hundred_thousand_students_from_upload_to_committed(
        new_school, services, db, infra):
    small_file = roster_file("students", SMALL_ROWS, seed=8)
    big_file = roster_file("students", ROWS, seed=7)

    small, small_peak, _, _ = await import_measured(
        new_school, db, services, small_file, SMALL_ROWS)

    parse_floor, sheet_rows = calamine_parse_seconds(big_file)
    assert sheet_rows == ROWS
    copy_floor = await copy_seconds(infra.env["DB_SUPERUSER_URL"],
                                    sheet_records(big_file))
    floor = parse_floor + copy_floor

    big, big_peak, big_cpu, accounts_after = await import_measured(
        new_school, db, services, big_file, ROWS)

    figures = [
        Figure(BENCHMARK, f"{ROWS:,} rows: upload → committed", big.total, "s",
               "calamine parse + COPY", floor, "≤ 2"),
        Figure(BENCHMARK, f"{SMALL_ROWS:,} rows: upload → committed", small.total,
               "s", "the same floor × 0.2", floor * SMALL_ROWS / ROWS, "≤ 2"),
    ]
    for rows, peak in ((SMALL_ROWS, small_peak), (ROWS, big_peak)):
        figures.append(Figure(BENCHMARK, f"importer peak RSS, {rows:,} rows", peak,
                              "MB", "the goal", RSS_GOAL_MB, "< 1, flat"))
    notes = [
        f"floors: calamine parse {parse_floor:.3f} s, COPY {copy_floor:.3f} s",
        (f"{ROWS:,} rows: upload {big.upload:.2f} s, upload → preview "
         f"{big.parse:.2f} s, confirm → done {big.commit:.2f} s; "
         f"{ROWS / big.total:,.0f} rows/s; {big.committed:,} committed"),
        (f"{ROWS:,} rows: the suite's processes used {big_cpu['all']:.1f} CPU-s, "
         f"{big_cpu['all'] / big.total:.2f} cores on average: "
         + ", ".join(f"{name} {seconds:.1f}" for name, seconds in sorted(
             big_cpu.items(), key=lambda item: -item[1])
             if name not in ("all", "others") and seconds >= 0.05)),
        (f"other work on the host took {max(big_cpu['others'], 0):.1f} CPU-s "
         "meanwhile"),
        (f"{SMALL_ROWS:,} rows: upload → preview {small.parse:.2f} s, "
         f"confirm → done {small.commit:.2f} s"),
        (f"identity opened the {big.committed:,} accounts {accounts_after:.1f} s "
         "after the job was done"),
    ]
    report(BENCHMARK, figures, notes)
