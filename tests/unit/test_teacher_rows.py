"""Teacher rows: the sample files end exactly as their .expected.txt files say."""

import re

import pytest

from services.importer.kinds import KINDS, get_kind
from services.importer.sheets import SheetRow
from shared.errors import NotFound

from samples import assert_matches_expected, expected_rows, outcomes

ID_TYPE = "中国大陆居民身份证"


def test_messy_teachers_end_as_expected():
    results = outcomes("teachers", "teachers-messy")
    expected, counts = expected_rows("teachers-messy")

    assert_matches_expected(results, expected, counts)


def test_the_repaired_cells_of_messy_teachers_are_normalised():
    results = outcomes("teachers", "teachers-messy")
    expected, _ = expected_rows("teachers-messy")

    for row, why in expected.items():
        data = results[row].data if row in results else None
        if "lower-case x" in why:
            assert data["id_number"].endswith("X")
        elif "name padded" in why:
            assert data["name"] == data["name"].strip() and "\u3000" not in data["name"]
        elif "phone typed as a number" in why:
            assert re.fullmatch(r"1\d{10}", data["phone"])


def test_every_new_teacher_is_ok():
    results = outcomes("teachers", "teachers-new")

    assert len(results) == 60
    assert {o.status for o in results.values()} == {"ok"}
    assert all(o.data["id_type"] == ID_TYPE for o in results.values())


# -- single rows ---------------------------------------------------------------

VALID_MAN = "131102199204104733"
VALID_WOMAN = "131125198609079329"


def teacher(row=2, **values):
    base = {"name": "张三", "gender": "男", "phone": None, "id_number": None,
            "id_type": None, "remark": None}
    return SheetRow(row, base | values)


def check_all(*rows):
    validator = get_kind("teachers").new_validator()
    return [validator.check(row) for row in rows]


def test_only_name_and_gender_are_required():
    (outcome,) = check_all(teacher())

    assert outcome.status == "ok"
    assert outcome.data == {"name": "张三", "gender": "男", "phone": None,
                            "id_type": ID_TYPE, "id_number": None, "remark": None}


def test_every_problem_of_a_row_is_reported():
    (outcome,) = check_all(teacher(name=" ", gender="M", phone="123", id_number="1"))

    assert outcome.status == "error"
    assert len(outcome.messages) == 4


def test_a_blank_id_type_means_a_mainland_id_card():
    (outcome,) = check_all(teacher(id_number=VALID_MAN))

    assert outcome.data["id_type"] == ID_TYPE and outcome.data["id_number"] == VALID_MAN


def test_other_documents_are_taken_by_their_type():
    hong_kong = "香港特区护照/身份证明"

    (outcome,) = check_all(teacher(id_number="H12345678", id_type=hong_kong))

    assert outcome.status == "ok" and outcome.data["id_number"] == "H12345678"


def test_an_unknown_id_type_is_an_error():
    (outcome,) = check_all(teacher(id_number=VALID_MAN, id_type="军官证"))

    assert outcome.status == "error" and "证件类型只能是" in outcome.messages[0]


def test_a_sex_digit_disagreeing_with_the_gender_is_a_warning():
    (outcome,) = check_all(teacher(gender="男", id_number=VALID_WOMAN))

    assert outcome.status == "warning"
    assert outcome.messages == ["证件号码显示为女性，与性别“男”不一致，请核对"]
    assert outcome.data["id_number"] == VALID_WOMAN


def test_the_same_person_twice_is_an_error_naming_the_first_row():
    first, again = check_all(
        teacher(row=29, id_number=VALID_MAN), teacher(row=43, id_number=VALID_MAN)
    )

    assert first.status == "ok"
    assert again.status == "error"
    assert again.messages == ["与第29行重复（证件号码相同）"]


def test_a_refused_first_copy_does_not_block_the_second():
    first, again = check_all(
        teacher(row=5, gender="?", id_number=VALID_MAN),
        teacher(row=9, id_number=VALID_MAN),
    )

    assert (first.status, again.status) == ("error", "ok")


def test_same_name_teachers_are_told_apart_by_their_remark():
    first, same, told_apart = check_all(
        teacher(row=2), teacher(row=3), teacher(row=4, remark="数学组")
    )

    assert first.status == "ok"
    assert same.status == "warning" and "与第2行同名" in same.messages[0]
    assert told_apart.status == "ok"


def test_a_shared_phone_is_a_warning():
    _, second = check_all(
        teacher(row=2, phone="13812345678"),
        teacher(row=3, name="李四", phone="13812345678"),
    )

    assert second.status == "warning" and "手机号码与第2行相同" in second.messages[0]


def test_a_remark_longer_than_the_form_allows_is_an_error():
    (outcome,) = check_all(teacher(remark="很" * 21))

    assert outcome.status == "error" and "备注不能超过20个字" in outcome.messages[0]


def test_kinds_are_found_by_name():
    assert get_kind("teachers") is KINDS["teachers"]
    with pytest.raises(NotFound):
        get_kind("parents")
