"""The yearly promotion (一键升学年) as a plan, worked out before anything changes.

Every class moves up one grade, as long as the school has that grade and the
step does not cross into senior school; a class with nowhere to go is left
without a grade and its students graduate. So 初三 graduates even where the
school has 高一 (senior students are admitted anew, by the entrance exam), and
六年级 graduates unless the school has junior grades (九年一贯制: 六年级 goes on
to 初一). Students follow their class; a student without a class follows their
own grade. The dry run shows this plan and the real run applies exactly it, so
both come from `plan_promotion`.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from services.roster.grades import grade_name, stage_of

GRADUATED = "graduated"
KINDS = ("administrative", "tiered", "elective")
# Steps a class takes by itself: within a stage, and from primary into junior
# school (九年一贯制). Junior to senior is a new admission, never a promotion.
CONTINUING_STAGES = {("primary", "primary"), ("junior", "junior"),
                     ("senior", "senior"), ("primary", "junior")}


@dataclass(frozen=True)
class ClassRow:
    id: UUID
    grade: int | None
    kind: str
    number: int
    version: int = 0


@dataclass(frozen=True)
class StudentRow:
    id: UUID
    kid: int
    grade: int | None
    class_id: UUID | None
    status: str
    version: int = 0


@dataclass(frozen=True)
class ClassMove:
    row: ClassRow
    new_grade: int | None


@dataclass(frozen=True)
class StudentMove:
    row: StudentRow
    new_grade: int | None

    @property
    def graduates(self) -> bool:
        return self.new_grade is None


@dataclass
class Plan:
    from_year: str
    to_year: str
    classes: list[ClassMove] = field(default_factory=list)
    students: list[StudentMove] = field(default_factory=list)

    @property
    def moving_classes(self) -> list[ClassMove]:
        return [move for move in self.classes if move.new_grade is not None]

    @property
    def graduating_classes(self) -> list[ClassMove]:
        return [move for move in self.classes if move.new_grade is None]

    @property
    def graduating_students(self) -> list[StudentMove]:
        return [move for move in self.students if move.graduates]

    @property
    def moving_students(self) -> list[StudentMove]:
        return [move for move in self.students if not move.graduates]


def next_academic_year(year: str) -> str:
    """'2027-2028' after '2026-2027'."""
    start = int(year.split("-")[0]) + 1
    return f"{start}-{start + 1}"


def next_grade(grade: int, school_grades: set[int]) -> int | None:
    """The grade above, or None when the class graduates instead.

    A class graduates when the school has no grade above, or when the grade
    above begins a stage the students do not simply continue into.
    """
    following = grade + 1
    if following not in school_grades:
        return None
    if (stage_of(grade), stage_of(following)) not in CONTINUING_STAGES:
        return None
    return following


def plan_promotion(from_year: str, school_grades: list[int], classes: list[ClassRow],
                   students: list[StudentRow]) -> Plan:
    """What promoting the school from `from_year` changes; changes nothing itself.

    Classes already without a grade, and graduates, are left as they are.
    """
    grades = set(school_grades)
    plan = Plan(from_year, next_academic_year(from_year))
    targets: dict[UUID, int | None] = {}
    for row in classes:
        if row.grade is None:
            continue
        targets[row.id] = next_grade(row.grade, grades)
        plan.classes.append(ClassMove(row, targets[row.id]))

    for student in students:
        if student.status == GRADUATED:
            continue
        if student.class_id is not None:
            if student.class_id not in targets:
                continue  # sits in a class already without a grade
            new_grade = targets[student.class_id]
        elif student.grade is not None:
            new_grade = next_grade(student.grade, grades)
        else:
            continue
        plan.students.append(StudentMove(student, new_grade))
    return plan


def update_order(moves: list[ClassMove]) -> list[list[ClassMove]]:
    """Moves in batches by old grade, top grade first.

    A class's number is unique within its grade and kind, so a grade must be
    emptied before the grade below moves into it.
    """
    by_grade: dict[int, list[ClassMove]] = {}
    for move in moves:
        by_grade.setdefault(move.row.grade, []).append(move)
    return [by_grade[grade] for grade in sorted(by_grade, reverse=True)]


def class_name(number: int) -> str:
    return f"({number})班"


def describe(plan: Plan) -> dict[str, Any]:
    """The plan as the admin previews it."""
    counts = Counter(move.row.class_id for move in plan.students)
    return {
        "from_year": plan.from_year,
        "to_year": plan.to_year,
        "classes": [_moving_class(move, counts)
                    for move in _sorted(plan.moving_classes)],
        "graduating": {"classes": len(plan.graduating_classes),
                       "students": len(plan.graduating_students)},
        "classes_left_without_grade": [
            _class_entry(move.row, counts) for move in _sorted(plan.graduating_classes)
        ],
        "students_moving_up": len(plan.moving_students),
    }


def _sorted(moves: list[ClassMove]) -> list[ClassMove]:
    return sorted(moves, key=lambda m: (m.row.grade, KINDS.index(m.row.kind),
                                        m.row.number))


def _class_entry(row: ClassRow, counts: Counter) -> dict[str, Any]:
    return {"class_id": row.id, "name": class_name(row.number), "kind": row.kind,
            "old_grade": row.grade, "old_grade_name": grade_name(row.grade),
            "student_count": counts[row.id]}


def _moving_class(move: ClassMove, counts: Counter) -> dict[str, Any]:
    return _class_entry(move.row, counts) | {
        "new_grade": move.new_grade, "new_grade_name": grade_name(move.new_grade),
    }
