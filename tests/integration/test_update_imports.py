"""更新导入 and 批量补全证件号码, end to end: export, edit, import back by kid.

Files are the exports themselves, edited with openpyxl as an admin edits them in
Excel; what landed is read back through the API and the superuser connection.
"""

import io
import itertools
import json
import uuid
from datetime import date, timedelta

import openpyxl

_people = itertools.count(300)
_CHECK_CHARS = "10X98765432"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(sex: str = "女") -> str:
    """A valid mainland ID number, new each time within a test session."""
    n = next(_people)
    birth = date(2011, 3, 1) + timedelta(days=n % 1200)
    sequence = f"{n % 100:02d}{(n % 5) * 2 + (1 if sex == '男' else 0)}"
    body = f"530102{birth:%Y%m%d}{sequence}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS))
    return body + _CHECK_CHARS[total % 11]


async def make_classes(admin, grade: int, count: int) -> list[dict]:
    made = await admin.json("POST", "/classes/batch", expect=201,
                            json={"grade": grade, "count": count})
    return made["items"]


async def add_student(admin, class_id: str, number: str, **fields) -> dict:
    body = {"name": f"学生{number}", "gender": "女", "grade": 7,
            "class_id": class_id, "student_number": number} | fields
    return await admin.json("POST", "/students", expect=201, json=body)


async def student(admin, found: dict) -> dict:
    return await admin.json("GET", f"/students/{found['id']}")


async def export(admin, path="/exports/students.xlsx") -> openpyxl.Workbook:
    response = await admin.get(path)
    assert response.status == 200
    return openpyxl.load_workbook(io.BytesIO(await response.read()))


def by_kid(workbook: openpyxl.Workbook) -> dict[int, list]:
    """The export's rows by kid, as lists of cells to edit in place."""
    rows = list(workbook.active.iter_rows(min_row=2))
    return {int(row[0].value): row for row in rows}


