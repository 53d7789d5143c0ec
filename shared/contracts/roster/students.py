"""Students: the records, their lists, transfers out and in, and import batches."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt, field_validator, model_validator

from shared.contracts.common import Gender, PageQuery
from shared.contracts.roster.common import CleanText, PersonFields, Strict
from shared.validators import id_numbers
from shared.validators.text import clean_text

StudentStatus = Literal["active", "disabled", "graduated"]
Enrolment = Literal["在籍", "借读"]

STUDENT_CODE_MAX = 32
STUDENT_NUMBER_RULE = "同一班级内不能重复；未分班的学生在本年级内不能重复"
TRANSFER_REASON_MAX = 200

# A grade travels as its number (7) or any of its names (初一年级, 七年级); the
# service resolves it against the school's stages.
_GradeField = StrictInt | str

__all__ = [
    "STUDENT_CODE_MAX",
    "ArchivedStudent",
    "ArchivedStudentDetail",
    "Enrolment",
    "ImportedStudent",
    "NewStudent",
    "Student",
    "StudentArchivePage",
    "StudentArchiveQuery",
    "StudentArchiveRef",
    "StudentChanges",
    "StudentConflict",
    "StudentConflictQuery",
    "StudentExportQuery",
    "StudentIds",
    "StudentImportBatch",
    "StudentIn",
    "StudentPage",
    "StudentPatch",
    "StudentQuery",
    "StudentRecord",
    "StudentRef",
    "StudentStatus",
    "TransferOutIn",
    "TransferOutRequest",
]


def _code(value: str | None, label: str, *, required: bool) -> str | None:
    """A student or registry number as typed, spaces removed."""
    text = clean_text(value, label=label)
    if text is None:
        if required:
            raise ValueError(f"{label}不能为空")
        return None
    text = text.replace(" ", "")
    if len(text) > STUDENT_CODE_MAX:
        raise ValueError(f"{label}不能超过{STUDENT_CODE_MAX}个字符")
    return text


class _StudentFields(PersonFields):
    """Checks the student form shares between adding and editing."""

    @field_validator("student_number", check_fields=False)
    @classmethod
    def _student_number(cls, value: str | None) -> str | None:
        return _code(value, "学号", required=True) if value is not None else None

    @field_validator("registry_number", check_fields=False)
    @classmethod
    def _registry_number(cls, value: str | None) -> str | None:
        code = _code(value, "学籍号", required=False)
        return code.upper() if code is not None else None

    def _check_id_document(self) -> None:
        # Without a type (an edit of the number alone) the service checks the
        # number against the type the student already has.
        if self.id_type is not None and self.id_type not in id_numbers.ID_TYPES:
            raise ValueError(f"证件类型只能是：{'、'.join(id_numbers.ID_TYPES)}")
        if self.id_number == "":
            self.id_number = None
        if self.id_number and self.id_type is not None:
            self.id_number = id_numbers.normalise(self.id_type, self.id_number)


class StudentIn(_StudentFields):
    name: str = Field(title="真实姓名")
    gender: Gender = Field(title="性别")
    id_type: str = Field(id_numbers.MAINLAND_ID, title="证件类型")
    id_number: str | None = Field(None, title="证件号码")
    grade: _GradeField = Field(title="年级")
    class_id: UUID | None = Field(None, title="班级")
    student_number: str = Field(title="学号", description=STUDENT_NUMBER_RULE)
    registry_number: str | None = Field(None, title="学籍号")
    enrolment: Enrolment = Field("在籍", title="统计")

    @model_validator(mode="after")
    def _id_document(self) -> "StudentIn":
        self._check_id_document()
        return self


class StudentChanges(_StudentFields):
    """The fields of a student an admin may change; absent fields stay as they are.

    `class_id: null` takes the student out of their class; a new class alone moves
    the student to that class's grade.
    """

    name: str | None = Field(None, title="真实姓名")
    gender: Gender | None = Field(None, title="性别")
    id_type: str | None = Field(None, title="证件类型")
    id_number: str | None = Field(None, title="证件号码")
    grade: _GradeField | None = Field(None, title="年级")
    class_id: UUID | None = Field(None, title="班级")
    student_number: str | None = Field(None, title="学号",
                                       description=STUDENT_NUMBER_RULE)
    registry_number: str | None = Field(None, title="学籍号")
    enrolment: Enrolment | None = Field(None, title="统计")

    @model_validator(mode="after")
    def _checks(self) -> "StudentChanges":
        required = {"name": "真实姓名", "gender": "性别", "id_type": "证件类型",
                    "grade": "年级", "student_number": "学号", "enrolment": "统计"}
        for name, title in required.items():
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{title}不能为空；不想修改就不要提交这一项")
        self._check_id_document()
        return self


class StudentPatch(StudentChanges):
    student_id: UUID


class StudentRef(Strict):
    student_id: UUID


class StudentIds(Strict):
    student_ids: list[UUID] = Field(min_length=1, max_length=1000, title="学生")


class StudentRecord(BaseModel):
    """A student as every list shows one (a class's students included)."""

    id: UUID
    kid: int
    name: str
    gender: Gender
    grade: int | None
    grade_name: str | None
    class_id: UUID | None
    class_name: str | None
    student_number: str | None
    registry_number: str | None
    id_type: str
    id_number: str | None
    enrolment: Enrolment
    status: StudentStatus


class Student(StudentRecord):
    created_at: datetime


class NewStudent(Student):
    """A student just added; `transferred_in` when the ID number brought back a kid."""

    transferred_in: bool = False


class StudentQuery(CleanText, PageQuery):
    q: str | None = Field(None, max_length=50, title="搜索")
    grade: str | None = Field(None, max_length=10, title="年级")
    class_id: UUID | None = Field(None, title="班级")
    status: StudentStatus | None = Field(None, title="状态")
    enrolment: Enrolment | None = Field(None, title="统计")


class StudentPage(BaseModel):
    items: list[Student]
    total: int
    counted: int = Field(title="其中在籍人数")


# --- transfers -------------------------------------------------------------------


class TransferOutIn(Strict):
    reason: str | None = Field(None, max_length=TRANSFER_REASON_MAX, title="转出原因")

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str | None) -> str | None:
        return clean_text(value, label="转出原因")


