"""Identity document numbers of the five types the import templates list.

Mainland resident ID numbers (GB 11643-1999, 18 characters) are checked in full: the
province of the area code, a real birth date between 1900 and today, and the check
digit; a trailing x is upper-cased. The other types are checked for form only.

A number that reached us as a number is always refused: Excel keeps 15 significant
digits, so an 18-digit ID number typed into a number cell has already lost its last
digits (and any leading zero of other documents), and nothing can bring them back.
"""

import re
import time
import unicodedata
from datetime import date
from typing import NamedTuple

from shared.validators.genders import FEMALE, MALE
from shared.validators.text import InvalidValue

MAINLAND_ID = "中国大陆居民身份证"
HONG_KONG_ID = "香港特区护照/身份证明"
MACAU_ID = "澳门特区护照/身份证明"
TAIWAN_ID = "台湾居民来往大陆身份证明"
FOREIGN_PASSPORT = "外籍护照"
ID_TYPES = (MAINLAND_ID, HONG_KONG_ID, MACAU_ID, TAIWAN_ID, FOREIGN_PASSPORT)

# Province-level codes of GB/T 2260, plus 83 for the residence permits of Taiwan
# residents (81 and 82, Hong Kong and Macau, are province codes already).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
_CHECK_CHARS = "10X98765432"
_EARLIEST_BIRTH = date(1900, 1, 1)
_MAINLAND_FORM = re.compile(r"\d{17}[\dX]", re.ASCII)

# Form only: what the documents look like, brackets around check characters optional.
_FORMS = {
    HONG_KONG_ID: (
        re.compile(
            r"[A-Z]{1,2}\d{6}(\([0-9A]\)|[0-9A])|[HK]\d{8}(\d{2})?|810000\d{11}[\dX]",
            re.ASCII,
        ),
        "香港证件号码格式不正确，应类似 H12345678 或 A123456(7)",
    ),
    MACAU_ID: (
        re.compile(
            r"[1578]\d{6}(\(\d\)|\d)|M\d{8}(\d{2})?|MA\d{7}|820000\d{11}[\dX]",
            re.ASCII,
        ),
        "澳门证件号码格式不正确，应类似 1234567(8) 或 M12345678",
    ),
    TAIWAN_ID: (
        re.compile(r"\d{8}|\d{10}(\([A-Z]\))?|[A-Z]\d{9}|830000\d{11}[\dX]", re.ASCII),
        "台湾居民来往大陆通行证号码格式不正确，应为8位数字（如 12345678）或10位号码",
    ),
    FOREIGN_PASSPORT: (
        re.compile(r"[A-Z0-9]{5,20}", re.ASCII),
        "护照号码格式不正确，应为5到20位字母或数字",
    ),
}

_TYPE_SPELLINGS = {
    "".join(kind.split()): kind for kind in ID_TYPES
} | {
    "身份证": MAINLAND_ID,
    "居民身份证": MAINLAND_ID,
    "大陆居民身份证": MAINLAND_ID,
    "中国居民身份证": MAINLAND_ID,
    "中华人民共和国居民身份证": MAINLAND_ID,
    "护照": FOREIGN_PASSPORT,
}

_CHECK_DIGIT_WRONG = "身份证号码校验位不符，可能有数字填错了，请对照证件核对"

NUMBER_LOST = (
    "证件号码被 Excel 存成了数字，末尾几位已经丢失：请把“证件号码”一列设置为"
    "文本格式（设置单元格格式 → 文本），再重新输入该证件号码"
)


class IdCheck(NamedTuple):
    """The outcome of checking one ID number.

    `number` is the normalised number when the check passed. For mainland ID
    numbers `birth_date` and `sex` (男/女, from the 17th digit) are filled in too.
    """

    id_type: str
    number: str | None = None
    error: str | None = None
    birth_date: date | None = None
    sex: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def require(self) -> str:
        """The normalised number, or InvalidValue carrying the check's message."""
        if self.error is not None:
            raise InvalidValue(self.error)
        return self.number


