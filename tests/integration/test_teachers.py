"""Teachers over their life: edits, disabling, permissions and deletion."""

import asyncio
import uuid

import pytest

from shared.bus import Bus
from tests.integration.api import log_in
from tests.integration.test_students import id_number


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


# --- phone numbers ------------------------------------------------------------------


@pytest.fixture
async def bus(infra):
    bus = await Bus(infra.env["AMQP_URL"]).connect()
    yield bus
    await bus.close()


def as_admin(admin) -> dict:
    """The bus context the importer sends on behalf of the admin who started a job."""
    return {"caller": {"kid": admin.account["kid"], "kind": admin.account["kind"],
                       "school_id": admin.school["id"],
                       "permissions": admin.account["permissions"]}}


def imported(row: int, **fields) -> dict:
    return {"row": row, "name": f"导入{row}", "gender": "男",
            "id_type": "中国大陆居民身份证", "id_number": None, "phone": None,
            "remark": None} | fields


async def teacher_phones(db, admin) -> list[str]:
    rows = await db.fetch("SELECT phone FROM roster.teachers WHERE school_id = $1"
                          " AND phone IS NOT NULL ORDER BY phone",
                          uuid.UUID(admin.school["id"]))
    return [row["phone"] for row in rows]


async def test_a_phone_number_another_teacher_has_is_refused_naming_them(
        new_school, db):
    admin = await new_school()
    holder = await add_teacher(admin, name="王老师", phone="13811112222",
                               remark="语文组")
    other = await add_teacher(admin, name="李老师", phone="13833334444")
    phones_before = await teacher_phones(db, admin)

    added = await admin.request("POST", "/teachers", json={
        "name": "赵老师", "gender": "男", "phone": "138 1111 2222"})
    edited = await admin.request("PATCH", f"/teachers/{other['id']}",
                                 json={"phone": holder["phone"]})

    for response in (added, edited):
        error = (await response.json())["error"]
        assert response.status == 409, error
        assert "13811112222已被本校教师王老师（备注：语文组）使用" in error["message"]
    assert await teacher_phones(db, admin) == phones_before
    kept = await admin.json("PATCH", f"/teachers/{holder['id']}",
                            json={"phone": holder["phone"], "remark": "数学组"})
    assert kept["phone"] == holder["phone"]


async def test_five_teachers_added_at_once_with_one_phone_number_make_one(
        new_school, db):
    admin = await new_school()

    answers = await asyncio.gather(*(
        admin.request("POST", "/teachers", json={
            "name": f"同号{n}", "gender": "女", "phone": "13955556666"})
        for n in range(5)))

    statuses = sorted(response.status for response in answers)
    assert statuses == [201, 409, 409, 409, 409]
    winner = [await r.json() for r in answers if r.status == 201][0]
    for response in answers:
        if response.status == 409:
            message = (await response.json())["error"]["message"]
            assert f"已被本校教师{winner['name']}使用" in message
    assert (await teacher_phones(db, admin)).count("13955556666") == 1


async def test_search_matches_a_whole_phone_or_id_number(new_school):
    admin = await new_school()
    document = id_number()
    teacher = await add_teacher(admin, name="钱老师", phone="13712345678",
                                id_number=document)
    await add_teacher(admin, name="孙老师", phone="13787654321")

    for q in ("13712345678", document, document.lower()):
        found = await admin.json("GET", "/teachers", params={"q": q})
        assert [t["id"] for t in found["items"]] == [teacher["id"]], q
    for q in ("1371234", document[:10]):
        found = await admin.json("GET", "/teachers", params={"q": q})
        assert found["total"] == 0, q


async def test_imported_rows_are_told_whether_their_phone_or_id_number_is_taken(
        new_school, bus):
    admin = await new_school()
    document = id_number()
    await add_teacher(admin, name="王老师", phone="13811112222", id_number=document)
    rows = [imported(2, phone="13811112222"),
            imported(3, id_number=document),
            imported(4, phone="13822223333"),
            imported(5, phone="13822223333"),
            imported(6, id_number=document, phone="13811112222")]

    results = await bus.call("roster.import_teachers",
                             {"job_id": str(uuid.uuid4()), "rows": rows},
                             ctx=as_admin(admin))

    errors = {r["row"]: r["error"] for r in results}
    assert errors[4] is None
    assert "13811112222已被本校教师王老师使用" in errors[2]
    assert "证件号码" not in errors[2]
    assert errors[3] == "证件号码与本校已有教师重复"
    assert "13822223333已被本校教师导入4使用" in errors[5]
    assert "证件号码" in errors[6] and "手机号码" in errors[6]
    assert [r["kid"] is not None for r in results] == [False, False, True, False,
                                                       False]


async def test_known_teacher_phones_answers_the_ones_the_school_has(
        new_school, bus):
    admin, other = await new_school(), await new_school()
    await add_teacher(admin, phone="13811112222")
    await add_teacher(other, phone="13833334444")

    known = await bus.call("roster.known_teacher_phones",
                           {"phones": ["13833334444", "13811112222", "13900000000"]},
                           ctx=as_admin(admin))

    assert known == ["13811112222"]


async def test_a_second_admin_cannot_take_a_teachers_phone_number(new_school,
                                                                  operator):
    admin = await new_school()
    holder = await add_teacher(admin, name="王老师", phone="13811112222")

    response = await operator.request(
        "POST", f"/schools/{admin.school['id']}/admins",
        json={"name": "新管理员", "gender": "女", "phone": holder["phone"],
              "password": "Xiaoyuan2026"})

    error = (await response.json())["error"]
    assert response.status == 409, error
    assert "已被本校教师王老师使用" in error["message"]


async def test_a_refused_admin_leaves_nothing_behind(new_school, operator):
    admin = await new_school()
    school = admin.school["id"]
    before = (await admin.json("GET", "/teachers"))["total"]

    taken = await operator.post(f"/schools/{school}/admins", json={
        "name": "撞号管理", "gender": "女", "phone": admin.phone,
        "password": "Xiaoyuan2026"})
    weak = await operator.post(f"/schools/{school}/admins", json={
        "name": "弱密码", "gender": "女", "phone": "13911110000",
        "password": "password"})

    assert taken.status == 409 and weak.status == 422
    assert (await admin.json("GET", "/teachers"))["total"] == before


async def test_an_admin_who_cannot_log_in_does_not_count_as_the_last_admin(
        new_school):
    admin = await new_school()
    me = (await admin.json("GET", "/teachers"))["items"][0]
    never_activated = await add_teacher(admin, name="未激活")
    await admin.json("PUT", f"/teachers/{never_activated['id']}/permissions",
                     json={"permissions": ["admin"]})

    demote = await admin.request("PUT", f"/teachers/{me['id']}/permissions",
                                 json={"permissions": ["leadership"]})
    delete = await admin.request("DELETE", f"/teachers/{me['id']}")

    assert demote.status == 409 and delete.status == 409
    assert "能登录" in (await demote.json())["error"]["message"]
    assert (await admin.get("/me")).status == 200


async def test_full_width_digits_log_in_as_the_phone(http, new_school):
    from tests.integration.conftest import ADMIN_PASSWORD

    admin = await new_school()
    wide = admin.phone.translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    response = await http.post("/api/v1/auth/login",
                               json={"login": wide, "password": ADMIN_PASSWORD})

    assert response.status == 200
