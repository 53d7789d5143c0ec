"""What identity asks the roster: the students of a scope, a student's record.

Identity keeps accounts, not the school's structure or students' ID documents.
"""

from uuid import UUID

import structlog

from shared.contracts.common import Caller
from shared.contracts.identity import ScopeIn
from shared.errors import Conflict


async def scoped_students(bus, params: ScopeIn, caller: Caller) -> list[dict]:
    """The current students of the admin's school, grade or class, asked as the
    admin, so that the roster scopes them to the admin's school (and answers 404
    for another school's class)."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    answer = await bus.call(
        "roster.account_scope",
        params.model_dump(mode="json", include=set(ScopeIn.model_fields)),
        ctx={"caller": caller.model_dump(mode="json"), "request_id": request_id},
    )
    return [_record(item, answer["school_id"]) for item in answer["items"]]


async def student_record(bus, kid: int) -> dict:
    """The current roster record of the student with this kid."""
    found = await bus.call("roster.student_documents", {"kids": [kid]})
    if not found:
        raise Conflict("该学生已不在校，无法关联，请联系学校")
    return _record(found[0], found[0]["school_id"]) | {"name": found[0]["name"]}


def _record(item: dict, school_id) -> dict:
    return {"student_id": UUID(item["student_id"]), "kid": item["kid"],
            "school_id": UUID(str(school_id)), "id_type": item["id_type"],
            "id_number": item["id_number"]}
