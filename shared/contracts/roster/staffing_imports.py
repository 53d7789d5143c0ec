"""Staffing imports: what the importer needs of a school, and the batches it lands.

Teachers are named by id here: the importer matched the names of the file (with
the admin's choices for same-name teachers) before a batch is sent.
"""

from uuid import UUID

from pydantic import BaseModel, Field

from shared.contracts.roster.common import Strict
from shared.contracts.roster.staffing import MAX_STAFF

MAX_ROWS = 2_000


class TeacherPageQuery(Strict):
    """Keyset pages by kid of every teacher of the school, enabled or not."""

    after_kid: int = 0
    limit: int = Field(1000, ge=1, le=5000)


class MatchableTeacher(BaseModel):
    id: UUID
    kid: int
    name: str
    remark: str | None
    status: str


class GradeSubjectNames(BaseModel):
    grade: int
    grade_name: str
    subjects: list[str]


class StaffedClass(BaseModel):
    id: UUID
    grade: int
    grade_name: str
    number: int
    name: str
    virtual: bool


class StaffingLayout(BaseModel):
    """The school's grades with their subjects, and its administrative classes."""

    grades: list[GradeSubjectNames]
    classes: list[StaffedClass]


class SubjectStaff(BaseModel):
    subject: str = Field(min_length=1, max_length=50)
    teacher_ids: list[UUID] = Field(min_length=1, max_length=MAX_STAFF)


class PrepLeaderRow(BaseModel):
    row: int
    grade: int = Field(ge=1, le=12)
    subjects: list[SubjectStaff] = Field(max_length=200)


class PrepLeaderBatch(BaseModel):
    job_id: UUID
    rows: list[PrepLeaderRow] = Field(max_length=MAX_ROWS)


class AssignmentRow(BaseModel):
    """A class's row: its head teacher (null leaves it as it is) and subjects."""

    row: int
    grade: int = Field(ge=1, le=12)
    class_number: int = Field(ge=1, le=999)
    head_teacher_id: UUID | None = None
    subjects: list[SubjectStaff] = Field(max_length=200)


class AssignmentBatch(BaseModel):
    job_id: UUID
    rows: list[AssignmentRow] = Field(max_length=MAX_ROWS)
