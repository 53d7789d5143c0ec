"""Classes of a grade: administrative (行政班), tiered (分层走班), elective (选修班)."""

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt, field_validator, model_validator

from shared.contracts.common import PageQuery
from shared.contracts.roster.common import CleanText, Strict
from shared.contracts.roster.students import StudentRecord

ClassKind = Literal["administrative", "tiered", "elective"]

CLASS_NUMBER_MAX = 999
ALIAS_MAX = 20
KIND_NAMES = {"administrative": "行政班", "tiered": "分层走班", "elective": "选修班"}

# Grades travel as their number (7) or any of their names (初一年级, 七年级); the
# service resolves them against the school's stages.
GradeField = StrictInt | str

__all__ = [
    "ALIAS_MAX", "CLASS_NUMBER_MAX", "KIND_NAMES", "Class", "ClassBatchIn",
    "ClassChanges", "ClassIn", "ClassKind", "ClassPage", "ClassPatch", "ClassQuery",
    "ClassRef", "ClassStudent", "ClassWithStudents", "class_name",
]


class ClassAlias(Strict):
    @field_validator("alias", check_fields=False)
    @classmethod
    def _alias(cls, alias: str | None) -> str | None:
        if alias is None or alias == "":
            return None
        if len(alias) > ALIAS_MAX:
            raise ValueError(f"班级别名最多{ALIAS_MAX}个字，请改短一些")
        return alias


class ClassIn(ClassAlias):
    grade: GradeField = Field(title="年级")
    number: int = Field(ge=1, le=CLASS_NUMBER_MAX, title="班号")
    kind: ClassKind = Field("administrative", title="班级类型")
    alias: str | None = Field(None, title="别名")
    virtual: bool = Field(False, title="虚拟班")
    sort_order: int = Field(0, ge=-10_000, le=10_000, title="排序")


class ClassBatchIn(Strict):
    grade: GradeField = Field(title="年级")
    count: int = Field(ge=1, le=100, title="班级数量")
    kind: ClassKind = Field("administrative", title="班级类型")


class ClassChanges(ClassAlias):
    """The fields of a class an admin may change; absent fields stay as they are."""

    number: int | None = Field(None, ge=1, le=CLASS_NUMBER_MAX, title="班号")
    alias: str | None = Field(None, title="别名")
    virtual: bool | None = Field(None, title="虚拟班")
    sort_order: int | None = Field(None, ge=-10_000, le=10_000, title="排序")

    @model_validator(mode="after")
    def _no_blanks(self) -> "ClassChanges":
        required = {"number": "班号", "virtual": "虚拟班", "sort_order": "排序"}
        for name, title in required.items():
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{title}不能为空；不想修改就不要提交这一项")
        return self


class ClassPatch(ClassChanges):
    class_id: UUID


class ClassRef(Strict):
    class_id: UUID


class ClassQuery(CleanText, PageQuery):
    grade: str | None = Field(None, max_length=10, title="年级")
    kind: ClassKind | None = Field(None, title="班级类型")
    # A school has a few dozen classes: one page usually holds them all.
    page_size: int = Field(100, ge=1, le=500, title="每页条数")


class Class(BaseModel):
    id: UUID
    grade: int | None
    grade_name: str | None
    kind: ClassKind
    number: int
    name: str
    alias: str | None
    virtual: bool
    sort_order: int
    student_count: int
    counted_count: int


class ClassPage(BaseModel):
    items: list[Class]
    total: int


class ClassStudent(StudentRecord):
    """A student as a class lists them; the ID number is masked, as in every list."""


class ClassWithStudents(Class):
    students: list[ClassStudent]


def class_name(number: int) -> str:
    """A class is always called by its number: (3)班."""
    return f"({number})班"