class TransferOutRequest(TransferOutIn):
    student_id: UUID


class StudentArchiveQuery(CleanText, PageQuery):
    q: str | None = Field(None, max_length=50, title="搜索")


class StudentArchiveRef(Strict):
    archive_id: UUID


class ArchivedStudent(BaseModel):
    """A transferred-out student as the school that let them go keeps them."""

    id: UUID
    student_id: UUID
    kid: int
    name: str
    gender: Gender
    grade: int | None
    grade_name: str | None
    class_name: str | None
    student_number: str | None
    registry_number: str | None
    id_type: str
    id_number: str | None
    enrolment: Enrolment
    reason: str | None
    transferred_out_at: datetime
    transferred_in: bool = Field(title="已被其他学校转入")


class ArchivedStudentDetail(ArchivedStudent):
    record: dict[str, Any]
    class_history: list[dict[str, Any]]


class StudentArchivePage(BaseModel):
    items: list[ArchivedStudent]
    total: int


# --- imports ---------------------------------------------------------------------


class ImportedStudent(CleanText):
    row: int
    name: str
    gender: Gender
    grade: int = Field(ge=1, le=12)
    class_number: int = Field(ge=1, le=999)
    student_number: str
    id_type: str | None = None
    id_number: str | None = None
    registry_number: str | None = None
    enrolment: Enrolment = "在籍"


class StudentImportBatch(BaseModel):
    """A batch of validated rows of an import job; safe to send again."""

    job_id: UUID
    rows: list[ImportedStudent] = Field(max_length=10_000)


class _ConflictProbe(CleanText):
    """A row of an import preview; its class is found by grade and number."""

    row: int
    grade: int = Field(ge=1, le=12)
    class_number: int = Field(ge=1, le=999)
    id_type: str | None = None
    id_number: str | None = None
    student_number: str | None = None


class StudentConflictQuery(BaseModel):
    rows: list[_ConflictProbe] = Field(max_length=10_000)


class StudentConflict(BaseModel):
    """Why a row of an import preview cannot become a student, or what it will join.

    `id_number_school` names the school whose current student holds the ID number
    (`id_number_here` when it is the asking school); `student_number_taken` when a
    current student of the row's class has the number; `transferred_from` names the
    school the holder of the ID number was transferred out of. `messages` are
    errors that keep the row out; `notices` only inform.
    """

    row: int
    id_number_school: str | None = None
    id_number_here: bool = False
    student_number_taken: bool = False
    transferred_from: str | None = None
    messages: list[str] = []
    notices: list[str] = []


class StudentExportQuery(Strict):
    """Keyset pages by kid, so an export never skips or repeats a student."""

    after_kid: int = 0
    limit: int = Field(1000, ge=1, le=5000)
