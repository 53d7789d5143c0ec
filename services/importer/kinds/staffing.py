"""Staffing imports: 导入备课组长 (chapter 七) and 导入任课关系 (chapter 八).

Both templates end with one column per subject, headed by the subject's name; the
school's template lists the union of its grades' subjects, and a row may only fill
the subjects of its own grade. A blank cell leaves that place as it is.

Prep leaders: one row per grade (年级). A filled subject cell makes exactly those
teachers the leaders of the grade's group for that subject (former leaders stay as
members); every leader is a member.

Assignments: one row per administrative class: 年级, 班级, 是否虚拟班, 班主任, then
the subjects. The class must exist: this import staffs classes, it does not make
them (classes are made in 班级管理 or by the students import). 是否虚拟班 is checked
against the class and never changes it. A filled 班主任 cell (one name) sets the
head teacher; a filled subject cell makes exactly those teachers teach it there,
which also makes them members of the grade's preparation group.
"""

from collections.abc import Collection, Mapping

from services.importer.kinds import names
from services.importer.kinds.base import Column, ImportKind, RowOutcome
from services.importer.kinds.checks import Findings, Memo, repeat_message
from services.importer.kinds.students import class_number, normalise_grade
from services.importer.sheets.headers import header_key
from services.importer.sheets.reader import SheetRow
from shared.validators import InvalidValue, clean_text
from shared.validators.grades import grade_number

SUBJECTS = Column("subjects", "学科", kind="rest")
YES, NO = "是", "否"
VIRTUAL_CHOICES = (YES, NO)
_VIRTUAL = {"是": True, "否": False, "不是": False, "虚拟班": True, "非虚拟班": False}

PREP_LEADER_COLUMNS = (Column("grade", "年级", required=True, width=12), SUBJECTS)
ASSIGNMENT_COLUMNS = (
    Column("grade", "年级", required=True, width=12),
    Column("class_number", "班级", required=True, width=10),
    Column("virtual", "是否虚拟班", kind="choice", choices=VIRTUAL_CHOICES,
           aliases=("是否虚拟",), width=12),
    Column("head_teacher", names.HEAD_TEACHER, width=12),
    SUBJECTS,
)


def subject_columns(subjects: Collection[str]) -> tuple[Column, ...]:
    """The template's subject columns, wide enough for a few names each."""
    return tuple(Column(f"subject:{name}", name, width=16) for name in subjects)


def virtual_flag(raw: object) -> bool | None:
    """是 or 否 (不是 as the manual's sample writes it); blank says nothing."""
    text = clean_text(raw, label="是否虚拟班")
    if text is None:
        return None
    if text not in _VIRTUAL:
        raise InvalidValue("是否虚拟班只能填写“是”或“否”")
    return _VIRTUAL[text]


class _StaffingValidator:
    """What both staffing validators share: the school's grades, subjects and
    teachers, and reading a row's subject cells."""

    def __init__(self, *, grades: Collection[str] = (),
                 subjects: Mapping[str, Collection[str]] | None = None,
                 teachers: Collection[dict] = (), **_context: object) -> None:
        self._school_grades = frozenset(grades)
        self._subjects = {grade: {header_key(name): name for name in listed}
                          for grade, listed in (subjects or {}).items()}
        self._directory = names.TeacherDirectory(teachers)
        self._grades = Memo(self._grade)

    def _grade(self, raw: object) -> str:
        grade = normalise_grade(raw)
        if grade not in self._school_grades:
            raise InvalidValue(f"本校没有“{grade}”，请核对年级名称")
        return grade

    def _subject(self, grade: str, header: str) -> str | None:
        """The grade's subject a header names: 语文, or 语文(文科) as the manual's
        sample writes it."""
        known = self._subjects.get(grade, {})
        key = header_key(header)
        return known.get(key) or known.get(key.split("(")[0])

    def _subject_cells(self, found: Findings, grade: str, cells: dict,
                       issues: list[dict]) -> list[dict]:
        read = []
        for header, raw in (cells or {}).items():
            subject = self._subject(grade, header)
            if subject is None:
                found.errors.append(f"{grade}没有“{header}”这门学科，请核对表头，"
                                    "或先在学科管理中添加")
                continue
            cell = self._cell(found, subject, subject, raw, issues)
            if cell is not None:
                read.append(cell)
        return read

    def _cell(self, found: Findings, column: str, subject: str | None, raw: object,
              issues: list[dict], limit: int | None = None) -> dict | None:
        try:
            return names.read_cell(column, subject, raw, self._directory, issues,
                                   limit=limit)
        except InvalidValue as problem:
            found.errors.append(problem.message)
            return None


