"""Teacher names in staffing spreadsheets: split, matched, and what is left to choose.

A cell holds one or more names separated by commas (ASCII or full-width) or 、.
Each name must be exactly one enabled teacher of the school. A name several
teachers share is "ambiguous" (red in the manual: the admin picks one of the
candidates); a name no enabled teacher has is "unknown" (blue: dropped). Same-name
teachers may be written with their remark, 张三（语文组）, which picks one at once.

A row keeps its cells and issues in its data: cells as
{"column", "subject", "names": [{"name", "teacher_id"}]} and issues as
{"column", "name", "kind", "candidates", "message", "resolved", "teacher_id"}; the
admin's choices change both (see resolve), and its status and messages follow.
"""

import re
from collections.abc import Iterable

from services.importer.kinds.base import RowOutcome
from services.importer.kinds.checks import Findings
from shared.validators import InvalidValue, clean_text

AMBIGUOUS, UNKNOWN = "ambiguous", "unknown"
HEAD_TEACHER = "班主任"
NOTHING_FILLED = "没有填写教师，这一行不做修改"

_SEPARATORS = re.compile(r"[,，、;；]")
_WITH_REMARK = re.compile(r"(.+?)\s*[(（]\s*(.+?)\s*[)）]")


def split_names(raw: object, *, label: str) -> list[str]:
    """The names of a cell in order, each once; spaces around them dropped."""
    text = clean_text(raw, label=label)
    if text is None:
        return []
    names = (" ".join(part.split()) for part in _SEPARATORS.split(text))
    return list(dict.fromkeys(name for name in names if name))


def summary(teacher: dict) -> dict:
    """A teacher as other records show them: {"id", "kid", "name", "remark"}."""
    return {"id": str(teacher["id"]), "kid": teacher["kid"], "name": teacher["name"],
            "remark": teacher["remark"]}


def who(teacher: dict) -> str:
    return (f"{teacher['name']}（{teacher['remark']}）" if teacher["remark"]
            else teacher["name"])


class TeacherDirectory:
    """The school's teachers by name, for matching the names of one file."""

    def __init__(self, teachers: Iterable[dict]) -> None:
        self._enabled: dict[str, list[dict]] = {}
        self._disabled: set[str] = set()
        for teacher in teachers:
            if teacher["status"] == "active":
                self._enabled.setdefault(teacher["name"], []).append(teacher)
            else:
                self._disabled.add(teacher["name"])

    def candidates(self, name: str) -> list[dict]:
        """The enabled teachers `name` may mean: by name, or by name and remark."""
        found = self._enabled.get(name)
        if found:
            return found
        written = _WITH_REMARK.fullmatch(name)
        if written is None:
            return []
        base, remark = written.groups()
        return [t for t in self._enabled.get(base, []) if t["remark"] == remark]

    def is_disabled(self, name: str) -> bool:
        return name in self._disabled


def read_cell(column: str, subject: str | None, raw: object,
              directory: TeacherDirectory, issues: list[dict],
              *, limit: int | None = None) -> dict | None:
    """The cell's names matched to teachers; what cannot be matched goes to issues.

    None for a blank cell. `limit` caps how many names the cell may hold (a class
    has one head teacher): more raise InvalidValue.
    """
    names = split_names(raw, label=column)
    if not names:
        return None
    if limit is not None and len(names) > limit:
        raise InvalidValue(f"{column}只能填写{limit}位教师，现在有{len(names)}位")

    entries = []
    for name in names:
        found = directory.candidates(name)
        teacher_id = str(found[0]["id"]) if len(found) == 1 else None
        entries.append({"name": name, "teacher_id": teacher_id})
        if len(found) != 1:
            issues.append(_issue(column, name, found, directory))
    return {"column": column, "subject": subject, "names": entries}


def _issue(column: str, name: str, found: list[dict],
           directory: TeacherDirectory) -> dict:
    if found:
        message = (f"{column}：“{name}”有{len(found)}位同名教师"
                   f"（{'、'.join(who(t) for t in found)}），请选择一位")
    elif directory.is_disabled(name):
        message = f"{column}：教师“{name}”已停用，确认导入时将略过"
    else:
        message = (f"{column}：没有找到教师“{name}”，确认导入时将略过"
                   "（可先在教师管理中添加，再重新导入）")
    return {"column": column, "name": name, "kind": AMBIGUOUS if found else UNKNOWN,
            "candidates": [summary(t) for t in found], "message": message,
            "resolved": False, "teacher_id": None}


def outcome(row: int, found: Findings, data: dict) -> RowOutcome:
    """A staffing row's outcome: errors refuse it; open issues and notes warn."""
    data["notes"] = list(found.warnings)
    if not found.errors and not data["cells"]:
        data["notes"].append(NOTHING_FILLED)
    if found.errors:
        return RowOutcome(row, "error", found.errors + found.warnings, data)
    status, messages = restate(data)
    return RowOutcome(row, status, messages, data)


def restate(data: dict) -> tuple[str, list[str]]:
    """The status and messages of a row that is not refused, from its data."""
    messages = data["notes"] + [issue["message"] for issue in data["issues"]
                                if not issue["resolved"]]
    return ("warning" if messages else "ok"), messages


def open_ambiguities(data: dict) -> list[dict]:
    """The row's names still waiting for the admin to pick a teacher."""
    return [issue for issue in data.get("issues", ())
            if issue["kind"] == AMBIGUOUS and not issue["resolved"]]


def chosen_ids(cell: dict) -> list[str]:
    """The teachers a cell names once its issues are settled; dropped names left out."""
    return list(dict.fromkeys(entry["teacher_id"] for entry in cell["names"]
                              if entry["teacher_id"] is not None))
