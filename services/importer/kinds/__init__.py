"""Import kinds: what each template holds and how its rows are checked."""

from services.importer.kinds.base import (
    Column,
    ImportKind,
    RowOutcome,
    RowValidator,
)
from services.importer.kinds.staffing import ASSIGNMENTS, PREP_LEADERS
from services.importer.kinds.student_updates import (
    STUDENTS_ID_COMPLETION,
    STUDENTS_UPDATE,
)
from services.importer.kinds.students import STUDENTS
from services.importer.kinds.teachers import TEACHERS
from shared.errors import NotFound

KINDS: dict[str, ImportKind] = {kind.name: kind for kind in (
    TEACHERS, STUDENTS, STUDENTS_UPDATE, STUDENTS_ID_COMPLETION, PREP_LEADERS,
    ASSIGNMENTS)}


def get_kind(name: str) -> ImportKind:
    """The import kind called `name`; NotFound for a kind this importer lacks."""
    try:
        return KINDS[name]
    except KeyError:
        raise NotFound(f"没有“{name}”这种导入模板") from None


__all__ = ["KINDS", "Column", "ImportKind", "RowOutcome", "RowValidator", "get_kind"]
