"""Students, their class history and the archive of those transferred out.

"Current" students are those not graduated: the unique indexes on student numbers
(per class, or per grade for students without a class) and ID numbers
(platform-wide) hold among them only.
"""

from uuid import UUID

import asyncpg

_COLUMNS = (
    "s.id, s.school_id, s.kid, s.name, s.gender, s.id_type, s.id_number, s.grade,"
    " s.class_id, c.number AS class_number, s.student_number, s.registry_number,"
    " s.enrolment, s.status, s.import_ref, s.created_at"
)
# A class is always called by its number: (3)班.
_SELECT = (
    f"SELECT {_COLUMNS}, '(' || c.number || ')班' AS class_name"
    " FROM {source} s LEFT JOIN classes c ON c.id = s.class_id"
)
_STUDENTS = _SELECT.format(source="students")
_CHANGED = _SELECT.format(source="changed")
_EDITABLE = ("name", "gender", "id_type", "id_number", "grade", "class_id",
             "student_number", "registry_number", "enrolment")


async def insert_student(connection, school_id: UUID, fields: dict,
                         kid: int | None) -> asyncpg.Record:
    """A new student; `kid` is the one they keep when transferred in, else a new one."""
    return await connection.fetchrow(
        f"""
        WITH changed AS (
            INSERT INTO students (school_id, kid, name, gender, id_type, id_number,
                                  grade, class_id, student_number, registry_number,
                                  enrolment)
            VALUES ($1, coalesce($2, nextval('kid_seq')), $3, $4, $5, $6, $7, $8, $9,
                    $10, $11)
            RETURNING *
        )
        {_CHANGED}
        """,
        school_id, kid, fields["name"], fields["gender"], fields["id_type"],
        fields.get("id_number"), fields["grade"], fields.get("class_id"),
        fields["student_number"], fields.get("registry_number"), fields["enrolment"],
    )


async def student_in_school(connection, school_id: UUID, student_id: UUID, *,
                            for_update: bool = False):
    lock = " FOR UPDATE OF s" if for_update else ""
    return await connection.fetchrow(
        f"{_STUDENTS} WHERE s.id = $1 AND s.school_id = $2{lock}",
        student_id, school_id,
    )


async def students_by_ids(connection, school_id: UUID, student_ids: list[UUID], *,
                          for_update: bool = False):
    lock = " FOR UPDATE OF s" if for_update else ""
    return await connection.fetch(
        f"{_STUDENTS} WHERE s.school_id = $1 AND s.id = ANY($2) ORDER BY s.id{lock}",
        school_id, student_ids,
    )


async def update_student(connection, student_id: UUID, changes: dict):
    fields = [name for name in _EDITABLE if name in changes]
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    return await connection.fetchrow(
        f"""
        WITH changed AS (
            UPDATE students SET {assignments} WHERE id = $1 RETURNING *
        )
        {_CHANGED}
        """,
        student_id, *(changes[name] for name in fields),
    )


async def set_status(connection, school_id: UUID, student_ids: list[UUID],
                     status: str):
    return await connection.fetch(
        f"""
        WITH changed AS (
            UPDATE students SET status = $3
            WHERE school_id = $1 AND id = ANY($2) RETURNING *
        )
        {_CHANGED} ORDER BY s.id
        """,
        school_id, student_ids, status,
    )


async def delete_student(connection, student_id: UUID) -> None:
    """Delete for good: the record and where it sat."""
    await connection.execute(
        "DELETE FROM student_class_history WHERE student_id = $1", student_id
    )
    await connection.execute("DELETE FROM students WHERE id = $1", student_id)


# --- lists -----------------------------------------------------------------------


def _search(args: list, q: str) -> str:
    """Student number, name, registry number, kid or ID number, as the list's box."""
    args.append(q)
    n = len(args)
    condition = (f"strpos(s.name, ${n}) > 0 OR s.student_number = ${n}"
                 f" OR s.registry_number = upper(${n}) OR s.id_number = upper(${n})")
    if q.isdigit() and len(q) <= 18:
        args.append(int(q))
        condition += f" OR s.kid = ${len(args)}"
    return f"({condition})"


