"""Templates and error reports: what the admin downloads."""

import io

import openpyxl
import pytest

from services.importer.kinds import KINDS
from services.importer.kinds.students import COLUMNS as STUDENTS
from services.importer.kinds.teachers import COLUMNS as TEACHERS
from services.importer.sheets import error_workbook, read_rows, template_workbook
from shared.spreadsheets import neutralise_cell

LIMITS = {"max_rows": 100, "max_unzipped_bytes": 10 << 20}


def first_sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]


def header_row(sheet) -> list:
    return [cell.value for cell in sheet[1]]


def validations(sheet) -> dict[str, str]:
    """Drop-down formula by the column letter it covers."""
    return {
        cell_range.coord[0]: validation.formula1
        for validation in sheet.data_validations.dataValidation
        for cell_range in validation.sqref.ranges
    }


def test_the_teacher_template_has_the_manuals_header_row_and_nothing_else():
    sheet = first_sheet(template_workbook(TEACHERS))

    assert header_row(sheet) == [
        "姓名", "性别", "手机号码", "证件号码",
        "证件类型(中国大陆居民身份证、香港特区护照/身份证明、澳门特区护照/身份证明、"
        "台湾居民来往大陆身份证明、外籍护照)",
        "备注",
    ]
    assert sheet.max_row == 1


def test_template_columns_are_text_and_wide_enough():
    sheet = first_sheet(template_workbook(TEACHERS))

    for letter, column in zip("ABCDEF", TEACHERS):
        assert sheet.column_dimensions[letter].number_format == "@"
        assert sheet.column_dimensions[letter].width == column.width


def test_choice_columns_get_drop_down_lists():
    teacher_lists = validations(first_sheet(template_workbook(TEACHERS)))
    student_lists = validations(first_sheet(template_workbook(STUDENTS)))

    assert teacher_lists["B"] == '"男,女"'
    assert teacher_lists["E"] == (
        '"中国大陆居民身份证,香港特区护照/身份证明,澳门特区护照/身份证明,'
        '台湾居民来往大陆身份证明,外籍护照"'
    )
    assert student_lists["I"] == '"在籍,借读"'
    assert set(student_lists) == {"B", "G", "I"}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_blank_template_reads_back_with_no_rows(kind):
    columns = KINDS[kind].columns

    assert list(read_rows(template_workbook(columns), columns, **LIMITS)) == []


ROWS = [
    (5, {"name": "=HYPERLINK(\"http://x\")", "gender": "男", "phone": "+8613812345678",
         "id_number": 1.311282002042005e16, "id_type": None, "remark": "-1"},
     ["证件号码被 Excel 存成了数字", "手机号码有误"]),
    (9, {"name": "@SUM(A1)", "gender": None, "phone": None, "id_number": "1311",
         "id_type": "中国大陆居民身份证", "remark": None},
     ["性别不能为空"]),
]


def test_the_error_report_lists_the_rows_with_their_reasons():
    sheet = first_sheet(error_workbook(TEACHERS, ROWS))
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]

    assert rows[0][0] == "原行号" and rows[0][-1] == "错误原因"
    assert rows[0][1:-1] == [column.header for column in TEACHERS]
    assert [row[0] for row in rows[1:]] == [5, 9]
    assert rows[1][-1] == "证件号码被 Excel 存成了数字；手机号码有误"
    assert rows[1][4] == 1.311282002042005e16


def test_the_error_report_never_holds_a_formula():
    sheet = first_sheet(error_workbook(TEACHERS, ROWS))
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]

    assert all(cell.data_type != "f" for cell in cells)
    assert sheet["B2"].value == "'=HYPERLINK(\"http://x\")"
    assert sheet["D2"].value == "'+8613812345678"
    assert sheet["G2"].value == "'-1"
    assert sheet["B3"].value == "'@SUM(A1)"


def test_a_fixed_error_report_can_be_uploaded_again():
    fixed = [(9, ROWS[1][1] | {"name": "张三", "gender": "男"}, ["性别不能为空"])]

    rows = list(read_rows(error_workbook(TEACHERS, fixed), TEACHERS, **LIMITS))

    assert [(row.row, row.values["name"], row.values["gender"]) for row in rows] == [
        (2, "张三", "男")
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86", "'+86"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("", ""),
        (-2, -2),
        (1.5, 1.5),
        (None, None),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected
