"""How identity's records are shown to callers."""

import asyncpg

from shared.contracts.identity import AccountView


def account_view(row: asyncpg.Record, children=None) -> AccountView:
    return AccountView(
        id=row["id"], kid=row["kid"], kind=row["kind"], name=row["name"],
        school_id=row["school_id"], permissions=list(row["permissions"]),
        must_change_password=row["must_change_password"],
        children=None if children is None else [dict(child) for child in children],
    )


def wait_minutes(seconds: float) -> str:
    """A lock's wait as a person reads it: 30秒, 2分钟."""
    seconds = max(1, int(seconds))
    return f"{seconds}秒" if seconds < 60 else f"{(seconds + 59) // 60}分钟"
