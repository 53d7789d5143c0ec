"""A school's grades and the subjects each teaches, in the manual's categories."""

import pytest

from services.roster.subjects import CATEGORIES, DEFAULT_SUBJECTS


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def names_by_category(subjects: dict) -> dict:
    return {entry["category"]: [s["name"] for s in entry["subjects"]]
            for entry in subjects["categories"]}


def ids_by_name(subjects: dict) -> dict:
    return {s["name"]: s["id"]
            for entry in subjects["categories"] for s in entry["subjects"]}


def put_body(names: dict, mode: str | None = None) -> dict:
    body = {"categories": [{"category": category,
                            "subjects": [{"name": name} for name in subjects]}
                           for category, subjects in names.items()]}
    return body | ({"mode": mode} if mode else {})


async def test_a_school_lists_the_grades_of_its_stages_with_their_counts(new_school):
    admin = await new_school(("junior", "senior"))

    grades = await admin.json("GET", "/grades")

    assert grades["total"] == 6
    assert [g["grade"] for g in grades["items"]] == [7, 8, 9, 10, 11, 12]
    first, last = grades["items"][0], grades["items"][-1]
    assert (first["grade_name"], first["stage"]) == ("初一年级", "junior")
    assert (last["grade_name"], last["stage"]) == ("高三年级", "senior")
    assert all(g["mode"] == "normal" and g["class_count"] == 0 for g in grades["items"])
    assert first["class_counts"] == {"administrative": 0, "tiered": 0, "elective": 0}
    junior_defaults = sum(map(len, DEFAULT_SUBJECTS["junior"].values()))
    assert first["subject_count"] == junior_defaults


async def test_a_new_grade_starts_with_the_usual_subjects_in_all_seven_categories(
        new_school):
    admin = await new_school()

    subjects = await admin.json("GET", "/grades/7/subjects")

    assert (subjects["grade"], subjects["grade_name"]) == (7, "初一年级")
    assert subjects["mode"] == "normal"
    assert [entry["category"] for entry in subjects["categories"]] == list(CATEGORIES)
    listed = names_by_category(subjects)
    for category in CATEGORIES:
        assert listed[category] == DEFAULT_SUBJECTS["junior"].get(category, [])
    assert listed["体艺2+1"] == [] and listed["校本课程"] == []


@pytest.mark.parametrize("named", ["初一年级", "七年级", "初一", "7"])
async def test_a_grade_is_found_by_its_number_or_any_of_its_names(new_school, named):
    admin = await new_school()

    subjects = await admin.json("GET", f"/grades/{named}/subjects")

    assert subjects["grade"] == 7


async def test_a_grade_the_school_lacks_is_not_found_and_a_made_up_one_refused(
        new_school):
    admin = await new_school()

    lacking = await admin.get("/grades/高一年级/subjects")
    made_up = await admin.get("/grades/大一/subjects")

    assert lacking.status == 404
    assert "高一年级" in (await lacking.json())["error"]["message"]
    assert made_up.status == 422
    assert has_chinese((await made_up.json())["error"]["message"])


async def test_saving_replaces_the_subjects_and_keeps_ids_of_names_that_stay(
        new_school):
    admin = await new_school()
    before = await admin.json("GET", "/grades/8/subjects")
    wanted = {"思想品德": ["道德与法治"], "学业水平": ["数学", "语文", "英语"],
              "校本课程": ["围棋", "游泳"]}

    saved = await admin.json("PUT", "/grades/8/subjects", json=put_body(wanted))

    assert {c: n for c, n in names_by_category(saved).items() if n} == wanted
    old_ids, new_ids = ids_by_name(before), ids_by_name(saved)
    for name in ("道德与法治", "数学", "语文", "英语"):
        assert new_ids[name] == old_ids[name]
    removed = {s["name"]: s for s in saved["removed"]}
    assert set(removed) == set(old_ids) - set(new_ids)
    assert removed["物理"] == {"id": old_ids["物理"], "name": "物理",
                               "category": "学业水平"}
    again = await admin.json("GET", "/grades/8/subjects")
    assert again["categories"] == saved["categories"]


async def test_a_subject_moved_to_another_category_keeps_its_id(new_school):
    admin = await new_school()
    before = ids_by_name(await admin.json("GET", "/grades/7/subjects"))
    current = names_by_category(await admin.json("GET", "/grades/7/subjects"))
    current["社会实践"].remove("劳动与技术")
    current["校本课程"] = ["劳动与技术"]

    saved = await admin.json("PUT", "/grades/7/subjects", json=put_body(current))

    assert names_by_category(saved)["校本课程"] == ["劳动与技术"]
    assert ids_by_name(saved)["劳动与技术"] == before["劳动与技术"]
    assert saved["removed"] == []


async def test_saving_only_one_grade_leaves_the_other_grades_alone(new_school):
    admin = await new_school()
    eighth = await admin.json("GET", "/grades/8/subjects")

    await admin.json("PUT", "/grades/7/subjects", json=put_body({"学业水平": ["语文"]}))

    assert await admin.json("GET", "/grades/8/subjects") == eighth


