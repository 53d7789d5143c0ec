"""Shapes every roster area shares."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from shared.validators import names, phones

Stage = Literal["primary", "junior", "senior"]


class Strict(BaseModel):
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
