"""Naming what an upload really is when it is not an .xlsx workbook.

Admins rename files: an .xls saved by an old Excel, a .csv exported by another
system, a screenshot. Telling them which one it was, and how to turn it into an
.xlsx, saves a round of guessing.
"""

import codecs

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An .xlsx with an opening password is an OLE2 file holding this stream.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_SAVE_AS = "请用 Excel 或 WPS 打开它，选择“另存为”→“Excel 工作簿（*.xlsx）”后再上传"
_SIGNATURES = (
    (b"%PDF", "PDF 文件"),
    (b"\x89PNG", "图片"),
    (b"\xff\xd8\xff", "图片"),
    (b"GIF8", "图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
)


def describe_not_xlsx(data: bytes, zip_names: set[str] | None = None) -> str:
    """A Chinese message naming what `data` is instead of an .xlsx workbook.

    `zip_names` are the lower-cased member names when `data` is a zip archive.
    """
    if not data:
        return "上传的文件是空的，请选择填写好的 .xlsx 文件"
    if zip_names is not None:
        return _describe_zip(data, zip_names)
    if data.startswith(_OLE2):
        return _describe_ole2(data)
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            return f"上传的是{what}，不是 Excel 表格：请上传按模板填写的 .xlsx 文件"
    return _describe_text(data)


def _describe_ole2(data: bytes) -> str:
    if _ENCRYPTED_PACKAGE in data:
        return "文件设置了打开密码，无法读取：请去掉密码后另存为 .xlsx 再上传"
    return (
        "这是旧版 Excel 97-2003 格式（.xls）的文件，只是扩展名改成了 .xlsx："
        + _SAVE_AS
    )


def _describe_zip(data: bytes, names: set[str]) -> str:
    if "word/document.xml" in names:
        what = "Word 文档"
    elif "ppt/presentation.xml" in names:
        what = "PowerPoint 演示文稿"
    elif "xl/workbook.bin" in names:
        return "这是 Excel 二进制工作簿（.xlsb），" + _SAVE_AS
    elif b"opendocument.spreadsheet" in data[:200]:
        return "这是 OpenDocument 表格（.ods），" + _SAVE_AS
    else:
        what = "压缩包"
    return f"上传的是{what}，不是 Excel 表格：请上传按模板填写的 .xlsx 文件"


def _describe_text(data: bytes) -> str:
    head = _decoded_head(data)
    if head is None:
        return "这不是 Excel 表格文件（.xlsx）：请下载模板，填写后再上传"

    start = head.lstrip("\ufeff \t\r\n")[:2000].lower()
    if start.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in start:
            return "这是 Excel 2003 XML 格式的表格，" + _SAVE_AS
        return "这是网页（HTML/XML）格式的文件，只是扩展名改成了 .xlsx：" + _SAVE_AS
    if "," in start or "\t" in start or "，" in start:
        return "这是 CSV（逗号分隔的文本）文件，只是扩展名改成了 .xlsx：" + _SAVE_AS
    return "这是纯文本文件，只是扩展名改成了 .xlsx：" + _SAVE_AS


def _decoded_head(data: bytes) -> str | None:
    """The start of `data` as text, or None when it does not look like text."""
    head = data[:65536]
    for encoding in ("utf-8-sig", "utf-16", "gb18030"):
        if encoding == "utf-16" and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if all(char.isprintable() or char in "\t\r\n\ufeff" for char in text[:4096]):
            return text
    return None
