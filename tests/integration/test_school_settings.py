"""School settings (学校设置): name, stages, the current term and its switch, logo."""

import os

import pytest

from tests.integration.test_promotion import make_classes

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)


async def school_grades(db, admin) -> list[int]:
    rows = await db.fetch("SELECT grade FROM roster.grades WHERE school_id = $1"
                          " ORDER BY grade", admin.school["id"])
    return [row["grade"] for row in rows]


async def test_the_admin_changes_name_year_and_term_and_sees_the_term_in_words(
        new_school):
    admin = await new_school()

    changed = await admin.json("PATCH", "/school", json={
        "name": f"新校名-{os.getpid()}-{admin.phone}", "academic_year": "2026~2027",
        "term": 1})

    assert changed["academic_year"] == "2026-2027" and changed["term"] == 1
    assert changed["term_name"] == "2026-2027 学年第一学期"
    school = await admin.json("GET", "/school")
    assert school["name"] == changed["name"]
    assert (school["academic_year"], school["term"]) == ("2026-2027", 1)


async def test_the_settings_page_shows_counts_and_the_term(new_school, db):
    admin = await new_school()
    await admin.json("PATCH", "/school", json={"academic_year": "2026-2027",
                                               "term": 2})
    await make_classes(admin, db, 7, 3)

    page = await admin.json("GET", "/school/settings")

    assert page["term_name"] == "2026-2027 学年第二学期"
    assert page["has_logo"] is False
    assert page["counts"]["teachers"] == 1 and page["counts"]["classes"] == 3
    assert page["counts"]["subjects"] > 5


async def test_every_settings_answer_has_the_settings_page_shape(new_school, db):
    admin = await new_school()
    await make_classes(admin, db, 7, 2)

    patched = await admin.json("PATCH", "/school", json={
        "academic_year": "2026-2027", "stages": ["junior", "senior"]})
    page = await admin.json("GET", "/school/settings")
    unchanged = await admin.json("PATCH", "/school", json={"term": 1})
    switched = await admin.json("POST", "/school/term", json={
        "academic_year": "2026-2027", "term": 2})
    with_logo = await admin.json("PUT", "/school/logo", data=PNG)

    assert patched == page == unchanged
    assert page["counts"]["classes"] == 2 and page["counts"]["teachers"] == 1
    assert switched["counts"] == with_logo["counts"] == page["counts"]


async def test_a_year_alone_starts_in_the_first_term(new_school):
    admin = await new_school()

    changed = await admin.json("PATCH", "/school", json={"academic_year": "2030-2031"})

    assert changed["term"] == 1


@pytest.mark.parametrize(("body", "fragment"), [
    ({"academic_year": "2026-2028"}, "两个年份"),
    ({"academic_year": "26-27"}, "两个年份"),
    ({"term": 3}, "第二学期"),
    ({"name": "x"}, "2到50个字"),
    ({"name": None}, "不能为空"),
    ({"stages": []}, "学段"),
    ({"stages": ["college"]}, "学段"),
    ({"motto": "求实"}, "不认识的字段"),
], ids=["years apart", "short years", "term 3", "short name", "null name",
        "no stage", "unknown stage", "unknown field"])
async def test_bad_settings_are_refused_in_chinese_and_change_nothing(
        new_school, body, fragment):
    admin = await new_school()
    await admin.json("PATCH", "/school", json={"academic_year": "2026-2027",
                                               "term": 2})
    before = await admin.json("GET", "/school")

    response = await admin.request("PATCH", "/school", json=body)

    error = (await response.json())["error"]
    assert response.status == 422, error
    assert fragment in error["message"]
    assert await admin.json("GET", "/school") == before


async def test_a_term_without_a_year_is_refused(new_school):
    admin = await new_school()

    response = await admin.request("PATCH", "/school", json={"term": 2})

    assert response.status == 422
    assert "学年" in (await response.json())["error"]["message"]


async def test_another_schools_name_cannot_be_taken(new_school):
    first, second = await new_school(), await new_school()

    response = await second.request("PATCH", "/school",
                                    json={"name": first.school["name"]})

    assert response.status == 409
    assert (await second.json("GET", "/school"))["name"] == second.school["name"]


async def test_adding_a_stage_adds_its_grades_and_usual_subjects(new_school, db):
    admin = await new_school()

    changed = await admin.json("PATCH", "/school",
                               json={"stages": ["senior", "junior"]})

    assert changed["stages"] == ["junior", "senior"]
    assert await school_grades(db, admin) == [7, 8, 9, 10, 11, 12]
    subjects = await db.fetch("SELECT name FROM roster.subjects"
                              " WHERE school_id = $1 AND grade = 10",
                              admin.school["id"])
    assert {"语文", "思想政治", "通用技术"} <= {row["name"] for row in subjects}


async def test_removing_a_stage_whose_grades_have_classes_is_refused(new_school, db):
    admin = await new_school(stages=("junior", "senior"))
    await make_classes(admin, db, 11, 2)

    response = await admin.request("PATCH", "/school", json={"stages": ["junior"]})

    error = (await response.json())["error"]
    assert response.status == 409, error
    assert "高二年级还有2个班级" in error["message"]
    assert (await admin.json("GET", "/school"))["stages"] == ["junior", "senior"]
    assert await school_grades(db, admin) == [7, 8, 9, 10, 11, 12]


