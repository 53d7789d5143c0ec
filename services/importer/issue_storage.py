"""The rows of staffing jobs as the admin settles them: choices and left-out rows."""

from uuid import UUID

# Rows still waiting for the admin: a name several teachers share, not chosen yet.
_OPEN = """data @? '$.issues[*] ? (@.kind == "ambiguous" && @.resolved == false)'"""


async def rows_for_update(connection, job_id: UUID, rows: list[int] | None):
    """These rows of the job (all rows with issues when None), locked."""
    if rows is None:
        return await connection.fetch(
            "SELECT row, status, messages, data FROM job_rows"
            " WHERE job_id = $1 AND jsonb_array_length(data->'issues') > 0"
            " ORDER BY row FOR UPDATE",
            job_id,
        )
    return await connection.fetch(
        "SELECT row, status, messages, data FROM job_rows"
        " WHERE job_id = $1 AND row = ANY($2) ORDER BY row FOR UPDATE",
        job_id, rows,
    )


async def save_rows(connection, job_id: UUID, rows: list[dict]) -> None:
    await connection.executemany(
        "UPDATE job_rows SET status = $3, messages = $4, data = $5"
        " WHERE job_id = $1 AND row = $2",
        [(job_id, r["row"], r["status"], r["messages"], r["data"]) for r in rows],
    )


async def log_resolutions(connection, job_id: UUID, account_id: UUID | None,
                          entries: list[tuple]) -> None:
    """Log (row, column, name, teacher id) choices; column None leaves a row out."""
    await connection.executemany(
        "INSERT INTO job_resolutions (job_id, row, column_name, name, teacher_id,"
        " account_id) VALUES ($1, $2, $3, $4, $5, $6)",
        [(job_id, *entry, account_id) for entry in entries],
    )


async def open_rows(connection, job_id: UUID) -> list[int]:
    """The rows that will be imported but still have a name to choose a teacher for."""
    rows = await connection.fetch(
        f"SELECT row FROM job_rows WHERE job_id = $1 AND status <> 'error'"
        f" AND {_OPEN} ORDER BY row",
        job_id,
    )
    return [row["row"] for row in rows]
