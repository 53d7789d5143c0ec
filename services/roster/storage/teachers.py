"""Teachers, always looked up within one school."""

from uuid import UUID

import asyncpg

TEACHER_COLUMNS = (
    "id, school_id, kid, name, gender, id_type, id_number, phone, remark, status,"
    " permissions, created_at"
)


async def insert_teacher(connection: asyncpg.Connection, school_id: UUID, fields: dict,
                         permissions: list[str] = ()) -> asyncpg.Record:
    return await connection.fetchrow(
        f"""
        INSERT INTO teachers (school_id, name, gender, id_type, id_number, phone,
                              remark, permissions)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        RETURNING {TEACHER_COLUMNS}
        """,
        school_id, fields["name"], fields["gender"], fields["id_type"],
        fields.get("id_number"), fields.get("phone"), fields.get("remark"),
        list(permissions),
    )


async def teacher_in_school(connection, school_id: UUID, teacher_id: UUID, *,
                            for_update: bool = False):
    lock = " FOR UPDATE" if for_update else ""
    return await connection.fetchrow(
        f"SELECT {TEACHER_COLUMNS} FROM teachers"
        f" WHERE id = $1 AND school_id = $2{lock}",
        teacher_id, school_id,
    )


async def teachers_by_ids(connection, school_id: UUID, teacher_ids: list[UUID], *,
                          for_update: bool = False):
    lock = " FOR UPDATE" if for_update else ""
    return await connection.fetch(
        f"SELECT {TEACHER_COLUMNS} FROM teachers"
        f" WHERE school_id = $1 AND id = ANY($2) ORDER BY id{lock}",
        school_id, teacher_ids,
    )


_EDITABLE = ("name", "gender", "id_type", "id_number", "phone", "remark", "permissions")


async def update_teacher(connection, teacher_id: UUID, changes: dict):
    fields = [name for name in _EDITABLE if name in changes]
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    return await connection.fetchrow(
        f"UPDATE teachers SET {assignments} WHERE id = $1 RETURNING {TEACHER_COLUMNS}",
        teacher_id, *(changes[name] for name in fields),
    )


async def set_status(connection, school_id: UUID, teacher_ids: list[UUID], status: str):
    return await connection.fetch(
        f"UPDATE teachers SET status = $3 WHERE school_id = $1 AND id = ANY($2)"
        f" RETURNING {TEACHER_COLUMNS}",
        school_id, teacher_ids, status,
    )


async def delete_teacher(connection, teacher_id: UUID) -> None:
    await connection.execute("DELETE FROM teachers WHERE id = $1", teacher_id)


async def enabled_admin_ids(connection, school_id: UUID) -> list[UUID]:
    rows = await connection.fetch(
        "SELECT id FROM teachers WHERE school_id = $1 AND status = 'active'"
        " AND 'admin' = ANY(permissions)",
        school_id,
    )
    return [row["id"] for row in rows]


def _search(args: list, q: str) -> str:
    """Part of a name, or a whole remark, kid, phone number or ID number."""
    args.append(q)
    n = len(args)
    kid_match = f" OR kid::text = ${n}" if q.isdigit() else ""
    return (f"(strpos(name, ${n}) > 0 OR remark = ${n}{kid_match}"
            f" OR phone = ${n} OR id_number = upper(${n}))")


async def teacher_page(connection, school_id: UUID, *, q: str | None,
                       status: str | None, limit: int, offset: int):
    """One page of a school's teachers by name, and how many match in all."""
    where = ["school_id = $1"]
    args: list = [school_id]
    if status:
        args.append(status)
        where.append(f"status = ${len(args)}")
    if q:
        where.append(_search(args, q))
    condition = " AND ".join(where)
    total = await connection.fetchval(
        f"SELECT count(*) FROM teachers WHERE {condition}", *args
    )
    rows = await connection.fetch(
        f"SELECT {TEACHER_COLUMNS} FROM teachers WHERE {condition}"
        f" ORDER BY name, kid LIMIT {int(limit)} OFFSET {int(offset)}",
        *args,
    )
    return rows, total


async def existing_id_numbers(connection, school_id: UUID, id_numbers: list[str]):
    rows = await connection.fetch(
        "SELECT id_number FROM teachers WHERE school_id = $1 AND id_number = ANY($2)",
        school_id, id_numbers,
    )
    return {row["id_number"] for row in rows}


async def existing_phones(connection, school_id: UUID, phones: list[str]):
    rows = await connection.fetch(
        "SELECT phone FROM teachers WHERE school_id = $1 AND phone = ANY($2)",
        school_id, phones,
    )
    return {row["phone"] for row in rows}


async def phone_holders(connection, school_id: UUID, phones: list[str]) -> dict:
    """The teachers of the school holding these phone numbers, by number."""
    rows = await connection.fetch(
        f"SELECT {TEACHER_COLUMNS} FROM teachers"
        f" WHERE school_id = $1 AND phone = ANY($2)",
        school_id, phones,
    )
    return {row["phone"]: row for row in rows}


async def insert_imported_teachers(connection, school_id: UUID, job_id: UUID,
                                   rows: list[dict]) -> list[asyncpg.Record]:
    """Insert the rows not there yet; a row whose import_ref, ID number or phone
    number exists is skipped.

    No conflict target: a repeated import_ref (the batch sent again), and an ID
    number or a phone number the school already has, are all skipped, and the
    caller tells them apart.
    """
    return await connection.fetch(
        f"""
        INSERT INTO teachers (school_id, name, gender, id_type, id_number, phone,
                              remark, import_ref)
        SELECT $1, r.name, r.gender, r.id_type, r.id_number, r.phone, r.remark,
               $2 || ':' || r.row
        FROM jsonb_to_recordset($3::jsonb) AS r(row int, name text, gender text,
             id_type text, id_number text, phone text, remark text)
        ON CONFLICT DO NOTHING
        RETURNING {TEACHER_COLUMNS}, import_ref
        """,
        school_id, str(job_id), rows,
    )


async def teachers_by_import_refs(connection, refs: list[str]):
    return await connection.fetch(
        "SELECT kid, import_ref FROM teachers WHERE import_ref = ANY($1)", refs
    )


async def export_page(connection, school_id: UUID, status: str | None,
                      after_kid: int, limit: int):
    condition = " AND status = $4" if status else ""
    args = [school_id, after_kid, limit] + ([status] if status else [])
    return await connection.fetch(
        f"SELECT kid, name, gender, remark, permissions, status FROM teachers"
        f" WHERE school_id = $1 AND kid > $2{condition} ORDER BY kid LIMIT $3",
        *args,
    )
