"""Requests and replies of the importer service."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

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
    created_at: datetime
    finished_at: datetime | None = None


class JobRow(BaseModel):
    row: int
    status: RowStatus
    messages: list[str]
    data: dict
    kid: int | None = None


class FileOut(BaseModel):
    filename: str
    content_b64: str
