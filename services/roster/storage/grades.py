"""Grades and their subjects, always within one school."""

from uuid import UUID


async def grade_summaries(connection, school_id: UUID, grades: list[int]):
    """Each existing grade row among `grades` with its mode and its counts."""
    return await connection.fetch(
        """
        SELECT g.grade, g.subject_mode,
               count(c.id) FILTER (WHERE c.kind = 'administrative') AS administrative,
               count(c.id) FILTER (WHERE c.kind = 'tiered') AS tiered,
               count(c.id) FILTER (WHERE c.kind = 'elective') AS elective,
               (SELECT count(*) FROM subjects s
                 WHERE s.school_id = g.school_id AND s.grade = g.grade)
                   AS subject_count
        FROM grades g
        LEFT JOIN classes c ON c.school_id = g.school_id AND c.grade = g.grade
        WHERE g.school_id = $1 AND g.grade = ANY($2::smallint[])
        GROUP BY g.school_id, g.grade
        ORDER BY g.grade
        """,
        school_id, grades,
    )


async def subject_mode(connection, school_id: UUID, grade: int) -> str:
    mode = await connection.fetchval(
        "SELECT subject_mode FROM grades WHERE school_id = $1 AND grade = $2",
        school_id, grade,
    )
    return mode or "normal"


async def lock_grade(connection, school_id: UUID, grade: int) -> str:
    """Lock a grade's row, making it first if the school gained the grade later.

    Changes to a grade's subjects and classes take this lock, so two admins
    numbering classes or saving subjects at once are served one after the other.
    Answers the grade's subject mode.
    """
    await connection.execute(
        "INSERT INTO grades (school_id, grade) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        school_id, grade,
    )
    return await connection.fetchval(
        "SELECT subject_mode FROM grades WHERE school_id = $1 AND grade = $2"
        " FOR UPDATE",
        school_id, grade,
    )


async def set_subject_mode(connection, school_id: UUID, grade: int, mode: str):
    await connection.execute(
        "UPDATE grades SET subject_mode = $3 WHERE school_id = $1 AND grade = $2",
        school_id, grade, mode,
    )


async def subjects_of_grade(connection, school_id: UUID, grade: int):
    return await connection.fetch(
        "SELECT id, category, name, sort_order FROM subjects"
        " WHERE school_id = $1 AND grade = $2 ORDER BY sort_order, name",
        school_id, grade,
    )


async def delete_subjects(connection, subject_ids: list[UUID]) -> None:
    """Remove subjects; their preparation groups and class teachers go with them."""
    await connection.execute("DELETE FROM subjects WHERE id = ANY($1)", subject_ids)


async def save_subjects(connection, school_id: UUID, grade: int,
                        subjects: list[tuple[str, str, int]]) -> None:
    """Insert (category, name, order) entries; a name already there keeps its id."""
    await connection.execute(
        """
        INSERT INTO subjects (school_id, grade, category, name, sort_order)
        SELECT $1, $2, s.category, s.name, s.sort_order
        FROM unnest($3::text[], $4::text[], $5::int[]) AS s(category, name, sort_order)
        ON CONFLICT (school_id, grade, name)
        DO UPDATE SET category = EXCLUDED.category, sort_order = EXCLUDED.sort_order
        """,
        school_id, grade, [s[0] for s in subjects], [s[1] for s in subjects],
        [s[2] for s in subjects],
    )
