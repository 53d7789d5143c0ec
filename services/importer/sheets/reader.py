"""Reading the rows of an uploaded .xlsx: safely, quickly and without surprises.

Before anything parses the file it is identified (an .xls, .csv, PDF or picture
renamed to .xlsx is named as such) and its archive is measured, so a zip bomb is
refused before it can inflate. The sheet is then read with python-calamine one row
at a time; rows reach the caller as dicts keyed by the kinds' field names.

Cells keep what the admin typed, with two repairs: cells holding only spaces are
None, and numbers Excel typed into text columns (a student number 4.0, a phone
13812345678.0) come back as the text "4" and "13812345678". ID numbers are the
exception: they stay numbers, so the check can tell the admin the digits were lost.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

import python_calamine

from services.importer.sheets.headers import find_header
from services.importer.sheets.sniff import describe_not_xlsx
from shared.errors import BadFile, FileTooLarge

if TYPE_CHECKING:
    from services.importer.kinds.base import Column

_MAX_MEMBERS = 10_000
# Sheets of real schools compress about 5-10 to 1. Deflate cannot do better than
# about 1032 to 1, which is what bombs aim for.
_MAX_RATIO = 200
_RATIO_FREE_BYTES = 1 << 20
_INFLATE_CHUNK = 1 << 16
# Title and header rows above the data that do not count against max_rows.
_HEADER_ALLOWANCE = 20
_MB = 1 << 20

_DAMAGED = "文件已损坏，无法读取：请用 Excel 或 WPS 打开后另存为 .xlsx 再上传"
_BOMB = (
    "文件内容异常（解压后会急剧膨胀），已拒绝读取：请用 Excel 或 WPS 重新保存后再上传"
)


class SheetRow(NamedTuple):
    """One filled-in row: its sheet row number (1-based) and cells by field name.

    Every field of the kind is present; a column missing from the file, an empty
    cell and a cell of spaces are all None.
    """

    row: int
    values: dict[str, object]


def read_rows(
    data: bytes,
    columns: Sequence[Column],
    *,
    max_rows: int,
    max_unzipped_bytes: int,
) -> Iterator[SheetRow]:
    """The filled-in rows under the header of the first visible sheet.

    The file, its archive and its header are checked at once: BadFile or
    FileTooLarge is raised by this call, before any row is read. Blank rows are
    skipped. Iterating raises FileTooLarge on meeting filled-in row max_rows + 1.
    A kind's rest column comes as a dict of its filled cells by header.
    """
    archive = _open_xlsx(data)
    sheet_rows = _check_archive(archive, data, max_unzipped_bytes)
    if sheet_rows > max_rows + _HEADER_ALLOWANCE:
        # Refused before calamine loads the sheet, which it holds whole in memory.
        raise FileTooLarge(
            f"工作表有约{sheet_rows}行，超过了{max_rows}行的上限：请删除多余的空白行，"
            "或把数据分成几个文件上传"
        )

    rows = _first_visible_sheet(data).iter_rows()
    header = find_header(rows, columns)

    plan = [(c.field, header.positions[c.field], c.kind == "id_number")
            for c in columns if c.field in header.positions]
    absent = [c.field for c in columns
              if c.field not in header.positions and c.kind != "rest"]
    rest = next((c.field for c in columns if c.kind == "rest"), None)
    if rest is None:
        return _data_rows(rows, header.row + 1, plan, absent, max_rows)
    plan += [(_rest_field(index), index, False) for _, index in header.rest]
    return _with_rest(_data_rows(rows, header.row + 1, plan, absent, max_rows),
                      rest, header.rest)


def sniff_xlsx(data: bytes) -> None:
    """Refuse at once anything that is not an .xlsx workbook, naming what it is.

    Cheap enough for the moment of upload: only the archive's directory is read.
    The sizes, the sheet and the header are checked by read_rows.
    """
    _open_xlsx(data).close()


def _open_xlsx(data: bytes) -> zipfile.ZipFile:
    if not data.startswith(b"PK\x03\x04"):
        raise BadFile(describe_not_xlsx(data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise BadFile(_DAMAGED) from None

    names = {name.lower() for name in archive.namelist()}
    if "xl/workbook.xml" not in names:
        raise BadFile(describe_not_xlsx(data, names))
    return archive


def _check_archive(archive: zipfile.ZipFile, data: bytes, limit: int) -> int:
    """Refuse archives that would inflate beyond `limit` bytes or implausibly far.

    Declared sizes are checked first; then every member is inflated in small
    chunks and thrown away, so a member whose header lies about its size is caught
    too: the reader that parses next would trust the compressed stream instead.
    Answers the row count of the largest worksheet, counted on the way.
    """
    members = archive.infolist()
    if len(members) > _MAX_MEMBERS:
        raise BadFile(_BOMB)

    declared = sum(member.file_size for member in members)
    if declared > limit:
        raise FileTooLarge(
            f"文件解压后有{declared // _MB}MB，超过了{limit // _MB}MB的上限："
            "请删除多余的工作表、图片和空白行，或把数据分成几个文件上传"
        )
    for member in members:
        if member.file_size > _RATIO_FREE_BYTES and (
            member.file_size > _MAX_RATIO * max(member.compress_size, 1)
        ):
            raise BadFile(_BOMB)

    view = memoryview(data)
    return max((_check_inflated_size(view, member) for member in members), default=0)


def _check_inflated_size(view: memoryview, member: zipfile.ZipInfo) -> int:
    if member.flag_bits & 0x1:
        raise BadFile("文件设置了密码，请去掉密码后另存为 .xlsx 再上传")
    start = _member_data_start(view, member)
    stream = view[start:start + member.compress_size]

    counter = _RowCounter() if _is_worksheet(member.filename) else None
    if member.compress_type == zipfile.ZIP_STORED:
        inflated = len(stream)
        if counter:
            counter.feed(bytes(stream))
    elif member.compress_type == zipfile.ZIP_DEFLATED:
        inflated = _inflated_length(stream, member.file_size, counter)
    else:
        raise BadFile("文件使用了不常见的压缩方式，请用 Excel 或 WPS 重新保存后再上传")
    if inflated != member.file_size:
        raise BadFile(_BOMB if inflated > member.file_size else _DAMAGED)
    return counter.rows if counter else 0


def _is_worksheet(name: str) -> bool:
    name = name.lower()
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


class _RowCounter:
    """Counts `<row` elements (with or without a namespace prefix) across chunks."""

    def __init__(self) -> None:
        self.rows = 0
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        text = self._tail + chunk
        self.rows += text.count(b"<row") + text.count(b":row ")
        self.rows -= self._tail.count(b"<row") + self._tail.count(b":row ")
        self._tail = text[-5:]


def _member_data_start(view: memoryview, member: zipfile.ZipInfo) -> int:
    offset = member.header_offset
    if bytes(view[offset:offset + 4]) != b"PK\x03\x04":
        raise BadFile(_DAMAGED)
    name_length = int.from_bytes(view[offset + 26:offset + 28], "little")
    extra_length = int.from_bytes(view[offset + 28:offset + 30], "little")
    return offset + 30 + name_length + extra_length


def _inflated_length(stream: memoryview, declared: int,
                     counter: _RowCounter | None = None) -> int:
    """Bytes the deflate stream yields, counting stops just past `declared`."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced = 0
    try:
        for start in range(0, len(stream), _INFLATE_CHUNK):
            pending = stream[start:start + _INFLATE_CHUNK]
            while pending and produced <= declared:
                out = inflater.decompress(pending, _INFLATE_CHUNK * 16)
                produced += len(out)
                if counter:
                    counter.feed(out)
                pending = inflater.unconsumed_tail
            if produced > declared:
                return produced
        # Output zlib still holds once all input is in: a window's worth at most.
        rest = inflater.flush()
        if counter:
            counter.feed(rest)
        return produced + len(rest)
    except zlib.error:
        raise BadFile(_DAMAGED) from None


