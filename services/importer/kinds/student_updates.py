"""Updates of current students, keyed by kid (chapter 九, 更新导入 and
批量补全证件号码).

Both files start from an export (GET /exports/students.xlsx, GET
/exports/students-missing-id.xlsx) and keep its kid column; the other columns of
the export may stay in the file and are not read.

Student update: the class and student number (and with them the grade) are what
change. A blank class means the student is in no class of that grade. Within a
file a kid appears once, and a student number once per class.

ID-number completion: each row gives the ID number (and type, a mainland ID card
when blank) of a student who has none; ID numbers are checked as on every form.
"""

from collections.abc import Collection

from services.importer.kinds.base import Column, ImportKind, RowOutcome
from services.importer.kinds.checks import (
    ID_TYPE_HEADER,
    Findings,
    IdDocuments,
    Memo,
    repeat_message,
)
from services.importer.kinds.students import (
    class_number,
    normalise_grade,
    student_number,
)
from services.importer.sheets.reader import SheetRow
from shared.validators import ID_TYPES, InvalidValue, clean_text
from shared.validators.names import PERSON_NAME_MAX

KID = Column("kid", "kid", required=True, width=12)
NAME = Column("name", "姓名", width=12)

UPDATE_COLUMNS = (
    KID,
    NAME,
    Column("grade", "年级", required=True, width=12),
    Column("class_number", "班级", width=8),
    Column("student_number", "学号", required=True, width=12),
)
ID_COMPLETION_COLUMNS = (
    KID,
    NAME,
    Column("id_number", "证件号码", required=True, kind="id_number",
           aliases=("身份证号码", "身份证号"), width=22),
    Column("id_type", ID_TYPE_HEADER, kind="choice", choices=ID_TYPES, width=36),
)
NO_ID_NUMBER = "证件号码不能为空：请填写后再导入，或删除这一行"


def kid(raw: object) -> int:
    """The kid the export wrote; anything else means the column was edited."""
    text = clean_text(raw, label="kid")
    if text is None:
        raise InvalidValue("kid不能为空：请使用导出的表格，不要删除或修改kid列")
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise InvalidValue("kid应为数字：请使用导出的表格，不要修改kid列")
    return int(text)


def written_name(raw: object) -> str | None:
    """The name as the export wrote it, only to compare with the record."""
    text = clean_text(raw, label="姓名")
    return text[:PERSON_NAME_MAX] if text else None


class _KeyedByKid:
    """Rows of one file keyed by kid: each kid once."""

    def __init__(self) -> None:
        self._kids: dict[int, int] = {}

    def _kid(self, found: Findings, raw: object) -> int | None:
        value = found.take(kid, raw)
        if value is not None and value in self._kids:
            found.errors.append(repeat_message(self._kids[value], "kid相同"))
        return value

    def _remember(self, row: int, found: Findings, value: int | None) -> None:
        if value is not None and not found.errors:
            self._kids[value] = row


class StudentUpdateValidator(_KeyedByKid):
    """Checks the rows of one student update file in sheet order.

    `grades` are the school's grade names; a row naming another is an error.
    """

    def __init__(self, *, grades: Collection[str] | None = None,
                 **_context: object) -> None:
        super().__init__()
        self._school_grades = frozenset(grades) if grades is not None else None
        self._grades = Memo(self._grade)
        self._classes = Memo(self._class)
        self._seats: dict[tuple, int] = {}

    def check(self, row: SheetRow) -> RowOutcome:
        values = row.values
        found = Findings()
        student = self._kid(found, values.get("kid"))
        name = found.take(written_name, values.get("name"))
        grade = self._grades.take(found, values.get("grade"))
        number_in_class = self._classes.take(found, values.get("class_number"))
        number = found.take(student_number, values.get("student_number"))

        seat = (grade, number_in_class, number)
        if None not in (grade, number) and seat in self._seats:
            found.errors.append(repeat_message(self._seats[seat], "同一班级的学号相同"))
        if not found.errors:
            self._seats[seat] = row.row
        self._remember(row.row, found, student)
        data = {"kid": student, "name": name, "grade": grade,
                "class_number": number_in_class, "student_number": number}
        return found.outcome(row.row, data)

    def _grade(self, raw: object) -> str:
        grade = normalise_grade(raw)
        if self._school_grades is not None and grade not in self._school_grades:
            raise InvalidValue(f"本校没有“{grade}”，请核对年级名称")
        return grade

    @staticmethod
    def _class(raw: object) -> int | None:
        # A blank class is a student in no class of the grade, as exported.
        return None if raw is None else class_number(raw)


class IdCompletionValidator(_KeyedByKid):
    """Checks the rows of one ID-number completion file in sheet order."""

    def __init__(self, **_context: object) -> None:
        super().__init__()
        self._documents = IdDocuments()
        self._ids: dict[str, int] = {}

    def check(self, row: SheetRow) -> RowOutcome:
        values = row.values
        found = Findings()
        student = self._kid(found, values.get("kid"))
        name = found.take(written_name, values.get("name"))
        id_type, id_number = self._documents.check(
            found, values.get("id_type"), values.get("id_number"), None)
        if values.get("id_number") is None:
            found.errors.append(NO_ID_NUMBER)
        elif id_number is not None and id_number in self._ids:
            found.errors.append(repeat_message(self._ids[id_number], "证件号码相同"))

        if id_number is not None and not found.errors:
            self._ids[id_number] = row.row
        self._remember(row.row, found, student)
        data = {"kid": student, "name": name, "id_type": id_type,
                "id_number": id_number}
        return found.outcome(row.row, data)


STUDENTS_UPDATE = ImportKind(
    name="students-update",
    title="更新学生",
    columns=UPDATE_COLUMNS,
    validator_factory=StudentUpdateValidator,
)

STUDENTS_ID_COMPLETION = ImportKind(
    name="students-id-completion",
    title="补全证件号码",
    columns=ID_COMPLETION_COLUMNS,
    validator_factory=IdCompletionValidator,
)
