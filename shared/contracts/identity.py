"""Requests and replies of the identity service."""

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from shared.contracts.common import AccountKind

Realm = Literal["school", "platform"]


class LoginIn(BaseModel):
    login: str = Field(min_length=1, max_length=64, title="账号")
    password: str = Field(min_length=1, max_length=128, title="密码")


class LoginRequest(LoginIn):
    realm: Realm = "school"


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=200, title="刷新令牌")


class TokenIn(BaseModel):
    token: str = Field(min_length=10, max_length=200)


class AccountView(BaseModel):
    id: UUID
    kid: int | None
    kind: AccountKind
    name: str | None
    school_id: UUID | None
    permissions: list[str]
    must_change_password: bool = False


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int
    account: AccountView


class SchoolAccountIn(BaseModel):
    """An active school account made with a known phone and password (school admins)."""

    kid: int
    person_id: UUID
    school_id: UUID
    kind: AccountKind = "teacher"
    name: str
    phone: str
    password: str
    permissions: list[str] = []


class OperatorIn(BaseModel):
    login: str = Field(min_length=3, max_length=64)
    password: str
    name: str = "平台管理员"
