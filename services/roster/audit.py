"""The audit trail: every change a person makes, with who, when, before and after."""

from typing import Any

import structlog

from shared.contracts.common import Caller


def snapshot(row) -> dict[str, Any] | None:
    """A record as the audit keeps it: plain values, no binary blobs."""
    if row is None:
        return None
    return {key: value for key, value in dict(row).items()
            if not isinstance(value, (bytes, memoryview))}


async def record_change(
    connection,
    caller: Caller,
    *,
    action: str,
    target_kind: str,
    target_id: Any = None,
    before: Any = None,
    after: Any = None,
    school_id: Any = None,
) -> None:
    """Write one audit entry inside the caller's transaction."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    await connection.execute(
        """
        INSERT INTO audit_log (school_id, actor_account_id, actor_kid, actor_kind,
                               action, target_kind, target_id, before, after,
                               request_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        """,
        school_id or caller.school_id, caller.account_id, caller.kid, caller.kind,
        action, target_kind, None if target_id is None else str(target_id),
        _plain(before), _plain(after), request_id,
    )


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (dict, list)):
        return value
    return snapshot(value)
