"""The roster side of student imports: the preview's conflict check and the batches.

An imported row names its administrative class by grade and number; the class is
made when the school lacks it. Its student number must be free in that class,
so a class not made yet has every number free.
"""

from pydantic import RootModel

from shared.contracts.common import Caller
from shared.contracts.roster import (
    RowResult,
    StudentConflict,
    StudentConflictQuery,
    StudentImportBatch,
)
from shared.db.outbox import record_event
from shared.logging import get_logger
from shared.service import rpc
from shared.validators.id_numbers import MAINLAND_ID

from services.roster.audit import record_change
from services.roster.grades import grade_name, school_grades
from services.roster.handlers.students import (
    id_number_held,
    link_transfer,
    number_taken,
    student_event,
)
from services.roster.storage import schools as school_storage
from services.roster.storage import students as storage

log = get_logger("roster.student_imports")

DUPLICATE_STUDENT = "学号或证件号码与已有学生重复"


class RowResults(RootModel[list[RowResult]]):
    """A batch's answer, row by row: one model, so thousands of rows are checked
    and turned into JSON in one pass rather than one model at a time."""


class StudentImportHandlers:
    @rpc(model=StudentConflictQuery)
    async def known_student_conflicts(self, params: StudentConflictQuery,
                                      caller: Caller) -> list[StudentConflict]:
        """For an import preview: the rows whose ID number a current student holds
        (here or elsewhere), whose student number is taken in the row's class, or
        whose ID number was transferred out of another school. Rows with nothing
        to say are left out.
        """
        school_id = caller.require_school_admin()
        probes = [_with_id_type(p) for p in params.model_dump()["rows"]]
        async with self.pool.acquire() as connection:
            holders = await _id_holders(connection, probes)
            taken = await _number_holders(connection, school_id, probes)
            sources = {_document(s): s for s in await storage.transfer_sources(
                connection, school_id, _documents(probes))}

        # Most rows have nothing to say: only those with a finding become answers.
        return [_conflict(p, school_id, holders, taken, sources) for p in probes
                if p["row"] in taken or (p["id_number"] and (
                    _document(p) in holders or _document(p) in sources))]

    @rpc(model=StudentImportBatch)
    async def import_students(self, params: StudentImportBatch,
                              caller: Caller) -> RowResults:
        """Create a batch of imported students; the same batch sent again is harmless.

        Each row's administrative class is found, or made, by grade and number; a
        row whose ID number was transferred out of another school keeps its kid.
        Answers each row with the kid it got, or why it was not created.
        """
        school_id = caller.require_school_admin()
        rows = [_with_id_type(r) | {"import_ref": f"{params.job_id}:{r['row']}"}
                for r in params.model_dump()["rows"]]
        async with self.pool.acquire() as connection, connection.transaction():
            school = await school_storage.school(connection, school_id)
            landed = {r["import_ref"]: r["kid"] for r in
                      await storage.students_by_import_refs(
                          connection, [r["import_ref"] for r in rows])}
            errors = _grade_errors(school, rows)
            fresh = [r for r in rows
                     if r["import_ref"] not in landed and r["row"] not in errors]
            # The unique indexes decide: the insert skips a row whose student
            # number or ID number is held (by a current student, a row of this
            # batch or a racing one), and only the rows it skipped are looked into.
            created = await _create_imported(connection, caller, school_id, fresh)
            landed |= {r["import_ref"]: r["kid"] for r in created}
            missed = [r for r in fresh if r["import_ref"] not in landed]
            landed |= await _landed_meanwhile(connection, missed)
            missed = [r for r in missed if r["import_ref"] not in landed]
            errors |= await _conflict_messages(connection, school_id, missed)

        log.info("students_imported", job_id=str(params.job_id), created=len(created))
        return RowResults.model_validate(
            [{"row": r["row"], "kid": landed.get(r["import_ref"]),
              "error": None if r["import_ref"] in landed
              else errors.get(r["row"], DUPLICATE_STUDENT)}
             for r in rows])


# --- steps of the entry points above -------------------------------------------


async def _id_holders(connection, rows: list[dict]) -> dict:
    return {_document(h): h for h in await storage.import_id_holders(
        connection, _documents(rows))}


