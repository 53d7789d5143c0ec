"""Reading uploads: what is refused before parsing, and how rows come out."""

import io
import struct
import zipfile

import pytest
import xlsxwriter

from services.importer.kinds.students import COLUMNS as STUDENTS
from services.importer.kinds.teachers import COLUMNS as TEACHERS
from services.importer.sheets import read_rows, sniff_xlsx
from shared.errors import BadFile, FileTooLarge

ID_TYPE = (
    "证件类型(中国大陆居民身份证、香港特区护照/身份证明、澳门特区护照/身份证明、"
    "台湾居民来往大陆身份证明、外籍护照)"
)
STUDENT_HEADER = ["姓名", "性别", "年级", "班级", "学号", "证件号码", ID_TYPE]
TEACHER_HEADER = ["姓名", "性别", "手机号码", "证件号码", ID_TYPE]
LIMITS = {"max_rows": 1000, "max_unzipped_bytes": 50 << 20}


def xlsx(rows, *, first_row=0, first_col=0, before=None, hidden_first=False):
    """An .xlsx as Excel writes it; None cells are left out, numbers stay numbers."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    if hidden_first:
        hidden = workbook.add_worksheet("说明")
        hidden.write(0, 0, "这张表被隐藏了")
    sheet = workbook.add_worksheet("Sheet1")
    if hidden_first:
        sheet.activate()
        hidden.hide()
    if before:
        before(workbook, sheet)
    for r, row in enumerate(rows, start=first_row):
        for c, value in enumerate(row, start=first_col):
            if value is not None:
                sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def read(data, columns=STUDENTS, **limits):
    return list(read_rows(data, columns, **(LIMITS | limits)))


def with_member(data, name, payload, *, declared_size=None):
    """`data` with one more deflated member, optionally lying about its size."""
    buffer = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(data))
    with source, zipfile.ZipFile(buffer, "w") as out:
        for item in source.infolist():
            out.writestr(item, source.read(item.filename))
        out.writestr(zipfile.ZipInfo(name), payload, compress_type=zipfile.ZIP_DEFLATED,
                     compresslevel=9)
    bomb = bytearray(buffer.getvalue())
    if declared_size is not None:
        _lie_about_size(bomb, name, declared_size)
    return bytes(bomb)


def _lie_about_size(data: bytearray, name: str, size: int) -> None:
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        local = archive.getinfo(name).header_offset
    central = data.rfind(name.encode()) - 46
    assert data[central:central + 4] == b"PK\x01\x02"
    struct.pack_into("<I", data, local + 22, size)
    struct.pack_into("<I", data, central + 24, size)


GOOD = xlsx([STUDENT_HEADER, ["张三", "男", "初一年级", "1", "01", None, None]])

# -- what is refused before parsing --------------------------------------------


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "97-2003 格式（.xls）"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"),
         "密码"),
        ("姓名,性别,年级\n张三,男,初一年级\n".encode(), "CSV"),
        ("姓名,性别,年级\n张三,男,初一年级\n".encode("gbk"), "CSV"),
        ("姓名\t性别\n张三\t男\n".encode("utf-16"), "CSV"),
        ("张三 男 初一年级\n".encode(), "纯文本"),
        (b"<html><table><tr><td>x</td></tr></table></html>", "网页"),
        (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:'
         b'spreadsheet">', "Excel 2003 XML"),
        (b"%PDF-1.7\n...", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "图片"),
        (b"", "空的"),
        (bytes(range(256)) * 4, "不是 Excel 表格文件"),
    ],
    ids=[
        "xls", "password-protected xlsx", "csv utf-8", "csv gbk", "tsv utf-16",
        "text", "html", "spreadsheetml", "pdf", "png", "empty", "binary",
    ],
)
def test_files_renamed_to_xlsx_are_named(data, fragment):
    with pytest.raises(BadFile, match=fragment):
        read_rows(data, STUDENTS, **LIMITS)


def test_sniffing_at_upload_names_the_file_and_passes_a_workbook():
    sniff_xlsx(GOOD)
    with pytest.raises(BadFile, match=".xls"):
        sniff_xlsx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)


def zip_of(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("members", "fragment"),
    [
        ({"word/document.xml": "<w/>"}, "Word 文档"),
        ({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}, ".ods"),
        ({"xl/workbook.bin": "x"}, ".xlsb"),
        ({"photos/1.jpg": "x"}, "压缩包"),
    ],
)
def test_other_zip_files_are_named(members, fragment):
    with pytest.raises(BadFile, match=fragment):
        read_rows(zip_of(members), STUDENTS, **LIMITS)


def test_a_truncated_workbook_is_called_damaged():
    with pytest.raises(BadFile, match="已损坏"):
        read_rows(GOOD[: len(GOOD) // 2], STUDENTS, **LIMITS)


def test_a_member_inflating_far_beyond_its_size_is_a_bomb():
    bomb = with_member(GOOD, "xl/media/image1.png", b"\0" * (20 << 20))

    with pytest.raises(BadFile, match="急剧膨胀"):
        read_rows(bomb, STUDENTS, **LIMITS)


def test_a_member_lying_about_its_size_is_caught_before_parsing():
    zeros = b"\0" * (4 << 20)
    bomb = with_member(GOOD, "xl/media/image1.png", zeros, declared_size=20_000)

    with pytest.raises(BadFile, match="急剧膨胀"):
        read_rows(bomb, STUDENTS, **LIMITS)


def test_a_file_inflating_beyond_the_limit_is_too_large():
    with pytest.raises(FileTooLarge, match="解压后有"):
        read_rows(GOOD, STUDENTS, max_rows=10, max_unzipped_bytes=1000)


def test_errors_come_from_the_call_not_from_the_first_row():
    with pytest.raises(BadFile):
        read_rows(b"not a spreadsheet", STUDENTS, **LIMITS)


def test_missing_required_columns_are_named():
    data = xlsx([["姓名", "性别", "学号"], ["张三", "男", "01"]])

    with pytest.raises(BadFile, match="缺少必填的列：年级、班级"):
        read(data)


# -- rows ------------------------------------------------------------------------


def test_rows_come_keyed_by_field_with_their_sheet_row():
    rows = read(GOOD)

    assert [row.row for row in rows] == [2]
    assert rows[0].values == {
        "name": "张三", "gender": "男", "grade": "初一年级", "class_number": "1",
        "student_number": "01", "id_number": None, "id_type": None,
        "registry_number": None, "enrolment": None,
    }


def test_blank_and_formatted_but_empty_rows_are_skipped():
    def format_rows(workbook, sheet):
        text = workbook.add_format({"num_format": "@", "bg_color": "#FFFF00"})
        sheet.set_row(5, None, text)
        for col in range(7):
            sheet.write_blank(3, col, None, text)

    data = xlsx(
        [
            STUDENT_HEADER,
            ["张三", "男", "初一年级", "1", "01", None, None],
            [None] * 7,
            [None] * 7,                                    # formatted cells only
            ["  ", "\u3000", " ", None, "", None, None],   # spaces only
            [None] * 7,                                    # a formatted row
            ["李四", "女", "初一年级", "1", "02", None, None],
        ],
        before=format_rows,
    )

    rows = read(data)

    assert [(row.row, row.values["name"]) for row in rows] == [(2, "张三"), (7, "李四")]


def test_spaces_only_cells_of_a_filled_row_are_none():
    data = xlsx([STUDENT_HEADER, ["张三", " ", "初一年级", "1", "01", "\u3000", None]])

    values = read(data)[0].values

    assert values["gender"] is None and values["id_number"] is None


def test_numbers_typed_as_numbers_come_back_as_text_except_id_numbers():
    data = xlsx(
        [
            STUDENT_HEADER,
            ["张三", "男", "初一年级", 4, 7, 1.311282002042005e16, "身份证"],
            ["李四", "女", "初一年级", 4.0, "007", "13112720120414061X", None],
            ["王五", "女", "初一年级", 2.5, 12.5, 131127201204140610, None],
        ]
    )

    first, second, third = (row.values for row in read(data))

    assert (first["class_number"], first["student_number"]) == ("4", "7")
    assert first["id_number"] == 1.311282002042005e16
    assert (second["class_number"], second["student_number"]) == ("4", "007")
    assert second["id_number"] == "13112720120414061X"
    assert (third["class_number"], third["student_number"]) == ("2.5", "12.5")
    assert isinstance(third["id_number"], float)


def test_a_phone_typed_as_a_number_is_text():
    data = xlsx([TEACHER_HEADER, ["张三", "男", 13812345678, None, None]])

    assert read(data, TEACHERS)[0].values["phone"] == "13812345678"


def test_row_numbers_hold_when_the_table_starts_lower_and_further_right():
    def title(workbook, sheet):
        sheet.write(0, 0, "某某中学2026级新生名单")

    data = xlsx(
        [TEACHER_HEADER, ["张三", "男", None, None, None], [None] * 5,
         ["李四", "女", None, None, None]],
        first_row=2, first_col=1, before=title,
    )

    rows = read(data, TEACHERS)

    assert [(row.row, row.values["name"]) for row in rows] == [(4, "张三"), (6, "李四")]


def test_a_table_not_starting_in_column_a_is_read():
    data = xlsx([TEACHER_HEADER, ["张三", "男", None, None, None]], first_col=3)

    assert read(data, TEACHERS)[0].values["gender"] == "男"


def test_the_first_visible_sheet_is_read():
    data = xlsx([TEACHER_HEADER, ["张三", "男", None, None, None]], hidden_first=True)

    assert [row.values["name"] for row in read(data, TEACHERS)] == ["张三"]


def test_too_many_rows_are_refused_while_reading():
    data = xlsx([TEACHER_HEADER] + [["张三", "男", None, None, None]] * 3)

    assert len(read(data, TEACHERS, max_rows=3)) == 3
    rows = read_rows(data, TEACHERS, max_rows=2, max_unzipped_bytes=1 << 20)
    with pytest.raises(FileTooLarge, match="超过了2行"):
        list(rows)


def test_a_sheet_past_the_row_limit_is_refused_before_it_is_parsed():
    header = ["姓名", "性别", "手机号码", "证件号码"]
    rows = [header] + [["张三", "男", None, None]] * 200

    with pytest.raises(FileTooLarge, match="行的上限"):
        read_rows(xlsx(rows), TEACHERS, **(LIMITS | {"max_rows": 100}))


def test_a_sheet_within_the_row_limit_is_read_whole():
    header = ["姓名", "性别", "手机号码", "证件号码"]
    rows = [header] + [["张三", "男", None, None]] * 100

    assert len(read(xlsx(rows), TEACHERS, max_rows=100)) == 100
