"""Grade names as schools write them, numbered across the three stages.

1-6 are primary (一年级..六年级), 7-9 junior (初一年级..初三年级, also written
七年级..九年级 or 初一), 10-12 senior (高一年级..高三年级). Forms and spreadsheets
accept any of these spellings, or the number itself.
"""

from shared.validators.text import InvalidValue

GRADE_NAMES = {
    1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
    7: "初一年级", 8: "初二年级", 9: "初三年级",
    10: "高一年级", 11: "高二年级", 12: "高三年级",
}

_ALIASES = {"七年级": 7, "八年级": 8, "九年级": 9,
            "初一": 7, "初二": 8, "初三": 9, "高一": 10, "高二": 11, "高三": 12}
_BY_NAME = {name: number for number, name in GRADE_NAMES.items()} | _ALIASES


def grade_number(raw: object) -> int:
    """The grade a spelling names: 7, 7.0, "7", 初一年级, 七年级 and 初一 are all 7."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip().replace(" ", "").replace("\u3000", "")
    grade = int(text) if text.isdigit() else _BY_NAME.get(text)
    if grade not in GRADE_NAMES:
        raise InvalidValue(
            f"没有“{text[:20]}”这个年级，请写成一年级、初一年级、高一年级这样的名称")
    return grade