async def test_removing_an_empty_stage_removes_its_grades(new_school, db):
    admin = await new_school(stages=("junior", "senior"))

    changed = await admin.json("PATCH", "/school", json={"stages": ["junior"]})

    assert changed["stages"] == ["junior"]
    assert await school_grades(db, admin) == [7, 8, 9]
    left = await db.fetchval("SELECT count(*) FROM roster.subjects"
                             " WHERE school_id = $1 AND grade > 9",
                             admin.school["id"])
    assert left == 0


async def test_switching_to_the_second_term_happens_once(new_school):
    admin = await new_school()
    await admin.json("PATCH", "/school", json={"academic_year": "2026-2027",
                                               "term": 1})
    target = {"academic_year": "2026-2027", "term": 2}

    first = await admin.json("POST", "/school/term", json=target)
    again = await admin.json("POST", "/school/term", json=target)

    assert first["changed"] is True and again["changed"] is False
    assert first["term_name"] == again["term_name"] == "2026-2027 学年第二学期"


@pytest.mark.parametrize(("target", "fragment"), [
    ({"academic_year": "2027-2028", "term": 1}, "一键升学年"),
    ({"academic_year": "2026-2027", "term": 1}, "向后切换"),
], ids=["into a new year", "backwards"])
async def test_a_term_switch_goes_only_forward_within_the_year(new_school, target,
                                                               fragment):
    admin = await new_school()
    await admin.json("PATCH", "/school", json={"academic_year": "2026-2027",
                                               "term": 2})

    response = await admin.post("/school/term", json=target)

    assert response.status == 409
    assert fragment in (await response.json())["error"]["message"]
    school = await admin.json("GET", "/school")
    assert (school["academic_year"], school["term"]) == ("2026-2027", 2)


@pytest.mark.parametrize(("image", "content_type"), [(PNG, "image/png"),
                                                     (JPEG, "image/jpeg")])
async def test_the_logo_is_stored_and_served_as_uploaded(new_school, image,
                                                         content_type):
    admin = await new_school()

    stored = await admin.json("PUT", "/school/logo", data=image,
                              headers={"Content-Type": "application/octet-stream"})
    served = await admin.get("/school/logo")

    assert stored["has_logo"] is True
    assert served.status == 200
    assert served.content_type == content_type
    assert await served.read() == image


async def test_a_school_without_a_logo_answers_404(new_school):
    first, second = await new_school(), await new_school()
    await first.json("PUT", "/school/logo", data=PNG)

    response = await second.get("/school/logo")

    assert response.status == 404
    assert "LOGO" in (await response.json())["error"]["message"]


@pytest.mark.parametrize(("body", "status"), [
    (b"GIF89a" + bytes(64), 422),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 422),
    (b"", 422),
    (PNG + bytes(512 * 1024), 413),
], ids=["gif", "svg", "empty", "too large"])
async def test_a_bad_logo_is_refused_and_the_old_one_kept(new_school, body, status):
    admin = await new_school()
    await admin.json("PUT", "/school/logo", data=JPEG)

    response = await admin.request("PUT", "/school/logo", data=body,
                                   headers={"Content-Type": "image/png"})

    assert response.status == status
    assert (await response.json())["error"]["message"]
    kept = await admin.get("/school/logo")
    assert await kept.read() == JPEG


async def test_the_logo_can_be_removed(new_school):
    admin = await new_school()
    await admin.json("PUT", "/school/logo", data=PNG)

    removed = await admin.json("DELETE", "/school/logo")

    assert removed["has_logo"] is False
    assert (await admin.get("/school/logo")).status == 404


async def test_settings_changes_stay_in_the_callers_school(new_school):
    first, second = await new_school(), await new_school()
    await first.json("PATCH", "/school", json={"academic_year": "2026-2027"})

    await second.json("PATCH", "/school", json={"academic_year": "2031-2032"})

    assert (await first.json("GET", "/school"))["academic_year"] == "2026-2027"
    assert (await second.json("GET", "/school"))["academic_year"] == "2031-2032"


async def test_a_name_with_a_zero_width_space_is_the_same_school(new_school,
                                                                  operator):
    first, second = await new_school(), await new_school()
    name = first.school["name"]

    created = await operator.request("POST", "/schools", json={
        "name": f"{name}\u200b", "stages": ["junior"]})
    renamed = await second.request("PATCH", "/school", json={"name": f"\u200b{name}"})

    assert created.status == 409, await created.json()
    assert renamed.status == 409, await renamed.json()
    assert (await second.json("GET", "/school"))["name"] == second.school["name"]


async def test_invisible_characters_leave_a_school_name_and_controls_are_refused(
        operator, db):
    name = f"试验一中-{os.getpid()}"

    school = await operator.json("POST", "/schools", expect=201, json={
        "name": f"\u202e{name}\u200b\ufeff", "stages": ["junior"]})
    refused = await operator.request("POST", "/schools", json={
        "name": f"{name}二\u0008", "stages": ["junior"]})

    assert school["name"] == name
    error = (await refused.json())["error"]
    assert refused.status == 422 and "控制字符" in error["message"]
    assert await db.fetchval("SELECT count(*) FROM roster.schools"
                             " WHERE name LIKE $1", f"{name}%") == 1


@pytest.mark.parametrize(("name", "message"), [
    ("x", "学校名称至少2个字符"),
    ("", "学校名称不能为空"),
], ids=["one character", "empty"])
async def test_a_too_short_school_name_says_how_long_it_must_be(operator, name,
                                                                message):
    response = await operator.request("POST", "/schools", json={
        "name": name, "stages": ["junior"]})

    assert response.status == 422
    assert (await response.json())["error"]["message"] == message
