"""Where the staffing imports land: prep leaders and teaching assignments.

Their templates depend on the school (its grades, subjects and classes), and their
rows name teachers, matched while parsing against the school's teachers: the
validator gets the school's layout and every teacher, and nothing is left for a
precheck. A row lands whole or not at all; roster answers each row's outcome.
"""

from dataclasses import dataclass

from services.importer.committers_updates import call_in_parts, job_ctx
from services.importer.kinds.base import Column
from services.importer.kinds.names import chosen_ids
from services.importer.kinds.staffing import (
    ASSIGNMENT_COLUMNS,
    PREP_LEADER_COLUMNS,
    YES,
    NO,
    subject_columns,
)
from shared.validators.grades import grade_number

# The kinds whose rows name teachers, for the admin to settle before confirming.
NAMED_KINDS = ("prep-leaders", "assignments")
# The worker counts a row as landed when its result holds a kid; a staffing row
# lands without being one person, so it answers this kid.
LANDED = 0
# Rows per call to roster: a class row may change a dozen subjects, and each
# call must end well within the RPC timeout.
ROWS_PER_CALL = 25
TEACHER_PAGE = 2000


async def school_teachers(bus, ctx: dict) -> list[dict]:
    """Every teacher of the school, enabled or not, paged from roster by kid."""
    teachers, after = [], 0
    while page := await bus.call("roster.teachers_for_matching",
                                 {"after_kid": after, "limit": TEACHER_PAGE}, ctx=ctx):
        teachers += page
        after = page[-1]["kid"]
    return teachers


def subject_union(layout: dict) -> list[str]:
    """The subjects of all the school's grades, each once, in the grades' order."""
    return list(dict.fromkeys(name for grade in layout["grades"]
                              for name in grade["subjects"]))


def _fixed(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    return tuple(column for column in columns if column.kind != "rest")


def _staff(cells: list[dict]) -> list[dict]:
    """The subjects a row names teachers for, once dropped names are gone."""
    return [{"subject": cell["subject"], "teacher_ids": ids}
            for cell in cells if cell["subject"] and (ids := chosen_ids(cell))]


@dataclass(frozen=True)
class _StaffingCommitter:
    method = ""

    async def validator_context(self, bus, job) -> dict:
        ctx = job_ctx(job)
        layout = await bus.call("roster.staffing_layout", {}, ctx=ctx)
        return {"grades": [grade["grade_name"] for grade in layout["grades"]],
                "subjects": {grade["grade_name"]: grade["subjects"]
                             for grade in layout["grades"]},
                "classes": layout["classes"],
                "teachers": await school_teachers(bus, ctx)}

    async def precheck(self, bus, job, chunk) -> None:
        """Names were matched while parsing; roster has nothing more to say."""

    async def commit(self, bus, job, batch) -> list[dict]:
        rows = [self.row(r["row"], r["data"]) for r in batch]
        results = await call_in_parts(bus, self.method, job, rows, ROWS_PER_CALL)
        return [{"row": r["row"], "error": r["error"],
                 "kid": LANDED if r["error"] is None else None} for r in results]

    def row(self, number: int, data: dict) -> dict:
        raise NotImplementedError


@dataclass(frozen=True)
class PrepLeaderCommitter(_StaffingCommitter):
    """Prep leaders: the template lists the school's grades and every subject."""

    method = "roster.import_prep_leaders"

    async def template(self, bus, ctx: dict) -> tuple[tuple[Column, ...], list]:
        layout = await bus.call("roster.staffing_layout", {}, ctx=ctx)
        columns = _fixed(PREP_LEADER_COLUMNS) + subject_columns(subject_union(layout))
        return columns, [[grade["grade_name"]] for grade in layout["grades"]]

    def row(self, number: int, data: dict) -> dict:
        return {"row": number, "grade": grade_number(data["grade"]),
                "subjects": _staff(data["cells"])}


@dataclass(frozen=True)
class AssignmentCommitter(_StaffingCommitter):
    """Assignments: the template lists the school's administrative classes."""

    method = "roster.import_assignments"

    async def template(self, bus, ctx: dict) -> tuple[tuple[Column, ...], list]:
        layout = await bus.call("roster.staffing_layout", {}, ctx=ctx)
        columns = _fixed(ASSIGNMENT_COLUMNS) + subject_columns(subject_union(layout))
        rows = [[c["grade_name"], c["name"], YES if c["virtual"] else NO]
                for c in layout["classes"]]
        return columns, rows

    def row(self, number: int, data: dict) -> dict:
        head = next((chosen_ids(cell) for cell in data["cells"]
                     if cell["subject"] is None), [])
        return {"row": number, "grade": grade_number(data["grade"]),
                "class_number": data["class_number"],
                "head_teacher_id": head[0] if head else None,
                "subjects": _staff(data["cells"])}
