"""Where each kind of import lands: the roster calls that check and create its rows.

A committer knows three things about its kind: what the validator needs to know of
the school (its grades), which rows clash with what roster already holds (checked
chunk by chunk while parsing, so the preview shows them), and how a batch of valid
rows is created (a call that is safe to repeat after a crash).
"""

from dataclasses import dataclass

from shared.errors import InvalidInput

from shared.validators.grades import grade_number
from shared.validators.id_numbers import MAINLAND_ID

from services.importer.committers_staffing import (
    AssignmentCommitter,
    PrepLeaderCommitter,
)
from services.importer.committers_updates import (
    IdCompletionCommitter,
    StudentUpdateCommitter,
)

DUPLICATE_TEACHER = "证件号码与本校已有教师重复"


def _ctx(job) -> dict:
    return {"caller": job["caller"], "request_id": f"import-{job['id']}"}


def _refuse(row, message: str) -> None:
    row.status = "error"
    row.messages.append(message)


def _note(row, message: str) -> None:
    if row.status == "ok":
        row.status = "warning"
    row.messages.append(message)


@dataclass(frozen=True)
class TeacherCommitter:
    """Teachers: ID numbers the school already has are errors before anything lands."""

    fields = ("name", "gender", "id_type", "id_number", "phone", "remark")

    async def validator_context(self, bus, job) -> dict:
        return {}

    async def precheck(self, bus, job, chunk) -> None:
        wanted = {r.data["id_number"]: r for r in chunk
                  if r.status != "error" and r.data.get("id_number")}
        if not wanted:
            return
        known = await bus.call("roster.known_teacher_id_numbers",
                               {"id_numbers": list(wanted)}, ctx=_ctx(job))
        for id_number in known:
            _refuse(wanted[id_number], DUPLICATE_TEACHER)

    async def commit(self, bus, job, batch) -> list[dict]:
        rows = [{"row": r["row"], **{f: r["data"].get(f) for f in self.fields}}
                for r in batch]
        return await bus.call("roster.import_teachers",
                              {"job_id": str(job["id"]), "rows": rows}, ctx=_ctx(job))


@dataclass(frozen=True)
class StudentCommitter:
    """Students: a grade the school lacks, an ID number of a current student
    elsewhere, or a student number taken in the class are errors in the preview."""

    fields = ("name", "gender", "class_number", "student_number", "id_type",
              "id_number", "registry_number", "enrolment")
    # The checks refuse a student repeated in the file, so batches never touch
    # the same rows, and roster may work on one while the database stores another.
    batches_in_flight = 2

    async def validator_context(self, bus, job) -> dict:
        grades = await bus.call("roster.list_grades", {}, ctx=_ctx(job))
        return {"grades": [grade["grade_name"] for grade in grades["items"]]}

    async def precheck(self, bus, job, chunk) -> None:
        candidates = {r.row: r for r in chunk if r.status != "error"}
        if not candidates:
            return
        await self._announce_new_classes(bus, job, candidates.values())
        probes = [_worth_sending({
                      "row": r.row, "id_type": r.data.get("id_type"),
                      "id_number": r.data.get("id_number"),
                      "student_number": r.data.get("student_number"),
                      "grade": grade_number(r.data["grade"]),
                      "class_number": r.data.get("class_number")})
                  for r in candidates.values()]
        answers = await bus.call("roster.known_student_conflicts", {"rows": probes},
                                 ctx=_ctx(job))
        for answer in answers:
            row = candidates[answer["row"]]
            for message in answer.get("messages", []):
                _refuse(row, message)
            for notice in answer.get("notices", []):
                _note(row, notice)

    async def _announce_new_classes(self, bus, job, rows) -> None:
        """A class the school does not have yet will be made: say so, so a typo in
        the class column shows in the preview instead of becoming a new class."""
        existing = await _administrative_classes(bus, job)
        for row in rows:
            place = (grade_number(row.data["grade"]), row.data["class_number"])
            if place not in existing:
                _note(row, f"本校还没有{row.data['grade']}({place[1]})班，"
                           "确认导入时将新建这个班级")

    async def commit(self, bus, job, batch) -> list[dict]:
        rows = [_worth_sending({"row": r["row"],
                                "grade": grade_number(r["data"]["grade"]),
                                **{f: r["data"].get(f) for f in self.fields}})
                for r in batch]
        return await bus.call("roster.import_students",
                              {"job_id": str(job["id"]), "rows": rows}, ctx=_ctx(job))


# What roster takes a student field left out of a row to be.
_ROSTER_ASSUMES = {"id_type": MAINLAND_ID, "id_number": None,
                   "registry_number": None, "enrolment": "在籍"}


def _worth_sending(values: dict) -> dict:
    """The values roster would not assume of a field left out: most rows are
    mostly defaults, and each byte less is less JSON for three processes."""
    return {key: value for key, value in values.items()
            if key not in _ROSTER_ASSUMES or value != _ROSTER_ASSUMES[key]}


async def _administrative_classes(bus, job) -> set[tuple[int, int]]:
    places, page = set(), 1
    while True:
        found = await bus.call("roster.list_classes",
                               {"kind": "administrative", "page": page,
                                "page_size": 500}, ctx=_ctx(job))
        places |= {(c["grade"], c["number"]) for c in found["items"]}
        if page * 500 >= found["total"]:
            return places
        page += 1


_COMMITTERS = {
    "teachers": TeacherCommitter(),
    "students": StudentCommitter(),
    "students-update": StudentUpdateCommitter(),
    "students-id-completion": IdCompletionCommitter(),
    "prep-leaders": PrepLeaderCommitter(),
    "assignments": AssignmentCommitter(),
}


def committer_for(kind: str):
    try:
        return _COMMITTERS[kind]
    except KeyError:
        raise InvalidInput(f"暂不支持“{kind}”类型的导入") from None


def supported_kinds() -> tuple[str, ...]:
    return tuple(_COMMITTERS)
