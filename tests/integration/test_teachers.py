"""Teachers over their life: edits, disabling, permissions and deletion."""

import asyncio

import pytest

from tests.integration.api import log_in


async def add_teacher(admin, **fields) -> dict:
    body = {"name": "孙老师", "gender": "女"} | fields
    return await admin.json("POST", "/teachers", expect=201, json=body)


async def make_second_admin(http, admin, db) -> tuple[dict, object]:
    """A teacher given the admin permission, with an active account to log in with."""
    from tests.integration.conftest import ADMIN_PASSWORD

    teacher = await add_teacher(admin, name="周老师")
    await admin.json("PUT", f"/teachers/{teacher['id']}/permissions",
                     json={"permissions": ["admin"]})
    # Activation arrives in a later piece of work; until then the account is
    # opened directly, as activation will leave it.
    hashed = await db.fetchval(
        "SELECT password_hash FROM identity.accounts WHERE kid = $1",
        admin.account["kid"])
    for _ in range(50):
        updated = await db.execute(
            "UPDATE identity.accounts SET password_hash = $2, status = 'active'"
            " WHERE kid = $1",
            teacher["kid"], hashed)
        if updated == "UPDATE 1":
            break
        await asyncio.sleep(0.1)
    other = await log_in(http, str(teacher["kid"]), ADMIN_PASSWORD)
    return teacher, other


async def test_edit_changes_only_the_fields_sent(new_school):
    admin = await new_school()
    teacher = await add_teacher(admin, remark="语文", phone="13811112222")

    edited = await admin.json("PATCH", f"/teachers/{teacher['id']}",
                              json={"remark": "数学组"})

    assert edited["remark"] == "数学组"
    assert edited["phone"] == "13811112222"
    assert edited["name"] == teacher["name"]


async def test_search_finds_by_name_part_remark_and_kid(new_school):
    admin = await new_school()
    teacher = await add_teacher(admin, name="欧阳明轩", remark="初二数学")

    for q in ("明轩", "初二数学", str(teacher["kid"])):
        found = await admin.json("GET", "/teachers", params={"q": q})
        assert [t["id"] for t in found["items"]] == [teacher["id"]], q


@pytest.mark.parametrize("control", ["\u0000", "\u0007", "\u001b"],
                         ids=["NUL", "bell", "escape"])
@pytest.mark.parametrize(("path", "name"), [
    ("/teachers", "q"), ("/students", "q"), ("/students/archive", "q"),
    ("/classes", "grade"), ("/audit", "kind"),
])
async def test_a_control_character_in_a_search_is_refused_in_chinese(
        new_school, path, name, control):
    admin = await new_school()

    response = await admin.get(path, params={name: f"张{control}"})

    error = (await response.json())["error"]
    assert response.status == 422, error
    assert "控制字符" in error["message"]


async def test_a_search_ignores_invisible_characters(new_school):
    admin = await new_school()
    teacher = await add_teacher(admin, name="欧阳明轩")

    found = await admin.json("GET", "/teachers", params={"q": "\u200b明轩\u200e"})

    assert [t["id"] for t in found["items"]] == [teacher["id"]]


async def test_disabled_teacher_loses_session_within_seconds(http, new_school, db):
    admin = await new_school()
    teacher, session = await make_second_admin(http, admin, db)
    assert (await session.get("/me")).status == 200

    await admin.json("POST", "/teachers/disable",
                     json={"teacher_ids": [teacher["id"]]})

    for _ in range(50):
        if (await session.get("/me")).status == 401:
            break
        await asyncio.sleep(0.1)
    assert (await session.get("/me")).status == 401
    from tests.integration.conftest import ADMIN_PASSWORD
    refused = await http.post("/api/v1/auth/login",
                              json={"login": str(teacher["kid"]),
                                    "password": ADMIN_PASSWORD})
    assert refused.status == 401