@pytest.mark.parametrize("body, fragment", [
    (put_body({"学业水平": ["语文", "  "]}), "不能为空"),
    (put_body({"学业水平": ["语文"], "校本课程": ["语文"]}), "语文"),
    (put_body({"学业水平": ["语文", "语文"]}), "重复"),
    (put_body({"校本课程": ["书法\u200b", "书法"]}), "学科“书法”在本年级重复了"),
    (put_body({"校本课程": ["书法\u0007"]}), "控制字符"),
    (put_body({"兴趣小组": ["围棋"]}), "兴趣小组"),
    (put_body({"学业水平": ["语文"]}, mode="3+3"), "高中"),
    (put_body({"学业水平": ["语文"]}, mode="走班"), "模式"),
    (put_body({"学业水平": ["语" * 21]}), "太长"),
    ({"categories": [{"category": "学业水平", "subjects": [{"name": "语文"}]}] * 2},
     "两次"),
    ({"categories": "语文"}, "学科分类"),
], ids=["empty name", "repeated across categories", "repeated in a category",
        "repeated with a zero-width space", "control character", "unknown category",
        "3+3 outside senior grades", "unknown mode", "too long", "category twice",
        "not a list"])
async def test_a_bad_subject_list_is_refused_and_changes_nothing(
        new_school, body, fragment):
    admin = await new_school()
    before = await admin.json("GET", "/grades/7/subjects")

    response = await admin.request("PUT", "/grades/7/subjects", json=body)

    error = (await response.json())["error"]
    assert response.status == 422, error
    assert fragment in error["message"]
    assert has_chinese(error["message"])
    assert await admin.json("GET", "/grades/7/subjects") == before


async def test_a_subject_name_with_invisible_characters_is_the_same_subject(
        new_school):
    admin = await new_school()
    names = names_by_category(await admin.json("GET", "/grades/7/subjects"))
    before = ids_by_name(await admin.json("GET", "/grades/7/subjects"))
    names["学业水平"] = [f"\u200b{name}\u202c" for name in names["学业水平"]]

    saved = await admin.json("PUT", "/grades/7/subjects", json=put_body(names))

    assert ids_by_name(saved) == before
    assert saved["removed"] == []


async def test_senior_grades_may_use_the_3_plus_3_mode_and_keep_it(new_school):
    admin = await new_school(("senior",))
    names = names_by_category(await admin.json("GET", "/grades/高一年级/subjects"))

    saved = await admin.json("PUT", "/grades/高一年级/subjects",
                             json=put_body(names, mode="3+3"))
    kept = await admin.json("PUT", "/grades/10/subjects", json=put_body(names))

    assert saved["mode"] == kept["mode"] == "3+3"
    grades = {g["grade"]: g for g in (await admin.json("GET", "/grades"))["items"]}
    assert grades[10]["mode"] == "3+3"
    assert grades[11]["mode"] == "normal"
    back = await admin.json("PUT", "/grades/10/subjects",
                            json=put_body(names, mode="normal"))
    assert back["mode"] == "normal"


async def test_a_removed_subject_takes_its_preparation_group_along(new_school, db):
    admin = await new_school()
    teacher = await admin.json("POST", "/teachers", expect=201,
                               json={"name": "钱老师", "gender": "男"})
    physics = ids_by_name(await admin.json("GET", "/grades/8/subjects"))["物理"]
    await db.execute(
        "INSERT INTO roster.prep_group_members (school_id, grade, subject_id,"
        " teacher_id, is_leader) VALUES ($1, 8, $2, $3, true)",
        admin.school["id"], physics, teacher["id"])

    await admin.json("PUT", "/grades/8/subjects", json=put_body({"学业水平": ["语文"]}))

    left = await db.fetchval(
        "SELECT count(*) FROM roster.prep_group_members WHERE subject_id = $1", physics)
    assert left == 0


async def test_saving_subjects_is_recorded_in_the_audit_trail(new_school, db):
    admin = await new_school()

    await admin.json("PUT", "/grades/9/subjects", json=put_body({"学业水平": ["语文"]}))

    entry = await db.fetchrow(
        "SELECT actor_kid, before, after FROM roster.audit_log"
        " WHERE school_id = $1 AND action = 'subjects' AND target_id = '9'",
        admin.school["id"])
    assert entry["actor_kid"] == admin.account["kid"]
    assert '"物理"' in entry["before"] and '"物理"' not in entry["after"]


async def test_another_schools_grades_are_out_of_reach(new_school):
    first, second = await new_school(), await new_school(("primary",))
    before = await first.json("GET", "/grades/7/subjects")

    lacking = await second.get("/grades/7/subjects")
    changed = await second.request("PUT", "/grades/7/subjects",
                                   json=put_body({"学业水平": ["语文"]}))

    assert lacking.status == 404
    assert changed.status == 404
    assert [g["grade"] for g in (await second.json("GET", "/grades"))["items"]] == [
        1, 2, 3, 4, 5, 6]
    assert await first.json("GET", "/grades/7/subjects") == before


async def test_same_grade_in_two_schools_keeps_separate_subjects(new_school):
    first, second = await new_school(), await new_school()

    await second.json("PUT", "/grades/7/subjects",
                      json=put_body({"学业水平": ["语文"]}))

    first_ids = ids_by_name(await first.json("GET", "/grades/7/subjects"))
    second_ids = ids_by_name(await second.json("GET", "/grades/7/subjects"))
    assert "数学" in first_ids
    assert set(first_ids.values()).isdisjoint(second_ids.values())