class PrepLeaderValidator(_StaffingValidator):
    """Checks the rows of one prep leaders file: one row per grade, each once."""

    def __init__(self, **context: object) -> None:
        super().__init__(**context)
        self._rows: dict[str, int] = {}

    def check(self, row: SheetRow) -> RowOutcome:
        values = row.values
        found = Findings()
        grade = self._grades.take(found, values.get("grade"))
        issues: list[dict] = []
        cells = []
        if grade is not None:
            if grade in self._rows:
                found.errors.append(repeat_message(self._rows[grade], "年级相同"))
            cells = self._subject_cells(found, grade, values.get("subjects"), issues)
            if not found.errors:
                self._rows[grade] = row.row
        data = {"grade": grade, "cells": cells, "issues": issues}
        return names.outcome(row.row, found, data)


class AssignmentValidator(_StaffingValidator):
    """Checks the rows of one assignments file: one row per class, each once.

    `classes` are the school's administrative classes as {"grade", "number",
    "virtual"}, grades by number.
    """

    def __init__(self, *, classes: Collection[dict] = (), **context: object) -> None:
        super().__init__(**context)
        self._classes = {(c["grade"], c["number"]): c["virtual"] for c in classes}
        self._class_numbers = Memo(class_number)
        self._virtual = Memo(virtual_flag)
        self._rows: dict[tuple[str, int], int] = {}

    def check(self, row: SheetRow) -> RowOutcome:
        values = row.values
        found = Findings()
        grade = self._grades.take(found, values.get("grade"))
        number = self._class_numbers.take(found, values.get("class_number"))
        virtual = self._virtual.take(found, values.get("virtual"))
        issues: list[dict] = []
        cells = []
        if grade is not None and number is not None:
            self._check_class(found, grade, number, virtual)
            cells = self._cells(found, grade, values, issues)
            if not found.errors:
                self._rows[grade, number] = row.row
        data = {"grade": grade, "class_number": number, "virtual": virtual,
                "cells": cells, "issues": issues}
        return names.outcome(row.row, found, data)

    def _check_class(self, found: Findings, grade: str, number: int,
                     virtual: bool | None) -> None:
        known = self._classes.get((grade_number(grade), number))
        if known is None:
            found.errors.append(f"本校没有{grade}({number})班，请先在班级管理中添加")
        elif virtual is not None and virtual != known:
            found.warnings.append(
                f"系统中{grade}({number})班{'是' if known else '不是'}虚拟班，"
                "本次导入不修改班级")
        if (grade, number) in self._rows:
            found.errors.append(repeat_message(self._rows[grade, number], "班级相同"))

    def _cells(self, found: Findings, grade: str, values: dict,
               issues: list[dict]) -> list[dict]:
        head = self._cell(found, names.HEAD_TEACHER, None, values.get("head_teacher"),
                          issues, limit=1)
        subjects = self._subject_cells(found, grade, values.get("subjects"), issues)
        return ([head] if head is not None else []) + subjects


PREP_LEADERS = ImportKind(
    name="prep-leaders",
    title="备课组长",
    columns=PREP_LEADER_COLUMNS,
    validator_factory=PrepLeaderValidator,
)

ASSIGNMENTS = ImportKind(
    name="assignments",
    title="任课关系",
    columns=ASSIGNMENT_COLUMNS,
    validator_factory=AssignmentValidator,
)
