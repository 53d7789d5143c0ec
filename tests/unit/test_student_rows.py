"""Student rows: the sample files end exactly as their .expected.txt files say."""

import re

import pytest

from services.importer.kinds import get_kind
from services.importer.kinds.students import class_number, normalise_grade
from services.importer.sheets import SheetRow
from shared.validators import InvalidValue

from samples import assert_matches_expected, expected_rows, outcomes


def test_messy_students_end_as_expected():
    results = outcomes("students", "students-messy")
    expected, counts = expected_rows("students-messy")

    assert_matches_expected(results, expected, counts)


def test_the_repaired_cells_of_messy_students_are_normalised():
    results = outcomes("students", "students-messy")
    expected, _ = expected_rows("students-messy")

    for row, why in expected.items():
        data = results[row].data if row in results else None
        if "lower-case x" in why:
            assert data["id_number"].endswith("X")
        elif "name padded" in why:
            assert data["name"] == data["name"].strip() and "\u3000" not in data["name"]
        elif "student number typed as a number" in why:
            assert isinstance(data["student_number"], str)
            assert data["student_number"].isdigit()
        elif "class written as" in why:
            assert isinstance(data["class_number"], int) and data["class_number"] >= 1


def test_every_new_student_is_ok():
    results = outcomes("students", "students-new")

    assert len(results) == 400
    assert {o.status for o in results.values()} == {"ok"}
    assert all(isinstance(o.data["student_number"], str) for o in results.values())


# -- single rows ---------------------------------------------------------------

VALID_BOY = "131123201309115190"
VALID_GIRL = "131123201312190343"


def student(row=2, **values):
    base = {"name": "罗浩", "gender": "男", "grade": "初一年级", "class_number": "5",
            "student_number": "01", "id_number": None, "id_type": None,
            "registry_number": None, "enrolment": None}
    return SheetRow(row, base | values)


def check_all(*rows, **context):
    validator = get_kind("students").new_validator(**context)
    return [validator.check(row) for row in rows]


def test_a_plain_row_is_normalised():
    (outcome,) = check_all(student(id_number=VALID_BOY, registry_number="g131123"))

    assert outcome.status == "ok"
    assert outcome.data == {
        "name": "罗浩", "gender": "男", "grade": "初一年级", "class_number": 5,
        "student_number": "01", "registry_number": "G131123",
        "id_type": "中国大陆居民身份证", "id_number": VALID_BOY, "enrolment": "在籍",
    }


@pytest.mark.parametrize(
    ("raw", "number"),
    [("4", 4), ("04", 4), ("4班", 4), ("(4)班", 4), ("（4）班", 4), ("( 4 )班", 4),
     ("(12)", 12), (" 12 ", 12), ("４班", 4)],
)
def test_classes_are_read_in_every_usual_spelling(raw, number):
    assert class_number(raw) == number


@pytest.mark.parametrize(
    "raw", ["0", "4.5", "一班", "4-1", "", None, "1000", "(4班", "4)班"]
)
def test_other_class_spellings_are_refused(raw):
    with pytest.raises(InvalidValue, match="班"):
        class_number(raw)


@pytest.mark.parametrize(
    ("raw", "grade"),
    [("初一年级", "初一年级"), (" 初一 ", "初一年级"), ("高 三", "高三年级"),
     ("一年级", "一年级"), ("七年级", "初一年级"), ("九年级", "初三年级"),
     (7, "初一年级"), (7.0, "初一年级"), ("12", "高三年级")],
)
def test_grades_accept_every_spelling_and_answer_the_manuals_name(raw, grade):
    assert normalise_grade(raw) == grade


def test_grades_unknown_to_the_school_are_errors_when_the_school_is_known():
    ok, unknown = check_all(
        student(row=2),
        student(row=3, grade="高一年级", student_number="02"),
        grades=["初一年级", "初二年级"],
    )

    assert ok.status == "ok"
    assert unknown.status == "error"
    assert unknown.messages == ["本校没有“高一年级”，请核对年级名称"]


@pytest.mark.parametrize(
    "missing", ["name", "gender", "grade", "class_number", "student_number"]
)
def test_required_cells(missing):
    (outcome,) = check_all(student(**{missing: None}))

    assert outcome.status == "error" and "不能为空" in outcome.messages[0]


def test_enrolment_is_enrolled_or_visiting():
    enrolled, visiting, other = check_all(
        student(row=2, enrolment="在籍"),
        student(row=3, student_number="02", enrolment="借读"),
        student(row=4, student_number="03", enrolment="旁听"),
    )

    assert (enrolled.data["enrolment"], visiting.data["enrolment"]) == ("在籍", "借读")
    assert other.status == "error" and "在籍" in other.messages[0]


def test_a_student_number_repeats_only_within_its_class():
    first, other_class, same_class = check_all(
        student(row=2),
        student(row=3, class_number="6"),
        student(row=4, class_number="(5)班"),
    )

    assert (first.status, other_class.status) == ("ok", "ok")
    assert same_class.messages == ["与第2行重复（同一班级的学号相同）"]


def test_student_numbers_can_be_unique_across_the_school():
    _, other_class = check_all(
        student(row=2), student(row=3, class_number="6"), student_number_scope="school"
    )

    assert other_class.messages == ["与第2行重复（学号相同）"]


def test_the_same_student_twice_is_one_message():
    _, again = check_all(student(row=64, id_number=VALID_BOY),
                         student(row=303, id_number=VALID_BOY))

    assert again.messages == ["与第64行重复（证件号码相同）"]


def test_the_same_id_number_in_another_class_is_still_a_repeat():
    _, again = check_all(student(row=2, id_number=VALID_BOY),
                         student(row=3, class_number="7", id_number=VALID_BOY))

    assert again.messages == ["与第2行重复（证件号码相同）"]


def test_a_repeated_registry_number_is_an_error():
    _, again = check_all(student(row=2, registry_number="G1"),
                         student(row=3, student_number="02", registry_number="g1"))

    assert again.messages == ["与第2行重复（学籍号相同）"]


def test_a_student_without_an_id_number_is_fine():
    (outcome,) = check_all(student(id_type="中国大陆居民身份证"))

    assert outcome.status == "ok" and outcome.data["id_number"] is None


def test_a_float_id_number_is_refused_and_the_rest_still_checked():
    (outcome,) = check_all(student(gender="X", id_number=1.311282002042005e16))

    assert outcome.status == "error"
    assert len(outcome.messages) == 2
    assert re.search("设置为文本格式", outcome.messages[1])


def test_a_sex_digit_disagreeing_with_the_gender_is_a_warning():
    (outcome,) = check_all(student(gender="男", id_number=VALID_GIRL))

    assert outcome.status == "warning" and "与性别“男”不一致" in outcome.messages[0]
