"""Mainland mobile numbers: 11 digits starting with 1, shown masked as 157****2166.

A number may arrive as a number when Excel typed the cell (13812345678.0): no digit
is lost at that size, so it is read back as text. Spaces, hyphens and a +86 prefix
are the usual ways people write a number and are removed.
"""

import re
import unicodedata

from shared.validators.text import InvalidValue, number_as_text

_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
# A leading apostrophe is how spreadsheets force text; it is not part of the number.
_SEPARATORS = str.maketrans("", "", " -()'\u3000")


def normalise_phone(raw: object, *, label: str = "手机号码") -> str:
    """The 11 digits of a mainland mobile number; InvalidValue when it is not one."""
    if type(raw) is str and _MOBILE.fullmatch(raw):
        return raw

    text = _as_text(raw, label)
    if not text:
        raise InvalidValue(f"{label}不能为空")
    digits = _strip_country_code(text.translate(_SEPARATORS))
    if not _MOBILE.fullmatch(digits):
        raise InvalidValue(f"{label}应为以1开头的11位数字{_length_hint(digits)}")
    return digits


def mask_phone(phone: str) -> str:
    """Hide the middle of a phone number: "15712342166" becomes "157****2166"."""
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)


def _as_text(raw: object, label: str) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise InvalidValue(f"{label}应为以1开头的11位数字")
    if isinstance(raw, float) and not raw.is_integer():
        raise InvalidValue(f"{label}应为以1开头的11位数字")
    text = raw if isinstance(raw, str) else number_as_text(raw)
    return unicodedata.normalize("NFKC", text).strip()


def _strip_country_code(digits: str) -> str:
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix):]
    return digits


def _length_hint(digits: str) -> str:
    if digits.isdigit() and len(digits) != 11:
        return f"，现在是{len(digits)}位"
    return ""
