"""Teachers: the records, their lists and their import batches."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from shared.contracts.common import Gender, PageQuery
from shared.contracts.roster.common import CleanText, PersonFields, Strict
from shared.validators import id_numbers

TeacherStatus = Literal["active", "disabled"]


class TeacherIn(PersonFields):
    name: str = Field(title="真实姓名")
    gender: Gender = Field(title="性别")
    id_type: str = Field(id_numbers.MAINLAND_ID, title="证件类型")
    id_number: str | None = Field(None, title="证件号码")
    phone: str | None = Field(None, title="手机号码")
    remark: str | None = Field(None, max_length=20, title="备注")

    @model_validator(mode="after")
    def _id_document(self) -> "TeacherIn":
        if self.id_type not in id_numbers.ID_TYPES:
            raise ValueError(f"证件类型只能是：{'、'.join(id_numbers.ID_TYPES)}")
        if self.id_number:
            self.id_number = id_numbers.normalise(self.id_type, self.id_number)
        return self


class Teacher(BaseModel):
    id: UUID
    kid: int
    name: str
    gender: Gender
    id_type: str
    id_number: str | None
    phone: str | None
    remark: str | None
    status: TeacherStatus
    permissions: list[str]
    created_at: datetime


class TeacherQuery(CleanText, PageQuery):
    q: str | None = Field(None, max_length=50, title="搜索")
    status: TeacherStatus | None = Field(None, title="状态")


class TeacherRef(Strict):
    teacher_id: UUID


class TeacherPage(BaseModel):
    items: list[Teacher]
    total: int


class ImportedTeacher(CleanText):
    row: int
    name: str
    gender: Gender
    id_type: str
    id_number: str | None = None
    phone: str | None = None
    remark: str | None = None


class TeacherImportBatch(BaseModel):
    """A batch of validated rows of an import job; safe to send again."""

    job_id: UUID
    rows: list[ImportedTeacher]


class RowResult(BaseModel):
    row: int
    kid: int | None = None
    error: str | None = None


class IdNumbersIn(CleanText):
    id_numbers: list[str] = Field(max_length=10_000)


class PhonesIn(CleanText):
    phones: list[str] = Field(max_length=10_000)


class TeacherChanges(PersonFields):
    """The fields of a teacher an admin may change; absent fields stay as they are."""

    name: str | None = Field(None, title="真实姓名")
    gender: Gender | None = Field(None, title="性别")
    id_type: str | None = Field(None, title="证件类型")
    id_number: str | None = Field(None, title="证件号码")
    phone: str | None = Field(None, title="手机号码")
    remark: str | None = Field(None, max_length=20, title="备注")

    @model_validator(mode="after")
    def _id_document(self) -> "TeacherChanges":
        if self.id_type is not None and self.id_type not in id_numbers.ID_TYPES:
            raise ValueError(f"证件类型只能是：{'、'.join(id_numbers.ID_TYPES)}")
        if self.id_number:
            self.id_number = id_numbers.normalise(
                self.id_type or id_numbers.MAINLAND_ID, self.id_number
            )
        return self


class TeacherPatch(TeacherChanges):
    teacher_id: UUID


class TeacherIds(Strict):
    teacher_ids: list[UUID] = Field(min_length=1, max_length=1000, title="教师")


class PermissionFlags(Strict):
    permissions: list[Literal["leadership", "moral_education", "admin",
                              "exam_affairs"]] = Field(max_length=4, title="权限")


class PermissionsIn(PermissionFlags):
    teacher_id: UUID


class TeacherExportQuery(Strict):
    """Keyset pages, so an export of a large school never skips or repeats a row."""

    status: TeacherStatus | None = None
    after_kid: int = 0
    limit: int = Field(1000, ge=1, le=5000)


class TeacherInSchool(Strict):
    school_id: UUID
    teacher_id: UUID