async def student_page(connection, school_id: UUID, *, q: str | None,
                       grade: int | None, class_id: UUID | None, status: str | None,
                       enrolment: str | None, limit: int, offset: int):
    """One page of a school's students in class order, how many match, and how
    many of those are counted (在籍). Without a status, graduates are left out."""
    args: list = [school_id]
    where = ["s.school_id = $1"]
    for column, value in (("grade", grade), ("class_id", class_id),
                          ("status", status), ("enrolment", enrolment)):
        if value is not None:
            args.append(value)
            where.append(f"s.{column} = ${len(args)}")
    if status is None:
        where.append("s.status <> 'graduated'")
    if q:
        where.append(_search(args, q))
    condition = " AND ".join(where)

    counts = await connection.fetchrow(
        f"SELECT count(*) AS total, count(*) FILTER (WHERE s.enrolment = '在籍')"
        f" AS counted FROM students s WHERE {condition}",
        *args,
    )
    rows = await connection.fetch(
        f"{_STUDENTS} WHERE {condition}"
        " ORDER BY s.grade NULLS LAST, c.number NULLS LAST,"
        " length(s.student_number), s.student_number, s.kid"
        f" LIMIT {int(limit)} OFFSET {int(offset)}",
        *args,
    )
    return rows, counts["total"], counts["counted"]


# --- placement and uniqueness ----------------------------------------------------


async def class_in_school(connection, school_id: UUID, class_id: UUID):
    return await connection.fetchrow(
        "SELECT id, grade, kind, number FROM classes WHERE id = $1 AND school_id = $2",
        class_id, school_id,
    )


async def id_number_holders(connection, documents: list[tuple[str, str]], *,
                            except_student: UUID | None = None):
    """The current students holding these (type, number) documents, and their school."""
    if not documents:
        return []
    types, numbers = zip(*documents)
    return await connection.fetch(
        """
        SELECT s.id, s.id_type, s.id_number, s.school_id, sc.name AS school_name
        FROM students s JOIN schools sc ON sc.id = s.school_id
        WHERE s.status <> 'graduated' AND s.id_number IS NOT NULL
          AND (s.id_type, s.id_number) IN (
              SELECT * FROM unnest($1::text[], $2::text[]))
          AND s.id IS DISTINCT FROM $3
        """,
        list(types), list(numbers), except_student,
    )


async def number_holders(connection, school_id: UUID,
                         claims: list[tuple[UUID | None, int | None, str]], *,
                         except_student: UUID | None = None):
    """The current students holding these student numbers where they are claimed.

    A claim is (class_id, None, number) for a class, or (None, grade, number) for
    the grade's students without a class. Each answer carries its claim
    (claimed_class_id, claimed_grade, student_number) and where the holder sits
    (grade, class_number).
    """
    if not claims:
        return []
    class_ids, grades, numbers = (list(column) for column in zip(*claims))
    return await connection.fetch(
        """
        SELECT p.class_id AS claimed_class_id, p.grade AS claimed_grade,
               s.student_number, s.grade, c.number AS class_number
        FROM unnest($2::uuid[], $3::smallint[], $4::text[])
             AS p(class_id, grade, number)
        JOIN students s ON s.school_id = $1 AND s.status <> 'graduated'
             AND s.student_number = p.number
             AND (s.class_id = p.class_id
                  OR (p.class_id IS NULL AND s.class_id IS NULL
                      AND s.grade = p.grade))
        LEFT JOIN classes c ON c.id = s.class_id
        WHERE s.id IS DISTINCT FROM $5
        """,
        school_id, class_ids, grades, numbers, except_student,
    )


# --- class history ---------------------------------------------------------------


async def open_class_history(connection, student_ids: list[UUID]) -> None:
    """Start a history row for each of these students that sits in a class now."""
    await connection.execute(
        """
        INSERT INTO student_class_history (student_id, school_id, class_id, grade,
                                           academic_year, term)
        SELECT s.id, s.school_id, s.class_id, s.grade, sc.academic_year, sc.term
        FROM students s JOIN schools sc ON sc.id = s.school_id
        WHERE s.id = ANY($1) AND s.class_id IS NOT NULL
        """,
        student_ids,
    )


async def close_class_history(connection, student_id: UUID) -> None:
    await connection.execute(
        "UPDATE student_class_history SET ended_at = now()"
        " WHERE student_id = $1 AND ended_at IS NULL",
        student_id,
    )


async def class_history(connection, student_id: UUID):
    return await connection.fetch(
        """
        SELECT h.class_id, '(' || c.number || ')班' AS class_name, h.grade,
               h.academic_year, h.term, h.started_at, h.ended_at
        FROM student_class_history h LEFT JOIN classes c ON c.id = h.class_id
        WHERE h.student_id = $1 ORDER BY h.started_at, h.id
        """,
        student_id,
    )


# --- transfers -------------------------------------------------------------------

_ARCHIVE_COLUMNS = (
    "a.id, a.student_id, a.school_id, a.kid, a.id_type, a.id_number, a.record,"
    " a.class_history, a.reason, a.transferred_out_at,"
    " a.transferred_in_school_id IS NOT NULL AS transferred_in"
)


