"""Schools and their grades."""

from uuid import UUID

SCHOOL_COLUMNS = "id, name, stages, academic_year, term, logo_type, created_at"


async def insert_school(connection, name: str, stages: list[str]):
    return await connection.fetchrow(
        f"INSERT INTO schools (name, stages) VALUES ($1, $2)"
        f" ON CONFLICT (name) DO NOTHING RETURNING {SCHOOL_COLUMNS}",
        name, stages,
    )


async def school(connection, school_id: UUID, *, for_update: bool = False):
    lock = " FOR UPDATE" if for_update else ""
    return await connection.fetchrow(
        f"SELECT {SCHOOL_COLUMNS} FROM schools WHERE id = $1{lock}", school_id
    )


async def school_page(connection, limit: int, offset: int):
    total = await connection.fetchval("SELECT count(*) FROM schools")
    rows = await connection.fetch(
        f"SELECT {SCHOOL_COLUMNS} FROM schools ORDER BY created_at LIMIT $1 OFFSET $2",
        limit, offset,
    )
    return rows, total


async def insert_grades(connection, school_id: UUID, grades: list[int]) -> None:
    await connection.executemany(
        "INSERT INTO grades (school_id, grade) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        [(school_id, grade) for grade in grades],
    )
