"""Imports that change current students by kid: class and number, ID numbers.

The importer checks a file's rows with a probe (what roster holds for each row)
and lands them in batches that are safe to send again.
"""

from uuid import UUID

from pydantic import BaseModel, Field

from shared.contracts.roster.common import Strict

MAX_ROWS = 10_000


class SeatRow(BaseModel):
    """Where a row of a student update puts the student: a class of the grade by
    number, or none (class_number null), with this student number."""

    row: int
    kid: int
    grade: int = Field(ge=1, le=12)
    class_number: int | None = Field(None, ge=1, le=999)
    student_number: str = Field(min_length=1, max_length=32)


class SeatProbe(BaseModel):
    rows: list[SeatRow] = Field(max_length=MAX_ROWS)


class SeatFinding(BaseModel):
    """What roster holds for a row: the student (absent when the kid is no current
    student of the school), where they sit, whether the class exists, and who
    holds the row's student number there (`taken` says it in words)."""

    row: int
    found: bool
    name: str | None = None
    grade: int | None = None
    class_number: int | None = None
    student_number: str | None = None
    class_exists: bool = True
    holder_kid: int | None = None
    taken: str | None = None


class SeatMove(SeatRow):
    """A row to land; `displaces` are kids holding its seat now whose own rows of
    the same file move them elsewhere: they give the number up first."""

    displaces: list[int] = Field(default=[], max_length=10)


class SeatBatch(BaseModel):
    job_id: UUID
    rows: list[SeatMove] = Field(max_length=MAX_ROWS)


class DocumentRow(BaseModel):
    row: int
    kid: int
    id_type: str = Field(min_length=1, max_length=30)
    id_number: str = Field(min_length=1, max_length=40)


class DocumentProbe(BaseModel):
    rows: list[DocumentRow] = Field(max_length=MAX_ROWS)


class DocumentFinding(BaseModel):
    """What roster holds for a row of an ID-number completion: the student, whether
    they have this or another ID number already, their gender, and the school
    whose current student holds the number (`held`, the message to show)."""

    row: int
    found: bool
    name: str | None = None
    gender: str | None = None
    same: bool = False
    has_other: bool = False
    held: str | None = None


class DocumentBatch(BaseModel):
    job_id: UUID
    rows: list[DocumentRow] = Field(max_length=MAX_ROWS)


class MissingIdQuery(Strict):
    """Keyset pages by kid of the current students without an ID number."""

    after_kid: int = 0
    limit: int = Field(1000, ge=1, le=5000)