def _first_visible_sheet(data: bytes) -> python_calamine.CalamineSheet:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        for index, sheet in enumerate(workbook.sheets_metadata):
            if (
                sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
                and sheet.visible == python_calamine.SheetVisibleEnum.Visible
            ):
                return workbook.get_sheet_by_index(index)
    except python_calamine.PasswordError:
        raise BadFile("文件设置了密码，请去掉密码后另存为 .xlsx 再上传") from None
    except python_calamine.CalamineError:
        raise BadFile(_DAMAGED) from None
    raise BadFile("文件中没有可以读取的工作表，请使用下载的模板填写")


def _with_rest(
    data_rows: Iterator[SheetRow], field: str, rest: tuple[tuple[str, int], ...]
) -> Iterator[SheetRow]:
    """Rows whose `field` holds the rest column's filled cells by header.

    _data_rows hands the rest cells over as ordinary fields named by their index
    (see read_rows); they are gathered here, blank ones left out.
    """
    for row in data_rows:
        values = row.values
        values[field] = {header: cell for header, index in rest
                         if (cell := values.pop(_rest_field(index))) is not None}
        yield row


def _rest_field(index: int) -> str:
    return f"\x00rest{index}"


def _data_rows(
    rows: Iterator[list[object]],
    first_row: int,
    plan: list[tuple[str, int, bool]],
    absent: list[str],
    max_rows: int,
) -> Iterator[SheetRow]:
    # The hot loop of every import: one pass per cell, no function calls for the
    # common cell types.
    filled_rows = 0
    for number, cells in enumerate(rows, start=first_row):
        values: dict[str, object] = {}
        filled = False
        for field, index, keep_numbers in plan:
            cell = cells[index]
            kind = type(cell)
            if kind is str:
                if cell and not cell.isspace():
                    filled = True
                else:
                    cell = None
            elif kind is float:
                filled = True
                if not keep_numbers:
                    cell = str(int(cell)) if cell.is_integer() else repr(cell)
            elif kind is int:
                filled = True
                if not keep_numbers:
                    cell = str(cell)
            elif cell is not None:
                filled = True
            values[field] = cell
        if not filled:
            continue

        filled_rows += 1
        if filled_rows > max_rows:
            raise FileTooLarge(
                f"文件超过了{max_rows}行的上限，请把数据分成几个文件分别上传"
            )
        for field in absent:
            values[field] = None
        yield SheetRow(number, values)