def check_id_number(id_type: str | None, raw: object) -> IdCheck:
    """Check `raw` as a number of `id_type` (blank means a mainland ID card).

    Never raises for bad input: the returned IdCheck carries a Chinese message that
    names no digits of the number, so it is safe to log.
    """
    id_type = id_type or MAINLAND_ID
    if type(raw) is str and id_type == MAINLAND_ID and _MAINLAND_FORM.fullmatch(raw):
        return _check_mainland(raw)  # the common case, already clean
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return IdCheck(id_type, error=NUMBER_LOST)
    if not isinstance(raw, str):
        return IdCheck(id_type, error="证件号码格式不正确，请填写文字")

    text = _compact(raw)
    if not text:
        return IdCheck(id_type, error="证件号码不能为空")
    if id_type == MAINLAND_ID:
        return _check_mainland(text)
    if id_type not in _FORMS:
        return IdCheck(id_type, error=_type_message())
    return _check_form(id_type, text.upper())


def normalise(id_type: str | None, raw: object) -> str:
    """The normalised number of a valid document; InvalidValue otherwise."""
    return check_id_number(id_type, raw).require()


def normalise_id_type(raw: object, *, label: str = "证件类型") -> str | None:
    """One of ID_TYPES, or None when blank; short forms such as 身份证 are accepted."""
    if type(raw) is str and raw in _TYPE_SPELLINGS:
        return _TYPE_SPELLINGS[raw]
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InvalidValue(_type_message(label))

    text = _compact(raw)
    if not text:
        return None
    id_type = _TYPE_SPELLINGS.get(text)
    if id_type is None:
        raise InvalidValue(_type_message(label))
    return id_type


def sex_of(number: str) -> str:
    """男 or 女, read from the 17th digit of a valid mainland ID number."""
    return MALE if int(number[16]) % 2 else FEMALE


def mask_id_number(number: str) -> str:
    """Hide all but the first 3 and last 4 characters, for lists and logs."""
    if len(number) >= 10:
        return number[:3] + "*" * (len(number) - 7) + number[-4:]
    return number[:1] + "*" * (len(number) - 1)


def _check_mainland(text: str) -> IdCheck:
    if len(text) != 18:
        return IdCheck(MAINLAND_ID, error=_length_message(text))
    text = text.upper() if text[17] == "x" else text
    if not _MAINLAND_FORM.fullmatch(text):
        return IdCheck(MAINLAND_ID, error="身份证号码只能是数字，最后一位可以是 X")
    if text[:2] not in _PROVINCES:
        return IdCheck(MAINLAND_ID, error="身份证号码前两位不是有效的省份代码，请核对")

    birth = _birth_date(text)
    if isinstance(birth, str):
        return IdCheck(MAINLAND_ID, error=birth)
    if _check_char(text) != text[17]:
        return IdCheck(MAINLAND_ID, error=_CHECK_DIGIT_WRONG)
    return IdCheck(MAINLAND_ID, text, birth_date=birth, sex=sex_of(text))


def _check_char(text: str) -> str:
    # The standard weighs the 17 digits by 2**17 ... 2**1 modulo 11. Read as a
    # base-13 number they carry 13**16 ... 13**0, and 13 = 2 (mod 11), so twice
    # that number has the same remainder: one C-level int() instead of a loop.
    return _CHECK_CHARS[2 * int(text[:17], 13) % 11]


def _birth_date(text: str) -> date | str:
    try:
        birth = date.fromisoformat(text[6:14])  # the 8 digits are YYYYMMDD
    except ValueError:
        return "身份证号码中的出生日期（第7到14位）不是真实的日期，请核对"
    if birth < _EARLIEST_BIRTH or birth > _today():
        return "身份证号码中的出生日期（第7到14位）不合理，请核对"
    return birth


class _Today:
    """Today's date, read from the clock at most once a minute.

    date.today() costs as much as the rest of a check, and an import asks for it
    a hundred thousand times.
    """

    def __init__(self) -> None:
        self._date = date.min
        self._until = 0.0

    def __call__(self) -> date:
        now = time.monotonic()
        if now >= self._until:
            self._date, self._until = date.today(), now + 60
        return self._date


_today = _Today()


def _check_form(id_type: str, text: str) -> IdCheck:
    pattern, message = _FORMS[id_type]
    if pattern.fullmatch(text) is None:
        return IdCheck(id_type, error=message)
    return IdCheck(id_type, text)


def _compact(raw: str) -> str:
    # People paste numbers with spaces in them and type full-width digits and
    # brackets on Chinese keyboards; neither changes the number.
    text = "".join(raw.split())
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return text


def _length_message(text: str) -> str:
    if len(text) == 15 and text.isdigit():
        return "这是15位的旧身份证号码，请改填18位的新号码"
    return f"身份证号码应为18位，现在是{len(text)}位"


def _type_message(label: str = "证件类型") -> str:
    return f"{label}只能是以下之一：{'、'.join(ID_TYPES)}"
