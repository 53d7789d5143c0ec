"""The importer schema: jobs, their uploaded files and every row's outcome."""

from uuid import UUID


JOB_COLUMNS = (
    "id, school_id, kind, state, filename, all_or_nothing, total, done, ok, warnings,"
    " errors, committed, failure, created_at, updated_at, finished_at"
)


async def insert_job(connection, *, school_id: UUID, kind: str, filename: str,
                     file: bytes, caller: dict, all_or_nothing: bool):
    return await connection.fetchrow(
        f"INSERT INTO jobs (school_id, kind, filename, file, caller, all_or_nothing)"
        f" VALUES ($1, $2, $3, $4, $5, $6) RETURNING {JOB_COLUMNS}",
        school_id, kind, filename, file, caller, all_or_nothing,
    )


async def job_in_school(connection, school_id: UUID, job_id: UUID):
    return await connection.fetchrow(
        f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 AND school_id = $2",
        job_id, school_id,
    )


async def lock_job(connection, job_id: UUID):
    return await connection.fetchrow(
        f"SELECT {JOB_COLUMNS}, caller FROM jobs WHERE id = $1 FOR UPDATE", job_id
    )


async def job_file(connection, job_id: UUID) -> bytes:
    return await connection.fetchval("SELECT file FROM jobs WHERE id = $1", job_id)


async def set_state(connection, job_id: UUID, state: str, **counts) -> None:
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(counts, start=3))
    extra = f", {assignments}" if assignments else ""
    finished = ", finished_at = now()" if state in ("done", "failed") else ""
    await connection.execute(
        f"UPDATE jobs SET state = $2, updated_at = now(){extra}{finished} WHERE id = $1",
        job_id, state, *counts.values(),
    )


async def set_progress(connection, job_id: UUID, done: int, total: int) -> None:
    await connection.execute(
        "UPDATE jobs SET done = $2, total = greatest(total, $3), updated_at = now()"
        " WHERE id = $1",
        job_id, done, total,
    )


async def clear_rows(connection, job_id: UUID) -> None:
    await connection.execute("DELETE FROM job_rows WHERE job_id = $1", job_id)


async def copy_rows(connection, job_id: UUID, outcomes) -> None:
    """Store checked rows. Of a row's cells as uploaded (raw) only those its
    checked values (data) do not hold as they are are kept: most cells pass
    through unchanged, and each byte less is less JSON to write and to parse."""
    await connection.copy_records_to_table(
        "job_rows",
        columns=["job_id", "row", "status", "messages", "data", "raw"],
        records=[(job_id, o.row, o.status, o.messages, o.data,
                  _cells_beyond(o.raw, o.data)) for o in outcomes],
    )


def _cells_beyond(raw: dict, data: dict) -> dict:
    """The cells of `raw` that `data` lacks or holds otherwise (another type or
    value): `data | _cells_beyond(raw, data)` gives every cell of `raw` back."""
    missing = object()
    return {key: value for key, value in raw.items()
            if type(found := data.get(key, missing)) is not type(value)
            or found != value}


async def count_by_status(connection, job_id: UUID) -> dict[str, int]:
    rows = await connection.fetch(
        "SELECT status, count(*) AS n FROM job_rows WHERE job_id = $1 GROUP BY status",
        job_id,
    )
    return {row["status"]: row["n"] for row in rows}


async def rows_page(connection, job_id: UUID, status: str | None, limit: int,
                    offset: int):
    condition = "job_id = $1" + (" AND status = $2" if status else "")
    args = [job_id, status] if status else [job_id]
    total = await connection.fetchval(
        f"SELECT count(*) FROM job_rows WHERE {condition}", *args
    )
    rows = await connection.fetch(
        f"SELECT row, status, messages, data, kid FROM job_rows WHERE {condition}"
        f" ORDER BY row LIMIT {int(limit)} OFFSET {int(offset)}",
        *args,
    )
    return rows, total


async def next_uncommitted(connection, job_id: UUID, after_row: int, limit: int):
    """The next rows to create, in sheet order after `after_row`.

    Read from a position rather than skipped to, so each batch costs the same
    however far the commit has come.
    """
    return await connection.fetch(
        "SELECT row, data FROM job_rows WHERE job_id = $1 AND row > $2"
        " AND NOT committed AND status <> 'error' ORDER BY row LIMIT $3",
        job_id, after_row, limit,
    )


async def count_landed(connection, job_id: UUID) -> int:
    """How many of the job's rows have been created (hold a kid)."""
    return await connection.fetchval(
        "SELECT count(*) FROM job_rows WHERE job_id = $1 AND kid IS NOT NULL", job_id
    )


async def record_committed(connection, job_id: UUID, results: list[dict]) -> None:
    """Store each row's kid, or turn the row into an error saying why it did not land."""
    await connection.execute(
        """
        UPDATE job_rows j SET committed = true, kid = r.kid,
            status = CASE WHEN r.error IS NULL THEN j.status ELSE 'error' END,
            messages = CASE WHEN r.error IS NULL THEN j.messages
                            ELSE j.messages || to_jsonb(r.error) END
        FROM unnest($2::integer[], $3::bigint[], $4::text[]) AS r(row, kid, error)
        WHERE j.job_id = $1 AND j.row = r.row
        """,
        job_id, [r["row"] for r in results], [r.get("kid") for r in results],
        [r.get("error") for r in results],
    )


async def error_rows(connection, job_id: UUID) -> list[dict]:
    """The refused rows in sheet order: row, raw (the cells as uploaded) and
    messages."""
    rows = await connection.fetch(
        "SELECT row, data, raw, messages FROM job_rows"
        " WHERE job_id = $1 AND status = 'error' ORDER BY row",
        job_id,
    )
    # Rows keep only the cells their data does not hold as uploaded (copy_rows).
    return [{"row": r["row"], "raw": r["data"] | r["raw"], "messages": r["messages"]}
            for r in rows]