async def test_enabled_again_teacher_logs_in_with_the_same_password(
        http, new_school, db):
    from tests.integration.conftest import ADMIN_PASSWORD

    admin = await new_school()
    teacher, _ = await make_second_admin(http, admin, db)
    await admin.json("POST", "/teachers/disable", json={"teacher_ids": [teacher["id"]]})

    await admin.json("POST", "/teachers/enable", json={"teacher_ids": [teacher["id"]]})

    for _ in range(50):
        response = await http.post("/api/v1/auth/login", json={
            "login": str(teacher["kid"]), "password": ADMIN_PASSWORD})
        if response.status == 200:
            break
        await asyncio.sleep(0.1)
    assert response.status == 200
    listed = await admin.json("GET", "/teachers", params={"status": "active"})
    assert teacher["id"] in {t["id"] for t in listed["items"]}


async def test_the_last_enabled_admin_cannot_be_disabled_demoted_or_deleted(
        new_school):
    admin = await new_school()
    me = (await admin.json("GET", "/teachers"))["items"][0]

    disable = await admin.post("/teachers/disable", json={"teacher_ids": [me["id"]]})
    demote = await admin.request("PUT", f"/teachers/{me['id']}/permissions",
                                 json={"permissions": ["leadership"]})
    delete = await admin.request("DELETE", f"/teachers/{me['id']}")

    for response in (disable, demote, delete):
        assert response.status == 409
        assert "管理员" in (await response.json())["error"]["message"]
    assert (await admin.get("/me")).status == 200
    still = await admin.json("GET", f"/teachers/{me['id']}")
    assert still["status"] == "active" and still["permissions"] == ["admin"]


async def test_permissions_are_set_and_unknown_flags_refused(new_school):
    admin = await new_school()
    teacher = await add_teacher(admin)

    granted = await admin.json("PUT", f"/teachers/{teacher['id']}/permissions",
                               json={"permissions": ["leadership", "exam_affairs"]})
    unknown = await admin.request("PUT", f"/teachers/{teacher['id']}/permissions",
                                  json={"permissions": ["superuser"]})

    assert granted["permissions"] == ["exam_affairs", "leadership"]
    assert unknown.status == 422
    again = await admin.json("GET", f"/teachers/{teacher['id']}")
    assert again["permissions"] == ["exam_affairs", "leadership"]


async def test_deleted_teacher_is_gone_for_good(new_school):
    admin = await new_school()
    teacher = await add_teacher(admin)

    await admin.json("DELETE", f"/teachers/{teacher['id']}")

    assert (await admin.get(f"/teachers/{teacher['id']}")).status == 404
    listed = await admin.json("GET", "/teachers")
    assert teacher["id"] not in {t["id"] for t in listed["items"]}


async def test_another_school_cannot_touch_my_teachers(new_school):
    mine, theirs = await new_school(), await new_school()
    teacher = await add_teacher(mine)
    path = f"/teachers/{teacher['id']}"

    attempts = [
        await theirs.request("PATCH", path, json={"remark": "x"}),
        await theirs.request("DELETE", path),
        await theirs.request("PUT", f"{path}/permissions",
                             json={"permissions": ["admin"]}),
        await theirs.post("/teachers/disable", json={"teacher_ids": [teacher["id"]]}),
    ]

    assert [r.status for r in attempts] == [404] * 4
    unchanged = await mine.json("GET", path)
    assert unchanged["remark"] is None and unchanged["status"] == "active"
    assert unchanged["permissions"] == []


async def test_a_teacher_without_the_admin_flag_is_refused(http, new_school, db):
    admin = await new_school()
    teacher, session = await make_second_admin(http, admin, db)
    await admin.json("PUT", f"/teachers/{teacher['id']}/permissions",
                     json={"permissions": ["leadership"]})

    for _ in range(50):
        me = await session.json("GET", "/me")
        if "admin" not in me["permissions"]:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.1)  # the gateway's token cache
    response = await session.get("/teachers")

    assert response.status == 403


async def test_export_lists_teachers_with_formulas_neutralised(new_school):
    import io

    import openpyxl

    admin = await new_school()
    teacher = await add_teacher(admin, name="钱老师", remark="=1+2")
    await admin.json("PUT", f"/teachers/{teacher['id']}/permissions",
                     json={"permissions": ["leadership"]})

    response = await admin.get("/exports/teachers.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(await response.read())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]

    assert response.status == 200
    assert rows[0][:3] == ["kid", "姓名", "性别"]
    exported = {row[0]: row for row in rows[1:]}
    assert exported[str(teacher["kid"])][1:5] == ["钱老师", "女", "'=1+2", "领导组"]
    assert len(exported) == 2
