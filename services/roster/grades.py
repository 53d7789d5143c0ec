"""Grades as the manual names them, numbered across the three stages.

1-6 are primary (一年级..六年级), 7-9 junior (初一年级..初三年级, also called
七年级..九年级), 10-12 senior (高一年级..高三年级). A school has the grades of its
stages.
"""

from shared.errors import NotFound
from shared.validators.grades import GRADE_NAMES, grade_number

__all__ = ["GRADE_NAMES", "STAGE_GRADES", "STAGE_NAMES", "grade_name", "parse_grade",
           "school_grades", "stage_of"]

STAGE_GRADES = {"primary": range(1, 7), "junior": range(7, 10), "senior": range(10, 13)}
STAGE_NAMES = {"primary": "小学", "junior": "初中", "senior": "高中"}


def grade_name(grade: int | None) -> str | None:
    return GRADE_NAMES.get(grade) if grade is not None else None


def stage_of(grade: int) -> str:
    return next(stage for stage, grades in STAGE_GRADES.items() if grade in grades)


def school_grades(stages: list[str]) -> list[int]:
    return [grade for stage in stages for grade in STAGE_GRADES[stage]]


def parse_grade(raw: str | int, stages: list[str] | None = None) -> int:
    """A grade from its number or any of its names; NotFound when the school lacks
    it."""
    grade = grade_number(raw)
    if stages is not None and grade not in school_grades(stages):
        raise NotFound(f"本校没有{GRADE_NAMES[grade]}")
    return grade
