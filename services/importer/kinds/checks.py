"""The row checks the kinds share: collecting messages, ID documents, repeats."""

from collections.abc import Callable

from services.importer.kinds.base import RowOutcome
from shared.validators import (
    ID_TYPES,
    MAINLAND_ID,
    InvalidValue,
    check_id_number,
    normalise_id_type,
)

# The template header of the ID type column lists the choices, as the manual's does.
ID_TYPE_HEADER = f"证件类型({'、'.join(ID_TYPES)})"


class Findings:
    """The errors and warnings of one row, in the order the columns are checked."""

    __slots__ = ("errors", "warnings")

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def take(self, check: Callable[[object], object], raw: object) -> object:
        """check(raw), or None with the check's message noted as an error."""
        try:
            return check(raw)
        except InvalidValue as problem:
            self.errors.append(problem.message)
            return None

    def optional(self, check: Callable[[object], object], raw: object) -> object:
        """Like take, but a blank cell is simply None."""
        return None if raw is None else self.take(check, raw)

    def outcome(self, row: int, data: dict[str, object]) -> RowOutcome:
        if self.errors:
            return RowOutcome(row, "error", self.errors + self.warnings, data)
        if self.warnings:
            return RowOutcome(row, "warning", self.warnings, data)
        return RowOutcome(row, "ok", [], data)


class Memo:
    """A check that remembers its answer for each distinct raw value.

    For columns with a handful of distinct values (gender, grade, class, ID type)
    a dict lookup replaces the check on every row but the first of each value.
    """

    __slots__ = ("_check", "_passed", "_answers", "_limit")

    def __init__(self, check: Callable[[object], object], limit: int = 1024) -> None:
        self._check = check
        # Text and blank cells that passed, by raw value: the one lookup most rows
        # need. Other cells are keyed with their type, so True and 1 stay apart.
        self._passed: dict[str | None, object] = {}
        self._answers: dict[object, tuple[object, str | None]] = {}
        self._limit = limit

    def take(self, found: Findings, raw: object) -> object:
        """Like found.take(check, raw), answered from memory when it can be."""
        value = self._passed.get(raw) if raw is None or type(raw) is str else None
        if value is not None:
            return value

        value, error = self._answer(raw)
        if error is not None:
            found.errors.append(error)
        return value

    def _answer(self, raw: object) -> tuple[object, str | None]:
        key = raw if raw is None or type(raw) is str else (type(raw), raw)
        answer = self._answers.get(key)
        if answer is not None:
            return answer

        try:
            answer = (self._check(raw), None)
        except InvalidValue as problem:
            answer = (None, problem.message)
        if len(self._answers) < self._limit:
            self._answers[key] = answer
            if answer[0] is not None and key is raw:
                self._passed[raw] = answer[0]
        return answer


class IdDocuments:
    """Checks the ID type and number of each row of one file."""

    __slots__ = ("_types",)

    def __init__(self) -> None:
        self._types = Memo(normalise_id_type)

    def check(
        self, found: Findings, raw_type: object, raw_number: object, gender: object
    ) -> tuple[str, str | None]:
        """The row's ID type and normalised ID number (None when none was given).

        A blank type means a mainland ID card, the template's first choice. The
        sex digit of a mainland number disagreeing with the gender is only a
        warning: the gender column is as likely to be wrong as the number.
        """
        id_type = self._types.take(found, raw_type)
        if raw_type is not None and id_type is None:
            return MAINLAND_ID, None
        id_type = id_type or MAINLAND_ID
        if raw_number is None:
            return id_type, None

        result = check_id_number(id_type, raw_number)
        if result.error is not None:
            found.errors.append(result.error)
            return id_type, None
        if gender is not None and result.sex is not None and result.sex != gender:
            found.warnings.append(
                f"证件号码显示为{result.sex}性，与性别“{gender}”不一致，请核对"
            )
        return id_type, result.number


def repeat_message(earlier: int, what: str) -> str:
    """The message for a row repeating an earlier one: 与第29行重复（证件号码相同）."""
    return f"与第{earlier}行重复（{what}）"
