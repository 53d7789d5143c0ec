"""Links between parent accounts and the roster records of their children."""

from uuid import UUID

import asyncpg


async def link(connection: asyncpg.Connection, *, parent_account_id: UUID,
               student: dict, relation: str, made_by: str) -> bool:
    """Link the parent to the student's record; a live link takes the new relation.

    `student` is a roster record: student_id, kid, school_id, id_type, id_number.
    True when a new link was made.
    """
    made = await connection.fetchval(
        """
        INSERT INTO parent_links (parent_account_id, student_kid, student_id,
            school_id, student_id_type, student_id_number, relation, made_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (parent_account_id, student_id) WHERE ended_at IS NULL
        DO UPDATE SET relation = EXCLUDED.relation
        RETURNING xmax = 0
        """,
        parent_account_id, student["kid"], student["student_id"],
        student["school_id"], student["id_type"], student["id_number"], relation,
        made_by,
    )
    return bool(made)


async def children(connection: asyncpg.Connection,
                   parent_account_id: UUID) -> list[asyncpg.Record]:
    """The parent's live links with the child's name from the child's account."""
    return await connection.fetch(
        """
        SELECT l.student_kid AS kid, a.name, l.relation, l.school_id
        FROM parent_links l
        LEFT JOIN accounts a ON a.kid = l.student_kid AND a.kind = 'student'
        WHERE l.parent_account_id = $1 AND l.ended_at IS NULL
        ORDER BY l.created_at
        """,
        parent_account_id,
    )


async def end_links(connection: asyncpg.Connection, student_ids: list[UUID]) -> int:
    """The student records left the school: their links end."""
    result = await connection.execute(
        "UPDATE parent_links SET ended_at = now()"
        " WHERE student_id = ANY($1) AND ended_at IS NULL",
        student_ids,
    )
    return int(result.split()[-1])


async def links_to_make(connection: asyncpg.Connection,
                        students: list[dict]) -> list[asyncpg.Record]:
    """For records of these students, the parents linked before to the same ID
    document but not to this record: one row per (record, parent), the relation
    the parent gave last. Only active parent accounts count."""
    return await connection.fetch(
        """
        WITH scope AS (
            SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[],
                                 $5::text[])
                AS s(student_id, kid, school_id, id_type, id_number)
        )
        SELECT DISTINCT ON (s.student_id, l.parent_account_id)
               s.student_id, s.kid, s.school_id, s.id_type, s.id_number,
               l.parent_account_id, l.relation
        FROM scope s
        JOIN parent_links l ON l.student_id_type = s.id_type
                           AND l.student_id_number = s.id_number
        JOIN accounts p ON p.id = l.parent_account_id AND p.status = 'active'
        WHERE NOT EXISTS (
            SELECT 1 FROM parent_links live
            WHERE live.parent_account_id = l.parent_account_id
              AND live.student_id = s.student_id AND live.ended_at IS NULL)
        ORDER BY s.student_id, l.parent_account_id, l.created_at DESC
        """,
        [s["student_id"] for s in students], [s["kid"] for s in students],
        [s["school_id"] for s in students], [s["id_type"] for s in students],
        [s["id_number"] for s in students],
    )