async def insert_archive(connection, student, record: dict, history: list[dict],
                         reason: str | None):
    return await connection.fetchrow(
        f"""
        INSERT INTO student_archive AS a (student_id, school_id, kid, id_type,
                                          id_number, record, class_history, reason)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        RETURNING {_ARCHIVE_COLUMNS}
        """,
        student["id"], student["school_id"], student["kid"], student["id_type"],
        student["id_number"], record, history, reason,
    )


async def transfer_sources(connection, school_id: UUID,
                           documents: list[tuple[str, str]]):
    """For each document, the latest archive of another school it left, whose kid
    no student holds now: a student added with it is that person transferring in."""
    if not documents:
        return []
    types, numbers = zip(*documents)
    return await connection.fetch(
        """
        SELECT DISTINCT ON (a.id_type, a.id_number)
               a.id, a.id_type, a.id_number, a.kid, a.school_id,
               sc.name AS school_name
        FROM student_archive a JOIN schools sc ON sc.id = a.school_id
        WHERE a.school_id <> $1
          AND (a.id_type, a.id_number) IN (
              SELECT * FROM unnest($2::text[], $3::text[]))
          AND NOT EXISTS (SELECT 1 FROM students s WHERE s.kid = a.kid)
        ORDER BY a.id_type, a.id_number, a.transferred_out_at DESC
        """,
        school_id, list(types), list(numbers),
    )


async def mark_transferred_in(connection, archive_ids: list[UUID],
                              school_id: UUID) -> None:
    await connection.execute(
        "UPDATE student_archive SET transferred_in_school_id = $2 WHERE id = ANY($1)",
        archive_ids, school_id,
    )


async def archive_in_school(connection, school_id: UUID, archive_id: UUID):
    return await connection.fetchrow(
        f"SELECT {_ARCHIVE_COLUMNS} FROM student_archive a"
        " WHERE a.id = $1 AND a.school_id = $2",
        archive_id, school_id,
    )


async def archive_page(connection, school_id: UUID, *, q: str | None, limit: int,
                       offset: int):
    """A school's transferred-out students, the latest first."""
    args: list = [school_id]
    condition = "a.school_id = $1"
    if q:
        args.append(q)
        n = len(args)
        search = (f"strpos(a.record->>'name', ${n}) > 0"
                  f" OR a.record->>'student_number' = ${n}"
                  f" OR a.record->>'registry_number' = upper(${n})"
                  f" OR a.id_number = upper(${n})")
        if q.isdigit() and len(q) <= 18:
            args.append(int(q))
            search += f" OR a.kid = ${len(args)}"
        condition += f" AND ({search})"
    total = await connection.fetchval(
        f"SELECT count(*) FROM student_archive a WHERE {condition}", *args
    )
    rows = await connection.fetch(
        f"SELECT {_ARCHIVE_COLUMNS} FROM student_archive a WHERE {condition}"
        " ORDER BY a.transferred_out_at DESC, a.id"
        f" LIMIT {int(limit)} OFFSET {int(offset)}",
        *args,
    )
    return rows, total


# --- imports ---------------------------------------------------------------------


async def students_by_import_refs(connection, refs: list[str]):
    return await connection.fetch(
        "SELECT id, kid, import_ref FROM students WHERE import_ref = ANY($1)", refs
    )


async def administrative_classes(connection, school_id: UUID,
                                 places: set[tuple[int, int]]):
    """The administrative classes (grade, number) of the school, made when missing.

    Answers the classes that were made, and a map of every place to its class id.
    """
    if not places:
        return [], {}
    # In one order, so batches making the same classes at once wait for each
    # other rather than deadlock.
    grades, numbers = (list(column) for column in zip(*sorted(places)))
    made = await connection.fetch(
        """
        INSERT INTO classes (school_id, grade, number)
        SELECT $1, p.grade, p.number
        FROM unnest($2::smallint[], $3::integer[]) AS p(grade, number)
        ON CONFLICT (school_id, grade, kind, number) WHERE grade IS NOT NULL
        DO NOTHING
        RETURNING id, grade, number
        """,
        school_id, grades, numbers,
    )
    return made, await administrative_class_ids(connection, school_id, places)


async def administrative_class_ids(connection, school_id: UUID,
                                   places: set[tuple[int, int]]) -> dict:
    """The id of each administrative class (grade, number) the school has."""
    if not places:
        return {}
    grades, numbers = (list(column) for column in zip(*places))
    rows = await connection.fetch(
        """
        SELECT id, grade, number FROM classes
        WHERE school_id = $1 AND kind = 'administrative'
          AND (grade, number) IN (
              SELECT * FROM unnest($2::smallint[], $3::integer[]))
        """,
        school_id, grades, numbers,
    )
    return {(row["grade"], row["number"]): row["id"] for row in rows}


