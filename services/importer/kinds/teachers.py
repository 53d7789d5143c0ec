"""New teachers: the 教师管理 → 添加教师 → 表格导入 → 新增导入 template.

Name and gender are required, as on the manual's form; phone and ID number are
optional but checked when given. A person repeated in the file (same ID number) is
an error naming the earlier row. Two teachers with the same name and remark, or the
same phone, are warnings: later imports find teachers by name, so same-name
teachers should be told apart by a remark or a digit after the name (张三1).
"""

from services.importer.kinds.base import Column, ImportKind, RowOutcome
from services.importer.kinds.checks import (
    ID_TYPE_HEADER,
    Findings,
    IdDocuments,
    Memo,
    repeat_message,
)
from services.importer.sheets.reader import SheetRow
from shared.validators import (
    GENDERS,
    ID_TYPES,
    clean_person_name,
    limited_text,
    normalise_gender,
    normalise_phone,
)

REMARK_MAX = 20

COLUMNS = (
    Column("name", "姓名", required=True, width=12),
    Column("gender", "性别", required=True, kind="choice", choices=GENDERS, width=8),
    Column("phone", "手机号码", kind="phone", aliases=("手机号", "手机"), width=16),
    Column("id_number", "证件号码", kind="id_number",
           aliases=("身份证号码", "身份证号"), width=22),
    Column("id_type", ID_TYPE_HEADER, kind="choice", choices=ID_TYPES, width=36),
    Column("remark", "备注", width=16),
)


def _remark(raw: object) -> str | None:
    return limited_text(raw, label="备注", max_length=REMARK_MAX)


class TeacherValidator:
    """Checks the rows of one teachers file in sheet order."""

    def __init__(self, **_context: object) -> None:
        self._genders = Memo(normalise_gender)
        self._documents = IdDocuments()
        self._ids: dict[str, int] = {}
        self._names: dict[tuple[str, str | None], int] = {}
        self._phones: dict[str, int] = {}

    def check(self, row: SheetRow) -> RowOutcome:
        values = row.values
        found = Findings()
        name = found.take(clean_person_name, values.get("name"))
        gender = self._genders.take(found, values.get("gender"))
        phone = found.optional(normalise_phone, values.get("phone"))
        remark = found.take(_remark, values.get("remark"))
        id_type, id_number = self._documents.check(
            found, values.get("id_type"), values.get("id_number"), gender
        )

        self._check_repeats(row.row, found, name, remark, phone, id_number)
        data = {"name": name, "gender": gender, "phone": phone, "id_type": id_type,
                "id_number": id_number, "remark": remark}
        return found.outcome(row.row, data)

    def _check_repeats(
        self,
        row: int,
        found: Findings,
        name: str | None,
        remark: str | None,
        phone: str | None,
        id_number: str | None,
    ) -> None:
        if id_number is not None and id_number in self._ids:
            # The same person again: the other warnings would only repeat it.
            found.errors.append(repeat_message(self._ids[id_number], "证件号码相同"))
            return
        if name is not None and (name, remark) in self._names:
            found.warnings.append(
                f"与第{self._names[name, remark]}行同名，请在备注中注明区别，"
                f"或在姓名后加数字（如{name}1）"
            )
        if phone is not None and phone in self._phones:
            found.warnings.append(f"手机号码与第{self._phones[phone]}行相同，请核对")

        if not found.errors:
            self._remember(row, name, remark, phone, id_number)

    def _remember(
        self, row: int, name: str, remark: str | None, phone: str | None, id_number
    ) -> None:
        # Only rows that will be imported count: if the first of two copies is
        # refused for another reason, the second one is the teacher to keep.
        if id_number is not None:
            self._ids[id_number] = row
        self._names.setdefault((name, remark), row)
        if phone is not None:
            self._phones.setdefault(phone, row)


TEACHERS = ImportKind(
    name="teachers",
    title="新增教师",
    columns=COLUMNS,
    validator_factory=TeacherValidator,
)
