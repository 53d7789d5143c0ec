"""The promotion plan: who moves up, who graduates, and in what order rows change."""

from itertools import count
from uuid import uuid4

import pytest

from services.roster.grades import school_grades
from services.roster.promotion import (
    ClassRow,
    StudentRow,
    describe,
    next_academic_year,
    plan_promotion,
    update_order,
)

JUNIOR = school_grades(["junior"])
_kids = count(18000001)


def a_class(grade, number=1, kind="administrative") -> ClassRow:
    return ClassRow(id=uuid4(), grade=grade, kind=kind, number=number)


def a_student(klass: ClassRow | None, grade=None, status="active") -> StudentRow:
    return StudentRow(id=uuid4(), kid=next(_kids), status=status,
                      grade=grade if grade is not None else klass.grade,
                      class_id=klass.id if klass else None)


def targets(plan) -> dict:
    return {move.row.id: move.new_grade for move in plan.classes}


@pytest.mark.parametrize(("year", "following"), [
    ("2026-2027", "2027-2028"),
    ("2099-2100", "2100-2101"),
])
def test_the_academic_year_advances_by_one(year, following):
    assert next_academic_year(year) == following


def test_every_class_below_the_top_grade_moves_up_one_grade():
    first, second, top = a_class(7), a_class(8), a_class(9)

    plan = plan_promotion("2026-2027", JUNIOR, [first, second, top], [])

    assert targets(plan) == {first.id: 8, second.id: 9, top.id: None}
    assert [m.row for m in plan.graduating_classes] == [top]


def test_the_top_grades_students_graduate_and_the_others_follow_their_class():
    lower, top = a_class(7), a_class(9)
    moving, graduating = a_student(lower), a_student(top)
    disabled = a_student(top, status="disabled")

    plan = plan_promotion("2026-2027", JUNIOR, [lower, top],
                          [moving, graduating, disabled])

    assert [(m.row, m.new_grade) for m in plan.moving_students] == [(moving, 8)]
    assert {m.row for m in plan.graduating_students} == {graduating, disabled}


def test_a_student_follows_the_class_even_when_their_own_grade_disagrees():
    klass = a_class(7)
    student = a_student(klass, grade=8)

    plan = plan_promotion("2026-2027", JUNIOR, [klass], [student])

    assert plan.students[0].new_grade == 8


def test_a_student_without_a_class_moves_by_their_own_grade():
    lower, top = a_student(None, grade=8), a_student(None, grade=9)

    plan = plan_promotion("2026-2027", JUNIOR, [], [lower, top])

    assert {m.row: m.new_grade for m in plan.students} == {lower: 9, top: None}


def test_graduates_and_classes_already_without_a_grade_are_left_alone():
    old_class = a_class(None)
    graduate = a_student(old_class, grade=None, status="graduated")
    stray = a_student(old_class, grade=None)

    plan = plan_promotion("2026-2027", JUNIOR, [old_class], [graduate, stray])

    assert plan.classes == [] and plan.students == []


def test_each_stage_run_graduates_at_its_own_top_when_a_stage_is_missing():
    sixth, tenth, twelfth = a_class(6), a_class(10), a_class(12)

    plan = plan_promotion("2026-2027", school_grades(["primary", "senior"]),
                          [sixth, tenth, twelfth], [])

    assert targets(plan) == {sixth.id: None, tenth.id: 11, twelfth.id: None}


def test_a_nine_year_school_moves_primary_classes_into_junior():
    sixth = a_class(6)

    nine_years = school_grades(["primary", "junior"])

    plan = plan_promotion("2026-2027", nine_years, [sixth], [])

    assert targets(plan) == {sixth.id: 7}


def test_junior_classes_graduate_even_where_the_school_has_senior_grades():
    third_junior, first_senior = a_class(9), a_class(10)
    graduate, senior = a_student(third_junior), a_student(first_senior)
    unplaced = a_student(None, grade=9)

    plan = plan_promotion("2026-2027", school_grades(["junior", "senior"]),
                          [third_junior, first_senior], [graduate, senior, unplaced])

    assert targets(plan) == {third_junior.id: None, first_senior.id: 11}
    assert {m.row for m in plan.graduating_students} == {graduate, unplaced}
    assert [(m.row, m.new_grade) for m in plan.moving_students] == [(senior, 11)]


def test_a_twelve_year_school_continues_into_junior_but_not_into_senior():
    sixth, ninth, eleventh = a_class(6), a_class(9), a_class(11)

    every_stage = school_grades(["primary", "junior", "senior"])
    plan = plan_promotion("2026-2027", every_stage, [sixth, ninth, eleventh], [])

    assert targets(plan) == {sixth.id: 7, ninth.id: None, eleventh.id: 12}


def test_grades_are_updated_top_down_so_numbers_never_clash():
    classes = [a_class(grade, number) for grade in (7, 8, 9) for number in (1, 2)]
    plan = plan_promotion("2026-2027", JUNIOR, classes, [])

    batches = update_order(plan.classes)

    assert [{m.row.grade for m in batch} for batch in batches] == [{9}, {8}, {7}]
    occupied = {(c.grade, c.kind, c.number) for c in classes}
    for batch in batches:
        for move in batch:
            occupied.discard((move.row.grade, move.row.kind, move.row.number))
        for move in batch:
            if move.new_grade is not None:
                place = (move.new_grade, move.row.kind, move.row.number)
                assert place not in occupied
                occupied.add(place)


def test_the_preview_names_classes_grades_and_counts():
    lower, top = a_class(8, number=2), a_class(9, kind="tiered")
    students = [a_student(lower), a_student(top), a_student(top)]

    preview = describe(plan_promotion("2026-2027", JUNIOR, [lower, top], students))

    assert preview["from_year"] == "2026-2027" and preview["to_year"] == "2027-2028"
    assert preview["classes"] == [{
        "class_id": lower.id, "name": "(2)班", "kind": "administrative",
        "old_grade": 8, "old_grade_name": "初二年级", "new_grade": 9,
        "new_grade_name": "初三年级", "student_count": 1,
    }]
    assert preview["graduating"] == {"classes": 1, "students": 2}
    assert preview["classes_left_without_grade"] == [{
        "class_id": top.id, "name": "(1)班", "kind": "tiered", "old_grade": 9,
        "old_grade_name": "初三年级", "student_count": 2,
    }]
    assert preview["students_moving_up"] == 1
