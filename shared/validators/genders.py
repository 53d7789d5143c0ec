"""Genders as the manual writes them: 男 and 女.

男性 and 女性 are taken as well, since they cannot mean anything else. Letters such
as M/F or 1/2 codes are refused: the templates offer a drop-down of 男 and 女, so
anything else is a mistake worth showing rather than a guess worth making.
"""

from shared.validators.text import InvalidValue, clean_text

MALE = "男"
FEMALE = "女"
GENDERS = (MALE, FEMALE)

_SPELLINGS = {"男": MALE, "女": FEMALE, "男性": MALE, "女性": FEMALE}


def normalise_gender(raw: object, *, label: str = "性别") -> str:
    """男 or 女; InvalidValue for a blank or any other answer."""
    gender = _SPELLINGS.get(raw) if type(raw) is str else None
    if gender is not None:
        return gender

    text = clean_text(raw, label=label)
    if text is None:
        raise InvalidValue(f"{label}不能为空，请填写“男”或“女”")
    gender = _SPELLINGS.get(text.replace(" ", ""))
    if gender is None:
        raise InvalidValue(f"{label}只能填写“男”或“女”")
    return gender
