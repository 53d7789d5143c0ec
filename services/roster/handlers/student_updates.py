"""Students changed by kid from a spreadsheet: new seats, completed ID numbers.

A seat is a class of a grade (or no class in the grade) with a student number.
A batch lands whole moves: the numbers of the students moving are freed first,
so two students swapping numbers, or a chain of moves, lands in one go. A row
whose number is held by a student of another batch of the same file, who moves
elsewhere, names that student in `displaces`: they give the number up now and get
their own when their row lands. A row already landed is unchanged when sent again.
"""

from uuid import UUID

from shared.contracts.common import Caller
from shared.contracts.roster import RowResult
from shared.contracts.roster.student_updates import (
    DocumentBatch,
    DocumentFinding,
    DocumentProbe,
    MissingIdQuery,
    SeatBatch,
    SeatFinding,
    SeatProbe,
)
from shared.db.outbox import record_event
from shared.errors import InvalidInput
from shared.logging import get_logger
from shared.service import rpc
from shared.validators.id_numbers import normalise

from services.roster.audit import record_change
from services.roster.grades import grade_name, school_grades
from services.roster.handlers.students import (
    holder_claim,
    id_number_held,
    number_claim,
    number_taken,
    student_event,
)
from services.roster.storage import schools as school_storage
from services.roster.storage import student_updates as storage
from services.roster.storage import students as student_storage

log = get_logger("roster.student_updates")

NOT_CURRENT = "kid为{kid}的学生不是本校的在校学生，请核对kid"
HAS_OTHER = "该学生已有证件号码，如需修改请在学生管理中编辑"
SEAT_FIELDS = ("grade", "class_id", "class_number", "student_number")


def _seat(student) -> dict:
    return {"grade": student["grade"], "grade_name": grade_name(student["grade"]),
            "class_number": student["class_number"],
            "student_number": student["student_number"]}


def _missing_class(grade: int, number: int) -> str:
    return f"本校没有{grade_name(grade)}({number})班，请先在班级管理中添加"


async def _class_ids(connection, school_id: UUID, rows) -> dict:
    places = {(r.grade, r.class_number) for r in rows if r.class_number is not None}
    return await student_storage.administrative_class_ids(connection, school_id,
                                                          places)


async def _holders(connection, school_id: UUID, claims) -> dict:
    found = await storage.seat_holders(connection, school_id, list(set(claims)))
    return {holder_claim(holder): holder for holder in found}


class _SeatPlan:
    """Which rows of a batch move whom where, and which rows cannot land."""

    def __init__(self, rows, students: dict, classes: dict, grades: set[int]):
        self.results: dict[int, RowResult] = {}
        self.moves: dict[int, tuple] = {}
        for row in rows:
            self._place(row, students.get(row.kid), classes, grades)

    def _place(self, row, student, classes: dict, grades: set[int]) -> None:
        if student is None:
            self._refuse(row, NOT_CURRENT.format(kid=row.kid))
            return
        if row.grade not in grades:
            self._refuse(row, f"本校没有{grade_name(row.grade)}，请核对年级")
            return
        class_id = None
        if row.class_number is not None:
            class_id = classes.get((row.grade, row.class_number))
            if class_id is None:
                self._refuse(row, _missing_class(row.grade, row.class_number))
                return
        seat = (row.grade, class_id, row.student_number)
        now = (student["grade"], student["class_id"], student["student_number"])
        self.results[row.row] = RowResult(row=row.row, kid=row.kid)
        if seat != now:
            self.moves[row.row] = (row, student, seat)

    def _refuse(self, row, message: str) -> None:
        self.results[row.row] = RowResult(row=row.row, error=message)

    def claims(self) -> dict[int, tuple]:
        """Where each move's number must be unique, by sheet row."""
        return {sheet_row: number_claim(seat[1], seat[0], seat[2])
                for sheet_row, (_, _, seat) in self.moves.items()}

    def settle(self, holders: dict, displaceable: dict) -> dict[UUID, dict]:
        """Refuse the moves whose number stays held; answer the students to park.

        A number is free when its holder moves too, or gives it up for a row of
        the same file; refusing one move can keep a number held for another, so
        this runs until nothing changes.
        """
        while (refusal := self._refusal(holders, displaceable)) is not None:
            sheet_row, message = refusal
            self._refuse(self.moves.pop(sheet_row)[0], message)
        blockers = self._blockers(holders)
        return {holder["id"]: displaceable[holder["kid"]]
                for holder in blockers.values()}

    def _refusal(self, holders: dict, displaceable: dict) -> tuple | None:
        """The first move that cannot land, and why."""
        claimed: dict[tuple, int] = {}
        for sheet_row, claim in self.claims().items():
            if claim in claimed:
                return sheet_row, f"与第{claimed[claim]}行重复（同一班级的学号相同）"
            claimed[claim] = sheet_row
        for sheet_row, holder in self._blockers(holders).items():
            if not (holder["kid"] in self.moves[sheet_row][0].displaces
                    and holder["kid"] in displaceable):
                return sheet_row, number_taken(holder)
        return None

    def _blockers(self, holders: dict) -> dict[int, dict]:
        """By sheet row, who holds the move's number and is neither the student
        nor moving in this batch."""
        moving = {student["id"] for _, student, _ in self.moves.values()}
        return {sheet_row: holder for sheet_row, claim in self.claims().items()
                if (holder := holders.get(claim)) is not None
                and holder["id"] not in moving}


