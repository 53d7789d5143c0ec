"""Classes and the students sitting in them, always within one school.

A class counts its current students (everyone not graduated) and, apart, those
enrolled (在籍): students on loan (借读) sit in a class but stay out of statistics.
"""

from uuid import UUID

CLASS_COLUMNS = "id, school_id, grade, kind, number, alias, virtual, sort_order"

_COUNTED = f"""
SELECT {", ".join("c." + column for column in CLASS_COLUMNS.split(", "))},
       count(s.id) AS student_count,
       count(s.id) FILTER (WHERE s.enrolment = '在籍') AS counted_count
FROM classes c
LEFT JOIN students s ON s.class_id = c.id AND s.school_id = c.school_id
                    AND s.status <> 'graduated'
"""

# Administrative classes first, then tiered, then elective, as the manual's tabs.
_ORDER = ("ORDER BY c.grade, array_position(ARRAY['administrative', 'tiered',"
          " 'elective'], c.kind), c.sort_order, c.number")


async def class_page(connection, school_id: UUID, *, grade: int | None,
                     kind: str | None, limit: int, offset: int):
    """One page of a school's current classes with their counts, and the total."""
    where = ["c.school_id = $1", "c.grade IS NOT NULL"]
    args: list = [school_id]
    if grade is not None:
        args.append(grade)
        where.append(f"c.grade = ${len(args)}")
    if kind is not None:
        args.append(kind)
        where.append(f"c.kind = ${len(args)}")
    condition = " AND ".join(where)
    total = await connection.fetchval(
        f"SELECT count(*) FROM classes c WHERE {condition}", *args
    )
    rows = await connection.fetch(
        f"{_COUNTED} WHERE {condition} GROUP BY c.id {_ORDER}"
        f" LIMIT {int(limit)} OFFSET {int(offset)}",
        *args,
    )
    return rows, total


async def counted_class(connection, school_id: UUID, class_id: UUID):
    return await connection.fetchrow(
        f"{_COUNTED} WHERE c.id = $1 AND c.school_id = $2 GROUP BY c.id",
        class_id, school_id,
    )


async def class_in_school(connection, school_id: UUID, class_id: UUID, *,
                          for_update: bool = False):
    lock = " FOR UPDATE" if for_update else ""
    return await connection.fetchrow(
        f"SELECT {CLASS_COLUMNS} FROM classes WHERE id = $1 AND school_id = $2{lock}",
        class_id, school_id,
    )


async def highest_number(connection, school_id: UUID, grade: int, kind: str) -> int:
    return await connection.fetchval(
        "SELECT coalesce(max(number), 0) FROM classes"
        " WHERE school_id = $1 AND grade = $2 AND kind = $3",
        school_id, grade, kind,
    )


async def insert_class(connection, school_id: UUID, fields: dict):
    return await connection.fetchrow(
        f"""
        INSERT INTO classes (school_id, grade, kind, number, alias, virtual, sort_order)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        RETURNING {CLASS_COLUMNS}
        """,
        school_id, fields["grade"], fields["kind"], fields["number"],
        fields.get("alias"), fields.get("virtual", False), fields.get("sort_order", 0),
    )


async def insert_numbered_classes(connection, school_id: UUID, grade: int, kind: str,
                                  numbers: list[int]):
    return await connection.fetch(
        f"""
        INSERT INTO classes (school_id, grade, kind, number)
        SELECT $1, $2, $3, number FROM unnest($4::int[]) AS number
        RETURNING {CLASS_COLUMNS}
        """,
        school_id, grade, kind, numbers,
    )


_EDITABLE = ("number", "alias", "virtual", "sort_order")


async def update_class(connection, class_id: UUID, changes: dict):
    fields = [name for name in _EDITABLE if name in changes]
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    return await connection.fetchrow(
        f"UPDATE classes SET {assignments} WHERE id = $1 RETURNING {CLASS_COLUMNS}",
        class_id, *(changes[name] for name in fields),
    )


async def delete_class(connection, class_id: UUID) -> None:
    """Delete a class; its head teacher and subject teachers go with it."""
    await connection.execute("DELETE FROM classes WHERE id = $1", class_id)


async def students_on_record(connection, class_id: UUID):
    """How many students still name the class: (current ones, graduated ones)."""
    row = await connection.fetchrow(
        "SELECT count(*) FILTER (WHERE status <> 'graduated') AS current,"
        " count(*) FILTER (WHERE status = 'graduated') AS graduated"
        " FROM students WHERE class_id = $1",
        class_id,
    )
    return row["current"], row["graduated"]


async def students_in_class(connection, school_id: UUID, class_id: UUID):
    """The class's current students by student number (numbers read as numbers)."""
    return await connection.fetch(
        """
        SELECT id, kid, name, gender, grade, class_id, student_number,
               registry_number, id_type, id_number, enrolment, status
        FROM students
        WHERE school_id = $1 AND class_id = $2 AND status <> 'graduated'
        ORDER BY lpad(student_number, 32, '0') NULLS LAST, kid
        """,
        school_id, class_id,
    )
