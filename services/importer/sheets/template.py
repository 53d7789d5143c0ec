"""The workbooks the importer hands out: blank templates and error reports.

Both are written with openpyxl. Templates format every column as text, so what the
admin types (a student number 01, an 18-digit ID number) is kept as typed instead
of being turned into a number by Excel, and offer drop-down lists for the columns
with fixed choices.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from shared.spreadsheets import neutralise_cell

if TYPE_CHECKING:
    from services.importer.kinds.base import Column

TEXT_FORMAT = "@"
ROW_NUMBER_HEADER = "原行号"
REASON_HEADER = "错误原因"
_LAST_ROW = 1_048_576
_HEADER_FONT = Font(bold=True)
_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
_REASON_FILL = PatternFill("solid", fgColor="FFF2CC")


def template_workbook(
    columns: Sequence[Column],
    *,
    sheet_title: str = "Sheet1",
    rows: Iterable[Sequence[object]] = (),
) -> bytes:
    """A blank template: the header row in the manual's words and nothing else.

    Columns are text-formatted and as wide as their content needs; columns with
    choices get a drop-down list that refuses anything else. `rows` are written
    under the header as they are: the school's grades or classes of a staffing
    template, for the admin to fill in beside.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title

    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = _HEADER_FONT
        cell.alignment = _HEADER_ALIGNMENT
        cell.number_format = TEXT_FORMAT
        sheet.column_dimensions[letter].width = column.width
        sheet.column_dimensions[letter].number_format = TEXT_FORMAT
        if column.choices:
            sheet.add_data_validation(_choice_list(column, letter))

    for values in rows:
        sheet.append([neutralise_cell(value) for value in values])
    sheet.row_dimensions[1].height = _header_height(columns)
    sheet.freeze_panes = "A2"
    return _saved(workbook)


def error_workbook(
    columns: Sequence[Column],
    rows: Iterable[tuple[int, dict[str, object], list[str]]],
    *,
    sheet_title: str = "错误报告",
) -> bytes:
    """The refused rows as uploaded, with their sheet row and what is wrong.

    Each row is (sheet row, cells by field name, Chinese messages). The columns are
    原行号, the template's columns, then 错误原因, so the admin can fix the rows and
    upload this file again. Text that a spreadsheet could run as a formula is
    neutralised. Rows are streamed out, so a long report costs little memory.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    widths = [8, *(column.width for column in columns), 60]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    headers = [ROW_NUMBER_HEADER, *(column.header for column in columns), REASON_HEADER]
    sheet.append([_header_cell(sheet, text) for text in headers])
    for sheet_row, values, messages in rows:
        cells = [neutralise_cell(values.get(column.field)) for column in columns]
        reason = _reason_cell(sheet, "；".join(messages))
        sheet.append([sheet_row, *cells, reason])
    return _saved(workbook)


def _choice_list(column: Column, letter: str) -> DataValidation:
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(column.choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="输入有误",
        error=f"{column.short_header}请从下拉列表中选择",
    )
    validation.add(f"{letter}2:{letter}{_LAST_ROW}")
    return validation


def _header_height(columns: Sequence[Column]) -> float:
    # Wide characters take about two width units; one line is 15 points high.
    lines = max(-(-len(column.header) * 2 // column.width) for column in columns)
    return 15.0 * max(lines, 1) + 3


def _header_cell(sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = _HEADER_FONT
    return cell


def _reason_cell(sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=neutralise_cell(text))
    cell.fill = _REASON_FILL
    return cell


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
