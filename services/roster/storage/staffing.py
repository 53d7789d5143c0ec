"""Preparation groups, grade leaders, head teachers and class subject teachers.

Teachers come back as summaries (id, kid, name, remark) ordered by name then kid,
so every list reads the same way wherever it is shown.
"""

from uuid import UUID

from services.roster.subjects import CATEGORIES

SUMMARY = "t.id, t.kid, t.name, t.remark"
BY_NAME = "t.name, t.kid"
CLASS_KINDS = ["administrative", "tiered", "elective"]


async def lock_grade(connection, school_id: UUID, grade: int) -> bool:
    """Serialise the staffing changes of one grade; False when the school lacks it."""
    found = await connection.fetchval(
        "SELECT true FROM grades WHERE school_id = $1 AND grade = $2"
        " FOR NO KEY UPDATE",
        school_id, grade,
    )
    return bool(found)


async def teachers(connection, school_id: UUID, teacher_ids: list[UUID]):
    return await connection.fetch(
        f"SELECT {SUMMARY}, t.status FROM teachers t"
        f" WHERE t.school_id = $1 AND t.id = ANY($2) ORDER BY {BY_NAME}",
        school_id, teacher_ids,
    )


# --- subjects and classes --------------------------------------------------------

async def grade_subjects(connection, school_id: UUID, grade: int):
    """The grade's subjects in the manual's category order, then as the admin sorted."""
    return await connection.fetch(
        "SELECT id, name, category FROM subjects WHERE school_id = $1 AND grade = $2"
        " ORDER BY array_position($3::text[], category), sort_order, name",
        school_id, grade, list(CATEGORIES),
    )


async def subject_by_id(connection, school_id: UUID, grade: int, subject_id: UUID):
    return await connection.fetchrow(
        "SELECT id, name, category FROM subjects"
        " WHERE school_id = $1 AND grade = $2 AND id = $3",
        school_id, grade, subject_id,
    )


async def subject_by_name(connection, school_id: UUID, grade: int, name: str):
    return await connection.fetchrow(
        "SELECT id, name, category FROM subjects"
        " WHERE school_id = $1 AND grade = $2 AND name = $3",
        school_id, grade, name,
    )


async def class_in_school(connection, school_id: UUID, class_id: UUID, *,
                          for_update: bool = False):
    """A class still in a grade; a graduated class (no grade) is not staffed."""
    lock = " FOR NO KEY UPDATE" if for_update else ""
    return await connection.fetchrow(
        "SELECT id, grade, kind, number, alias, virtual FROM classes"
        f" WHERE id = $1 AND school_id = $2 AND grade IS NOT NULL{lock}",
        class_id, school_id,
    )


async def grade_classes(connection, school_id: UUID, grade: int, kind: str | None):
    return await connection.fetch(
        "SELECT id, grade, kind, number, alias, virtual FROM classes"
        " WHERE school_id = $1 AND grade = $2 AND ($3::text IS NULL OR kind = $3)"
        " ORDER BY array_position($4::text[], kind), sort_order, number",
        school_id, grade, kind, CLASS_KINDS,
    )


# --- preparation groups ----------------------------------------------------------

async def grade_prep_members(connection, school_id: UUID, grade: int):
    return await connection.fetch(
        f"SELECT m.subject_id, m.is_leader, {SUMMARY} FROM prep_group_members m"
        " JOIN teachers t ON t.id = m.teacher_id"
        f" WHERE m.school_id = $1 AND m.grade = $2 ORDER BY {BY_NAME}",
        school_id, grade,
    )


async def prep_members(connection, subject_id: UUID):
    return await connection.fetch(
        f"SELECT m.is_leader, {SUMMARY} FROM prep_group_members m"
        " JOIN teachers t ON t.id = m.teacher_id"
        f" WHERE m.subject_id = $1 ORDER BY {BY_NAME}",
        subject_id,
    )


async def replace_prep_group(connection, school_id: UUID, grade: int,
                             subject_id: UUID, leader_ids: list[UUID],
                             member_ids: list[UUID]) -> None:
    """Make the group exactly these members, of whom these lead."""
    await connection.execute(
        "DELETE FROM prep_group_members"
        " WHERE subject_id = $1 AND NOT teacher_id = ANY($2)",
        subject_id, member_ids,
    )
    await connection.execute(
        "INSERT INTO prep_group_members"
        " (school_id, grade, subject_id, teacher_id, is_leader)"
        " SELECT $1, $2, $3, member, member = ANY($5) FROM unnest($4::uuid[]) member"
        " ON CONFLICT (subject_id, teacher_id)"
        " DO UPDATE SET is_leader = EXCLUDED.is_leader",
        school_id, grade, subject_id, member_ids, leader_ids,
    )


async def add_prep_members(connection, school_id: UUID, grade: int,
                           subject_id: UUID, teacher_ids: list[UUID]) -> list[UUID]:
    """Add members who are not in the group yet; answers who was added."""
    rows = await connection.fetch(
        "INSERT INTO prep_group_members (school_id, grade, subject_id, teacher_id)"
        " SELECT $1, $2, $3, teacher FROM unnest($4::uuid[]) teacher"
        " ON CONFLICT DO NOTHING RETURNING teacher_id",
        school_id, grade, subject_id, teacher_ids,
    )
    return [row["teacher_id"] for row in rows]


