"""New students: the 学生管理 → 添加学生 → 表格导入 → 新增导入 template.

Name, gender, grade, class and student number are required; the ID number is
optional (the ID-number completion import exists for students without one) but
checked when given. The class may be written 1, 1班, (1)班 or （1）班, all class 1.
Student numbers are text: 01 stays 01.

Within one file a student number may appear once per class, matching how schools
number their students (01, 02, ... in each class) and the sample rosters; pass
student_number_scope="school" where numbers are unique across the school.
"""

import re
import unicodedata
from collections.abc import Collection
from typing import Literal

from services.importer.kinds.base import Column, ImportKind, RowOutcome
from services.importer.kinds.checks import (
    ID_TYPE_HEADER,
    Findings,
    IdDocuments,
    Memo,
    repeat_message,
)
from services.importer.sheets.reader import SheetRow
from shared.validators import (
    GENDERS,
    ID_TYPES,
    InvalidValue,
    clean_person_name,
    clean_text,
    normalise_gender,
)
from shared.validators.grades import GRADE_NAMES, grade_number

ENROLLED, VISITING = "在籍", "借读"
ENROLMENTS = (ENROLLED, VISITING)
CODE_MAX = 32

COLUMNS = (
    Column("name", "姓名", required=True, width=12),
    Column("gender", "性别", required=True, kind="choice", choices=GENDERS, width=8),
    Column("grade", "年级", required=True, width=12),
    Column("class_number", "班级", required=True, width=8),
    Column("student_number", "学号", required=True, width=12),
    Column("id_number", "证件号码", kind="id_number",
           aliases=("身份证号码", "身份证号"), width=22),
    Column("id_type", ID_TYPE_HEADER, kind="choice", choices=ID_TYPES, width=36),
    Column("registry_number", "学籍号", width=22),
    Column("enrolment", "就读方式", kind="choice", choices=ENROLMENTS,
           aliases=("统计",), width=10),
)

_CLASS = re.compile(r"(?:\(0*([1-9]\d{0,2})\)|0*([1-9]\d{0,2}))班?", re.ASCII)


def normalise_grade(raw: object) -> str:
    """The grade's name from any spelling: 7, 初一, 七年级 and 初一年级 are 初一年级."""
    if raw is None or clean_text(raw, label="年级") is None:
        raise InvalidValue("年级不能为空，请填写如“初一年级”")
    return GRADE_NAMES[grade_number(raw)]


def class_number(raw: object) -> int:
    """The class number from 1, 01, 1班, (1)班 or （1）班."""
    if type(raw) is str and raw.isdigit() and raw.isascii() and 0 < int(raw) < 1000:
        return int(raw)

    text = clean_text(raw, label="班级")
    if text is None:
        raise InvalidValue("班级不能为空，请填写班号，如 1 或 (1)班")
    match = _CLASS.fullmatch(unicodedata.normalize("NFKC", text).replace(" ", ""))
    if match is None:
        raise InvalidValue("班级应填写班号，如 1 或 (1)班")
    return int(match.group(1) or match.group(2))


def student_number(raw: object) -> str:
    """The student number as text, spaces removed; required."""
    if type(raw) is str and raw.isascii() and raw.isalnum() and len(raw) <= CODE_MAX:
        return raw
    return _code(raw, "学号", required=True)


def registry_number(raw: object) -> str | None:
    """The 学籍号 upper-cased, or None."""
    code = _code(raw, "学籍号", required=False)
    return code.upper() if code is not None else None


def enrolment(raw: object) -> str:
    """在籍 (counted in statistics, the default) or 借读."""
    text = clean_text(raw, label="就读方式")
    if text is None:
        return ENROLLED
    if text not in ENROLMENTS:
        raise InvalidValue("就读方式只能填写“在籍”或“借读”")
    return text


