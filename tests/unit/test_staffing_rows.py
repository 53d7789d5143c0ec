"""Staffing and update rows: names split and matched, rows checked, choices applied."""

import io
from types import SimpleNamespace

import pytest
import xlsxwriter

from services.importer.kinds import get_kind
from services.importer.kinds.names import TeacherDirectory, split_names
from services.importer.resolutions import LEFT_OUT, settle
from services.importer.sheets import SheetRow, read_rows
from shared.errors import BadFile, InvalidInput

LIMITS = {"max_rows": 100, "max_unzipped_bytes": 10 << 20}
TEACHERS = [
    {"id": "t-zhang", "kid": 1, "name": "张三", "remark": None, "status": "active"},
    {"id": "t-wang-1", "kid": 2, "name": "王五", "remark": "语文组",
     "status": "active"},
    {"id": "t-wang-2", "kid": 3, "name": "王五", "remark": "数学组",
     "status": "active"},
    {"id": "t-zhao", "kid": 4, "name": "赵六", "remark": None, "status": "disabled"},
]
SCHOOL = {"grades": ["初一年级", "初二年级"],
          "subjects": {"初一年级": ["语文", "数学"], "初二年级": ["语文", "物理"]},
          "classes": [{"grade": 7, "number": 1, "virtual": False},
                      {"grade": 7, "number": 2, "virtual": True}],
          "teachers": TEACHERS}


def xlsx(rows) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def check(kind: str, *rows: dict, **context):
    validator = get_kind(kind).new_validator(**(SCHOOL | context))
    return [validator.check(SheetRow(number, values))
            for number, values in enumerate(rows, start=2)]


@pytest.mark.parametrize("cell, names", [
    ("张三", ["张三"]),
    ("张三,李四", ["张三", "李四"]),
    ("张三， 李四、王五", ["张三", "李四", "王五"]),
    ("张三；张三;", ["张三"]),
    (" , ", []),
    (None, []),
    ("Anna Lee,张三", ["Anna Lee", "张三"]),
])
def test_cells_split_into_names(cell, names):
    assert split_names(cell, label="语文") == names


@pytest.mark.parametrize("name, ids", [
    ("张三", ["t-zhang"]),
    ("王五", ["t-wang-1", "t-wang-2"]),
    ("王五（数学组）", ["t-wang-2"]),
    ("王五(语文组)", ["t-wang-1"]),
    ("王五（体育组）", []),
    ("赵六", []),
    ("查无此人", []),
])
def test_names_match_enabled_teachers(name, ids):
    directory = TeacherDirectory(TEACHERS)
    assert [t["id"] for t in directory.candidates(name)] == ids


def test_rest_column_reads_every_further_header_by_name():
    data = xlsx([["年级", "语文(文科)", "数学 ", None, "物理"],
                 ["初一年级", "张三", None, "x", None],
                 [None, None, None, None, None]])

    [row] = read_rows(data, get_kind("prep-leaders").columns, **LIMITS)

    assert row.values == {"grade": "初一年级", "subjects": {"语文(文科)": "张三"}}


def test_a_repeated_subject_header_is_refused():
    data = xlsx([["年级", "语文", "语 文"], ["初一年级", "张三", "李四"]])

    with pytest.raises(BadFile, match="语 文"):
        list(read_rows(data, get_kind("prep-leaders").columns, **LIMITS))


def test_prep_leader_rows():
    ok, ambiguous, unknown, bad_subject, repeat, blank = check(
        "prep-leaders",
        {"grade": "初一", "subjects": {"语文(文科)": "张三", "数学": "王五（数学组）"}},
        {"grade": "初二年级", "subjects": {"语文": "王五"}},
        {"grade": "高一年级", "subjects": {"语文": "张三"}},
        {"grade": "初一年级", "subjects": {"物理": "张三"}},
        {"grade": "初二", "subjects": {"物理": "赵六, 张三"}},
        {"grade": "初一年级", "subjects": {}},
    )

    assert ok.status == "ok"
    assert [(c["subject"], [n["teacher_id"] for n in c["names"]])
            for c in ok.data["cells"]] == [("语文", ["t-zhang"]),
                                           ("数学", ["t-wang-2"])]
    assert ambiguous.status == "warning"
    assert [i["kind"] for i in ambiguous.data["issues"]] == ["ambiguous"]
    assert unknown.status == "error" and "高一年级" in unknown.messages[0]
    assert bad_subject.status == "error"
    assert "初一年级没有“物理”" in " ".join(bad_subject.messages)
    assert repeat.status == "error" and "第3行" in repeat.messages[0]
    assert blank.status == "error" and "第2行" in blank.messages[0]


def test_a_grade_row_without_names_changes_nothing_and_says_so():
    [row] = check("prep-leaders", {"grade": "初二年级", "subjects": {}})

    assert row.status == "warning" and "不做修改" in row.messages[0]
    assert row.data["cells"] == []


