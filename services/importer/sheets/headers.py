"""Finding the header row of an uploaded sheet and the column of each field.

Headers match when they read the same once the obvious differences are set aside:
spaces anywhere in the cell, full-width or ASCII brackets, the asterisk some people
put before required fields, and, for a header that carries a parenthesised list such
as 证件类型(中国大陆居民身份证、…), the list itself: 证件类型 alone, or with any
bracketed text after it, is the same column.

A kind may end with one "rest" column: every further headed cell of the header row
(the subjects of a staffing template, one column each) is read into it by header.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

from shared.errors import BadFile

if TYPE_CHECKING:
    from services.importer.kinds.base import Column

# A title row or two above the header is common; a header further down is not.
HEADER_SEARCH_ROWS = 10


class HeaderMatch(NamedTuple):
    """Where the header was: its sheet row, each found field's cell index, and the
    (header, cell index) pairs that the kind's rest column collects."""

    row: int
    positions: dict[str, int]
    missing: list[Column]
    rest: tuple[tuple[str, int], ...] = ()


def header_key(text: object) -> str:
    """The form of a header cell that two spellings of the same header share."""
    if not isinstance(text, str):
        return ""
    key = unicodedata.normalize("NFKC", "".join(text.split()))
    key = key.replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")
    return key.strip("*").lower()


def match_header(
    cells: Sequence[object], columns: Sequence[Column], *, row: int = 1
) -> HeaderMatch:
    """Match one row's cells against the columns; BadFile when a column repeats."""
    collects = any(c.kind == "rest" for c in columns)
    positions: dict[str, int] = {}
    rest: dict[str, tuple[str, int]] = {}
    for index, cell in enumerate(cells):
        key = header_key(cell)
        column = _column_for(key, columns)
        if column is None:
            if collects and key:
                _collect(rest, str(cell), key, index)
            continue
        if column.field in positions:
            raise BadFile(_repeated_message(column, positions[column.field], index))
        positions[column.field] = index

    missing = [c for c in columns if c.required and c.field not in positions]
    return HeaderMatch(row, positions, missing, tuple(rest.values()))


def find_header(
    rows: Iterator[list[object]], columns: Sequence[Column]
) -> HeaderMatch:
    """Read rows until the header; the iterator is left at the first data row.

    Blank and title rows above the header are skipped. Raises BadFile naming the
    required columns that no row near the top of the sheet has.
    """
    best: HeaderMatch | None = None
    for number, cells in enumerate(rows, start=1):
        match = match_header(cells, columns, row=number)
        if match.positions and not match.missing:
            return match
        if match.positions and (best is None or len(match.missing) < len(best.missing)):
            best = match
        if number >= HEADER_SEARCH_ROWS:
            break

    raise BadFile(_missing_message(best, columns), details=_missing_details(best))


def column_letter(index: int) -> str:
    """Spreadsheet letters of a 0-based column index: 0 is A, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _collect(rest: dict[str, tuple[str, int]], text: str, key: str,
             index: int) -> None:
    """Note a header the rest column takes, as written (spaces trimmed)."""
    header = " ".join(text.split())
    if key in rest:
        raise BadFile(
            f"表头“{header}”出现了两次（第{column_letter(rest[key][1])}列和"
            f"第{column_letter(index)}列），请删除多余的一列后再上传"
        )
    rest[key] = (header, index)


def _column_for(key: str, columns: Sequence[Column]) -> Column | None:
    if not key:
        return None
    for column in columns:
        if column.kind == "rest":
            continue
        if key in column.header_keys:
            return column
        short = column.header_keys[0]
        if key.startswith(short + "(") and key.endswith(")"):
            return column
    return None


def _repeated_message(column: Column, first: int, again: int) -> str:
    return (
        f"表头“{column.short_header}”出现了两次（第{column_letter(first)}列和"
        f"第{column_letter(again)}列），请删除多余的一列后再上传"
    )


def _missing_message(best: HeaderMatch | None, columns: Sequence[Column]) -> str:
    if best is None:
        expected = "、".join(c.short_header for c in columns if c.kind != "rest")
        return (
            f"没有找到表头，第一行应为：{expected}。"
            "请下载模板，按模板填写后再上传"
        )
    missing = "、".join(c.short_header for c in best.missing)
    return f"表格缺少必填的列：{missing}。请使用下载的模板，不要删除或改动表头"


def _missing_details(best: HeaderMatch | None) -> dict[str, object]:
    if best is None:
        return {"missing_columns": None}
    return {"missing_columns": [c.short_header for c in best.missing], "row": best.row}
