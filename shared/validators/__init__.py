"""Checks for the values people type about people: names, genders, phones, ID numbers.

Pure functions without I/O, shared by the roster service's forms and the importer's
spreadsheets so both accept and refuse exactly the same things. Each `normalise_*` or
`clean_*` function returns the value in its stored form or raises InvalidValue, a
ValueError and an InvalidInput at once, with a Chinese message saying what to fix.
The messages never quote a phone or ID number, so they are safe to log.
"""

from shared.validators.genders import GENDERS, normalise_gender
from shared.validators.id_numbers import (
    ID_TYPES,
    MAINLAND_ID,
    IdCheck,
    check_id_number,
    mask_id_number,
    normalise_id_type,
)
from shared.validators.names import PERSON_NAME_MAX, clean_person_name
from shared.validators.phones import mask_phone, normalise_phone
from shared.validators.text import InvalidValue, clean_text, limited_text

__all__ = [
    "GENDERS",
    "ID_TYPES",
    "MAINLAND_ID",
    "PERSON_NAME_MAX",
    "IdCheck",
    "InvalidValue",
    "check_id_number",
    "clean_person_name",
    "clean_text",
    "limited_text",
    "mask_id_number",
    "mask_phone",
    "normalise_gender",
    "normalise_id_type",
    "normalise_phone",
]
