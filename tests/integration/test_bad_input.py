"""Bad requests and bad files get a clear Chinese error and change nothing."""

import io
import zipfile

import openpyxl
import pytest


def workbook_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("content, named", [
    ("姓名,性别\n张三,男\n".encode("utf-8"), "CSV"),
    (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600, "xls"),
    (b"%PDF-1.4 not a spreadsheet at all", ""),
])
async def test_a_file_that_is_not_xlsx_is_named_as_such(new_school, content, named):
    admin = await new_school()

    response = await admin.upload("teachers", content, filename="教师.xlsx")
    body = await response.json()

    assert response.status == 422, body
    assert has_chinese(body["error"]["message"])
    assert named.lower() in body["error"]["message"].lower()


async def test_an_empty_upload_and_a_missing_file_field_are_refused(new_school):
    admin = await new_school()

    empty = await admin.upload("teachers", b"")
    no_file = await admin.post("/imports/teachers", data={"other": "x"})

    assert empty.status == 422
    assert no_file.status == 422
    assert has_chinese((await no_file.json())["error"]["message"])


async def test_a_zip_bomb_is_refused_before_parsing(new_school):
    admin = await new_school()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (600 * 1024 * 1024))

    response = await admin.upload("teachers", out.getvalue())
    job = await response.json()
    if response.status == 202:
        job = await admin.wait_for_job(job["id"])
        assert job["state"] == "failed"
        assert has_chinese(job["message"])
    else:
        assert response.status in (413, 422), job


async def test_wrong_headers_fail_the_job_naming_the_missing_columns(new_school):
    admin = await new_school()
    content = workbook_bytes([["名字", "性别"], ["张三", "男"]])

    response = await admin.upload("teachers", content)
    job = await admin.wait_for_job((await response.json())["id"])

    assert job["state"] == "failed"
    assert "姓名" in job["message"]


async def test_unknown_import_kind_is_refused(new_school):
    admin = await new_school()

    response = await admin.upload("pets", workbook_bytes([["姓名"]]))

    assert response.status == 422
    assert has_chinese((await response.json())["error"]["message"])


async def test_invalid_teacher_form_says_what_to_fix_and_creates_nothing(new_school):
    admin = await new_school()

    response = await admin.post("/teachers", json={
        "name": " ", "gender": "未知", "phone": "12345",
        "id_number": "110105194912310021"})
    body = await response.json()

    assert response.status == 422
    fields = {problem["field"] for problem in body["error"]["details"]}
    assert {"name", "gender", "phone"} <= fields
    assert has_chinese(body["error"]["message"])
    listing = await admin.json("GET", "/teachers")
    assert listing["total"] == 1


async def test_malformed_json_and_unknown_fields_are_refused(new_school):
    admin = await new_school()

    broken = await admin.post("/teachers", data=b"{not json",
                              headers={"Content-Type": "application/json"})
    extra = await admin.post("/teachers", json={"name": "张三", "gender": "男",
                                                "salary": 100})

    assert broken.status == 422
    assert extra.status == 422
    assert "salary" in (await extra.json())["error"]["message"]


async def test_duplicate_id_number_in_a_school_is_a_conflict(new_school):
    admin = await new_school()
    teacher = {"name": "王五", "gender": "男", "id_number": "11010519491231002X"}

    await admin.json("POST", "/teachers", expect=201, json=teacher)
    again = await admin.post("/teachers", json=teacher | {"name": "王六"})

    assert again.status == 409
    assert "证件号码" in (await again.json())["error"]["message"]


async def test_bad_page_size_is_refused(new_school):
    admin = await new_school()

    response = await admin.get("/teachers", params={"page_size": "100000"})

    assert response.status == 422


async def test_an_unknown_path_answers_in_the_error_shape(http):
    response = await http.get("/api/v1/no-such-thing")

    assert response.status == 404
    assert has_chinese((await response.json())["error"]["message"])


async def test_a_nul_character_anywhere_is_refused_clearly(new_school):
    admin = await new_school()

    in_query = await admin.get("/teachers", params={"q": "张\x00三"})
    in_body = await admin.post("/teachers", json={"name": "张三", "gender": "男",
                                                  "remark": "a\x00b"})

    for response in (in_query, in_body):
        assert response.status == 422
        assert "控制字符" in (await response.json())["error"]["message"]
    assert (await admin.json("GET", "/teachers"))["total"] == 1


async def test_deeply_nested_json_is_refused_not_crashed(new_school):
    admin = await new_school()

    response = await admin.post("/teachers", data=b"[" * 100_000,
                                headers={"Content-Type": "application/json"})

    assert response.status == 422
    assert "嵌套" in (await response.json())["error"]["message"]


async def test_a_file_with_only_the_header_fails_and_cannot_be_confirmed(new_school):
    admin = await new_school()
    content = workbook_bytes([["姓名", "性别", "手机号码", "证件号码"]])

    response = await admin.upload("teachers", content)
    job = await admin.wait_for_job((await response.json())["id"])
    confirm = await admin.post(f"/imports/{job['id']}/confirm")

    assert job["state"] == "failed"
    assert "没有可导入的数据" in job["message"]
    assert confirm.status == 409
    assert "没有通过检查" in (await confirm.json())["error"]["message"]
