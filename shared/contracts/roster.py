"""Requests and replies of the roster service: schools and teachers."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.contracts.common import Gender, PageQuery
from shared.validators import id_numbers, names, phones

Stage = Literal["primary", "junior", "senior"]
TeacherStatus = Literal["active", "disabled"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SchoolIn(Strict):
    name: str = Field(min_length=2, max_length=50, title="学校名称")
    stages: list[Stage] = Field(min_length=1, max_length=3, title="学段")

    @field_validator("stages")
    @classmethod
    def _distinct(cls, stages: list[str]) -> list[str]:
        return sorted(set(stages), key=("primary", "junior", "senior").index)


class School(BaseModel):
    id: UUID
    name: str
    stages: list[Stage]
    academic_year: str | None = None
    term: str | None = None
    created_at: datetime


class SchoolRef(BaseModel):
    school_id: UUID


class PersonFields(Strict):
    """Fields of a person record, each checked as the manual's forms check them."""

    @field_validator("name", check_fields=False)
    @classmethod
    def _name(cls, value: str) -> str:
        return names.clean_person_name(value)

    @field_validator("phone", check_fields=False)
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        return phones.normalise_phone(value)


class AdminIn(PersonFields):
    """The operator's form for a school admin: the password goes to identity only."""

    name: str = Field(title="姓名")
    gender: Gender = Field(title="性别")
    phone: str = Field(title="手机号码")
    password: str = Field(min_length=1, max_length=128, title="密码")


class SchoolAdminIn(PersonFields):
    school_id: UUID
    name: str = Field(title="姓名")
    gender: Gender = Field(title="性别")
    phone: str = Field(title="手机号码")


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


class TeacherQuery(PageQuery):
    q: str | None = Field(None, max_length=50, title="搜索")
    status: TeacherStatus | None = Field(None, title="状态")


class TeacherRef(Strict):
    teacher_id: UUID


class TeacherPage(BaseModel):
    items: list[Teacher]
    total: int


class ImportedTeacher(BaseModel):
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


class IdNumbersIn(BaseModel):
    id_numbers: list[str] = Field(max_length=10_000)
