"""Grades as the manual names them, numbered across the three stages.

1-6 are primary (一年级..六年级), 7-9 junior (初一年级..初三年级, also called
七年级..九年级), 10-12 senior (高一年级..高三年级). A school has the grades of its stages.
"""

from shared.errors import InvalidInput, NotFound

GRADE_NAMES = {
    1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
    7: "初一年级", 8: "初二年级", 9: "初三年级",
    10: "高一年级", 11: "高二年级", 12: "高三年级",
}
STAGE_GRADES = {"primary": range(1, 7), "junior": range(7, 10), "senior": range(10, 13)}
STAGE_NAMES = {"primary": "小学", "junior": "初中", "senior": "高中"}

_ALIASES = {"七年级": 7, "八年级": 8, "九年级": 9,
            "初一": 7, "初二": 8, "初三": 9, "高一": 10, "高二": 11, "高三": 12}
_BY_NAME = {name: number for number, name in GRADE_NAMES.items()} | _ALIASES


def grade_name(grade: int | None) -> str | None:
    return GRADE_NAMES.get(grade) if grade is not None else None


def stage_of(grade: int) -> str:
    return next(stage for stage, grades in STAGE_GRADES.items() if grade in grades)


def school_grades(stages: list[str]) -> list[int]:
    return [grade for stage in stages for grade in STAGE_GRADES[stage]]


def parse_grade(raw: str | int, stages: list[str] | None = None) -> int:
    """A grade from its number or any of its names; NotFound when the school lacks it."""
    text = str(raw).strip()
    grade = int(text) if text.isdigit() else _BY_NAME.get(text.replace(" ", ""))
    if grade is None or grade not in GRADE_NAMES:
        raise InvalidInput(f"没有“{text}”这个年级，请写成一年级、初一年级、高一年级这样的名称")
    if stages is not None and grade not in school_grades(stages):
        raise NotFound(f"本校没有{GRADE_NAMES[grade]}")
    return grade
