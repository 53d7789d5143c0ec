"""Text as a person typed it into a form or a spreadsheet cell, made usable.

Every validator in this package starts here: surrounding spaces (ASCII, full-width
U+3000 and the other Unicode spaces) go, runs of inner spaces shrink to one, and the
invisible formatting characters that copy-and-paste drags along (zero-width spaces,
byte-order marks) are dropped. Control characters are refused, never repaired.
"""

import unicodedata
from datetime import date, datetime, time

from shared.errors import InvalidInput


class InvalidValue(InvalidInput, ValueError):
    """A typed value cannot be used; the Chinese message says what to fix.

    It is a ValueError as well, so a pydantic validator that calls into this package
    reports it as one of its own validation errors.
    """


def number_as_text(value: int | float) -> str:
    """Spell a number the way it was typed: 4.0 becomes "4", 2.5 stays "2.5"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def clean_text(raw: object, *, label: str = "内容") -> str | None:
    """The trimmed text of `raw`, or None when nothing but spaces was typed.

    Numbers (a cell Excel typed as a number) come back as their digits, dates in ISO
    form. Raises InvalidValue when the text holds control characters.
    """
    if raw is None:
        return None
    # Most cells need no repair; telling so with a few C-level checks is several
    # times cheaper than splitting and joining every one of them.
    if (
        type(raw) is str
        and raw
        and raw[0] != " "
        and raw[-1] != " "
        and "  " not in raw
        and raw.isprintable()
    ):
        return raw
    text = raw if type(raw) is str else _as_text(raw)
    text = " ".join(text.split())
    if not text.isprintable():
        text = _drop_invisible(text, label)
    return text or None


def limited_text(raw: object, *, label: str, max_length: int) -> str | None:
    """clean_text that also refuses more than `max_length` characters."""
    text = clean_text(raw, label=label)
    if text is not None and len(text) > max_length:
        raise InvalidValue(f"{label}不能超过{max_length}个字，现在有{len(text)}个")
    return text


def _as_text(raw: object) -> str:
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, int | float):
        return number_as_text(raw)
    if isinstance(raw, datetime | date | time):
        return raw.isoformat()
    return str(raw)


def _drop_invisible(text: str, label: str) -> str:
    # Only format characters (Cf: zero-width spaces, BOMs, direction marks) are
    # dropped. Private-use characters stay: older systems store rare characters
    # of people's names there.
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc":
            raise InvalidValue(f"{label}中有不可见的控制字符，请删除后重新输入")
        if category != "Cf":
            kept.append(char)
    return " ".join("".join(kept).split())
