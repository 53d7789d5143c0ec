"""Grades and the subjects each one teaches, grouped in the manual's categories."""

from typing import Literal, get_args

from pydantic import BaseModel, Field, field_validator, model_validator

from shared.contracts.roster.common import Stage, Strict

SubjectMode = Literal["normal", "3+3"]
SubjectCategory = Literal["思想品德", "学业水平", "身心健康", "艺术素养", "社会实践",
                          "体艺2+1", "校本课程"]
CATEGORIES: tuple[str, ...] = get_args(SubjectCategory)
SUBJECT_NAME_MAX = 20

__all__ = [
    "CATEGORIES", "SUBJECT_NAME_MAX", "CategorySubjects", "ClassCounts",
    "GradeSubjects", "GradeSubjectsIn", "GradeSubjectsPut", "GradeSubjectsRef",
    "GradeSubjectsReplaced", "GradeSummary", "GradeSummaryList", "RemovedSubject",
    "SubjectCategory", "SubjectCategoryIn", "SubjectItem", "SubjectMode",
    "SubjectNameIn",
]


class ClassCounts(BaseModel):
    administrative: int = 0
    tiered: int = 0
    elective: int = 0


class GradeSummary(BaseModel):
    grade: int
    grade_name: str
    stage: Stage
    mode: SubjectMode
    class_count: int
    class_counts: ClassCounts
    subject_count: int


class GradeSummaryList(BaseModel):
    items: list[GradeSummary]
    total: int


class GradeSubjectsRef(Strict):
    """A grade as the path names it: its number (7) or a name (初一年级, 七年级)."""

    grade: str = Field(min_length=1, max_length=10, title="年级")


class SubjectItem(BaseModel):
    id: str
    name: str


class CategorySubjects(BaseModel):
    category: SubjectCategory
    subjects: list[SubjectItem]


class GradeSubjects(BaseModel):
    grade: int
    grade_name: str
    mode: SubjectMode
    categories: list[CategorySubjects]


class RemovedSubject(BaseModel):
    id: str
    name: str
    category: SubjectCategory


class GradeSubjectsReplaced(GradeSubjects):
    removed: list[RemovedSubject]


class SubjectNameIn(Strict):
    name: str = Field(title="学科名称")

    @field_validator("name")
    @classmethod
    def _sized(cls, name: str) -> str:
        if not name:
            raise ValueError("学科名称不能为空，请填写名称或删去这一项")
        if len(name) > SUBJECT_NAME_MAX:
            raise ValueError(f"学科名称“{name}”太长，最多{SUBJECT_NAME_MAX}个字")
        return name


class SubjectCategoryIn(Strict):
    category: str = Field(title="学科分类")
    subjects: list[SubjectNameIn] = Field(max_length=50, title="学科")

    @field_validator("category")
    @classmethod
    def _known(cls, category: str) -> str:
        if category not in CATEGORIES:
            raise ValueError(f"没有“{category}”这个学科分类，"
                             f"只能是：{'、'.join(CATEGORIES)}")
        return category


class GradeSubjectsIn(Strict):
    """A grade's whole subject list; a category left out ends up with no subjects.

    Without a mode the grade keeps the one it has.
    """

    mode: SubjectMode | None = Field(None, title="模式")
    categories: list[SubjectCategoryIn] = Field(max_length=7, title="学科分类")

    @model_validator(mode="after")
    def _distinct(self) -> "GradeSubjectsIn":
        categories = [entry.category for entry in self.categories]
        repeated = _first_repeat(categories)
        if repeated:
            raise ValueError(f"学科分类“{repeated}”出现了两次，请合并成一项")
        names = [s.name for entry in self.categories for s in entry.subjects]
        repeated = _first_repeat(names)
        if repeated:
            raise ValueError(f"学科“{repeated}”在本年级重复了，"
                             "同一年级的学科名称不能相同")
        return self


class GradeSubjectsPut(GradeSubjectsIn):
    grade: str = Field(min_length=1, max_length=10, title="年级")


def _first_repeat(values: list[str]) -> str | None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None
