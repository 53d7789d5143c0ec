"""A school's settings: name, stages, current term, logo, and what its grades hold."""

from uuid import UUID

SETTINGS_COLUMNS = (
    "id, name, stages, academic_year, term, logo_type, created_at, updated_at"
)

_EDITABLE = ("name", "stages", "academic_year", "term")


async def settings(connection, school_id: UUID, *, for_update: bool = False):
    lock = " FOR UPDATE" if for_update else ""
    return await connection.fetchrow(
        f"SELECT {SETTINGS_COLUMNS} FROM schools WHERE id = $1{lock}", school_id
    )


async def update_school(connection, school_id: UUID, changes: dict):
    fields = [name for name in _EDITABLE if name in changes]
    assignments = "".join(f"{name} = ${i}, " for i, name in enumerate(fields, start=2))
    return await connection.fetchrow(
        f"UPDATE schools SET {assignments}updated_at = now() WHERE id = $1"
        f" RETURNING {SETTINGS_COLUMNS}",
        school_id, *(changes[name] for name in fields),
    )


async def counts(connection, school_id: UUID) -> dict:
    """The settings page's figures: teachers, subject names, classes in a grade."""
    row = await connection.fetchrow(
        """
        SELECT (SELECT count(*) FROM teachers WHERE school_id = $1) AS teachers,
               (SELECT count(DISTINCT name) FROM subjects
                 WHERE school_id = $1) AS subjects,
               (SELECT count(*) FROM classes
                 WHERE school_id = $1 AND grade IS NOT NULL) AS classes
        """,
        school_id,
    )
    return dict(row)


async def grades_in_use(connection, school_id: UUID, grades: list[int]):
    """The grades among `grades` that still hold classes or current students."""
    return await connection.fetch(
        """
        SELECT g.grade,
               (SELECT count(*) FROM classes c
                 WHERE c.school_id = $1 AND c.grade = g.grade) AS classes,
               (SELECT count(*) FROM students s
                 WHERE s.school_id = $1 AND s.grade = g.grade
                   AND s.status <> 'graduated') AS students
        FROM unnest($2::smallint[]) AS g(grade)
        WHERE EXISTS (SELECT 1 FROM classes c
                       WHERE c.school_id = $1 AND c.grade = g.grade)
           OR EXISTS (SELECT 1 FROM students s
                       WHERE s.school_id = $1 AND s.grade = g.grade
                         AND s.status <> 'graduated')
        ORDER BY g.grade
        """,
        school_id, grades,
    )


async def remove_grades(connection, school_id: UUID, grades: list[int]) -> None:
    """Drop empty grades with their subjects, groups and grade leaders."""
    for table in ("prep_group_members", "grade_leaders", "subjects", "grades"):
        await connection.execute(
            f"DELETE FROM {table} WHERE school_id = $1 AND grade = ANY($2::smallint[])",
            school_id, grades,
        )


async def set_logo(connection, school_id: UUID, content: bytes | None,
                   content_type: str | None):
    return await connection.fetchrow(
        f"UPDATE schools SET logo = $2, logo_type = $3, updated_at = now()"
        f" WHERE id = $1 RETURNING {SETTINGS_COLUMNS}",
        school_id, content, content_type,
    )


async def logo(connection, school_id: UUID):
    return await connection.fetchrow(
        "SELECT logo, logo_type FROM schools WHERE id = $1 AND logo IS NOT NULL",
        school_id,
    )