def _code(raw: object, label: str, *, required: bool) -> str | None:
    text = clean_text(raw, label=label)
    if text is None:
        if required:
            raise InvalidValue(f"{label}不能为空")
        return None
    text = text.replace(" ", "")
    if len(text) > CODE_MAX:
        raise InvalidValue(f"{label}不能超过{CODE_MAX}个字符")
    return text


class StudentValidator:
    """Checks the rows of one students file in sheet order.

    `grades`, when given, are the school's grade names: a row naming another grade
    is an error. Without them the grade is only checked for form.
    """

    def __init__(
        self,
        *,
        grades: Collection[str] | None = None,
        student_number_scope: Literal["class", "school"] = "class",
        **_context: object,
    ) -> None:
        self._school_grades = frozenset(grades) if grades is not None else None
        self._by_class = student_number_scope == "class"
        self._genders = Memo(normalise_gender)
        self._grades = Memo(self._grade)
        self._classes = Memo(class_number)
        self._enrolments = Memo(enrolment)
        self._documents = IdDocuments()
        self._ids: dict[str, int] = {}
        self._numbers: dict[object, int] = {}
        self._registry: dict[str, int] = {}

    def check(self, row: SheetRow) -> RowOutcome:
        values = row.values
        found = Findings()
        name = found.take(clean_person_name, values.get("name"))
        gender = self._genders.take(found, values.get("gender"))
        grade = self._grades.take(found, values.get("grade"))
        class_no = self._classes.take(found, values.get("class_number"))
        number = found.take(student_number, values.get("student_number"))
        id_type, id_number = self._documents.check(
            found, values.get("id_type"), values.get("id_number"), gender
        )
        registry = found.optional(registry_number, values.get("registry_number"))
        status = self._enrolments.take(found, values.get("enrolment"))

        number_key = self._number_key(grade, class_no, number)
        self._check_repeats(row.row, found, id_number, number_key, registry)
        data = {"name": name, "gender": gender, "grade": grade,
                "class_number": class_no, "student_number": number,
                "registry_number": registry, "id_type": id_type,
                "id_number": id_number, "enrolment": status}
        return found.outcome(row.row, data)

    def _grade(self, raw: object) -> str:
        grade = normalise_grade(raw)
        if self._school_grades is not None and grade not in self._school_grades:
            raise InvalidValue(f"本校没有“{grade}”，请核对年级名称")
        return grade

    def _number_key(self, grade, class_no, number) -> object:
        if not self._by_class:
            return number
        if number is None or grade is None or class_no is None:
            return None
        return (grade, class_no, number)

    def _check_repeats(
        self, row: int, found: Findings, id_number, number_key, registry
    ) -> None:
        # Runs for every row: plain lookups, the messages only when one is found.
        by_id = self._ids.get(id_number) if id_number is not None else None
        by_number = self._numbers.get(number_key) if number_key is not None else None
        by_registry = self._registry.get(registry) if registry is not None else None
        if by_id or by_number or by_registry:
            self._report_repeats(found, by_id, by_number, by_registry)
        if found.errors:
            return

        # Only rows that will be imported count, as for teachers.
        if id_number is not None:
            self._ids[id_number] = row
        if number_key is not None:
            self._numbers[number_key] = row
        if registry is not None:
            self._registry[registry] = row

    def _report_repeats(self, found: Findings, by_id, by_number, by_registry) -> None:
        number_what = "同一班级的学号相同" if self._by_class else "学号相同"
        named: set[int] = set()
        for earlier, what in (
            (by_id, "证件号码相同"),
            (by_number, number_what),
            (by_registry, "学籍号相同"),
        ):
            if earlier is not None and earlier not in named:
                # One message per earlier row: the same student again is one fault.
                named.add(earlier)
                found.errors.append(repeat_message(earlier, what))


STUDENTS = ImportKind(
    name="students",
    title="新增学生",
    columns=COLUMNS,
    validator_factory=StudentValidator,
)
