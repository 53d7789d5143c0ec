"""The declarative description of an import kind: its columns and its row checks.

A kind says which columns its template has (in the manual's words), which of them a
file must have, and how to make a validator: a fresh, stateful object per import
job that checks the rows in sheet order and remembers what it has seen, so a person
repeated further down the file is caught.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple, Protocol

from services.importer.sheets.headers import header_key

if TYPE_CHECKING:
    from services.importer.sheets.reader import SheetRow

ColumnKind = Literal["text", "choice", "id_number", "phone", "rest"]
Status = Literal["ok", "warning", "error"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a template.

    `required` columns must be in the file and filled in on every row. `kind`
    decides how the reader hands over cells Excel typed as numbers: as text, except
    for ID numbers, which stay numbers so the check can tell the digits were lost.
    `choices` become a drop-down list in the template. A "rest" column, at most
    one per kind, has no header of its own: it takes every further headed column
    of the file (one per subject, say) as a dict of filled cells by header.
    """

    field: str
    header: str
    required: bool = False
    kind: ColumnKind = "text"
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    width: int = 14

    @property
    def short_header(self) -> str:
        """The header without its parenthesised explanation: 证件类型."""
        return self.header.replace("（", "(").split("(")[0].strip()

    @property
    def header_keys(self) -> tuple[str, ...]:
        """Matching keys of the header, the short one first (see sheets.headers)."""
        spellings = (self.short_header, self.header, *self.aliases)
        return tuple(dict.fromkeys(header_key(text) for text in spellings))


class RowOutcome(NamedTuple):
    """What one sheet row comes to: its status, Chinese messages, normalised data."""

    row: int
    status: Status
    messages: list[str]
    data: dict[str, object]


class RowValidator(Protocol):
    def check(self, row: SheetRow) -> RowOutcome:
        """Check one row; rows must come in sheet order, each once."""


@dataclass(frozen=True)
class ImportKind:
    """An import the admin can download a template for and upload."""

    name: str
    title: str
    columns: tuple[Column, ...]
    validator_factory: Callable[..., RowValidator]

    @property
    def template_filename(self) -> str:
        return f"{self.title}模板.xlsx"

    def new_validator(self, **context: object) -> RowValidator:
        """A validator for one job; never share one between two files.

        `context` is what the job knows about the school (for students, `grades`);
        a kind ignores what it does not use.
        """
        return self.validator_factory(**context)
