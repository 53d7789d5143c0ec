"""Reading a school's audit trail, newest first."""

from datetime import date
from uuid import UUID

# Days are the school's days: the platform serves schools in China.
SCHOOL_TIME_ZONE = "Asia/Shanghai"


async def audit_page(connection, school_id: UUID, *, kind: str | None,
                     action: str | None, first_day: date | None,
                     last_day: date | None, limit: int, offset: int):
    """One page of entries matching the filters, and how many match in all.

    `first_day` and `last_day` are both included.
    """
    where = ["a.school_id = $1"]
    args: list = [school_id]
    for column, value in (("a.target_kind", kind), ("a.action", action)):
        if value is not None:
            args.append(value)
            where.append(f"{column} = ${len(args)}")
    if first_day is not None:
        args.append(first_day)
        where.append(f"a.at >= (${len(args)}::date)::timestamp"
                     f" AT TIME ZONE '{SCHOOL_TIME_ZONE}'")
    if last_day is not None:
        args.append(last_day)
        where.append(f"a.at < (${len(args)}::date + 1)::timestamp"
                     f" AT TIME ZONE '{SCHOOL_TIME_ZONE}'")
    condition = " AND ".join(where)

    total = await connection.fetchval(
        f"SELECT count(*) FROM audit_log a WHERE {condition}", *args
    )
    rows = await connection.fetch(
        f"""
        SELECT a.id, a.at, a.actor_account_id, a.actor_kid, a.actor_kind, a.action,
               a.target_kind, a.target_id, a.before, a.after, t.name AS actor_name
        FROM audit_log a
        LEFT JOIN teachers t ON t.kid = a.actor_kid AND t.school_id = a.school_id
        WHERE {condition}
        ORDER BY a.at DESC, a.id DESC
        LIMIT {int(limit)} OFFSET {int(offset)}
        """,
        *args,
    )
    return rows, total
