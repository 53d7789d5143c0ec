"""Students changed by kid in batches: seats (class and number) and ID numbers.

"Current" students are those not graduated, as everywhere in the roster.
"""

from uuid import UUID

_CURRENT = (
    "SELECT s.id, s.school_id, s.kid, s.name, s.gender, s.grade, s.class_id,"
    " c.number AS class_number, s.student_number, s.id_type, s.id_number, s.status"
    " FROM students s LEFT JOIN classes c ON c.id = s.class_id"
    " WHERE s.school_id = $1 AND s.kid = ANY($2) AND s.status <> 'graduated'"
)


async def current_by_kids(connection, school_id: UUID, kids: list[int], *,
                          for_update: bool = False):
    """The school's current students with these kids; locked in id order if asked."""
    lock = " ORDER BY s.id FOR UPDATE OF s" if for_update else ""
    return await connection.fetch(f"{_CURRENT}{lock}", school_id, kids)


async def seat_holders(connection, school_id: UUID,
                       claims: list[tuple[UUID | None, int | None, str]]):
    """Who holds each claimed student number, as students.number_holders answers,
    with the holder's id and kid."""
    if not claims:
        return []
    class_ids, grades, numbers = (list(column) for column in zip(*claims))
    return await connection.fetch(
        """
        SELECT p.class_id AS claimed_class_id, p.grade AS claimed_grade,
               s.student_number, s.id, s.kid, s.grade, c.number AS class_number
        FROM unnest($2::uuid[], $3::smallint[], $4::text[])
             AS p(class_id, grade, number)
        JOIN students s ON s.school_id = $1 AND s.status <> 'graduated'
             AND s.student_number = p.number
             AND (s.class_id = p.class_id
                  OR (p.class_id IS NULL AND s.class_id IS NULL
                      AND s.grade = p.grade))
        LEFT JOIN classes c ON c.id = s.class_id
        """,
        school_id, class_ids, grades, numbers,
    )


async def clear_numbers(connection, student_ids: list[UUID]) -> None:
    """Free the numbers of students about to move, so swaps and chains land."""
    await connection.execute(
        "UPDATE students SET student_number = NULL WHERE id = ANY($1)", student_ids
    )


async def move(connection, moves: list[tuple[UUID, int, UUID | None, str]]) -> None:
    """Put each (student, grade, class or None, number) where it goes."""
    ids, grades, classes, numbers = (list(column) for column in zip(*moves))
    await connection.execute(
        """
        UPDATE students s SET grade = m.grade, class_id = m.class_id,
                              student_number = m.number
        FROM unnest($1::uuid[], $2::smallint[], $3::uuid[], $4::text[])
             AS m(id, grade, class_id, number)
        WHERE s.id = m.id
        """,
        ids, grades, classes, numbers,
    )


async def close_class_histories(connection, student_ids: list[UUID]) -> None:
    await connection.execute(
        "UPDATE student_class_history SET ended_at = now()"
        " WHERE student_id = ANY($1) AND ended_at IS NULL",
        student_ids,
    )


async def set_documents(connection, documents: list[tuple[UUID, str, str]]) -> None:
    """Give each (student, ID type, ID number) its document."""
    ids, types, numbers = (list(column) for column in zip(*documents))
    await connection.execute(
        """
        UPDATE students s SET id_type = d.id_type, id_number = d.id_number
        FROM unnest($1::uuid[], $2::text[], $3::text[]) AS d(id, id_type, id_number)
        WHERE s.id = d.id
        """,
        ids, types, numbers,
    )


async def missing_id_page(connection, school_id: UUID, after_kid: int, limit: int):
    """Current students without an ID number, by kid from after `after_kid`."""
    return await connection.fetch(
        "SELECT s.kid, s.name, s.grade, '(' || c.number || ')班' AS class_name,"
        " s.student_number, s.id_type"
        " FROM students s LEFT JOIN classes c ON c.id = s.class_id"
        " WHERE s.school_id = $1 AND s.status <> 'graduated'"
        " AND s.id_number IS NULL AND s.kid > $2 ORDER BY s.kid LIMIT $3",
        school_id, after_kid, limit,
    )
