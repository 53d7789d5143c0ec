"""Teacher rows: the sample files end exactly as their .expected.txt files say."""

import re
from pathlib import Path

import pytest

from services.importer.kinds import KINDS, get_kind
from services.importer.sheets import SheetRow, read_rows
from shared.errors import NotFound

SAMPLES = Path(__file__).parents[2].parent / "shared" / "samples"
LIMITS = {"max_rows": 10_000, "max_unzipped_bytes": 50 << 20}
ID_TYPE = "中国大陆居民身份证"


def expected_rows(name: str) -> tuple[dict[int, str], tuple[int, int]]:
    """Sheet row -> what happened to it, and (people landing, people in all)."""
    text = (SAMPLES / f"{name}.expected.txt").read_text(encoding="utf-8")
    rows = {int(n): why for n, why in re.findall(r"sheet row (\d+): (.+)", text)}
    landing, total = map(int, re.search(r"in all: (\d+) of (\d+)", text).groups())
    return rows, (landing, total)


def outcomes(kind_name: str, sample: str):
    kind = get_kind(kind_name)
    data = (SAMPLES / f"{sample}.xlsx").read_bytes()
    validator = kind.new_validator()
    rows = read_rows(data, kind.columns, **LIMITS)
    return {row.row: validator.check(row) for row in rows}


def assert_matches_expected(results, expected, counts):
    """Every named row ends as described; every other row is ok."""
    for row, why in expected.items():
        if why.startswith("blank row"):
            assert row not in results, why
        elif "must be rejected" in why:
            assert results[row].status == "error", (row, why)
            assert_message_fits(results[row].messages, why)
        else:
            assert results[row].status == "ok", (row, why, results[row].messages)

    others = [o for row, o in results.items() if row not in expected]
    assert [o for o in others if o.status != "ok"] == []
    landing = sum(o.status != "error" for o in results.values())
    assert (landing, len(results)) == counts


def assert_message_fits(messages, why):
    text = "；".join(messages)
    if "float" in why:
        assert "设置为文本格式" in text
    elif "check digit" in why:
        assert "校验位" in text
    elif "repeats the person" in why:
        earlier = re.search(r"sheet row (\d+)", why).group(1)
        assert f"与第{earlier}行重复" in text
    else:
        pytest.fail(f"no rule for {why!r}")


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
