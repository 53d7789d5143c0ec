"""Another school's data is never visible: it answers as if it did not exist."""

from tests.integration.api import SAMPLES


async def test_second_school_sees_none_of_the_first_schools_teachers(new_school):
    first, second = await new_school(), await new_school()
    preview, _ = await first.import_file("teachers", SAMPLES / "teachers-new.xlsx")
    theirs = (await first.json("GET", "/teachers", params={"page_size": 100}))["items"]

    mine = await second.json("GET", "/teachers", params={"page_size": 100})

    assert {t["id"] for t in mine["items"]}.isdisjoint({t["id"] for t in theirs})
    assert mine["total"] == 1
    for teacher in theirs[:10]:
        response = await second.get(f"/teachers/{teacher['id']}")
        assert response.status == 404
    searched = await second.json("GET", "/teachers", params={"q": theirs[0]["name"]})
    assert all(t["id"] not in {x["id"] for x in theirs} for t in searched["items"])


async def test_second_school_cannot_see_the_first_schools_import_jobs(new_school):
    first, second = await new_school(), await new_school()
    preview, _ = await first.import_file("teachers", SAMPLES / "teachers-new.xlsx")

    for path in (f"/imports/{preview['id']}", f"/imports/{preview['id']}/rows",
                 f"/imports/{preview['id']}/errors.xlsx"):
        response = await second.get(path)
        assert response.status == 404, path
    confirm = await second.post(f"/imports/{preview['id']}/confirm")
    assert confirm.status == 404


async def test_lists_mask_phones_and_id_numbers_but_the_record_shows_them(new_school):
    admin = await new_school()
    created = await admin.json("POST", "/teachers", expect=201, json={
        "name": "赵六", "gender": "女", "phone": "15712342166",
        "id_number": "11010519491231002X"})

    listed = await admin.json("GET", "/teachers", params={"q": "赵六"})
    record = await admin.json("GET", f"/teachers/{created['id']}")

    assert listed["items"][0]["phone"] == "157****2166"
    assert "*" in listed["items"][0]["id_number"]
    assert record["phone"] == "15712342166"
    assert record["id_number"] == "11010519491231002X"


async def test_same_name_teachers_are_told_apart_by_remark(new_school):
    admin = await new_school()
    for remark in ("语文组", "数学组"):
        await admin.json("POST", "/teachers", expect=201,
                         json={"name": "李雷", "gender": "男", "remark": remark})

    found = await admin.json("GET", "/teachers", params={"q": "李雷"})

    assert found["total"] == 2
    assert {t["remark"] for t in found["items"]} == {"语文组", "数学组"}
    assert len({t["kid"] for t in found["items"]}) == 2
