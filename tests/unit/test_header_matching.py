"""Header rows match exactly or by their obvious variants."""

import pytest

from services.importer.kinds.students import COLUMNS as STUDENT_COLUMNS
from services.importer.kinds.teachers import COLUMNS as TEACHER_COLUMNS
from services.importer.sheets.headers import (
    column_letter,
    find_header,
    header_key,
    match_header,
)
from shared.errors import BadFile

ID_TYPE_LONG = (
    "证件类型(中国大陆居民身份证、香港特区护照/身份证明、澳门特区护照/身份证明、"
    "台湾居民来往大陆身份证明、外籍护照)"
)
TEMPLATE = ["姓名", "性别", "手机号码", "证件号码", ID_TYPE_LONG]


def positions(cells, columns=TEACHER_COLUMNS):
    return match_header(cells, columns).positions


def test_the_template_header_matches_exactly():
    assert positions(TEMPLATE) == {
        "name": 0, "gender": 1, "phone": 2, "id_number": 3, "id_type": 4,
    }


@pytest.mark.parametrize(
    ("cell", "field"),
    [
        (" 姓名 ", "name"),
        ("姓 名", "name"),
        ("姓\u3000名", "name"),
        ("*姓名", "name"),
        ("＊ 性别", "gender"),
        ("手机号", "phone"),
        ("身份证号码", "id_number"),
        ("证件类型", "id_type"),
        ("证件类型 ", "id_type"),
        (ID_TYPE_LONG.replace("(", "（").replace(")", "）"), "id_type"),
        (ID_TYPE_LONG.replace("、", "，"), "id_type"),
        ("证件类型（身份证/护照）", "id_type"),
        ("证件类型【中国大陆居民身份证】", "id_type"),
        ("备注", "remark"),
    ],
)
def test_obvious_variants_of_a_header_match(cell, field):
    assert field in positions([cell])
    assert positions([cell])[field] == 0


@pytest.mark.parametrize(
    "cell", ["姓名称", "证件类型号", "证件", "", None, 3.0, "性别(男)x"]
)
def test_other_headers_do_not_match(cell):
    assert positions([cell]) == {}


def test_unknown_columns_are_ignored_and_order_does_not_matter():
    cells = ["序号", ID_TYPE_LONG, "证件号码", "姓名", "性别", "说明"]

    assert positions(cells) == {"id_type": 1, "id_number": 2, "name": 3, "gender": 4}


def test_missing_optional_columns_are_fine_and_required_ones_are_reported():
    match = match_header(["姓名", "年级", "学号"], STUDENT_COLUMNS)

    assert [c.short_header for c in match.missing] == ["性别", "班级"]


def test_a_repeated_column_is_refused_naming_both_letters():
    with pytest.raises(BadFile, match="“姓名”出现了两次（第A列和第C列）"):
        match_header(["姓名", "性别", " 姓名"], TEACHER_COLUMNS)


def test_header_keys_ignore_spaces_width_and_asterisks():
    assert header_key(" ＊证件 类型（外籍护照） ") == "证件类型(外籍护照)"
    assert header_key("Kid") == "kid"


def test_title_and_blank_rows_above_the_header_are_skipped():
    rows = iter([
        ["", "", ""],
        ["某某学校2026年教师名单", "", ""],
        TEMPLATE,
        ["张三", "男", ""],
    ])

    match = find_header(rows, TEACHER_COLUMNS)

    assert match.row == 3
    assert next(rows) == ["张三", "男", ""]


def test_missing_required_columns_are_named():
    rows = iter([["姓名", "手机号码", "证件号码"], ["张三", "", ""]])

    with pytest.raises(BadFile, match="缺少必填的列：性别") as caught:
        find_header(rows, TEACHER_COLUMNS)
    assert caught.value.details["missing_columns"] == ["性别"]


def test_a_sheet_without_any_header_says_what_the_first_row_should_be():
    rows = iter([["a", "b"], ["c", "d"]])

    with pytest.raises(BadFile, match="没有找到表头，第一行应为：姓名、性别、手机号码"):
        find_header(rows, TEACHER_COLUMNS)


def test_the_header_is_looked_for_near_the_top_only():
    rows = iter([[""]] * 10 + [TEMPLATE])

    with pytest.raises(BadFile, match="没有找到表头"):
        find_header(rows, TEACHER_COLUMNS)


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (4, "E"), (25, "Z"), (26, "AA"), (701, "ZZ")]
)
def test_column_letters(index, letters):
    assert column_letter(index) == letters
