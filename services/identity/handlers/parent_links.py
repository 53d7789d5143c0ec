"""Parents' links to their children: the batch sync a school admin runs.

A link remembers the student's ID document. When the student's record changes
(a transfer in, a record made again), the sync finds the parents linked before to
the same document and links them to the new record, so they need not activate
again.
"""

from shared.contracts.common import Caller
from shared.contracts.identity import ScopeIn
from shared.logging import get_logger
from shared.service import rpc

from services.identity.audit import record_school_changes, school_change
from services.identity.roster_queries import scoped_students
from services.identity.storage import parent_links

log = get_logger("identity.parent_links")


class ParentLinkHandlers:
    @rpc(model=ScopeIn)
    async def sync_parents(self, params: ScopeIn, caller: Caller) -> dict:
        """Link parents again to the scope's students by ID number; how many."""
        school_id = caller.require_school_admin()
        students = [student for student in
                    await scoped_students(self.bus, params, caller)
                    if student["id_number"]]

        async with self.pool.acquire() as connection, connection.transaction():
            linked = 0
            for pair in await parent_links.links_to_make(connection, students):
                linked += await parent_links.link(
                    connection, parent_account_id=pair["parent_account_id"],
                    student=pair, relation=pair["relation"], made_by="sync",
                )
            await record_school_changes(connection, [school_change(
                caller, school_id, action="sync_parents", target_kind="parent_links",
                after=params.model_dump(mode="json") | {"linked": linked},
            )])
        log.info("parent_links_synced", linked=linked, students=len(students))
        return {"linked": linked}