async def _number_holders(connection, school_id, rows: list[dict]) -> dict:
    """Who holds each row's student number in the row's class, by sheet row.

    Imported rows always name a class, so the claim is the class's; a class the
    school does not have yet has every number free.
    """
    numbered = [r for r in rows if r["student_number"]]
    classes = await storage.administrative_class_ids(
        connection, school_id, {(r["grade"], r["class_number"]) for r in numbered}
    )
    claims = {r["row"]: (classes[place], r["student_number"]) for r in numbered
              if (place := (r["grade"], r["class_number"])) in classes}
    found = {(h["claimed_class_id"], h["student_number"]): h
             for h in await storage.import_number_holders(
                 connection, list(set(claims.values())))}
    return {row: found[claim] for row, claim in claims.items() if claim in found}


async def _landed_meanwhile(connection, rows) -> dict:
    """The kids of these rows that the same batch, sent again while this one was
    in flight (a worker that died and a worker that took over), has created."""
    if not rows:
        return {}
    return {r["import_ref"]: r["kid"] for r in await storage.students_by_import_refs(
        connection, [r["import_ref"] for r in rows])}


async def _conflict_messages(connection, school_id, rows) -> dict:
    """Why each of these rows cannot be added, by sheet row."""
    if not rows:
        return {}
    id_holders = await _id_holders(connection, rows)
    number_holders = await _number_holders(connection, school_id, rows)

    messages = {}
    for row in rows:
        holder = id_holders.get(_document(row))
        if holder is not None:
            messages[row["row"]] = id_number_held(holder["school_name"])
        elif row["row"] in number_holders:
            messages[row["row"]] = number_taken(number_holders[row["row"]])
    return messages


async def _create_imported(connection, caller, school_id, rows) -> list:
    if not rows:
        return []
    made, classes = await storage.administrative_classes(
        connection, school_id, {(r["grade"], r["class_number"]) for r in rows}
    )
    sources = {_document(s): s for s in await storage.transfer_sources(
        connection, school_id, _documents(rows))}
    for row in rows:
        row["class_id"] = classes[(row["grade"], row["class_number"])]
        source = sources.get(_document(row))
        row["kid"] = source["kid"] if source is not None else None
    created = await storage.insert_imported_students(connection, school_id, rows)

    for made_class in made:
        await record_change(connection, caller, action="import",
                            target_kind="class", target_id=made_class["id"],
                            after=made_class)
    if created:
        await _announce_imported(connection, caller, created, sources)
    return created


async def _announce_imported(connection, caller, created, sources) -> None:
    await record_change(connection, caller, action="import",
                        target_kind="student", target_id=None,
                        after={"created": len(created),
                               "kids": [r["kid"] for r in created]})
    await record_event(connection, "roster.students.created",
                       {"students": [student_event(r) for r in created]})
    linked = [(row, sources[_document(row)]) for row in created
              if _document(row) in sources
              and sources[_document(row)]["kid"] == row["kid"]]
    if linked:
        await link_transfer(connection, linked)


def _with_id_type(row: dict) -> dict:
    row["id_type"] = row.get("id_type") or MAINLAND_ID
    return row


def _document(row) -> tuple[str, str | None]:
    return row["id_type"], row["id_number"]


def _documents(rows) -> list[tuple[str, str]]:
    return list({_document(r) for r in rows if r["id_number"]})


def _grade_errors(school, rows: list[dict]) -> dict:
    grades = set(school_grades(school["stages"]))
    return {r["row"]: f"本校没有{grade_name(r['grade'])}，请核对年级"
            for r in rows if r["grade"] not in grades}


def _conflict(probe, school_id, id_holders, number_holders,
              sources) -> StudentConflict:
    found = StudentConflict(row=probe["row"])
    holder = id_holders.get(_document(probe)) if probe["id_number"] else None
    if holder is not None:
        found.id_number_school = holder["school_name"]
        found.id_number_here = holder["school_id"] == school_id
        found.messages.append(id_number_held(holder["school_name"]))
    if probe["row"] in number_holders:
        found.student_number_taken = True
        found.messages.append(number_taken(number_holders[probe["row"]]))
    source = sources.get(_document(probe)) if holder is None else None
    if source is not None:
        found.transferred_from = source["school_name"]
        found.notices.append(f"该学生从{source['school_name']}转入，将沿用原来的 kid")
    return found
