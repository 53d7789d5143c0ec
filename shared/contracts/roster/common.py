"""Shapes every roster area shares."""

from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails

from shared.validators import names, phones
from shared.validators.text import InvalidValue, clean_text

Stage = Literal["primary", "junior", "senior"]


class CleanText(BaseModel):
    """Every text a request carries, cleaned as people's names are.

    Surrounding and repeated spaces go, and so do the invisible characters that
    copy-and-paste drags along (zero-width spaces, direction marks): otherwise
    "试验一中" followed by a zero-width space would be a second school. Control
    characters such as NUL are refused with a message naming the field. Text of
    nothing but such characters arrives empty, as if left blank. Lists of text
    (query values, ID numbers to look up) are cleaned item by item.
    """

    # Kept exactly as typed: every character of a password counts.
    raw_text_fields: ClassVar[frozenset[str]] = frozenset({"password"})

    # One pass over the request's fields rather than a validator per field, and
    # text already clean left alone: an import batch carries thousands of rows.
    @model_validator(mode="before")
    @classmethod
    def _clean_text(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        cleaned = None
        for key, value in data.items():
            if type(value) is str:
                if _is_clean(value) or key in cls.raw_text_fields:
                    continue
                value = cls._cleaned(key, value)
            elif type(value) is list and any(type(item) is str for item in value):
                value = [cls._cleaned(key, item) if type(item) is str else item
                         for item in value]
            else:
                continue
            cleaned = cleaned if cleaned is not None else dict(data)
            cleaned[key] = value
        return cleaned if cleaned is not None else data

    @classmethod
    def _cleaned(cls, key: str, text: str) -> str:
        try:
            return clean_text(text) or ""
        except InvalidValue:
            pass
        # Only refused text gets here: cleaned again to name the field in the
        # message, and reported at the field, as a field validator would.
        try:
            clean_text(text, label=cls._label(key))
        except InvalidValue as error:
            raise ValidationError.from_exception_data(cls.__name__, [InitErrorDetails(
                type="value_error", loc=(key,), input=text, ctx={"error": error},
            )]) from None
        raise AssertionError("clean_text refused the text once but not twice")

    @classmethod
    def _label(cls, key: str) -> str:
        for name, field in cls.model_fields.items():
            if key in (name, field.alias):
                return field.title or "内容"
        return "内容"


def _is_clean(text: str) -> bool:
    """Text with nothing to trim, shrink or drop, as most text is."""
    return (text.isprintable() and text[:1] != " " and text[-1:] != " "
            and "  " not in text)


class Strict(CleanText):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonFields(Strict):
    """Fields of a person record, each checked as the manual's forms check them."""

    @field_validator("name", check_fields=False)
    @classmethod
    def _name(cls, value: str) -> str:
        return names.clean_person_name(value)

    @field_validator("phone", check_fields=False)
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        return phones.normalise_phone(value)
