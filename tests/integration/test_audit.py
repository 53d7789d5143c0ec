"""The audit trail (操作记录): every change a person made, listed per school."""

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.integration.api import Account, log_in, next_phone
from tests.integration.conftest import ADMIN_PASSWORD

CHINA = ZoneInfo("Asia/Shanghai")


def today(shift: int = 0) -> str:
    return (datetime.now(CHINA).date() + timedelta(days=shift)).isoformat()


async def plain_teacher(http, operator: Account, admin: Account) -> Account:
    """A teacher of the admin's school, logged in, who no longer holds admin."""
    phone = next_phone()
    teacher = await operator.json(
        "POST", f"/schools/{admin.school['id']}/admins", expect=201,
        json={"name": "任课教师", "gender": "男", "phone": phone,
              "password": ADMIN_PASSWORD})
    await admin.json("PUT", f"/teachers/{teacher['id']}/permissions",
                     json={"permissions": []})
    account = await log_in(http, phone, ADMIN_PASSWORD)
    for _ in range(100):
        if (await account.get("/audit")).status == 403:
            return account
        await asyncio.sleep(0.1)
    pytest.fail("the teacher kept the admin permission")


async def test_a_teacher_edit_shows_up_with_before_and_after(new_school):
    admin = await new_school()
    teacher = await admin.json("POST", "/teachers", expect=201, json={
        "name": "王芳", "gender": "女", "remark": "语文组"})

    await admin.json("PATCH", f"/teachers/{teacher['id']}", json={"remark": "数学组"})

    listed = await admin.json("GET", "/audit",
                              params={"kind": "teacher", "action": "update"})
    assert listed["total"] == 1
    entry = listed["items"][0]
    assert entry["target_id"] == teacher["id"]
    assert entry["before"]["remark"] == "语文组"
    assert entry["after"]["remark"] == "数学组"
    assert entry["actor"]["kid"] == admin.account["kid"]
    assert entry["actor"]["kind"] == "teacher"
    assert entry["actor"]["name"] == "管理员"


async def test_entries_come_newest_first_page_by_page(new_school):
    admin = await new_school()
    for remark in ("一", "二", "三"):
        await admin.json("POST", "/teachers", expect=201,
                         json={"name": "李雷", "gender": "男", "remark": remark})

    everything = await admin.json("GET", "/audit", params={"kind": "teacher",
                                                           "action": "create"})
    second = await admin.json("GET", "/audit", params={
        "kind": "teacher", "action": "create", "page": 2, "page_size": 1})

    remarks = [entry["after"]["remark"] for entry in everything["items"]]
    assert remarks[:3] == ["三", "二", "一"]
    assert second["total"] == everything["total"]
    assert [entry["id"] for entry in second["items"]] == [everything["items"][1]["id"]]


async def test_settings_changes_are_audited(new_school):
    admin = await new_school()

    await admin.json("PATCH", "/school", json={"academic_year": "2026-2027",
                                               "term": 2})

    entry = (await admin.json("GET", "/audit", params={"kind": "school"}))["items"][0]
    assert entry["action"] == "update"
    assert (entry["before"]["academic_year"], entry["before"]["term"]) == (None, None)
    assert (entry["after"]["academic_year"], entry["after"]["term"]) == ("2026-2027",
                                                                         2)


async def test_days_bound_the_list_both_included(new_school):
    admin = await new_school()
    await admin.json("POST", "/teachers", expect=201,
                     json={"name": "韩梅梅", "gender": "女"})

    same_day = await admin.json("GET", "/audit", params={"from": today(),
                                                         "to": today()})
    tomorrow = await admin.json("GET", "/audit", params={"from": today(1)})
    yesterday = await admin.json("GET", "/audit", params={"to": today(-1)})

    assert same_day["total"] >= 2
    assert tomorrow == {"items": [], "total": 0}
    assert yesterday == {"items": [], "total": 0}


@pytest.mark.parametrize(("params", "fragment"), [
    ({"from": "2026/09/01"}, "开始日期应写成 2026-09-01"),
    ({"to": "2026-02-30"}, "结束日期应写成 2026-09-01"),
    ({"from": "2026-09-02", "to": "2026-09-01"}, "开始日期不能晚于结束日期"),
    ({"page": "0"}, "页码"),
], ids=["slashes", "no such day", "reversed", "page 0"])
async def test_bad_filters_are_refused_in_chinese(new_school, params, fragment):
    admin = await new_school()

    response = await admin.get("/audit", params=params)

    assert response.status == 422
    assert fragment in (await response.json())["error"]["message"]


async def test_another_school_sees_none_of_it(new_school):
    first, second = await new_school(), await new_school()
    teacher = await first.json("POST", "/teachers", expect=201,
                               json={"name": "张伟", "gender": "男"})
    await first.json("PATCH", f"/teachers/{teacher['id']}", json={"remark": "体育组"})
    theirs = await first.json("GET", "/audit", params={"page_size": 200})

    mine = await second.json("GET", "/audit", params={"page_size": 200})
    searched = await second.json("GET", "/audit", params={"kind": "teacher",
                                                          "action": "update"})

    assert {e["id"] for e in mine["items"]}.isdisjoint(
        {e["id"] for e in theirs["items"]})
    assert teacher["id"] not in {e["target_id"] for e in mine["items"]}
    assert searched == {"items": [], "total": 0}


async def test_only_admins_read_the_audit_or_change_settings(http, operator,
                                                             new_school):
    admin = await new_school()
    teacher = await plain_teacher(http, operator, admin)

    for method, path in [("GET", "/audit"), ("PATCH", "/school"),
                         ("POST", "/school/promote"), ("POST", "/school/promote/undo"),
                         ("POST", "/school/term"), ("PUT", "/school/logo")]:
        response = await teacher.request(method, path, json={})
        assert response.status == 403, (method, path)
    assert (await teacher.get("/school")).status == 200
