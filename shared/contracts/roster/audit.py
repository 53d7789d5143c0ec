"""The audit trail: who changed what in a school, when, with before and after."""

import re
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.contracts.common import PageQuery
from shared.contracts.roster.common import CleanText

__all__ = ["AuditActor", "AuditEntry", "AuditPage", "AuditQuery"]

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_FORMAT = "应写成 2026-09-01 这样的日期（年-月-日）"


def _day(value: str | None, label: str) -> str | None:
    if value in (None, ""):
        return None
    if _DAY.match(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValueError(f"{label}{DATE_FORMAT}")


class AuditQuery(CleanText, PageQuery):
    """Filters of the audit list; `from` and `to` are whole days, both included."""

    model_config = ConfigDict(populate_by_name=True, str_strip_whitespace=True)

    kind: str | None = Field(None, max_length=40, title="对象类型")
    action: str | None = Field(None, max_length=40, title="操作")
    from_: str | None = Field(None, alias="from", title="开始日期")
    to: str | None = Field(None, title="结束日期")

    @field_validator("from_")
    @classmethod
    def _from(cls, value: str | None) -> str | None:
        return _day(value, "开始日期")

    @field_validator("to")
    @classmethod
    def _to(cls, value: str | None) -> str | None:
        return _day(value, "结束日期")

    @field_validator("kind", "action")
    @classmethod
    def _blank_is_absent(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _ordered(self) -> "AuditQuery":
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError("开始日期不能晚于结束日期")
        return self


class AuditActor(BaseModel):
    account_id: UUID | None
    kid: int | None
    kind: str | None
    name: str | None = None


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: AuditActor
    action: str
    target_kind: str
    target_id: str | None
    before: Any
    after: Any


class AuditPage(BaseModel):
    items: list[AuditEntry]
    total: int