class StudentUpdateHandlers:
    # --- class and student number --------------------------------------------

    @rpc(model=SeatProbe)
    async def probe_student_seats(self, params: SeatProbe,
                                  caller: Caller) -> list[SeatFinding]:
        """For a student update preview: each row's student, where they sit, whether
        the row's class exists, and who holds the row's number there now."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            students = {s["kid"]: s for s in await storage.current_by_kids(
                connection, school_id, [r.kid for r in params.rows])}
            classes = await _class_ids(connection, school_id, params.rows)
            claims = {r.row: number_claim(classes.get((r.grade, r.class_number)),
                                          r.grade, r.student_number)
                      for r in params.rows
                      if r.class_number is None
                      or (r.grade, r.class_number) in classes}
            holders = await _holders(connection, school_id, claims.values())
        return [_seat_finding(r, students.get(r.kid), r.row in claims,
                              holders.get(claims.get(r.row)))
                for r in params.rows]

    @rpc(model=SeatBatch)
    async def update_student_seats(self, params: SeatBatch,
                                   caller: Caller) -> list[RowResult]:
        """Move a batch of students to their rows' seats; safe to send again.

        Answers each row with the student's kid, or why it did not land. Each
        student who moves gets an audit entry with their seat before and after,
        and a new class history row when the class changed.
        """
        school_id = caller.require_school_admin()
        # Only students of other batches give a number up: one of this batch
        # that stays put keeps it.
        displaced = ({kid for row in params.rows for kid in row.displaces}
                     - {row.kid for row in params.rows})
        async with self.pool.acquire() as connection, connection.transaction():
            school = await school_storage.school(connection, school_id)
            kids = list({row.kid for row in params.rows} | displaced)
            students = {s["kid"]: s for s in await storage.current_by_kids(
                connection, school_id, kids, for_update=True)}
            classes = await _class_ids(connection, school_id, params.rows)
            plan = _SeatPlan(params.rows, students,
                             classes, set(school_grades(school["stages"])))
            holders = await _holders(connection, school_id, plan.claims().values())
            parked = plan.settle(holders, {k: students[k] for k in displaced
                                           if k in students})
            if plan.moves:
                await self._move(connection, caller, list(plan.moves.values()),
                                 list(parked.values()))
        log.info("student_seats_updated", job_id=str(params.job_id),
                 moved=len(plan.moves), parked=len(parked))
        return [plan.results[row.row] for row in params.rows]

    async def _move(self, connection, caller: Caller, moves: list,
                    parked: list) -> None:
        students = [student for _, student, _ in moves]
        await storage.clear_numbers(connection, [s["id"] for s in students + parked])
        await storage.move(connection, [(s["id"], *seat) for _, s, seat in moves])
        changed_class = [s["id"] for _, s, seat in moves if seat[1] != s["class_id"]]
        if changed_class:
            await storage.close_class_histories(connection, changed_class)
            await student_storage.open_class_history(connection, changed_class)

        after = {s["kid"]: s for s in await storage.current_by_kids(
            connection, caller.school_id, [s["kid"] for s in students + parked])}
        for before in students + parked:
            await record_change(connection, caller, action="import_update",
                                target_kind="student", target_id=before["id"],
                                before=_seat(before), after=_seat(after[before["kid"]]))
        await record_event(connection, "roster.students.changed",
                           {"students": [student_event(s) for s in after.values()]})

    # --- ID numbers ------------------------------------------------------------

    @rpc(model=MissingIdQuery)
    async def students_missing_id_for_export(self, params: MissingIdQuery,
                                             caller: Caller) -> list[dict]:
        """One page, by kid, of the school's current students without an ID number."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            rows = await storage.missing_id_page(connection, school_id,
                                                 params.after_kid, params.limit)
        return [dict(row) | {"grade_name": grade_name(row["grade"])} for row in rows]

    @rpc(model=DocumentProbe)
    async def probe_student_documents(self, params: DocumentProbe,
                                      caller: Caller) -> list[DocumentFinding]:
        """For an ID-number completion preview: each row's student, whether they
        have an ID number already, and which school's current student holds the
        row's number (as adding a student would refuse it)."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            students = {s["kid"]: s for s in await storage.current_by_kids(
                connection, school_id, [r.kid for r in params.rows])}
            holders = await _document_holders(connection, params.rows)
        return [_document_finding(r, students.get(r.kid), holders) for r in params.rows]

    @rpc(model=DocumentBatch)
    async def complete_student_documents(self, params: DocumentBatch,
                                         caller: Caller) -> list[RowResult]:
        """Give a batch of students without an ID number theirs; safe to send again.

        A student who has another ID number already is left alone, and a number
        a current student holds (here or at another school) is refused.
        """
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            students = {s["kid"]: s for s in await storage.current_by_kids(
                connection, school_id, [r.kid for r in params.rows], for_update=True)}
            rows = [_normalised(row) for row in params.rows]
            holders = await _document_holders(connection, [r for r, _ in rows if r])
            results, landing = _document_plan(rows, students, holders)
            if landing:
                await self._complete(connection, caller, landing)
        log.info("student_documents_completed", job_id=str(params.job_id),
                 completed=len(landing))
        return results

    async def _complete(self, connection, caller: Caller, landing: list) -> None:
        await storage.set_documents(
            connection, [(s["id"], r.id_type, r.id_number) for r, s in landing])
        for row, student in landing:
            await record_change(
                connection, caller, action="import_update", target_kind="student",
                target_id=student["id"],
                before={"id_type": student["id_type"], "id_number": None},
                after={"id_type": row.id_type, "id_number": row.id_number})
        await record_event(connection, "roster.students.changed",
                           {"students": [student_event(s) for _, s in landing]})


# --- steps of the entry points above -------------------------------------------


def _seat_finding(row, student, class_exists: bool, holder) -> SeatFinding:
    if student is None:
        return SeatFinding(row=row.row, found=False)
    finding = SeatFinding(row=row.row, found=True, name=student["name"],
                          grade=student["grade"],
                          class_number=student["class_number"],
                          student_number=student["student_number"],
                          class_exists=class_exists)
    if holder is not None and holder["kid"] != row.kid:
        finding.holder_kid = holder["kid"]
        finding.taken = number_taken(holder)
    return finding


async def _document_holders(connection, rows) -> dict:
    documents = list({(r.id_type, r.id_number) for r in rows})
    found = await student_storage.id_number_holders(connection, documents)
    return {(h["id_type"], h["id_number"]): h for h in found}


def _document_finding(row, student, holders: dict) -> DocumentFinding:
    if student is None:
        return DocumentFinding(row=row.row, found=False)
    holder = holders.get((row.id_type, row.id_number))
    same = (student["id_type"], student["id_number"]) == (row.id_type, row.id_number)
    return DocumentFinding(
        row=row.row, found=True, name=student["name"], gender=student["gender"],
        same=same, has_other=student["id_number"] is not None and not same,
        held=(id_number_held(holder["school_name"])
              if holder is not None and holder["id"] != student["id"] else None),
    )


def _normalised(row):
    """The row with its number as stored, or (None, why) when it is no number."""
    try:
        return row.model_copy(update={"id_number": normalise(row.id_type,
                                                             row.id_number)}), None
    except InvalidInput as error:
        return None, RowResult(row=row.row, error=error.message)


def _document_plan(rows, students: dict, holders: dict):
    """Each row's result, and the (row, student) pairs that get their number."""
    results, landing, numbers = [], [], {}
    for row, refused in rows:
        if refused is not None:
            results.append(refused)
            continue
        finding = _document_finding(row, students.get(row.kid), holders)
        problem = (NOT_CURRENT.format(kid=row.kid) if not finding.found
                   else HAS_OTHER if finding.has_other else finding.held)
        document = (row.id_type, row.id_number)
        if problem is None and document in numbers and not finding.same:
            problem = f"与第{numbers[document]}行重复（证件号码相同）"
        if problem is not None:
            results.append(RowResult(row=row.row, error=problem))
            continue
        numbers[document] = row.row
        results.append(RowResult(row=row.row, kid=row.kid))
        if not finding.same:
            landing.append((row, students[row.kid]))
    return results, landing
