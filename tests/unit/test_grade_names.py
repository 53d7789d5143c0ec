"""Grade names as admins write them, class names, and the subject form's checks."""

import pytest

from services.roster.grades import (
    grade_name,
    parse_grade,
    school_grades,
    stage_of,
)
from services.roster.subjects import CATEGORIES, DEFAULT_SUBJECTS
from shared.contracts.roster.classes import ClassChanges, ClassIn, class_name
from shared.contracts.roster.grades import CATEGORIES as CONTRACT_CATEGORIES
from shared.contracts.roster.grades import GradeSubjectsIn
from shared.errors import InvalidInput, NotFound
from shared.validation import parse


@pytest.mark.parametrize(("raw", "grade"), [
    (7, 7), ("7", 7), (" 12 ", 12), ("一年级", 1), ("六年级", 6),
    ("初一年级", 7), ("七年级", 7), ("初一", 7), ("八年级", 8), ("初三年级", 9),
    ("九年级", 9), ("高一年级", 10), ("高一", 10), ("高 三", 12),
])
def test_a_grade_is_read_from_its_number_or_any_of_its_names(raw, grade):
    assert parse_grade(raw) == grade


@pytest.mark.parametrize("raw", ["0", "13", "大一", "初四", "", "seven", "-1"])
def test_a_grade_that_does_not_exist_is_refused_in_chinese(raw):
    with pytest.raises(InvalidInput, match="年级"):
        parse_grade(raw)


@pytest.mark.parametrize(("raw", "stages"), [
    ("一年级", ["junior"]), ("高一", ["primary", "junior"]), (7, ["senior"]),
])
def test_a_grade_outside_the_schools_stages_is_not_found(raw, stages):
    with pytest.raises(NotFound, match="本校没有"):
        parse_grade(raw, stages)


def test_the_schools_grades_follow_its_stages_in_order():
    assert school_grades(["primary", "senior"]) == [1, 2, 3, 4, 5, 6, 10, 11, 12]
    assert [stage_of(g) for g in (1, 6, 7, 9, 10, 12)] == [
        "primary", "primary", "junior", "junior", "senior", "senior"]
    assert grade_name(8) == "初二年级" and grade_name(None) is None


@pytest.mark.parametrize(("number", "name"), [(1, "(1)班"), (12, "(12)班"),
                                              (999, "(999)班")])
def test_a_class_is_called_by_its_number(number, name):
    assert class_name(number) == name


def test_the_contracts_know_the_same_categories_as_the_defaults():
    assert CONTRACT_CATEGORIES == CATEGORIES
    for defaults in DEFAULT_SUBJECTS.values():
        assert set(defaults) <= set(CATEGORIES)


def subjects(*pairs) -> dict:
    return {"categories": [{"category": c, "subjects": [{"name": n} for n in names]}
                           for c, names in pairs]}


@pytest.mark.parametrize(("data", "fragment"), [
    (subjects(("学业水平", ["语文", ""])), "不能为空"),
    (subjects(("学业水平", ["语文", "\u3000"])), "不能为空"),
    (subjects(("学业水平", ["语文"]), ("校本课程", ["语文"])), "“语文”在本年级重复"),
    (subjects(("兴趣", ["围棋"])), "没有“兴趣”这个学科分类"),
    (subjects(("学业水平", []), ("学业水平", ["语文"])), "出现了两次"),
    (subjects(("学业水平", ["数" * 21])), "太长"),
    ({"categories": [], "mode": "4+4"}, "模式只能是"),
    ({"categories": [], "extra": 1}, "不认识的字段"),
])
def test_a_bad_subject_list_is_refused_saying_what_to_fix(data, fragment):
    with pytest.raises(InvalidInput, match=fragment):
        parse(GradeSubjectsIn, data)


def test_subject_names_are_trimmed_and_a_missing_mode_keeps_the_grades():
    parsed = parse(GradeSubjectsIn, subjects(("校本课程", [" 围棋\u3000"])))

    assert parsed.categories[0].subjects[0].name == "围棋"
    assert parsed.mode is None


@pytest.mark.parametrize(("data", "fragment"), [
    ({"grade": 7, "number": 1, "alias": "长" * 21}, "别名最多20个字"),
    ({"grade": 7, "number": 0}, "班号不能小于1"),
    ({"grade": 7, "number": 1000}, "班号不能大于999"),
    ({"grade": 7, "number": 1, "kind": "走班"}, "班级类型只能是"),
    ({"grade": True, "number": 1}, "年级"),
])
def test_a_bad_class_form_is_refused_saying_what_to_fix(data, fragment):
    with pytest.raises(InvalidInput, match=fragment):
        parse(ClassIn, data)


def test_an_empty_alias_means_none_and_blank_required_fields_are_refused():
    assert parse(ClassIn, {"grade": "初一", "number": 2, "alias": " "}).alias is None
    assert parse(ClassChanges, {"alias": ""}).model_dump(exclude_unset=True) == {
        "alias": None}
    with pytest.raises(InvalidInput, match="班号不能为空"):
        parse(ClassChanges, {"number": None})
