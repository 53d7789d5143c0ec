"""What identity asks the roster about students' accounts, and its audit entries.

Identity keeps accounts but not the school's structure: for a batch activation or a
parent-link sync it asks which current students a school, grade or class holds, and
for a parent's activation which ID document a kid's record carries. Changes made
there by a school admin come back as `identity.school_changes` events and land in
the school's audit trail here, like every other change.
"""

from shared.contracts.common import Caller
from shared.contracts.identity import (
    ScopedStudents,
    ScopeIn,
    StudentDocument,
    StudentDocumentsIn,
)
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.service import event_handler, rpc

from services.roster.audit import record_change
from services.roster.grades import parse_grade
from services.roster.storage import schools as school_storage

CLASS_NOT_FOUND = "班级不存在，请重新选择班级"

# Current students: graduates have left the school's lists.
_SCOPED = """
    SELECT s.id AS student_id, s.kid, s.id_type, s.id_number
    FROM students s
    WHERE s.school_id = $1 AND s.status <> 'graduated' {narrowing}
    ORDER BY s.kid
"""


class AccountScopeHandlers:
    @rpc(model=ScopeIn)
    async def account_scope(self, params: ScopeIn, caller: Caller) -> ScopedStudents:
        """The current students of the admin's school, grade or class.

        A class of another school is as absent as an unknown one; a grade the school
        does not have is bad input.
        """
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            narrowing, args = await _narrowing(connection, school_id, params)
            rows = await connection.fetch(_SCOPED.format(narrowing=narrowing),
                                          school_id, *args)
        return ScopedStudents(school_id=school_id, items=[dict(r) for r in rows])

    @rpc(model=StudentDocumentsIn)
    async def student_documents(self, params: StudentDocumentsIn,
                                caller: Caller) -> list[StudentDocument]:
        """The current records of these kids with their ID documents.

        Identity asks this inside the bus while a parent activates; no person may.
        """
        if caller.kind is not None:
            raise Forbidden()
        async with self.pool.acquire() as connection:
            rows = await connection.fetch(
                "SELECT id AS student_id, kid, school_id, name, id_type, id_number"
                " FROM students WHERE kid = ANY($1) AND status <> 'graduated'",
                params.kids,
            )
        return [StudentDocument.model_validate(dict(row)) for row in rows]

    @event_handler("identity.school_changes")
    async def on_identity_school_changes(self, envelope: dict, connection) -> None:
        """An admin's change to accounts, written to the school's audit trail."""
        for change in envelope["data"]["changes"]:
            actor = Caller.model_validate(change["actor"])
            await record_change(
                connection, actor, action=change["action"],
                target_kind=change["target_kind"], target_id=change.get("target_id"),
                before=change.get("before"), after=change.get("after"),
                school_id=change["school_id"],
            )


async def _narrowing(connection, school_id, params: ScopeIn) -> tuple[str, list]:
    if params.scope == "school":
        return "", []
    if params.scope == "grade":
        school = await school_storage.school(connection, school_id)
        try:
            grade = parse_grade(params.grade, school["stages"])
        except NotFound as error:
            raise InvalidInput(error.message) from None
        return "AND s.grade = $2", [grade]

    found = await connection.fetchval(
        "SELECT id FROM classes WHERE id = $1 AND school_id = $2",
        params.class_id, school_id,
    )
    if found is None:
        raise NotFound(CLASS_NOT_FOUND)
    return "AND s.class_id = $2", [params.class_id]
