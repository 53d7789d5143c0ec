"""School settings, terms, the logo and the yearly promotion (一键升学年)."""

import re
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from shared.contracts.roster.common import CleanText, Stage, Strict
from shared.contracts.roster.schools import School

__all__ = [
    "LOGO_MAX_BYTES", "LogoIn", "PromoteQuery", "Promotion", "PromotionClass",
    "PromotionGraduating", "PromotionUndone", "SchoolChanges", "SchoolCounts",
    "SchoolSettings", "TermIn", "TermSwitch", "UngradedClass", "normalise_year",
    "term_name",
]

LOGO_MAX_BYTES = 512 * 1024
TERM_NAMES = {1: "第一学期", 2: "第二学期"}

_YEAR = re.compile(r"^(\d{4})\s*[-~～—－至]\s*(\d{4})$")
YEAR_FORMAT = "学年应写成 2026-2027 这样前后相连的两个年份"
TERM_FORMAT = "学期只能是 1（第一学期）或 2（第二学期）"


def normalise_year(raw: str) -> str:
    """'2026-2027' from the ways admins write it (2026~2027, 2026－2027)."""
    match = _YEAR.match(raw.strip())
    if match is None:
        raise ValueError(YEAR_FORMAT)
    start, end = int(match[1]), int(match[2])
    if end != start + 1 or not 2000 <= start <= 2098:
        raise ValueError(YEAR_FORMAT)
    return f"{start}-{end}"


def term_name(academic_year: str | None, term: int | None) -> str | None:
    """The term as the settings page shows it: '2026-2027 学年第一学期'."""
    if academic_year is None:
        return None
    return f"{academic_year} 学年{TERM_NAMES.get(term, '')}"


def _check_term(value: int | None) -> int | None:
    if value is not None and value not in TERM_NAMES:
        raise ValueError(TERM_FORMAT)
    return value


class SchoolChanges(Strict):
    """What an admin may change on the settings page; absent fields stay as they are."""

    name: str | None = Field(None, title="学校名称")
    stages: list[Stage] | None = Field(None, min_length=1, max_length=3, title="学段")
    academic_year: str | None = Field(None, title="当前学年")
    term: int | None = Field(None, title="当前学期")

    @field_validator("name", "stages", "academic_year", "term", mode="before")
    @classmethod
    def _present(cls, value, info):
        # Only a field left out stays unchanged; none of them can be emptied.
        if value is None:
            label = cls.model_fields[info.field_name].title
            raise ValueError(f"{label}不能为空，不修改就不要提交这一项")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not 2 <= len(value) <= 50:
            raise ValueError("学校名称应为2到50个字")
        return value

    @field_validator("stages")
    @classmethod
    def _distinct(cls, stages: list[str]) -> list[str]:
        return sorted(set(stages), key=("primary", "junior", "senior").index)

    _year = field_validator("academic_year")(normalise_year)
    _term = field_validator("term")(_check_term)


class TermIn(Strict):
    """The term to switch to, named in full so a repeated click changes nothing."""

    academic_year: str = Field(title="学年")
    term: int = Field(title="学期")

    _year = field_validator("academic_year")(normalise_year)
    _term = field_validator("term")(_check_term)


class LogoIn(BaseModel):
    content_b64: str = Field(title="图片")


class SchoolCounts(BaseModel):
    teachers: int
    subjects: int
    classes: int


class SchoolSettings(School):
    """The school as its settings page shows it."""

    term_name: str | None = None
    has_logo: bool = False
    updated_at: datetime | None = None
    counts: SchoolCounts


class TermSwitch(SchoolSettings):
    changed: bool


class PromoteQuery(CleanText):
    dry_run: bool = Field(False, title="只预览不执行")
    from_year: str | None = Field(None, title="升学年前的学年")

    @field_validator("from_year")
    @classmethod
    def _year(cls, value: str | None) -> str | None:
        return None if value in (None, "") else normalise_year(value)


class PromotionClass(BaseModel):
    class_id: UUID
    name: str
    kind: str
    old_grade: int
    old_grade_name: str
    new_grade: int
    new_grade_name: str
    student_count: int


class UngradedClass(BaseModel):
    class_id: UUID
    name: str
    kind: str
    old_grade: int
    old_grade_name: str
    student_count: int


class PromotionGraduating(BaseModel):
    classes: int
    students: int


class Promotion(BaseModel):
    """What a promotion changes; the dry run and the real one answer the same plan."""

    dry_run: bool
    promotion_id: UUID | None = None
    from_year: str
    to_year: str
    classes: list[PromotionClass]
    graduating: PromotionGraduating
    classes_left_without_grade: list[UngradedClass]
    students_moving_up: int


class PromotionUndone(BaseModel):
    promotion_id: UUID
    academic_year: str | None
    term: int | None
    term_name: str | None
    classes: int
    students: int
