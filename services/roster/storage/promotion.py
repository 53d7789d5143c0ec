"""The promotion's SQL: reading a school's classes and students, moving them, and
the promotions table that lets the newest promotion be undone."""

from uuid import UUID

CLASS_COLUMNS = "id, grade, kind, number, version"
STUDENT_COLUMNS = "id, kid, grade, class_id, status, version"


async def lock_school(connection, school_id: UUID) -> None:
    """Serialise promotions and their undoing per school, until the transaction ends."""
    await connection.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('roster.promotion:' || $1, 0))",
        str(school_id),
    )


async def graded_classes(connection, school_id: UUID, *, for_update: bool = False):
    lock = " FOR UPDATE" if for_update else ""
    return await connection.fetch(
        f"SELECT {CLASS_COLUMNS} FROM classes"
        f" WHERE school_id = $1 AND grade IS NOT NULL ORDER BY id{lock}",
        school_id,
    )


async def current_students(connection, school_id: UUID, *, for_update: bool = False):
    lock = " FOR UPDATE" if for_update else ""
    return await connection.fetch(
        f"SELECT {STUDENT_COLUMNS} FROM students"
        f" WHERE school_id = $1 AND status <> 'graduated' ORDER BY id{lock}",
        school_id,
    )


async def set_class_grade(connection, class_ids: list[UUID], grade: int | None):
    """Answers each class's id and its version after the change."""
    return await connection.fetch(
        "UPDATE classes SET grade = $2 WHERE id = ANY($1::uuid[])"
        " RETURNING id, version",
        class_ids, grade,
    )


async def set_student_grades(connection, ids: list[UUID], grades: list[int]):
    return await connection.fetch(
        """
        UPDATE students s SET grade = m.grade
        FROM unnest($1::uuid[], $2::smallint[]) AS m(id, grade)
        WHERE s.id = m.id
        RETURNING s.id, s.version
        """,
        ids, grades,
    )


async def graduate_students(connection, ids: list[UUID]):
    return await connection.fetch(
        "UPDATE students SET status = 'graduated', graduated_at = now(), grade = NULL"
        " WHERE id = ANY($1::uuid[]) RETURNING id, version",
        ids,
    )


async def restore_students(connection, before: list[dict]):
    """Put back each student's grade, status and graduation time as recorded."""
    return await connection.fetch(
        """
        UPDATE students s
        SET grade = r.grade, status = r.status, graduated_at = r.graduated_at
        FROM jsonb_to_recordset($1::jsonb)
             AS r(id uuid, grade smallint, status text, graduated_at timestamptz)
        WHERE s.id = r.id
        RETURNING s.id, s.kid, s.status
        """,
        before,
    )


async def students_follow_classes(connection, class_ids: list[UUID]) -> None:
    """Give the current students of these classes their class's grade."""
    await connection.execute(
        """
        UPDATE students s SET grade = c.grade
        FROM classes c
        WHERE c.id = ANY($1::uuid[]) AND s.class_id = c.id
          AND s.status <> 'graduated' AND s.grade IS DISTINCT FROM c.grade
        """,
        class_ids,
    )


async def follow_class_grades(connection, class_ids: list[UUID]) -> None:
    """Point the classes' subject teachers at the same-named subject of their grade.

    Subjects belong to a grade, so a class that changed grade keeps its teachers
    (初一 语文 becomes 初二 语文); a subject the new grade lacks stays as it was.
    """
    await connection.execute(
        """
        UPDATE class_subject_teachers cst SET subject_id = target.id
        FROM classes c, subjects source, subjects target
        WHERE cst.class_id = ANY($1::uuid[]) AND c.id = cst.class_id
          AND source.id = cst.subject_id AND source.grade IS DISTINCT FROM c.grade
          AND target.school_id = c.school_id AND target.grade = c.grade
          AND target.name = source.name
          AND NOT EXISTS (SELECT 1 FROM class_subject_teachers taken
                          WHERE taken.class_id = cst.class_id
                            AND taken.subject_id = target.id
                            AND taken.teacher_id = cst.teacher_id)
        """,
        class_ids,
    )


async def move_class_history(connection, student_ids: list[UUID]) -> None:
    """End the students' open stints and start new ones where they sit now.

    Run after the school's year has advanced, so the new stints carry it;
    graduates get no new stint. Both sides carry the transaction's time, which
    is also the promotion's, so undoing it can find them again.
    """
    await connection.execute(
        "UPDATE student_class_history SET ended_at = now()"
        " WHERE student_id = ANY($1::uuid[]) AND ended_at IS NULL",
        student_ids,
    )
    await connection.execute(
        """
        INSERT INTO student_class_history (student_id, school_id, class_id, grade,
                                           academic_year, term)
        SELECT s.id, s.school_id, s.class_id, s.grade, sc.academic_year, sc.term
        FROM students s JOIN schools sc ON sc.id = s.school_id
        WHERE s.id = ANY($1::uuid[]) AND s.class_id IS NOT NULL
          AND s.status <> 'graduated'
        """,
        student_ids,
    )


async def restore_class_history(connection, student_ids: list[UUID],
                                applied_at) -> None:
    """Drop the stints a promotion started and reopen the ones it ended."""
    await connection.execute(
        "DELETE FROM student_class_history"
        " WHERE student_id = ANY($1::uuid[]) AND started_at = $2",
        student_ids, applied_at,
    )
    await connection.execute(
        "UPDATE student_class_history SET ended_at = NULL"
        " WHERE student_id = ANY($1::uuid[]) AND ended_at = $2",
        student_ids, applied_at,
    )


async def insert_promotion(connection, school_id: UUID, applied_by: UUID | None,
                           from_year: str, to_year: str, changes: list[dict]):
    return await connection.fetchrow(
        "INSERT INTO promotions (school_id, applied_by, from_year, to_year, changes)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING id, applied_at",
        school_id, applied_by, from_year, to_year, changes,
    )


async def newest_promotion(connection, school_id: UUID):
    """The newest promotion not undone yet, locked."""
    return await connection.fetchrow(
        "SELECT id, applied_at, from_year, to_year, changes FROM promotions"
        " WHERE school_id = $1 AND undone_at IS NULL"
        " ORDER BY applied_at DESC LIMIT 1 FOR UPDATE",
        school_id,
    )


async def mark_undone(connection, promotion_id: UUID) -> None:
    await connection.execute(
        "UPDATE promotions SET undone_at = now() WHERE id = $1", promotion_id
    )


async def classes_by_ids(connection, school_id: UUID, ids: list[UUID]):
    return await connection.fetch(
        f"SELECT {CLASS_COLUMNS} FROM classes"
        f" WHERE school_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE",
        school_id, ids,
    )


async def students_by_ids(connection, school_id: UUID, ids: list[UUID]):
    return await connection.fetch(
        "SELECT id, kid, name, version FROM students"
        " WHERE school_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE",
        school_id, ids,
    )


async def classes_in_places(connection, school_id: UUID, places: list[dict],
                            except_ids: list[UUID]):
    """Classes, other than `except_ids`, at one of `places` (grade, kind, number)."""
    return await connection.fetch(
        """
        SELECT c.id, c.grade, c.kind, c.number FROM classes c
        JOIN jsonb_to_recordset($2::jsonb) AS p(grade smallint, kind text, number int)
          ON c.grade = p.grade AND c.kind = p.kind AND c.number = p.number
        WHERE c.school_id = $1 AND c.id <> ALL($3::uuid[])
        ORDER BY c.grade, c.kind, c.number
        """,
        school_id, places, except_ids,
    )
