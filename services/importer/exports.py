"""Exports: a school's people as .xlsx, fit to be edited and imported again.

Written with openpyxl's write-only mode, page by page, so memory stays flat however
large the school; every text cell is neutralised so a spreadsheet never runs it.
"""

import io
from collections.abc import AsyncIterator, Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from shared.spreadsheets import neutralise_cell

PERMISSION_NAMES = {"leadership": "领导组", "moral_education": "德育组",
                    "admin": "管理员", "exam_affairs": "考试教务"}
TEACHER_COLUMNS = ("kid", "姓名", "性别", "备注", "权限", "状态")
# The new-students template's columns with kid in front, so the file can be edited
# (class, student number) and imported back as a student update.
STUDENT_COLUMNS = ("kid", "姓名", "性别", "年级", "班级", "学号", "证件号码",
                   "证件类型(中国大陆居民身份证、香港特区护照/身份证明、澳门特区护照/身份证明、"
                   "台湾居民来往大陆身份证明、外籍护照)", "学籍号", "就读方式")
# The students lacking an ID number, to fill in and import as an ID-number completion.
MISSING_ID_COLUMNS = (*STUDENT_COLUMNS[:2], *STUDENT_COLUMNS[3:8])
STATUS_NAMES = {"active": "在职", "disabled": "停用"}


def teacher_row(teacher: dict) -> list:
    permissions = "、".join(PERMISSION_NAMES.get(p, p) for p in teacher["permissions"])
    return [str(teacher["kid"]), teacher["name"], teacher["gender"],
            teacher["remark"] or "", permissions,
            STATUS_NAMES.get(teacher["status"], teacher["status"])]


def student_row(student: dict) -> list:
    return [str(student["kid"]), student["name"], student["gender"],
            student["grade_name"] or "", student["class_name"] or "",
            student["student_number"] or "", student["id_number"] or "",
            student["id_type"], student["registry_number"] or "",
            student["enrolment"]]


def missing_id_row(student: dict) -> list:
    return [str(student["kid"]), student["name"], student["grade_name"] or "",
            student["class_name"] or "", student["student_number"] or "", "",
            student["id_type"]]


async def write_workbook(header: Iterable[str], rows: AsyncIterator[list],
                         title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    sheet.append([_cell(sheet, name, bold) for name in header])
    async for row in rows:
        sheet.append([neutralise_cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(sheet, value, font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell
