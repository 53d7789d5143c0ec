"""Helpers for every spreadsheet the product writes: exports, error reports."""

# What a spreadsheet may take for the start of a formula (OWASP's CSV injection list;
# tab and carriage return matter once a cell is pasted elsewhere).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Make sure a spreadsheet shows `value` as text and never runs it as a formula.

    Text starting with = + - @ (or a tab or carriage return) gets a leading single
    quote, as typing it into Excel would; numbers, dates and other text pass as
    they are.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