async def import_id_holders(connection, documents: list[tuple[str, str]]):
    """id_number_holders for an import's rows, one index probe per document.

    A batch of thousands is looked up in the unique index rather than matched
    against every current student, so its cost does not grow with the platform.
    """
    if not documents:
        return []
    types, numbers = zip(*documents)
    return await connection.fetch(
        """
        SELECT s.id, s.id_type, s.id_number, s.school_id, sc.name AS school_name
        FROM unnest($1::text[], $2::text[]) AS d(id_type, id_number)
        CROSS JOIN LATERAL (
            SELECT s.id, s.id_type, s.id_number, s.school_id FROM students s
            WHERE s.id_type = d.id_type AND s.id_number = d.id_number
              AND s.status <> 'graduated' AND s.id_number IS NOT NULL
            LIMIT 1) s
        JOIN schools sc ON sc.id = s.school_id
        """,
        list(types), list(numbers),
    )


async def import_number_holders(connection, claims: list[tuple[UUID, str]]):
    """The current students holding these (class id, student number) claims, one
    index probe each; answered as number_holders answers a class's claim."""
    if not claims:
        return []
    class_ids, numbers = (list(column) for column in zip(*claims))
    return await connection.fetch(
        """
        SELECT p.class_id AS claimed_class_id, NULL::smallint AS claimed_grade,
               s.student_number, s.grade, c.number AS class_number
        FROM unnest($1::uuid[], $2::text[]) AS p(class_id, number)
        CROSS JOIN LATERAL (
            SELECT s.student_number, s.grade FROM students s
            WHERE s.class_id = p.class_id AND s.student_number = p.number
              AND s.status <> 'graduated'
            LIMIT 1) s
        JOIN classes c ON c.id = p.class_id
        """,
        class_ids, numbers,
    )


_IMPORTED_FIELDS = (
    ("kid", "bigint"), ("name", "text"), ("gender", "text"), ("id_type", "text"),
    ("id_number", "text"), ("grade", "smallint"), ("class_id", "uuid"),
    ("student_number", "text"), ("registry_number", "text"), ("enrolment", "text"),
    ("import_ref", "text"),
)


async def insert_imported_students(connection, school_id: UUID,
                                   rows: list[dict]) -> list[asyncpg.Record]:
    """Insert the rows not there yet, each opening its class history; a row whose
    import_ref, kid, student number or ID number is already held is skipped, and
    the caller finds out why.

    One statement for the whole batch, its columns sent as arrays. Answers the
    created students' id, school_id, kid, name, status, id_type, id_number and
    import_ref.
    """
    arguments = (school_id, *([row.get(name) for row in rows]
                              for name, _ in _IMPORTED_FIELDS))
    # The preview has sorted out conflicts already, so a batch nearly always goes
    # in whole, and a plain insert costs half of one that checks each unique
    # index for a conflict first. Only a batch that meets one is sent again
    # with ON CONFLICT DO NOTHING.
    try:
        async with connection.transaction():
            return await connection.fetch(_insert_imported(""), *arguments)
    except asyncpg.UniqueViolationError:
        return await connection.fetch(_insert_imported("ON CONFLICT DO NOTHING"),
                                      *arguments)


def _insert_imported(on_conflict: str) -> str:
    columns = ", ".join(name for name, _ in _IMPORTED_FIELDS)
    arrays = ", ".join(f"${n}::{kind}[]"
                       for n, (_, kind) in enumerate(_IMPORTED_FIELDS, start=2))
    return f"""
        WITH changed AS (
            INSERT INTO students (school_id, {columns})
            SELECT $1, coalesce(r.kid, nextval('kid_seq')), r.name, r.gender,
                   r.id_type, r.id_number, r.grade, r.class_id, r.student_number,
                   r.registry_number, r.enrolment, r.import_ref
            FROM unnest({arrays}) AS r({columns})
            {on_conflict}
            RETURNING id, school_id, kid, name, status, id_type, id_number, grade,
                      class_id, import_ref
        ), history AS (
            INSERT INTO student_class_history (student_id, school_id, class_id, grade,
                                               academic_year, term)
            SELECT c.id, c.school_id, c.class_id, c.grade, sc.academic_year, sc.term
            FROM changed c JOIN schools sc ON sc.id = c.school_id
            WHERE c.class_id IS NOT NULL
        )
        SELECT id, school_id, kid, name, status, id_type, id_number, import_ref
        FROM changed
    """


async def export_page(connection, school_id: UUID, after_kid: int, limit: int):
    """Current students by kid, from after `after_kid`: keyset pages for exports."""
    return await connection.fetch(
        f"{_STUDENTS} WHERE s.school_id = $1 AND s.status <> 'graduated'"
        f" AND s.kid > $2 ORDER BY s.kid LIMIT $3",
        school_id, after_kid, limit,
    )
