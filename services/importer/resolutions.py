"""The admin settling the teacher names of a staffing import before confirming it.

A choice names a row (or every row, when left out), a column (or every column)
and a name as the file wrote it, and picks one of the name's candidates, or none
to drop the name. A name no teacher has can only be dropped. A row can also be
left out whole: it becomes an error saying so and is not imported. Choices are
checked all together first: one that cannot apply changes nothing.
"""

from dataclasses import dataclass

from shared.errors import InvalidInput

from services.importer.kinds.names import AMBIGUOUS, restate

LEFT_OUT = "已选择不导入这一行"


@dataclass
class Settled:
    """The rows a request changed, and its log entries (row, column, name, id)."""

    rows: dict[int, dict]
    log: list[tuple]


def settle(rows: dict[int, dict], choices, left_out: list[int]) -> Settled:
    """Apply the choices and left-out rows to `rows` (sheet row → row dict with
    status, messages and data), in place; InvalidInput when one cannot apply."""
    settled = Settled({}, [])
    for choice in choices:
        for row, issue in _targets(rows, choice):
            _choose(row, issue, choice.teacher_id)
            settled.rows[row["row"]] = row
            settled.log.append((row["row"], issue["column"], issue["name"],
                                choice.teacher_id))
    for number in dict.fromkeys(left_out):
        row = _row(rows, number)
        _leave_out(row)
        settled.rows[number] = row
        settled.log.append((number, None, None, None))
    for row in settled.rows.values():
        if row["status"] != "error":
            row["status"], row["messages"] = restate(row["data"])
    return settled


def _row(rows: dict[int, dict], number: int) -> dict:
    if number not in rows:
        raise InvalidInput(f"第{number}行不在这个导入任务里，请核对行号")
    return rows[number]


def _targets(rows: dict[int, dict], choice) -> list[tuple[dict, dict]]:
    if choice.row is not None:
        row = _row(rows, choice.row)
        if row["status"] == "error":
            raise InvalidInput(f"第{choice.row}行有错误，不会导入，不需要选择教师")
        candidates = [row]
    else:
        candidates = [row for row in rows.values() if row["status"] != "error"]

    found = [(row, issue) for row in candidates
             for issue in row["data"].get("issues", ())
             if issue["name"] == choice.name
             and choice.column in (None, issue["column"])]
    if not found:
        where = f"第{choice.row}行" if choice.row is not None else "文件中"
        column = f"“{choice.column}”列" if choice.column else ""
        raise InvalidInput(f"{where}{column}没有需要处理的教师“{choice.name}”")
    return found


def _choose(row: dict, issue: dict, teacher_id) -> None:
    if teacher_id is not None:
        if issue["kind"] != AMBIGUOUS:
            raise InvalidInput(f"没有找到教师“{issue['name']}”，只能移除这个名字")
        if str(teacher_id) not in {c["id"] for c in issue["candidates"]}:
            raise InvalidInput(f"所选教师不是“{issue['name']}”的同名教师之一，"
                               "请从候选教师中选择")
    chosen = str(teacher_id) if teacher_id is not None else None
    issue["resolved"], issue["teacher_id"] = True, chosen
    for cell in row["data"]["cells"]:
        if cell["column"] == issue["column"]:
            for entry in cell["names"]:
                if entry["name"] == issue["name"]:
                    entry["teacher_id"] = chosen


def _leave_out(row: dict) -> None:
    if LEFT_OUT not in row["messages"]:
        row["messages"] = [*row["messages"], LEFT_OUT]
    row["status"] = "error"
