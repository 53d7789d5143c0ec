"""Phones, names and genders as admins type them into forms and spreadsheets."""

import pytest

from shared.validators import (
    InvalidValue,
    clean_person_name,
    clean_text,
    mask_phone,
    normalise_gender,
    normalise_phone,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        (13812345678.0, "13812345678"),
        (13812345678, "13812345678"),
        (" 13812345678\u3000", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("'13812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("19912345678", "19912345678"),
    ],
    ids=[
        "text", "float from Excel", "int", "padded", "spaced", "hyphens",
        "+86", "86", "apostrophe", "full-width", "199",
    ],
)
def test_mobile_numbers_are_read_as_text(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("1381234567", "现在是10位"),
        ("138123456789", "现在是12位"),
        ("12812345678", "以1开头的11位数字"),
        ("23812345678", "以1开头的11位数字"),
        ("0311-1234567", "以1开头的11位数字"),
        ("138abcd5678", "以1开头的11位数字"),
        (13812345678.5, "以1开头的11位数字"),
        (True, "以1开头的11位数字"),
        ("", "不能为空"),
        (None, "不能为空"),
    ],
)
def test_bad_phones_are_refused(raw, fragment):
    with pytest.raises(InvalidValue, match=fragment):
        normalise_phone(raw)


def test_phone_messages_never_quote_the_number():
    with pytest.raises(InvalidValue) as caught:
        normalise_phone("1381234567")

    assert "1381234567" not in caught.value.message


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("15712342166", "157****2166"), ("85212345678", "852****5678"), ("1234", "****")],
)
def test_phones_are_masked_in_the_middle(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张三", "张三"),
        (" 贺语涵\u3000", "贺语涵"),
        ("\u00a0张三\u2003", "张三"),
        ("\t张三\n", "张三"),
        ("张\u200b三", "张三"),
        ("\ufeff张三", "张三"),
        ("张三1", "张三1"),
        ("John  Smith", "John Smith"),
        ("阿卜杜拉·买买提", "阿卜杜拉·买买提"),
        ("欧" * 20, "欧" * 20),
    ],
    ids=[
        "plain", "ASCII and full-width spaces", "no-break and em spaces", "tab",
        "zero-width space", "BOM", "digit suffix", "inner spaces", "middle dot",
        "20 characters",
    ],
)
def test_names_are_trimmed(raw, expected):
    assert clean_person_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (None, "不能为空"),
        ("", "不能为空"),
        ("\u3000 ", "不能为空"),
        ("欧" * 21, "不能超过20个字"),
        ("12345", "不能只有数字"),
        (12345.0, "不能只有数字"),
        ("张\x00三", "控制字符"),
        ("张\x07三", "控制字符"),
    ],
)
def test_bad_names_are_refused(raw, fragment):
    with pytest.raises(InvalidValue, match=fragment):
        clean_person_name(raw)


def test_the_label_names_the_field_in_messages():
    with pytest.raises(InvalidValue, match="^真实姓名不能为空"):
        clean_person_name(" ", label="真实姓名")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("", None), ("  ", None), (4.0, "4"), (2.5, "2.5"),
     ("a  b ", "a b")],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("男", "男"), ("女", "女"), (" 男 ", "男"), ("男性", "男"), ("女性", "女"),
     ("女\u3000", "女")],
)
def test_genders(raw, expected):
    assert normalise_gender(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [(None, "不能为空"), ("", "不能为空"), ("M", "只能填写"), ("1", "只能填写"),
     (1.0, "只能填写"), ("男女", "只能填写")],
)
def test_other_genders_are_refused(raw, fragment):
    with pytest.raises(InvalidValue, match=fragment):
        normalise_gender(raw)