def saved(workbook: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def seat(row, class_name=None, number=None, grade=None) -> None:
    """Edit an export row as the manual says: class and student number."""
    if grade is not None:
        row[3].value = grade
    if class_name is not None:
        row[4].value = class_name
    if number is not None:
        row[5].value = number


async def preview(admin, kind: str, content: bytes) -> dict:
    response = await admin.upload(kind, content)
    job = await response.json()
    assert response.status == 202, job
    return await admin.wait_for_job(job["id"])


async def confirm(admin, job: dict) -> dict:
    await admin.json("POST", f"/imports/{job['id']}/confirm", expect=202)
    return await admin.wait_for_job(job["id"], states=("done", "failed"))


async def rows_of(admin, job: dict) -> dict[int, dict]:
    body = await admin.json("GET", f"/imports/{job['id']}/rows",
                            params={"page_size": 500})
    return {row["row"]: row for row in body["items"]}


async def audit(db, admin, action="import_update") -> list[dict]:
    rows = await db.fetch(
        "SELECT target_id, before, after FROM roster.audit_log"
        " WHERE school_id = $1 AND action = $2 ORDER BY id",
        uuid.UUID(admin.school["id"]), action)
    return [{"target_id": r["target_id"], "before": json.loads(r["before"]),
             "after": json.loads(r["after"])} for r in rows]


async def versions(db, admin) -> dict[int, int]:
    rows = await db.fetch(
        "SELECT kid, version FROM roster.students WHERE school_id = $1",
        uuid.UUID(admin.school["id"]))
    return {row["kid"]: row["version"] for row in rows}


async def school_of_three(new_school):
    """A school with classes (1) and (2) of 初一 and three students: 甲 01 and
    乙 02 in (1)班, 丙 01 in (2)班."""
    admin = await new_school()
    first, second = await make_classes(admin, 7, 2)
    people = [await add_student(admin, first["id"], "01", name="甲"),
              await add_student(admin, first["id"], "02", name="乙"),
              await add_student(admin, second["id"], "01", name="丙")]
    return admin, first, second, people


# --- student update --------------------------------------------------------------


async def test_a_student_moved_in_the_export_lands_in_the_new_class(new_school, db):
    admin, first, second, (jia, _, _) = await school_of_three(new_school)
    workbook = await export(admin)
    seat(by_kid(workbook)[jia["kid"]], "(2)班", "05")
    untouched = await versions(db, admin)

    job = await preview(admin, "students-update", saved(workbook))
    rows = await rows_of(admin, job)
    done = await confirm(admin, job)

    assert job["summary"] == {"total": 3, "ok": 3, "warnings": 0, "errors": 0}
    moved = next(r for r in rows.values() if r["data"]["kid"] == jia["kid"])
    assert moved["data"]["changed"] is True
    assert moved["data"]["before"] == "初一年级(1)班，学号01"
    assert done["message"] == "3/3 导入成功"
    now = await student(admin, jia)
    assert (now["class_id"], now["student_number"]) == (second["id"], "05")
    after = await versions(db, admin)
    assert {k: v for k, v in after.items() if k != jia["kid"]} == {
        k: v for k, v in untouched.items() if k != jia["kid"]}
    [entry] = await audit(db, admin)
    assert entry["target_id"] == jia["id"]
    assert (entry["before"]["class_number"], entry["after"]["class_number"]) == (1, 2)
    history = await db.fetch(
        "SELECT class_id, ended_at FROM roster.student_class_history"
        " WHERE student_id = $1 ORDER BY id", uuid.UUID(jia["id"]))
    assert [(str(h["class_id"]), h["ended_at"] is None) for h in history] == [
        (first["id"], False), (second["id"], True)]


async def test_two_students_swap_numbers_in_one_file(new_school):
    admin, _, _, (jia, yi, _) = await school_of_three(new_school)
    workbook = await export(admin)
    rows = by_kid(workbook)
    seat(rows[jia["kid"]], number="02")
    seat(rows[yi["kid"]], number="01")

    done = await confirm(admin, await preview(admin, "students-update",
                                              saved(workbook)))

    assert done["message"] == "3/3 导入成功"
    assert (await student(admin, jia))["student_number"] == "02"
    assert (await student(admin, yi))["student_number"] == "01"


async def test_a_number_freed_by_a_later_batch_is_taken_over(new_school):
    admin = await new_school()
    first, second = await make_classes(admin, 7, 2)
    people = [await add_student(admin, first["id"], f"{n:02d}") for n in range(1, 26)]
    workbook = await export(admin)
    rows = by_kid(workbook)
    # The suite commits 20 rows a batch: the first student takes the number of
    # the last one, who moves to (2)班 in the second batch.
    seat(rows[people[0]["kid"]], number="25")
    seat(rows[people[-1]["kid"]], "(2)班", "01")

    job = await preview(admin, "students-update", saved(workbook))
    done = await confirm(admin, job)

    assert job["summary"]["errors"] == 0
    assert done["message"] == "25/25 导入成功"
    assert (await student(admin, people[0]))["student_number"] == "25"
    last = await student(admin, people[-1])
    assert (last["class_id"], last["student_number"]) == (second["id"], "01")


async def test_bad_update_rows_are_refused_and_change_nothing(new_school, db):
    admin, _, _, (jia, yi, _) = await school_of_three(new_school)
    other = await new_school()
    [far] = await make_classes(other, 7, 1)
    stranger = await add_student(other, far["id"], "01")
    workbook = await export(admin)
    rows = by_kid(workbook)
    seat(rows[jia["kid"]], "(9)班")
    # 丙 keeps (2)班 01, so 乙 cannot have it, and 丙's own row repeats 乙's seat.
    seat(rows[yi["kid"]], "(2)班", "01")
    sheet = workbook.active
    sheet.append([str(stranger["kid"]), "外校", "女", "初一年级", "(1)班", "07"])
    sheet.append(["abc", "错误", "女", "初一年级", "(1)班", "08"])
    sheet.append([str(yi["kid"]), "乙", "女", "初一年级", "(1)班", "09"])
    untouched = await versions(db, admin)

    job = await preview(admin, "students-update", saved(workbook))
    found = await rows_of(admin, job)
    done = await confirm(admin, job)

    messages = {number: " ".join(row["messages"]) for number, row in found.items()}
    assert all(row["status"] == "error" for row in found.values())
    assert "(9)班" in messages[2]
    assert "学号“01”已被初一年级(2)班的学生使用" in messages[3]
    assert "与第3行重复" in messages[4]
    assert "不是本校的在校学生" in messages[5]
    assert "kid应为数字" in messages[6]
    assert "与第3行重复（kid相同）" in messages[7]
    assert done["message"] == "0/6 导入成功"
    assert await versions(db, admin) == untouched
    assert await audit(db, admin) == []
    assert (await student(other, stranger))["student_number"] == "01"


async def test_importing_the_export_unchanged_changes_nothing(new_school, db):
    admin, *_ = await school_of_three(new_school)
    untouched = await versions(db, admin)

    job = await preview(admin, "students-update", saved(await export(admin)))
    done = await confirm(admin, job)

    assert done["message"] == "3/3 导入成功"
    rows = (await rows_of(admin, job)).values()
    assert all(not row["data"]["changed"] for row in rows)
    assert await versions(db, admin) == untouched
    assert await audit(db, admin) == []


async def test_update_template_is_the_schools_export(new_school):
    admin, _, _, people = await school_of_three(new_school)

    response = await admin.get("/imports/templates/students-update")
    workbook = openpyxl.load_workbook(io.BytesIO(await response.read()))

    assert response.status == 200
    assert [c.value for c in workbook.active[1]][:6] == [
        "kid", "姓名", "性别", "年级", "班级", "学号"]
    assert set(by_kid(workbook)) == {p["kid"] for p in people}


async def test_another_schools_admin_gets_404_for_an_update_job(new_school):
    admin, *_ = await school_of_three(new_school)
    other = await new_school()
    job = await preview(admin, "students-update", saved(await export(admin)))

    for method, path in (("GET", f"/imports/{job['id']}"),
                         ("GET", f"/imports/{job['id']}/rows"),
                         ("POST", f"/imports/{job['id']}/confirm"),
                         ("GET", f"/imports/{job['id']}/errors.xlsx")):
        assert (await other.request(method, path)).status == 404, path
    assert (await admin.json("GET", f"/imports/{job['id']}"))["state"] == "ready"


# --- ID-number completion --------------------------------------------------------


async def test_missing_id_export_lists_only_students_without_an_id(new_school):
    admin = await new_school()
    [klass] = await make_classes(admin, 7, 1)
    without = await add_student(admin, klass["id"], "01")
    await add_student(admin, klass["id"], "02", id_number=id_number())

    workbook = await export(admin, "/exports/students-missing-id.xlsx")
    table = [[c.value for c in row] for row in workbook.active.iter_rows()]

    assert table[0][:6] == ["kid", "姓名", "年级", "班级", "学号", "证件号码"]
    assert table[0][6].startswith("证件类型")
    assert table[1:] == [[str(without["kid"]), "学生01", "初一年级", "(1)班", "01",
                          None, "中国大陆居民身份证"]]


async def test_completed_id_numbers_land_on_their_students(new_school, db):
    admin = await new_school()
    [klass] = await make_classes(admin, 7, 1)
    people = [await add_student(admin, klass["id"], f"0{n}") for n in range(1, 4)]
    workbook = await export(admin, "/exports/students-missing-id.xlsx")
    numbers = [id_number() for _ in people]
    for row, number in zip(by_kid(workbook).values(), numbers):
        row[5].value = number

    job = await preview(admin, "students-id-completion", saved(workbook))
    done = await confirm(admin, job)

    assert job["summary"] == {"total": 3, "ok": 3, "warnings": 0, "errors": 0}
    assert done["message"] == "3/3 导入成功"
    assert [(await student(admin, p))["id_number"] for p in people] == numbers
    assert len(await audit(db, admin)) == 3
    again = await export(admin, "/exports/students-missing-id.xlsx")
    assert again.active.max_row == 1


async def test_bad_id_numbers_are_refused_and_change_nothing(new_school, db):
    admin = await new_school()
    [klass] = await make_classes(admin, 7, 1)
    people = [await add_student(admin, klass["id"], f"0{n}") for n in range(1, 6)]
    workbook = await export(admin, "/exports/students-missing-id.xlsx")
    other = await new_school()
    taken = id_number()
    await add_student(other, (await make_classes(other, 7, 1))[0]["id"], "01",
                      id_number=taken)
    has_one = people[4]
    await admin.json("PATCH", f"/students/{has_one['id']}",
                     json={"id_number": id_number()})
    rows = list(by_kid(workbook).values())
    rows[0][5].value = "110105201001010000"
    rows[1][5].value = taken
    rows[2][5].value = None
    rows[3][5].value = 530102201103011234
    rows[4][5].value = id_number()
    untouched = await versions(db, admin)

    job = await preview(admin, "students-id-completion", saved(workbook))
    found = await rows_of(admin, job)
    done = await confirm(admin, job)

    assert job["summary"]["errors"] == 5
    assert "校验" in found[2]["messages"][0] or "证件号码" in found[2]["messages"][0]
    assert other.school["name"] in found[3]["messages"][0]
    assert "不能为空" in found[4]["messages"][0]
    assert found[5]["status"] == "error"
    assert "已有证件号码" in found[6]["messages"][0]
    assert done["message"] == "0/5 导入成功"
    assert await versions(db, admin) == untouched


async def test_a_sex_digit_disagreeing_with_the_gender_is_a_warning(new_school):
    admin = await new_school()
    [klass] = await make_classes(admin, 7, 1)
    girl = await add_student(admin, klass["id"], "01", gender="女")
    workbook = await export(admin, "/exports/students-missing-id.xlsx")
    number = id_number(sex="男")
    by_kid(workbook)[girl["kid"]][5].value = number

    job = await preview(admin, "students-id-completion", saved(workbook))
    row = (await rows_of(admin, job))[2]
    await confirm(admin, job)

    assert row["status"] == "warning" and "男性" in row["messages"][0]
    assert (await student(admin, girl))["id_number"] == number
