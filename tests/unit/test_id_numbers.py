"""ID numbers: mainland numbers checked in full, other documents for form only."""

import random
from datetime import date

import pytest

from shared.errors import InvalidInput
from shared.validators import (
    ID_TYPES,
    MAINLAND_ID,
    InvalidValue,
    check_id_number,
    mask_id_number,
    normalise_id_type,
)
from shared.validators import id_numbers

HONG_KONG, MACAU, TAIWAN, PASSPORT = ID_TYPES[1:]


def with_check_digit(first17: str) -> str:
    """GB 11643 written out the long way, to cross-check the product's shortcut."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(digit) * weight for digit, weight in zip(first17, weights))
    return first17 + "10X98765432"[total % 11]


VALID = with_check_digit("13112519860907932")  # a woman born 1986-09-07
ENDS_IN_X = with_check_digit("13112719920127403")


def test_the_five_template_types_are_listed_in_order():
    assert ID_TYPES == (
        "中国大陆居民身份证",
        "香港特区护照/身份证明",
        "澳门特区护照/身份证明",
        "台湾居民来往大陆身份证明",
        "外籍护照",
    )
    assert MAINLAND_ID == ID_TYPES[0]


def test_a_valid_mainland_number_yields_birth_date_and_sex():
    result = check_id_number(MAINLAND_ID, VALID)

    assert result.ok and result.number == VALID
    assert result.birth_date == date(1986, 9, 7)
    assert result.sex == "女"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (ENDS_IN_X.lower(), ENDS_IN_X),
        (f" {VALID}\u3000", VALID),
        (f"{VALID[:6]} {VALID[6:14]} {VALID[14:]}", VALID),
        (VALID.translate(str.maketrans("0123456789", "０１２３４５６７８９")), VALID),
    ],
    ids=["lower-case x", "padded", "spaced", "full-width digits"],
)
def test_mainland_numbers_are_normalised(raw, expected):
    assert check_id_number(MAINLAND_ID, raw).number == expected


def test_a_blank_type_means_mainland():
    assert check_id_number(None, VALID).number == VALID
    assert check_id_number("", VALID).sex == "女"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (VALID[:17], "应为18位，现在是17位"),
        (VALID + "1", "应为18位，现在是19位"),
        ("131125860907932", "15位的旧身份证号码"),
        (VALID[:10] + "A" + VALID[11:], "只能是数字"),
        (with_check_digit("00112519860907932"), "省份代码"),
        (with_check_digit("99112519860907932"), "省份代码"),
        (with_check_digit("13112519860230932"), "不是真实的日期"),
        (with_check_digit("13112518991231932"), "不合理"),
        (with_check_digit("13112530000101932"), "不合理"),
        (VALID[:17] + ("0" if VALID[17] != "0" else "1"), "校验位不符"),
        ("", "不能为空"),
        ("   ", "不能为空"),
    ],
    ids=[
        "17 chars", "19 chars", "15-digit old number", "letter inside",
        "province 00", "province 99", "30 February", "born before 1900",
        "born in the future", "wrong check digit", "empty", "spaces",
    ],
)
def test_bad_mainland_numbers_are_refused_with_a_reason(raw, fragment):
    result = check_id_number(MAINLAND_ID, raw)

    assert not result.ok and result.number is None
    assert fragment in result.error


@pytest.mark.parametrize("raw", [1.311282002042005e16, 131128200204200500, 12345678.0])
@pytest.mark.parametrize("id_type", [MAINLAND_ID, TAIWAN, PASSPORT])
def test_numbers_excel_typed_as_numbers_are_refused(raw, id_type):
    result = check_id_number(id_type, raw)

    assert not result.ok
    assert "设置为文本格式" in result.error and "丢失" in result.error


def random_number(rng: random.Random) -> str:
    birth = date(1950, 1, 1).toordinal() + rng.randrange(25_000)
    area = f"13{rng.randrange(10_000):04d}"
    sequence = f"{rng.randrange(1000):03d}"
    return with_check_digit(area + f"{date.fromordinal(birth):%Y%m%d}" + sequence)


def test_every_single_digit_slip_is_caught_by_the_check_digit():
    rng = random.Random(11643)
    for _ in range(300):
        number = random_number(rng)
        assert check_id_number(MAINLAND_ID, number).ok, number

        # Slips in the county code and the sequence pass every other check.
        position = rng.choice([2, 3, 4, 5, 14, 15, 16])
        digit = str((int(number[position]) + rng.randrange(1, 10)) % 10)
        slipped = number[:position] + digit + number[position + 1:]
        assert "校验位" in check_id_number(MAINLAND_ID, slipped).error


@pytest.mark.parametrize("odd_or_even", range(10))
def test_sex_comes_from_the_seventeenth_digit(odd_or_even):
    number = with_check_digit(f"1311251986090793{odd_or_even}")

    expected = "男" if odd_or_even % 2 else "女"

    assert check_id_number(MAINLAND_ID, number).sex == expected


@pytest.mark.parametrize(
    ("id_type", "raw", "expected"),
    [
        (HONG_KONG, "H12345678", "H12345678"),
        (HONG_KONG, "a123456(7)", "A123456(7)"),
        (HONG_KONG, "A123456（7）", "A123456(7)"),
        (HONG_KONG, "AB9876543", "AB9876543"),
        (MACAU, "1234567(8)", "1234567(8)"),
        (MACAU, "12345678", "12345678"),
        (MACAU, "M12345678", "M12345678"),
        (TAIWAN, "12345678", "12345678"),
        (TAIWAN, "1234567890", "1234567890"),
        (TAIWAN, "a123456789", "A123456789"),
        (PASSPORT, "e12345678", "E12345678"),
        (PASSPORT, "P 1234 567", "P1234567"),
        (PASSPORT, "AB123", "AB123"),
    ],
)
def test_other_documents_are_checked_for_form(id_type, raw, expected):
    result = check_id_number(id_type, raw)

    assert result.ok, result.error
    assert result.number == expected and result.sex is None


@pytest.mark.parametrize(
    ("id_type", "raw"),
    [
        (HONG_KONG, "12345"),
        (HONG_KONG, "H1234"),
        (MACAU, "ABCDEFGHIJ"),
        (TAIWAN, "1234567"),
        (TAIWAN, "123456789"),
        (PASSPORT, "AB12"),
        (PASSPORT, "A" * 21),
        (PASSPORT, "E1234-5678"),
    ],
)
def test_malformed_other_documents_are_refused(id_type, raw):
    result = check_id_number(id_type, raw)

    assert not result.ok and "格式不正确" in result.error


def test_an_unknown_type_is_refused():
    result = check_id_number("驾驶证", VALID)

    assert "证件类型只能是以下之一" in result.error


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("中国大陆居民身份证", MAINLAND_ID),
        (" 身份证 ", MAINLAND_ID),
        ("居民身份证", MAINLAND_ID),
        ("香港特区护照／身份证明", HONG_KONG),
        ("澳门特区护照/身份证明", MACAU),
        ("台湾居民来往大陆身份证明", TAIWAN),
        ("外籍 护照", PASSPORT),
        ("护照", PASSPORT),
        (None, None),
        ("", None),
        ("\u3000", None),
    ],
)
def test_id_types_are_read_in_their_usual_spellings(raw, expected):
    assert normalise_id_type(raw) == expected


@pytest.mark.parametrize("raw", ["驾驶证", "香港", 1.0])
def test_unknown_id_types_are_refused(raw):
    with pytest.raises(InvalidValue, match="证件类型只能是以下之一"):
        normalise_id_type(raw)


def test_require_raises_an_error_both_pydantic_and_the_gateway_understand():
    with pytest.raises(InvalidValue) as caught:
        check_id_number(MAINLAND_ID, VALID[:17]).require()

    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, InvalidInput)
    assert caught.value.code == "invalid_input"
    assert id_numbers.normalise(MAINLAND_ID, ENDS_IN_X.lower()) == ENDS_IN_X


def test_messages_never_quote_the_number():
    for raw in (VALID[:17], VALID[:17] + "0", "9" + VALID[1:], VALID + "12"):
        error = check_id_number(MAINLAND_ID, raw).error
        assert VALID[:6] not in error and VALID[-4:] not in error


def test_masking_keeps_only_the_ends():
    assert mask_id_number(ENDS_IN_X) == ENDS_IN_X[:3] + "*" * 11 + ENDS_IN_X[-4:]
    assert mask_id_number("H123456") == "H******"
