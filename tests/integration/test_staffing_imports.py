"""导入备课组长 and 导入任课关系, end to end: templates, same-name teachers, confirm.

Each test makes its own school with a few teachers; classes are made with
POST /classes/batch, files are written with openpyxl the way an admin fills in
the downloaded template.
"""

import io
import json
import uuid

import openpyxl
from python_calamine import CalamineWorkbook


def sheet(*rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read_sheet(content: bytes) -> list[list]:
    table = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
    return [[cell for cell in row] for row in table.to_python()]


async def add_teacher(admin, name: str, remark: str | None = None) -> dict:
    body = {"name": name, "gender": "男", **({"remark": remark} if remark else {})}
    return await admin.json("POST", "/teachers", expect=201, json=body)


async def make_classes(admin, count: int, grade=7) -> None:
    await admin.json("POST", "/classes/batch", expect=201,
                     json={"grade": grade, "count": count})


async def preview(admin, kind: str, content: bytes, **params) -> dict:
    response = await admin.upload(kind, content, params=params or None)
    job = await response.json()
    assert response.status == 202, job
    return await admin.wait_for_job(job["id"])


async def rows_of(admin, job: dict) -> dict[int, dict]:
    body = await admin.json("GET", f"/imports/{job['id']}/rows",
                            params={"page_size": 500})
    return {row["row"]: row for row in body["items"]}


async def confirm(admin, job: dict) -> dict:
    await admin.json("POST", f"/imports/{job['id']}/confirm", expect=202)
    return await admin.wait_for_job(job["id"], states=("done", "failed"))


async def resolve(admin, job: dict, expect=200, **body) -> dict:
    return await admin.json("POST", f"/imports/{job['id']}/resolve", expect=expect,
                            json=body)


async def prep_group(admin, subject: str, grade=7) -> dict:
    groups = await admin.json("GET", "/prep-groups", params={"grade": str(grade)})
    return next(g for g in groups["items"] if g["subject"] == subject)


async def class_row(admin, number: int, grade=7) -> dict:
    table = await admin.json("GET", "/assignments", params={"grade": str(grade)})
    return next(c for c in table["classes"] if c["number"] == number)


def taught(row: dict, subject: str) -> set[str]:
    cell = next(s for s in row["subjects"] if s["subject"] == subject)
    return {t["id"] for t in cell["teachers"]}


def ids(summaries: list[dict]) -> set[str]:
    return {s["id"] for s in summaries}


async def audit_count(db, admin) -> int:
    return await db.fetchval(
        "SELECT count(*) FROM roster.audit_log WHERE school_id = $1",
        uuid.UUID(admin.school["id"]))


# --- preparation group leaders ---------------------------------------------------


async def test_prep_leader_template_lists_the_grades_and_their_subjects(new_school):
    admin = await new_school()

    response = await admin.get("/imports/templates/prep-leaders")
    table = read_sheet(await response.read())

    assert response.status == 200
    header = [cell for cell in table[0] if cell]
    assert header[0] == "年级"
    assert {"语文", "数学", "英语", "物理"} <= set(header[1:])
    assert len(header) == len(set(header))
    assert [row[0] for row in table[1:]] == ["初一年级", "初二年级", "初三年级"]


async def test_prep_leaders_import_makes_the_named_teachers_lead_their_groups(
        new_school, db):
    admin = await new_school()
    zhang, li = await add_teacher(admin, "张老师"), await add_teacher(admin, "李老师")

    job = await preview(admin, "prep-leaders", sheet(
        ["年级", "语文", "数学"], ["初一年级", "张老师，李老师", "李老师"]))
    done = await confirm(admin, job)

    assert job["summary"] == {"total": 1, "ok": 1, "warnings": 0, "errors": 0}
    assert done["message"] == "1/1 导入成功"
    chinese = await prep_group(admin, "语文")
    assert ids(chinese["leaders"]) == ids(chinese["members"]) == {zhang["id"], li["id"]}
    assert ids((await prep_group(admin, "数学"))["leaders"]) == {li["id"]}
    entries = await db.fetch(
        "SELECT action FROM roster.audit_log WHERE school_id = $1"
        " AND target_kind = 'prep_group'", uuid.UUID(admin.school["id"]))
    assert [e["action"] for e in entries] == ["import", "import"]


async def test_leaders_not_named_again_stay_members(new_school):
    admin = await new_school()
    zhang, li = await add_teacher(admin, "张老师"), await add_teacher(admin, "李老师")
    await confirm(admin, await preview(admin, "prep-leaders", sheet(
        ["年级", "语文"], ["初一年级", "张老师"])))

    await confirm(admin, await preview(admin, "prep-leaders", sheet(
        ["年级", "语文"], ["初一年级", "李老师"])))

    group = await prep_group(admin, "语文")
    assert ids(group["leaders"]) == {li["id"]}
    assert ids(group["members"]) == {zhang["id"], li["id"]}


async def test_a_same_name_teacher_must_be_chosen_before_confirming(new_school):
    admin = await new_school()
    chinese = await add_teacher(admin, "王老师", "语文组")
    maths = await add_teacher(admin, "王老师", "数学组")

    job = await preview(admin, "prep-leaders", sheet(
        ["年级", "语文"], ["初一年级", "王老师"]))
    row = (await rows_of(admin, job))[2]
    refused = await admin.post(f"/imports/{job['id']}/confirm")

    assert job["unresolved"] == 1
    assert row["status"] == "warning"
    assert "同名" in row["messages"][0]
    [issue] = row["issues"]
    assert (issue["column"], issue["name"], issue["kind"]) == ("语文", "王老师",
                                                               "ambiguous")
    assert {c["id"]: c["remark"] for c in issue["candidates"]} == {
        chinese["id"]: "语文组", maths["id"]: "数学组"}
    assert refused.status == 409
    assert "同名" in (await refused.json())["error"]["message"]
    assert (await prep_group(admin, "语文"))["leaders"] == []

    answer = await resolve(admin, job, resolutions=[
        {"row": 2, "column": "语文", "name": "王老师", "teacher_id": chinese["id"]}])
    done = await confirm(admin, job)

    assert answer["job"]["unresolved"] == 0
    assert answer["items"][0]["status"] == "ok"
    assert answer["items"][0]["issues"][0]["teacher_id"] == chinese["id"]
    assert done["message"] == "1/1 导入成功"
    assert ids((await prep_group(admin, "语文"))["leaders"]) == {chinese["id"]}


async def test_a_name_written_with_its_remark_picks_that_teacher(new_school):
    admin = await new_school()
    await add_teacher(admin, "王老师", "语文组")
    maths = await add_teacher(admin, "王老师", "数学组")

    job = await preview(admin, "prep-leaders", sheet(
        ["年级", "数学"], ["初一年级", "王老师（数学组）"]))
    await confirm(admin, job)

    assert job["summary"]["ok"] == 1 and job["unresolved"] == 0
    assert ids((await prep_group(admin, "数学"))["leaders"]) == {maths["id"]}


async def test_unknown_and_disabled_names_are_dropped_and_the_rest_imported(
        new_school):
    admin = await new_school()
    zhang = await add_teacher(admin, "张老师")
    gone = await add_teacher(admin, "停用老师")
    await admin.json("POST", "/teachers/disable", json={"teacher_ids": [gone["id"]]})

    job = await preview(admin, "prep-leaders", sheet(
        ["年级", "语文"], ["初一年级", "张老师, 查无此人、停用老师"]))
    row = (await rows_of(admin, job))[2]
    done = await confirm(admin, job)

    assert row["status"] == "warning"
    assert [(i["name"], i["kind"]) for i in row["issues"]] == [
        ("查无此人", "unknown"), ("停用老师", "unknown")]
    assert "已停用" in " ".join(row["messages"])
    assert done["message"] == "1/1 导入成功"
    assert ids((await prep_group(admin, "语文"))["leaders"]) == {zhang["id"]}


async def test_dropping_an_unknown_name_clears_its_warning(new_school):
    admin = await new_school()
    await add_teacher(admin, "张老师")
    job = await preview(admin, "prep-leaders", sheet(
        ["年级", "语文"], ["初一年级", "张老师,查无此人"]))

    answer = await resolve(admin, job, resolutions=[
        {"name": "查无此人", "teacher_id": None}])

    assert answer["items"][0]["status"] == "ok"
    assert answer["items"][0]["issues"][0]["resolved"] is True
    assert answer["job"]["summary"]["warnings"] == 0


async def test_choices_that_cannot_apply_change_nothing(new_school):
    admin = await new_school()
    chinese = await add_teacher(admin, "王老师", "语文组")
    await add_teacher(admin, "王老师", "数学组")
    other = await add_teacher(admin, "张老师")
    job = await preview(admin, "prep-leaders", sheet(
        ["年级", "语文", "数学"], ["初一年级", "王老师", "查无此人"]))

    for body in (
        {"resolutions": [{"row": 2, "name": "王老师", "teacher_id": other["id"]}]},
        {"resolutions": [{"row": 9, "name": "王老师", "teacher_id": chinese["id"]}]},
        {"resolutions": [{"row": 2, "name": "查无此人", "teacher_id": other["id"]}]},
        {"resolutions": [{"row": 2, "name": "李老师", "teacher_id": None}]},
        {"resolutions": [
            {"row": 2, "name": "王老师", "teacher_id": chinese["id"]},
            {"row": 2, "column": "数学", "name": "王老师", "teacher_id": None}]},
        {"resolutions": [{"row": 2, "name": "王老师"}]},
    ):
        refused = await admin.post(f"/imports/{job['id']}/resolve", json=body)
        assert refused.status == 422, body
        assert (await refused.json())["error"]["message"]

    row = (await rows_of(admin, job))[2]
    assert [i["resolved"] for i in row["issues"]] == [False, False]
    assert (await admin.json("GET", f"/imports/{job['id']}"))["unresolved"] == 1


async def test_a_row_left_out_is_not_imported_and_is_reported(new_school):
    admin = await new_school()
    await add_teacher(admin, "王老师", "语文组")
    await add_teacher(admin, "王老师", "数学组")
    zhang = await add_teacher(admin, "张老师")
    job = await preview(admin, "prep-leaders", sheet(
        ["年级", "语文", "数学"], ["初一年级", "王老师", ""],
        ["初二年级", "", "张老师"]))

    answer = await resolve(admin, job, skip_rows=[2])
    done = await confirm(admin, job)
    report = read_sheet(await (await admin.get(
        f"/imports/{job['id']}/errors.xlsx")).read())

    assert answer["items"][0]["status"] == "error"
    assert answer["job"]["summary"]["errors"] == 1
    assert done["message"] == "1/2 导入成功"
    assert (await prep_group(admin, "语文"))["leaders"] == []
    assert ids((await prep_group(admin, "数学", grade=8))["leaders"]) == {zhang["id"]}
    assert report[0][:3] == ["原行号", "年级", "语文"]
    assert report[1][:3] == [2, "初一年级", "王老师"]
    assert "不导入" in report[1][-1]


async def test_a_subject_the_grade_lacks_refuses_the_row(new_school, db):
    admin = await new_school()
    await add_teacher(admin, "张老师")
    before = await audit_count(db, admin)

    job = await preview(admin, "prep-leaders", sheet(
        ["年级", "语文", "天文"], ["初一年级", "张老师", "张老师"],
        ["初二年级", "张老师", None], ["初二年级", "张老师", None],
        ["五年级", "张老师", None]))
    rows = await rows_of(admin, job)

    assert rows[2]["status"] == "error" and "天文" in rows[2]["messages"][0]
    assert rows[3]["status"] == "ok"
    assert rows[4]["status"] == "error" and "第3行" in rows[4]["messages"][0]
    assert rows[5]["status"] == "error" and "五年级" in rows[5]["messages"][0]
    await confirm(admin, job)
    assert (await prep_group(admin, "语文"))["leaders"] == []
    assert await audit_count(db, admin) == before + 1


# --- teaching assignments --------------------------------------------------------


async def test_assignment_template_lists_the_classes(new_school):
    admin = await new_school()
    await make_classes(admin, 2)

    response = await admin.get("/imports/templates/assignments")
    table = read_sheet(await response.read())

    assert [c for c in table[0][:5]] == [
        "年级", "班级", "是否虚拟班", "班主任", "道德与法治"]
    assert [row[:3] for row in table[1:]] == [["初一年级", "(1)班", "否"],
                                              ["初一年级", "(2)班", "否"]]


async def test_assignments_import_sets_head_and_subject_teachers(new_school):
    admin = await new_school()
    await make_classes(admin, 2)
    zhang, li = await add_teacher(admin, "张老师"), await add_teacher(admin, "李老师")
    wang = await add_teacher(admin, "王五")

    job = await preview(admin, "assignments", sheet(
        ["年级", "班级", "是否虚拟班", "班主任", "语文", "数学"],
        ["初一年级", "(1)班", "不是", "张老师", "张老师,李老师", "王五"],
        ["初一年级", "2", "否", None, "李老师", None]))
    done = await confirm(admin, job)

    assert job["summary"]["ok"] == 2, await rows_of(admin, job)
    assert done["message"] == "2/2 导入成功"
    first, second = await class_row(admin, 1), await class_row(admin, 2)
    assert first["head_teacher"]["id"] == zhang["id"]
    assert taught(first, "语文") == {zhang["id"], li["id"]}
    assert taught(first, "数学") == {wang["id"]}
    assert second["head_teacher"] is None
    assert taught(second, "语文") == {li["id"]}
    assert ids((await prep_group(admin, "语文"))["members"]) == {zhang["id"], li["id"]}
    assert (await prep_group(admin, "语文"))["leaders"] == []


async def test_importing_the_same_assignments_again_changes_nothing(new_school, db):
    admin = await new_school()
    await make_classes(admin, 1)
    await add_teacher(admin, "张老师")
    content = sheet(["年级", "班级", "班主任", "语文"],
                    ["初一年级", "(1)班", "张老师", "张老师"])
    await confirm(admin, await preview(admin, "assignments", content))
    before = await audit_count(db, admin)

    done = await confirm(admin, await preview(admin, "assignments", content))

    assert done["message"] == "1/1 导入成功"
    assert await audit_count(db, admin) == before


async def test_bad_assignment_rows_are_refused_and_change_nothing(new_school, db):
    admin = await new_school()
    await make_classes(admin, 1)
    await add_teacher(admin, "张老师")
    await add_teacher(admin, "李老师")
    before = await audit_count(db, admin)

    job = await preview(admin, "assignments", sheet(
        ["年级", "班级", "是否虚拟班", "班主任", "语文"],
        ["初一年级", "(9)班", "否", "张老师", "张老师"],
        ["初一年级", "(1)班", "否", "张老师,李老师", "张老师"],
        ["初一年级", "(1)班", "也许", None, "张老师"],
        ["初一年级", "(1)班", "是", None, "张老师"]))
    rows = await rows_of(admin, job)
    done = await confirm(admin, job)

    assert "(9)班" in rows[2]["messages"][0] and rows[2]["status"] == "error"
    assert rows[3]["status"] == "error"
    assert "班主任只能填写1位" in rows[3]["messages"][0]
    assert rows[4]["status"] == "error" and "是否虚拟班" in rows[4]["messages"][0]
    assert rows[5]["status"] == "warning" and "不是虚拟班" in rows[5]["messages"][0]
    assert done["message"] == "1/4 导入成功"
    first = await class_row(admin, 1)
    assert first["head_teacher"] is None
    assert len(taught(first, "语文")) == 1
    assert await audit_count(db, admin) == before + 2


async def test_a_teacher_disabled_before_confirming_refuses_the_row(new_school):
    admin = await new_school()
    await make_classes(admin, 1)
    zhang = await add_teacher(admin, "张老师")
    await add_teacher(admin, "李老师")
    job = await preview(admin, "assignments", sheet(
        ["年级", "班级", "班主任", "语文"], ["初一年级", "(1)班", "李老师", "张老师"]))

    await admin.json("POST", "/teachers/disable", json={"teacher_ids": [zhang["id"]]})
    done = await confirm(admin, job)
    row = (await rows_of(admin, job))[2]

    assert done["message"] == "0/1 导入成功"
    assert row["status"] == "error" and "已停用" in row["messages"][-1]
    first = await class_row(admin, 1)
    assert first["head_teacher"] is None
    assert taught(first, "语文") == set()


# --- jobs of another school and other kinds --------------------------------------


async def test_another_schools_admin_cannot_see_or_settle_the_job(new_school):
    admin, other = await new_school(), await new_school()
    await add_teacher(admin, "王老师", "语文组")
    await add_teacher(admin, "王老师", "数学组")
    job = await preview(admin, "prep-leaders", sheet(
        ["年级", "语文"], ["初一年级", "王老师"]))

    for method, path, body in (
        ("GET", f"/imports/{job['id']}", None),
        ("GET", f"/imports/{job['id']}/rows", None),
        ("POST", f"/imports/{job['id']}/resolve", {"skip_rows": [2]}),
        ("POST", f"/imports/{job['id']}/confirm", None),
    ):
        response = await other.request(method, path, json=body)
        assert response.status == 404, (method, path)

    row = (await rows_of(admin, job))[2]
    assert row["status"] == "warning"


async def test_resolving_a_job_without_teacher_names_is_refused(new_school):
    admin = await new_school()
    response = await admin.upload("teachers", sheet(["姓名", "性别"], ["张三", "男"]))
    job = await admin.wait_for_job((await response.json())["id"])

    refused = await admin.post(f"/imports/{job['id']}/resolve", json={"skip_rows": [2]})

    assert refused.status == 409
    assert json.loads(await refused.text())["error"]["message"]
