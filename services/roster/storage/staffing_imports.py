"""What staffing imports read of a school: its teachers, subjects and classes."""

from uuid import UUID

from services.roster.subjects import CATEGORIES


async def teacher_page(connection, school_id: UUID, after_kid: int, limit: int):
    """The school's teachers by kid from after `after_kid`, enabled or not."""
    return await connection.fetch(
        "SELECT id, kid, name, remark, status FROM teachers"
        " WHERE school_id = $1 AND kid > $2 ORDER BY kid LIMIT $3",
        school_id, after_kid, limit,
    )


async def subjects_by_grade(connection, school_id: UUID, grades: list[int]):
    """Every subject of these grades, grade by grade in the manual's order."""
    return await connection.fetch(
        "SELECT grade, name FROM subjects WHERE school_id = $1 AND grade = ANY($2)"
        " ORDER BY grade, array_position($3::text[], category), sort_order, name",
        school_id, grades, list(CATEGORIES),
    )


async def administrative_classes(connection, school_id: UUID, grades: list[int]):
    return await connection.fetch(
        "SELECT id, grade, number, virtual FROM classes"
        " WHERE school_id = $1 AND kind = 'administrative' AND grade = ANY($2)"
        " ORDER BY grade, sort_order, number",
        school_id, grades,
    )


async def administrative_class(connection, school_id: UUID, grade: int,
                               number: int):
    """The class (grade, number), locked against changes for the transaction."""
    return await connection.fetchrow(
        "SELECT id, grade, kind, number, alias, virtual FROM classes"
        " WHERE school_id = $1 AND kind = 'administrative' AND grade = $2"
        " AND number = $3 FOR NO KEY UPDATE",
        school_id, grade, number,
    )