# --- grade leaders ---------------------------------------------------------------

async def grade_leaders(connection, school_id: UUID, grade: int):
    return await connection.fetch(
        f"SELECT {SUMMARY} FROM grade_leaders l JOIN teachers t ON t.id = l.teacher_id"
        f" WHERE l.school_id = $1 AND l.grade = $2 ORDER BY {BY_NAME}",
        school_id, grade,
    )


async def replace_grade_leaders(connection, school_id: UUID, grade: int,
                                teacher_ids: list[UUID]) -> None:
    await connection.execute(
        "DELETE FROM grade_leaders WHERE school_id = $1 AND grade = $2"
        " AND NOT teacher_id = ANY($3)",
        school_id, grade, teacher_ids,
    )
    await connection.execute(
        "INSERT INTO grade_leaders (school_id, grade, teacher_id)"
        " SELECT $1, $2, teacher FROM unnest($3::uuid[]) teacher"
        " ON CONFLICT DO NOTHING",
        school_id, grade, teacher_ids,
    )


# --- head teachers ---------------------------------------------------------------

async def head_teacher(connection, class_id: UUID):
    return await connection.fetchrow(
        f"SELECT {SUMMARY} FROM class_head_teachers h"
        " JOIN teachers t ON t.id = h.teacher_id WHERE h.class_id = $1",
        class_id,
    )


async def set_head_teacher(connection, class_id: UUID,
                           teacher_id: UUID | None) -> None:
    if teacher_id is None:
        await connection.execute(
            "DELETE FROM class_head_teachers WHERE class_id = $1", class_id
        )
        return
    await connection.execute(
        "INSERT INTO class_head_teachers (class_id, teacher_id) VALUES ($1, $2)"
        " ON CONFLICT (class_id) DO UPDATE SET teacher_id = EXCLUDED.teacher_id",
        class_id, teacher_id,
    )


async def grade_head_teachers(connection, school_id: UUID, grade: int):
    return await connection.fetch(
        f"SELECT h.class_id, {SUMMARY} FROM class_head_teachers h"
        " JOIN classes c ON c.id = h.class_id JOIN teachers t ON t.id = h.teacher_id"
        " WHERE c.school_id = $1 AND c.grade = $2",
        school_id, grade,
    )


# --- class subject teachers ------------------------------------------------------

async def class_subject_teachers(connection, class_id: UUID, subject_id: UUID):
    return await connection.fetch(
        f"SELECT {SUMMARY} FROM class_subject_teachers s"
        " JOIN teachers t ON t.id = s.teacher_id"
        f" WHERE s.class_id = $1 AND s.subject_id = $2 ORDER BY {BY_NAME}",
        class_id, subject_id,
    )


async def replace_class_subject_teachers(connection, class_id: UUID,
                                         subject_id: UUID,
                                         teacher_ids: list[UUID]) -> None:
    await connection.execute(
        "DELETE FROM class_subject_teachers WHERE class_id = $1 AND subject_id = $2"
        " AND NOT teacher_id = ANY($3)",
        class_id, subject_id, teacher_ids,
    )
    await connection.execute(
        "INSERT INTO class_subject_teachers (class_id, subject_id, teacher_id)"
        " SELECT $1, $2, teacher FROM unnest($3::uuid[]) teacher"
        " ON CONFLICT DO NOTHING",
        class_id, subject_id, teacher_ids,
    )


async def grade_subject_teachers(connection, school_id: UUID, grade: int):
    return await connection.fetch(
        f"SELECT s.class_id, s.subject_id, {SUMMARY} FROM class_subject_teachers s"
        " JOIN classes c ON c.id = s.class_id JOIN teachers t ON t.id = s.teacher_id"
        f" WHERE c.school_id = $1 AND c.grade = $2 ORDER BY {BY_NAME}",
        school_id, grade,
    )


# --- clearing a grade ------------------------------------------------------------

async def clear_grade(connection, school_id: UUID, grade: int) -> dict[str, int]:
    """Remove the grade's head teachers, subject teachers and leaders; counts each."""
    in_grade = "SELECT id FROM classes WHERE school_id = $1 AND grade = $2"
    heads = await connection.fetch(
        f"DELETE FROM class_head_teachers WHERE class_id IN ({in_grade})"
        " RETURNING class_id",
        school_id, grade,
    )
    subjects = await connection.fetch(
        f"DELETE FROM class_subject_teachers WHERE class_id IN ({in_grade})"
        " RETURNING class_id",
        school_id, grade,
    )
    leaders = await connection.fetch(
        "DELETE FROM grade_leaders WHERE school_id = $1 AND grade = $2"
        " RETURNING teacher_id",
        school_id, grade,
    )
    return {"head_teachers": len(heads), "subject_teachers": len(subjects),
            "leaders": len(leaders)}
