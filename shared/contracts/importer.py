"""Requests and replies of the importer service."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.common import PageQuery

ImportKindName = Literal["teachers", "students", "students-update",
                         "students-id-completion", "prep-leaders", "assignments"]
JobState = Literal["queued", "parsing", "ready", "committing", "done", "failed"]
RowStatus = Literal["ok", "warning", "error"]


class KindRef(BaseModel):
    kind: ImportKindName = Field(title="导入类型")


class UploadIn(KindRef):
    filename: str = Field(max_length=255, title="文件名")
    content_b64: str
    all_or_nothing: bool = Field(False, title="全部成功才导入")


class JobRef(BaseModel):
    job_id: UUID


class RowsQuery(PageQuery, JobRef):
    status: RowStatus | None = Field(None, title="状态")
    page_size: int = Field(50, ge=1, le=500, title="每页条数")


class Progress(BaseModel):
    done: int
    total: int


class Summary(BaseModel):
    total: int
    ok: int
    warnings: int
    errors: int


class Job(BaseModel):
    id: UUID
    kind: ImportKindName
    state: JobState
    filename: str
    all_or_nothing: bool
    progress: Progress
    summary: Summary
    message: str | None = None
    unresolved: int = Field(0, title="同名教师待选择的行数")
    created_at: datetime
    finished_at: datetime | None = None


class Candidate(BaseModel):
    """A teacher a name may mean, told apart by kid and remark."""

    id: UUID
    kid: int
    name: str
    remark: str | None


class RowIssue(BaseModel):
    """A teacher name of a staffing row that matched several teachers ("ambiguous",
    shown red: pick one) or none ("unknown", shown blue: dropped on import).
    `resolved` once the admin chose; `teacher_id` is the choice (null: dropped)."""

    column: str
    name: str
    kind: Literal["ambiguous", "unknown"]
    candidates: list[Candidate]
    resolved: bool = False
    teacher_id: UUID | None = None


class JobRow(BaseModel):
    row: int
    status: RowStatus
    messages: list[str]
    data: dict
    kid: int | None = None
    issues: list[RowIssue] = []


class Resolution(BaseModel):
    """The admin's choice for a name: a teacher among its candidates, or null to
    drop the name. Without `row` it applies to every row with the name; without
    `column`, to every column of the row."""

    model_config = ConfigDict(extra="forbid")

    row: int | None = Field(None, ge=1, title="行号")
    column: str | None = Field(None, max_length=50, title="列")
    name: str = Field(min_length=1, max_length=50, title="姓名")
    teacher_id: UUID | None = Field(title="教师")


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolutions: list[Resolution] = Field([], max_length=5000, title="选择")
    skip_rows: list[int] = Field([], max_length=5000, title="不导入的行")


class ResolveRequest(ResolveIn, JobRef):
    pass


class Resolved(BaseModel):
    """The job after the choices, and the rows they changed."""

    job: Job
    items: list[JobRow]
    total: int


class FileOut(BaseModel):
    filename: str
    content_b64: str
