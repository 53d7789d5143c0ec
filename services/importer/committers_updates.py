"""Where the student update and ID-number completion imports land (see committers).

Rows name students by kid. The preview asks roster what it holds for each row,
so a kid that is no current student of the school, a class the school lacks, a
number someone keeps or an ID number a current student holds are errors before
anything lands; each batch is checked again when it lands.
"""

from dataclasses import dataclass

from shared.validators.grades import GRADE_NAMES, grade_number
from shared.validators.id_numbers import MAINLAND_ID, sex_of

NOT_CURRENT = "kid为{kid}的学生不是本校的在校学生，请核对kid"
HAS_OTHER = "该学生已有证件号码，如需修改请在学生管理中编辑"


def job_ctx(job) -> dict:
    """The request context of a job's calls: its admin, a request id naming it."""
    return {"caller": job["caller"], "request_id": f"import-{job['id']}"}


# Rows per call to roster: each moved student gets an audit entry of their own,
# and a call must end well within the RPC timeout whatever the batch size.
ROWS_PER_CALL = 500


async def call_in_parts(bus, method: str, job, rows: list[dict],
                        size: int = ROWS_PER_CALL) -> list[dict]:
    """Send a batch's rows to roster `size` at a time; the answers in row order."""
    answers = []
    for start in range(0, len(rows), size):
        answers += await bus.call(method, {"job_id": str(job["id"]),
                                           "rows": rows[start:start + size]},
                                  ctx=job_ctx(job))
    return answers


def refuse(row, message: str) -> None:
    row.status = "error"
    row.messages.append(message)


def note(row, message: str) -> None:
    if row.status == "ok":
        row.status = "warning"
    row.messages.append(message)


def _seat_text(grade: str, class_number, number) -> str:
    place = f"({class_number})班" if class_number is not None else "未分班"
    return f"{grade}{place}，学号{number}"


def _name_differs(row, finding) -> None:
    written = row.data.get("name")
    if written and written != finding["name"]:
        note(row, f"姓名与系统中的“{finding['name']}”不一致，请核对kid；"
                  "本次导入不修改姓名")


@dataclass(frozen=True)
class StudentUpdateCommitter:
    """Students update: each row moves a student to a class and student number."""

    async def validator_context(self, bus, job) -> dict:
        grades = await bus.call("roster.list_grades", {}, ctx=job_ctx(job))
        return {"grades": [grade["grade_name"] for grade in grades["items"]]}

    async def precheck(self, bus, job, chunk) -> None:
        candidates = {r.row: r for r in chunk if r.status != "error"}
        if not candidates:
            return
        probes = [{"row": r.row, "kid": r.data["kid"],
                   "grade": grade_number(r.data["grade"]),
                   "class_number": r.data["class_number"],
                   "student_number": r.data["student_number"]}
                  for r in candidates.values()]
        findings = await bus.call("roster.probe_student_seats", {"rows": probes},
                                  ctx=job_ctx(job))
        held = {}
        for finding in findings:
            row = candidates[finding["row"]]
            if self._read(row, finding):
                held[row.row] = finding
        self._settle(candidates, held)

    def _read(self, row, finding) -> bool:
        """Note what roster says of the row; True when someone holds its number."""
        data = row.data
        if not finding["found"]:
            refuse(row, NOT_CURRENT.format(kid=data["kid"]))
            return False
        if not finding["class_exists"]:
            refuse(row, f"本校没有{data['grade']}({data['class_number']})班，"
                        "请先在班级管理中添加")
            return False
        _name_differs(row, finding)
        before = (finding["grade"], finding["class_number"],
                  finding["student_number"])
        data["changed"] = before != (grade_number(data["grade"]),
                                     data["class_number"], data["student_number"])
        data["before"] = _seat_text(GRADE_NAMES.get(finding["grade"], "未分年级"),
                                    finding["class_number"], finding["student_number"])
        return finding["holder_kid"] is not None

    def _settle(self, candidates: dict, held: dict) -> None:
        """A number held by a student whose own row moves them is free; refusing
        a row can keep a number held for another, so this runs until stable."""
        while True:
            movers = {r.data["kid"] for r in candidates.values()
                      if r.status != "error" and r.data.get("changed")}
            blocked = [(candidates[n], f) for n, f in held.items()
                       if candidates[n].status != "error"
                       and f["holder_kid"] not in movers]
            for row, finding in blocked:
                refuse(row, finding["taken"])
            if not blocked:
                break
        for number, finding in held.items():
            if candidates[number].status != "error":
                candidates[number].data["displaces"] = [finding["holder_kid"]]

    async def commit(self, bus, job, batch) -> list[dict]:
        rows = [{"row": r["row"], "kid": r["data"]["kid"],
                 "grade": grade_number(r["data"]["grade"]),
                 "class_number": r["data"]["class_number"],
                 "student_number": r["data"]["student_number"],
                 "displaces": r["data"].get("displaces", [])} for r in batch]
        return await call_in_parts(bus, "roster.update_student_seats", job, rows)


@dataclass(frozen=True)
class IdCompletionCommitter:
    """ID-number completion: each row gives a student without one their number."""

    async def validator_context(self, bus, job) -> dict:
        return {}

    async def precheck(self, bus, job, chunk) -> None:
        candidates = {r.row: r for r in chunk if r.status != "error"}
        if not candidates:
            return
        probes = [{"row": r.row, "kid": r.data["kid"], "id_type": r.data["id_type"],
                   "id_number": r.data["id_number"]} for r in candidates.values()]
        findings = await bus.call("roster.probe_student_documents", {"rows": probes},
                                  ctx=job_ctx(job))
        for finding in findings:
            self._read(candidates[finding["row"]], finding)

    def _read(self, row, finding) -> None:
        data = row.data
        if not finding["found"]:
            refuse(row, NOT_CURRENT.format(kid=data["kid"]))
        elif finding["has_other"]:
            refuse(row, HAS_OTHER)
        elif finding["held"]:
            refuse(row, finding["held"])
        else:
            _name_differs(row, finding)
            data["changed"] = not finding["same"]
            if (data["id_type"] == MAINLAND_ID
                    and sex_of(data["id_number"]) != finding["gender"]):
                note(row, f"证件号码显示为{sex_of(data['id_number'])}性，与系统中的"
                          f"性别“{finding['gender']}”不一致，请核对")

    async def commit(self, bus, job, batch) -> list[dict]:
        rows = [{"row": r["row"], **{f: r["data"][f] for f in
                                     ("kid", "id_type", "id_number")}}
                for r in batch]
        return await call_in_parts(bus, "roster.complete_student_documents", job,
                                   rows)
