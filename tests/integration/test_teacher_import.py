"""A school admin imports teacher spreadsheets end to end, through the gateway."""

import io
import re

import openpyxl
from python_calamine import CalamineWorkbook

from tests.integration.api import SAMPLES


def expected_outcomes(name: str) -> tuple[dict[int, str], int, int]:
    """What the sample's .expected.txt says: {sheet row: why}, people landing,
    rejected."""
    text = (SAMPLES / f"{name}.expected.txt").read_text(encoding="utf-8")
    rows = {int(n): why for n, why in re.findall(r"sheet row (\d+): (.*)", text)}
    landing, people, rejected = map(int, re.search(
        r"in all: (\d+) of (\d+) people land, (\d+) rejected", text).groups())
    return rows, landing, rejected


async def all_rows(admin, job_id: str) -> dict[int, dict]:
    body = await admin.json("GET", f"/imports/{job_id}/rows", params={"page_size": 500})
    return {row["row"]: row for row in body["items"]}


async def all_teachers(admin) -> list[dict]:
    body = await admin.json("GET", "/teachers", params={"page_size": 200})
    assert body["total"] <= 200
    return body["items"]


async def test_sixty_new_teachers_land_with_distinct_kids(new_school):
    admin = await new_school()

    preview, done = await admin.import_file("teachers", SAMPLES / "teachers-new.xlsx")

    assert preview["summary"] == {"total": 60, "ok": 60, "warnings": 0, "errors": 0}
    assert done["state"] == "done"
    assert done["message"] == "60/60 导入成功"
    teachers = [t for t in await all_teachers(admin) if "admin" not in t["permissions"]]
    assert len(teachers) == 60
    assert len({t["kid"] for t in teachers}) == 60
    assert all(t["kid"] >= 10_000_000 for t in teachers)


async def test_messy_teacher_file_gets_exactly_the_expected_outcomes(new_school):
    admin = await new_school()
    expected, landing, rejected = expected_outcomes("teachers-messy")

    preview, done = await admin.import_file("teachers", SAMPLES / "teachers-messy.xlsx")
    rows = await all_rows(admin, preview["id"])

    for sheet_row, why in expected.items():
        if "blank row" in why:
            assert sheet_row not in rows, f"row {sheet_row} should be skipped"
        elif "must be rejected" in why:
            assert rows[sheet_row]["status"] == "error", (
                sheet_row, why, rows[sheet_row])
            assert rows[sheet_row]["messages"], sheet_row
        else:
            assert rows[sheet_row]["status"] in ("ok", "warning"), (sheet_row, why)
    assert preview["summary"]["errors"] == rejected
    assert done["message"] == f"{landing}/{landing + rejected} 导入成功"
    teachers = [t for t in await all_teachers(admin) if "admin" not in t["permissions"]]
    assert len(teachers) == landing


async def test_messy_values_are_stored_cleaned(new_school):
    admin = await new_school()
    preview, _ = await admin.import_file("teachers", SAMPLES / "teachers-messy.xlsx")
    rows = await all_rows(admin, preview["id"])

    names = {t["name"] for t in await all_teachers(admin)}
    assert all(name == name.strip(" \u3000") for name in names)
    padded_row = rows[40]
    assert padded_row["data"]["name"] == padded_row["data"]["name"].strip()
    assert padded_row["data"]["name"] in names


async def test_repeated_person_is_named_against_the_first_row(new_school):
    admin = await new_school()
    expected, _, _ = expected_outcomes("teachers-messy")
    repeat_row, first_row = next(
        (row, int(re.search(r"sheet row (\d+)", why).group(1)))
        for row, why in expected.items() if "repeats the person" in why)

    preview, _ = await admin.import_file("teachers", SAMPLES / "teachers-messy.xlsx")
    rows = await all_rows(admin, preview["id"])

    assert str(first_row) in " ".join(rows[repeat_row]["messages"])


async def test_error_report_lists_the_rejected_rows_with_reasons(new_school):
    admin = await new_school()
    _, _, rejected = expected_outcomes("teachers-messy")
    preview, _ = await admin.import_file("teachers", SAMPLES / "teachers-messy.xlsx")

    response = await admin.get(f"/imports/{preview['id']}/errors.xlsx")
    content = await response.read()

    assert response.status == 200
    assert response.content_type.endswith("spreadsheetml.sheet")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
    table = sheet.to_python()
    header = table[0]
    body = [r for r in table[1:] if any(c not in ("", None) for c in r)]
    assert any("错误" in str(cell) for cell in header)
    assert len(body) == rejected


async def test_importing_the_same_people_again_rejects_them_as_existing(new_school):
    admin = await new_school()
    await admin.import_file("teachers", SAMPLES / "teachers-new.xlsx")

    preview, done = await admin.import_file("teachers", SAMPLES / "teachers-new.xlsx")

    assert preview["summary"]["errors"] == 60
    assert done["message"] == "0/60 导入成功"
    assert len(await all_teachers(admin)) == 61


async def test_template_has_the_manuals_columns_and_choices(new_school):
    admin = await new_school()

    response = await admin.get("/imports/templates/teachers")
    workbook = openpyxl.load_workbook(io.BytesIO(await response.read()))

    assert response.status == 200
    sheet = workbook.active
    headers = [cell.value for cell in sheet[1] if cell.value]
    assert headers[:4] == ["姓名", "性别", "手机号码", "证件号码"]
    assert headers[4].startswith("证件类型")
    formulas = " ".join(str(v.formula1) for v in sheet.data_validations.dataValidation)
    assert "男" in formulas and "中国大陆居民身份证" in formulas


async def test_all_or_nothing_refuses_a_file_with_errors(new_school):
    admin = await new_school()

    response = await admin.upload("teachers", SAMPLES / "teachers-messy.xlsx",
                                  params={"all_or_nothing": "true"})
    job = await response.json()
    await admin.wait_for_job(job["id"])
    refused = await admin.post(f"/imports/{job['id']}/confirm")

    assert refused.status == 409
    assert "错误" in (await refused.json())["error"]["message"]
    assert len(await all_teachers(admin)) == 1