def test_assignment_rows():
    ok, virtual, missing, two_heads, disabled = check(
        "assignments",
        {"grade": "初一年级", "class_number": "(1)班", "virtual": "不是",
         "head_teacher": "张三", "subjects": {"语文": "张三,王五（语文组）"}},
        {"grade": "初一年级", "class_number": "2", "virtual": "否",
         "head_teacher": None, "subjects": {}},
        {"grade": "初一年级", "class_number": "3", "virtual": None,
         "head_teacher": "张三", "subjects": {}},
        {"grade": "初一年级", "class_number": "1", "virtual": None,
         "head_teacher": "张三,王五", "subjects": {}},
        {"grade": "初二年级", "class_number": "1", "virtual": None,
         "head_teacher": "赵六", "subjects": {}},
    )

    assert ok.status == "ok"
    assert [c["column"] for c in ok.data["cells"]] == ["班主任", "语文"]
    assert virtual.status == "warning" and "是虚拟班" in virtual.messages[0]
    assert missing.status == "error" and "(3)班" in missing.messages[0]
    assert two_heads.status == "error"
    assert "班主任只能填写1位教师" in " ".join(two_heads.messages)
    assert disabled.status == "error" and "初二年级(1)班" in disabled.messages[0]


@pytest.mark.parametrize("values, message", [
    ({"kid": "12ab", "grade": "初一年级", "student_number": "01"}, "kid应为数字"),
    ({"kid": None, "grade": "初一年级", "student_number": "01"}, "kid不能为空"),
    ({"kid": "18000001", "grade": "高一年级", "student_number": "01"}, "高一年级"),
    ({"kid": "18000001", "grade": "初一年级", "student_number": None}, "学号"),
    ({"kid": "18000001", "grade": "初一年级", "class_number": "一班",
      "student_number": "01"}, "班号"),
])
def test_student_update_rows_refused(values, message):
    [row] = check("students-update", {"name": None, "class_number": None} | values)

    assert row.status == "error"
    assert message in " ".join(row.messages)


def test_student_update_repeats_are_named_against_the_first_row():
    first, same_kid, same_seat, unplaced = check(
        "students-update",
        {"kid": "18000001", "name": "甲", "grade": "初一年级", "class_number": "(1)班",
         "student_number": "01"},
        {"kid": "18000001", "name": "甲", "grade": "初一年级", "class_number": "2",
         "student_number": "01"},
        {"kid": "18000002", "name": "乙", "grade": "初一", "class_number": "1",
         "student_number": "01"},
        {"kid": "18000003", "name": "丙", "grade": "初一年级", "class_number": None,
         "student_number": "01"},
    )

    assert first.status == "ok" and first.data["class_number"] == 1
    assert "kid相同" in same_kid.messages[0]
    assert "同一班级的学号相同" in same_seat.messages[0]
    assert unplaced.status == "ok" and unplaced.data["class_number"] is None


def mainland_id(body: str = "11010520100101001") -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(digit) * weight for digit, weight in zip(body, weights))
    return body + "10X98765432"[total % 11]


def test_id_completion_rows():
    number = mainland_id()
    ok, blank, bad, repeat = check(
        "students-id-completion",
        {"kid": "18000001", "name": None, "id_type": None, "id_number": number},
        {"kid": "18000002", "name": None, "id_type": None, "id_number": None},
        {"kid": "18000003", "name": None, "id_type": None, "id_number": "123"},
        {"kid": "18000004", "name": None, "id_type": "中国大陆居民身份证",
         "id_number": number.lower()},
    )

    assert ok.status == "ok" and ok.data["id_type"] == "中国大陆居民身份证"
    assert blank.status == "error" and "不能为空" in blank.messages[0]
    assert bad.status == "error"
    assert repeat.status == "error" and "第2行" in repeat.messages[0]


def _job_rows():
    [ambiguous, unknown] = check(
        "prep-leaders",
        {"grade": "初一年级", "subjects": {"语文": "王五,张三"}},
        {"grade": "初二年级", "subjects": {"语文": "王五", "物理": "查无此人"}},
    )
    return {o.row: {"row": o.row, "status": o.status, "messages": o.messages,
                    "data": o.data} for o in (ambiguous, unknown)}


def choice(name, teacher_id, row=None, column=None):
    return SimpleNamespace(row=row, column=column, name=name, teacher_id=teacher_id)


def test_a_choice_without_a_row_settles_every_row_with_the_name():
    rows = _job_rows()

    settled = settle(rows, [choice("王五", "t-wang-1")], [])

    assert sorted(settled.rows) == [2, 3]
    assert rows[2]["status"] == "ok"
    assert rows[2]["data"]["cells"][0]["names"][0]["teacher_id"] == "t-wang-1"
    assert rows[3]["status"] == "warning" and "查无此人" in rows[3]["messages"][0]


@pytest.mark.parametrize("choices, left_out", [
    ([choice("王五", "t-zhang", row=2)], []),
    ([choice("查无此人", "t-zhang", row=3)], []),
    ([choice("王五", None, row=2, column="数学")], []),
    ([choice("王五", None, row=7)], []),
    ([], [9]),
])
def test_choices_that_cannot_apply_are_refused(choices, left_out):
    with pytest.raises(InvalidInput):
        settle(_job_rows(), choices, left_out)


def test_a_row_left_out_becomes_an_error_once():
    rows = _job_rows()

    settle(rows, [], [2, 2])
    settle(rows, [], [2])

    assert rows[2]["status"] == "error"
    assert rows[2]["messages"].count(LEFT_OUT) == 1
