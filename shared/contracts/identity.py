"""Requests and replies of the identity service."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from shared.contracts.common import AccountKind
from shared.validators import phones
from shared.validators.text import clean_text

Realm = Literal["school", "platform"]
ActivationKind = Literal["teacher", "student", "parent"]
Relation = Literal["father", "mother", "relative"]
Scope = Literal["school", "grade", "class"]

KID_MAX = 999_999_999_999_999_999
NAME_MAX = 50
PASSWORD_MAX = 128


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LoginIn(BaseModel):
    login: str = Field(min_length=1, max_length=64, title="账号")
    password: str = Field(min_length=1, max_length=128, title="密码")


class LoginRequest(LoginIn):
    realm: Realm = "school"


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=200, title="刷新令牌")


class TokenIn(BaseModel):
    token: str = Field(min_length=10, max_length=200)


class LinkedChild(BaseModel):
    """A child a parent account is linked to."""

    kid: int
    name: str | None
    relation: Relation
    school_id: UUID


class AccountView(BaseModel):
    id: UUID
    kid: int | None
    kind: AccountKind
    name: str | None
    school_id: UUID | None
    permissions: list[str]
    must_change_password: bool = False
    # Parents only, and only in GET /me: the children linked to the account.
    children: list[LinkedChild] | None = None


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int
    account: AccountView


class AccountCheckIn(BaseModel):
    phone: str
    password: str


class PersonIds(BaseModel):
    person_ids: list[UUID] = Field(max_length=10_000)


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


# --- passwords ---------------------------------------------------------------------


class PasswordChangeIn(_Strict):
    old_password: str = Field(min_length=1, max_length=PASSWORD_MAX, title="原密码")
    new_password: str = Field(min_length=1, max_length=PASSWORD_MAX, title="新密码")


class PasswordChangeRequest(PasswordChangeIn):
    """The change, with the access token of the session that asks (it stays open)."""

    token: str = Field(min_length=10, max_length=200)


# --- activation --------------------------------------------------------------------


class ActivationStartIn(_Strict):
    """The first step: who is activating, by kid and name.

    teacher: kid + name; student: kid + name + i_am_the_student; parent: the
    student's kid + student_name + relation.
    """

    kind: ActivationKind = Field(title="激活身份")
    kid: StrictInt | str = Field(title="kid号")
    name: str | None = Field(None, max_length=NAME_MAX, title="姓名")
    student_name: str | None = Field(None, max_length=NAME_MAX, title="学生姓名")
    relation: Relation | None = Field(None, title="与学生的关系")
    i_am_the_student: bool = Field(False, title="我是学生")

    @model_validator(mode="after")
    def _fields_of_kind(self) -> "ActivationStartIn":
        self.kid = _kid(self.kid)
        self.name = clean_text(self.name, label="姓名")
        self.student_name = clean_text(self.student_name, label="学生姓名")
        if self.kind == "parent":
            if not self.student_name:
                raise ValueError("请填写学生的姓名")
            if self.relation is None:
                raise ValueError("请选择与学生的关系：father 爸爸、mother 妈妈或 "
                                 "relative 亲戚")
        elif not self.name:
            raise ValueError("请填写姓名")
        if self.kind == "student" and not self.i_am_the_student:
            raise ValueError("请确认“我是学生”后再激活学生账号")
        return self


def _kid(value: int | str) -> int:
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= KID_MAX:
        raise ValueError("kid号应为数字，请核对后重新输入")
    return int(text)


class ActivationPhoneIn(_Strict):
    phone: str = Field(max_length=32, title="手机号")

    @model_validator(mode="after")
    def _mobile(self) -> "ActivationPhoneIn":
        self.phone = phones.normalise_phone(self.phone, label="手机号")
        return self


class CodeIn(_Strict):
    code: str = Field(min_length=1, max_length=16, title="验证码")


class NewPasswordIn(_Strict):
    password: str = Field(min_length=1, max_length=PASSWORD_MAX, title="密码")


class ActivationRef(BaseModel):
    activation_id: UUID


class ActivationPhone(ActivationPhoneIn, ActivationRef):
    pass


class ActivationCode(CodeIn, ActivationRef):
    pass


class ActivationPassword(NewPasswordIn, ActivationRef):
    pass


class ActivationView(BaseModel):
    """Where an activation stands and what it asks for next."""

    id: UUID
    kind: ActivationKind
    step: Literal["started", "code_sent", "verified", "done"]
    # The step to send next: phone, verify, password; None once done.
    next_step: Literal["phone", "verify", "password"] | None
    expires_at: datetime
    phone: str | None = Field(None, description="masked")
    # Seconds until another code may be sent to the phone.
    resend_in: int | None = None
    # Parent: the phone already logs in a parent account, so the password step
    # takes that account's password and links the child to it.
    existing_account: bool = False
    # Once done: what the person logs in with (phone or kid).
    login: str | None = None


# --- recovery ----------------------------------------------------------------------


class RecoveryStartIn(_Strict):
    login: str = Field(min_length=1, max_length=254, title="手机号或邮箱")


class RecoveryRef(BaseModel):
    recovery_id: UUID


class RecoveryCode(CodeIn, RecoveryRef):
    pass


class RecoveryPassword(NewPasswordIn, RecoveryRef):
    pass


class RecoveryView(BaseModel):
    id: UUID
    step: Literal["code_sent", "verified", "done"]
    next_step: Literal["verify", "password"] | None
    # Where the code went, masked; the same whether or not an account exists.
    sent_to: str
    resend_in: int | None = None
    expires_at: datetime


# --- school admins' batch operations ---------------------------------------------


class ScopeIn(_Strict):
    """The students of the school, of a grade or of a class."""

    scope: Scope = Field(title="范围")
    grade: StrictInt | str | None = Field(None, title="年级")
    class_id: UUID | None = Field(None, title="班级")

    @model_validator(mode="after")
    def _scope_named(self) -> "ScopeIn":
        if self.scope == "grade" and self.grade in (None, ""):
            raise ValueError("按年级操作时请选择年级")
        if self.scope == "class" and self.class_id is None:
            raise ValueError("按班级操作时请选择班级")
        return self


class BatchActivationIn(ScopeIn):
    password: str = Field(min_length=1, max_length=PASSWORD_MAX, title="初始密码")


class ScopedStudent(BaseModel):
    """A current student of a scope, as roster tells identity."""

    student_id: UUID
    kid: int
    id_type: str
    id_number: str | None


class ScopedStudents(BaseModel):
    school_id: UUID
    items: list[ScopedStudent]


class StudentDocumentsIn(BaseModel):
    kids: list[int] = Field(min_length=1, max_length=1000)


class StudentDocument(ScopedStudent):
    school_id: UUID
    name: str
