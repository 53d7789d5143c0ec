"""Requests and replies of the notify service."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from shared.contracts.common import PageQuery

MessageState = Literal["queued", "sent", "failed", "dead"]


class MessageQuery(PageQuery):
    state: MessageState | None = Field(None, title="状态")


class Message(BaseModel):
    id: UUID
    channel: Literal["sms", "email"]
    recipient: str
    template: str
    state: MessageState
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class MessagePage(BaseModel):
    items: list[Message]
    total: int
