"""The audit trail of a school: every change a person made, newest first."""

from datetime import date

from shared.contracts.common import Caller
from shared.contracts.roster import AuditEntry, AuditPage, AuditQuery
from shared.service import rpc

from services.roster.storage import audit as storage


def audit_entry(row) -> AuditEntry:
    return AuditEntry(
        id=row["id"], at=row["at"], action=row["action"],
        actor={"account_id": row["actor_account_id"], "kid": row["actor_kid"],
               "kind": row["actor_kind"], "name": row["actor_name"]},
        target_kind=row["target_kind"], target_id=row["target_id"],
        before=row["before"], after=row["after"],
    )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class AuditHandlers:
    @rpc(model=AuditQuery)
    async def list_audit(self, params: AuditQuery, caller: Caller) -> AuditPage:
        """The caller's school's entries only; other schools' never show."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            rows, total = await storage.audit_page(
                connection, school_id, kind=params.kind, action=params.action,
                first_day=_day(params.from_), last_day=_day(params.to),
                limit=params.page_size, offset=params.offset,
            )
        return AuditPage(items=[audit_entry(row) for row in rows], total=total)
