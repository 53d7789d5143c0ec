"""A school admin imports student spreadsheets end to end, through the gateway.

ID numbers are unique among current students of the whole platform, so each sample
is imported into one school per test session and the tests read that outcome.
"""

import pytest

from tests.integration.api import SAMPLES
from tests.integration.test_teacher_import import expected_outcomes


@pytest.fixture(scope="module")
async def imported_new(new_school_once):
    admin = await new_school_once()
    preview, done = await admin.import_file("students", SAMPLES / "students-new.xlsx")
    return admin, preview, done


@pytest.fixture(scope="module")
async def imported_messy(new_school_once):
    admin = await new_school_once()
    preview, done = await admin.import_file("students",
                                            SAMPLES / "students-messy.xlsx")
    return admin, preview, done


async def all_rows(admin, job_id: str) -> dict[int, dict]:
    rows, page = {}, 1
    while True:
        body = await admin.json("GET", f"/imports/{job_id}/rows",
                                params={"page": page, "page_size": 500})
        rows.update({row["row"]: row for row in body["items"]})
        if len(rows) >= body["total"]:
            return rows
        page += 1


async def test_four_hundred_new_students_land_in_their_classes(imported_new):
    admin, preview, done = imported_new

    students = await admin.json("GET", "/students", params={"page_size": 1})
    classes = await admin.json("GET", "/classes", params={"page_size": 500})

    assert preview["summary"]["errors"] == 0
    assert done["message"] == "400/400 导入成功"
    assert students["total"] == 400
    assert students["counted"] == 400
    assert sum(c["student_count"] for c in classes["items"]) == 400


async def test_messy_student_file_gets_exactly_the_expected_outcomes(imported_messy):
    admin, preview, done = imported_messy
    expected, landing, rejected = expected_outcomes("students-messy")

    rows = await all_rows(admin, preview["id"])

    for sheet_row, why in expected.items():
        if "blank row" in why:
            assert sheet_row not in rows
        elif "must be rejected" in why:
            assert rows[sheet_row]["status"] == "error", (sheet_row, why)
        else:
            assert rows[sheet_row]["status"] in ("ok", "warning"), (
                sheet_row, why, rows[sheet_row])
    assert preview["summary"]["errors"] == rejected
    assert done["message"] == f"{landing}/{landing + rejected} 导入成功"
    listed = await admin.json("GET", "/students", params={"page_size": 1})
    assert listed["total"] == landing


async def test_student_number_typed_as_a_number_is_kept_as_text(imported_messy):
    admin, preview, _ = imported_messy
    expected, _, _ = expected_outcomes("students-messy")
    sheet_row = next(row for row, why in expected.items() if "typed as a number" in why)

    rows = await all_rows(admin, preview["id"])
    kid = rows[sheet_row]["kid"]
    found = await admin.json("GET", "/students", params={"q": str(kid)})

    assert isinstance(found["items"][0]["student_number"], str)
    assert found["items"][0]["student_number"] == rows[sheet_row]["data"][
        "student_number"]


async def test_the_same_students_again_are_refused_as_current_students(
        imported_new, new_school):
    other = await new_school()

    preview, done = await other.import_file("students", SAMPLES / "students-new.xlsx")

    assert preview["summary"]["errors"] == 400
    rows = await all_rows(other, preview["id"])
    assert "在校学生" in " ".join(rows[2]["messages"])
    assert done["message"] == "0/400 导入成功"


async def test_a_class_the_school_lacks_is_announced_in_the_preview(new_school):
    import io

    import openpyxl

    admin = await new_school()
    await admin.json("POST", "/classes/batch", expect=201,
                     json={"grade": 7, "count": 1})
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "性别", "年级", "班级", "学号"])
    workbook.active.append(["甲同学", "男", "七年级", 1, "01"])
    workbook.active.append(["乙同学", "女", "初一", 99, "01"])
    out = io.BytesIO()
    workbook.save(out)

    response = await admin.upload("students", out.getvalue())
    preview = await admin.wait_for_job((await response.json())["id"])
    rows = await all_rows(admin, preview["id"])

    assert preview["state"] == "ready"
    assert rows[2]["status"] == "ok"
    assert rows[3]["status"] == "warning"
    assert "新建" in rows[3]["messages"][0] and "(99)班" in rows[3]["messages"][0]
