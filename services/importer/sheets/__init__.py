"""Spreadsheets in and out of the importer: reading uploads, writing templates."""

from services.importer.sheets.reader import SheetRow, read_rows, sniff_xlsx
from services.importer.sheets.template import error_workbook, template_workbook

__all__ = [
    "SheetRow",
    "error_workbook",
    "read_rows",
    "sniff_xlsx",
    "template_workbook",
]
