"""Shapes every service shares: the caller of a request and list pages."""

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from shared.errors import Forbidden, Unauthenticated

AccountKind = Literal["operator", "teacher", "student", "parent"]
Gender = Literal["男", "女"]

ADMIN = "admin"
PERMISSIONS = ("leadership", "moral_education", ADMIN, "exam_affairs")


class Caller(BaseModel):
    """Who is asking, as the gateway authenticated them; empty for the system itself."""

    account_id: UUID | None = None
    kid: int | None = None
    kind: AccountKind | None = None
    school_id: UUID | None = None
    permissions: list[str] = []

    @property
    def is_operator(self) -> bool:
        return self.kind == "operator"

    def require_operator(self) -> None:
        if self.kind is None:
            raise Unauthenticated()
        if not self.is_operator:
            raise Forbidden("只有平台管理员可以进行此操作")

    def require_school_admin(self) -> UUID:
        """The caller's school, when the caller administers it."""
        if self.kind is None:
            raise Unauthenticated()
        if self.school_id is None or ADMIN not in self.permissions:
            raise Forbidden("只有学校管理员可以进行此操作")
        return self.school_id

    def require_school_member(self) -> UUID:
        if self.kind is None:
            raise Unauthenticated()
        if self.school_id is None:
            raise Forbidden("该账号不属于任何学校")
        return self.school_id


class PageQuery(BaseModel):
    page: int = Field(1, ge=1, le=100_000, title="页码")
    page_size: int = Field(20, ge=1, le=200, title="每页条数")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size
