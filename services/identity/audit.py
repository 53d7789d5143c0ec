"""Changes people make to accounts, sent to the school's audit trail.

The audit trail lives with the roster; identity records an `identity.school_changes`
event in the transaction of the change, and the roster writes the entry.
"""

from typing import Any
from uuid import UUID

from shared.contracts.common import Caller
from shared.db.outbox import record_event


def school_change(actor: Caller, school_id: UUID, *, action: str, target_kind: str,
                  target_id: Any = None, before: Any = None,
                  after: Any = None) -> dict:
    return {
        "actor": actor.model_dump(mode="json"), "school_id": str(school_id),
        "action": action, "target_kind": target_kind,
        "target_id": None if target_id is None else str(target_id),
        "before": before, "after": after,
    }


async def record_school_changes(connection, changes: list[dict]) -> None:
    """Send the entries to the audit trail; call inside the change's transaction."""
    if changes:
        await record_event(connection, "identity.school_changes",
                           {"changes": changes})


def actor_of(account) -> Caller:
    """An account acting for itself (activating, linking a child)."""
    return Caller(account_id=account["id"], kid=account["kid"], kind=account["kind"],
                  school_id=account["school_id"])
