"""Schools and their admins."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from shared.contracts.common import Gender
from shared.contracts.roster.common import PersonFields, Stage, Strict


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
    term: int | None = None
    created_at: datetime


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
