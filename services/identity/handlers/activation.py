"""Activation by kid: teachers, students and parents, one step at a time.

An activation is a record with a random id, alive 30 minutes, whose steps come in
order; a step out of order is a 409 naming the step expected.

- teacher: start (kid + real name) → phone (a code by SMS) → verify → password:
  the account is active and the phone its login name.
- student: start (kid + name + "I am the student") → password: logs in with kid.
- parent: start (the student's kid + name + relation) → phone → verify →
  password: a parent account logging in by phone, linked to the student. When the
  phone already logs in a parent account, the password step takes that account's
  password and links the child to it instead.

A kid and name that do not match answer the same 422 whatever was wrong, so kids
cannot be probed.
"""

from datetime import timedelta

import asyncpg

from shared.contracts.common import Caller
from shared.contracts.identity import (
    ActivationCode,
    ActivationPassword,
    ActivationPhone,
    ActivationStartIn,
    ActivationView,
)
from shared.errors import Conflict, InvalidInput, NotFound
from shared.logging import get_logger
from shared.service import rpc
from shared.validators.phones import mask_phone

from services.identity.audit import actor_of, record_school_changes, school_change
from services.identity.codes import Delivery
from services.identity.handlers.sessions import refuse_locked
from services.identity.passwords import check_password_rule
from services.identity.roster_queries import student_record
from services.identity.storage import accounts
from services.identity.storage import activations as storage
from services.identity.storage import parent_links

log = get_logger("identity.activation")

ACTIVATION_TTL = timedelta(minutes=30)
NO_MATCH = "kid号与姓名不匹配，请核对后重新输入"
GONE = "激活已过期或不存在，请重新开始激活"
ALREADY_ACTIVE = "该账号已激活，请直接登录"
PHONE_TAKEN = "该手机号已被其他账号用作登录名，请换一个手机号"
RELATIONS = {"father": "爸爸", "mother": "妈妈", "relative": "亲戚"}
STEP_NAMES = {"phone": "填写手机号获取验证码", "verify": "输入短信验证码",
              "password": "设置密码"}


def next_step(kind: str, step: str) -> str | None:
    if step == "done":
        return None
    if kind == "student":
        return "password"
    return {"started": "phone", "code_sent": "verify", "verified": "password"}[step]


def activation_view(row, *, resend_in: int | None = None,
                    login: str | None = None) -> ActivationView:
    return ActivationView(
        id=row["id"], kind=row["kind"], step=row["step"],
        next_step=next_step(row["kind"], row["step"]), expires_at=row["expires_at"],
        phone=mask_phone(row["phone"]) if row["phone"] else None,
        resend_in=resend_in, existing_account=(row["kind"] == "parent"
                                               and row["account_id"] is not None),
        login=login,
    )


def _same_name(account, typed: str) -> bool:
    return account is not None and " ".join((account["name"] or "").split()) == typed


def _in_step(activation, step: str) -> None:
    """Refuse a step the activation is not at (409, naming the step expected)."""
    if activation["step"] == "done":
        raise Conflict("激活已完成，请直接登录")
    allowed = {
        "phone": ("started", "code_sent"),
        "verify": ("code_sent",),
        "password": ("started",) if activation["kind"] == "student" else ("verified",),
    }[step]
    if activation["kind"] == "student" and step != "password":
        raise Conflict("学生激活不需要手机号，请直接设置密码")
    if activation["step"] not in allowed:
        expected = next_step(activation["kind"], activation["step"])
        raise Conflict(f"请按顺序完成激活，下一步是：{STEP_NAMES[expected]}")


class ActivationHandlers:
    @rpc(model=ActivationStartIn)
    async def start_activation(self, params: ActivationStartIn,
                               caller: Caller) -> ActivationView:
        """Begin with kid and name; the same 422 for any kid/name that do not match."""
        async with self.pool.acquire() as connection, connection.transaction():
            if params.kind == "parent":
                row = await _start_parent(connection, params)
            else:
                row = await _start_own(connection, params)
        log.info("activation_started", activation_id=str(row["id"]), kind=row["kind"])
        return activation_view(row)

    @rpc(model=ActivationPhone)
    async def activation_phone(self, params: ActivationPhone,
                               caller: Caller) -> ActivationView:
        """Send a code to the phone (again, to resend or to fix a mistyped number)."""
        async with self.pool.acquire() as connection, connection.transaction():
            activation = await _live(connection, params.activation_id)
            _in_step(activation, "phone")
            holder = await accounts.phone_holder(connection, params.phone)
            if holder is not None and not _may_take(activation, holder):
                raise Conflict(PHONE_TAKEN)

            resend_in = await self.codes.issue(
                connection, Delivery(params.phone, "sms", "verification_code"),
                purpose="activation", subject_id=activation["id"],
            )
            row = await storage.update_activation(
                connection, activation["id"], step="code_sent", phone=params.phone
            )
        return activation_view(row, resend_in=resend_in)

    @rpc(model=ActivationCode)
    async def activation_verify(self, params: ActivationCode,
                                caller: Caller) -> ActivationView:
        """Check the code; a wrong one counts against it even though it is refused."""
        async with self.pool.acquire() as connection, connection.transaction():
            activation = await _live(connection, params.activation_id)
            _in_step(activation, "verify")
            refusal = await self.codes.check(connection, activation["id"], params.code)
            if refusal is None:
                row = await _verified(connection, activation)
        if refusal is not None:
            raise refusal
        return activation_view(row)

    @rpc(model=ActivationPassword)
    async def activation_password(self, params: ActivationPassword,
                                  caller: Caller) -> ActivationView:
        """The last step: set the password (or, for a parent who has an account,
        confirm it), then the account is active or the child linked."""
        async with self.pool.acquire() as connection:
            activation = await _live(connection, params.activation_id, lock=False)
        _in_step(activation, "password")
        if activation["kind"] == "parent":
            return await self._finish_parent(activation, params.password)

        check_password_rule(params.password)
        password_hash = await self.passwords.hash(params.password)
        async with self.pool.acquire() as connection, connection.transaction():
            activation = await _live(connection, params.activation_id)
            _in_step(activation, "password")
            account = await accounts.account(connection, activation["account_id"])
            await _activate(connection, activation, password_hash)
            row = await storage.update_activation(connection, activation["id"],
                                                  step="done")
            await record_school_changes(connection, [school_change(
                actor_of(account), account["school_id"], action="activate",
                target_kind=f"{account['kind']}_account", target_id=account["kid"],
            )])
        log.info("account_activated", account_id=str(account["id"]),
                 kind=account["kind"])
        login = activation["phone"] if account["kind"] == "teacher" \
            else str(account["kid"])
        return activation_view(row, login=login)

    async def _finish_parent(self, activation, password: str) -> ActivationView:
        """Make the parent account (or confirm the existing one) and link the child."""
        async with self.pool.acquire() as connection:
            child = await accounts.account(connection,
                                           activation["student_account_id"])
        student = await student_record(self.bus, child["kid"])
        existing = activation["account_id"] is not None
        if existing:
            await self._confirm_password(activation["account_id"], password)
        else:
            check_password_rule(password)
            password_hash = await self.passwords.hash(password)

        async with self.pool.acquire() as connection, connection.transaction():
            activation = await _live(connection, activation["id"])
            _in_step(activation, "password")
            parent_id = activation["account_id"]
            if parent_id is None:
                parent_id = await _new_parent(connection, activation, student,
                                              password_hash)
            await parent_links.link(connection, parent_account_id=parent_id,
                                    student=student, relation=activation["relation"],
                                    made_by="activation")
            row = await storage.update_activation(connection, activation["id"],
                                                  step="done", account_id=parent_id)
            parent = await accounts.account(connection, parent_id)
            await record_school_changes(connection, [school_change(
                actor_of(parent), student["school_id"], action="parent_link",
                target_kind="student", target_id=student["student_id"],
                after={"relation": activation["relation"], "made_by": "activation"},
            )])
        log.info("parent_linked", account_id=str(parent_id), existing=existing)
        return activation_view(row, login=activation["phone"])

    async def _confirm_password(self, account_id, password: str) -> None:
        """The existing parent account's password, with its failed-login lock."""
        async with self.pool.acquire() as connection:
            account = await accounts.account(connection, account_id)
            refuse_locked(account)
            if account["status"] != "active":
                raise Conflict("该手机号的家长账号已停用，请联系平台客服")
            if not await self.passwords.verify(account["password_hash"], password):
                await accounts.record_failure(connection, account_id)
                raise InvalidInput("密码不正确：该手机号已有家长账号，"
                                   "请输入该账号的登录密码")
            await accounts.record_success(connection, account_id)


# --- steps of the entry points above -------------------------------------------


async def _start_own(connection, params: ActivationStartIn):
    """A teacher or student activating their own pending account."""
    account = await accounts.account_by_kid(connection, params.kid, params.kind)
    if not _same_name(account, params.name) or account["status"] == "deleted":
        raise InvalidInput(NO_MATCH)
    if account["status"] == "active":
        raise Conflict(ALREADY_ACTIVE)
    if account["status"] == "disabled":
        raise Conflict("该账号已停用，请联系学校管理员")
    return await storage.insert_activation(connection, kind=params.kind,
                                           ttl=ACTIVATION_TTL,
                                           account_id=account["id"])


async def _start_parent(connection, params: ActivationStartIn):
    """A parent naming a current student by kid and name."""
    student = await accounts.account_by_kid(connection, params.kid, "student")
    if not _same_name(student, params.student_name) \
            or student["status"] not in ("pending", "active"):
        raise InvalidInput(NO_MATCH)
    return await storage.insert_activation(
        connection, kind="parent", ttl=ACTIVATION_TTL,
        student_account_id=student["id"], relation=params.relation,
    )


async def _live(connection, activation_id, *, lock: bool = True):
    row = await storage.live_activation(connection, activation_id, lock=lock)
    if row is None:
        raise NotFound(GONE)
    return row


def _may_take(activation, holder) -> bool:
    """Whether a phone some account logs in with may serve this activation: the
    account's own, or for a parent, another parent account (the child joins it)."""
    if activation["kind"] == "parent":
        return holder["kind"] == "parent"
    return holder["id"] == activation["account_id"]


async def _verified(connection, activation):
    changes = {"step": "verified"}
    if activation["kind"] == "parent":
        holder = await accounts.phone_holder(connection, activation["phone"])
        if holder is not None and holder["kind"] == "parent":
            changes["account_id"] = holder["id"]
    return await storage.update_activation(connection, activation["id"], **changes)


async def _activate(connection, activation, password_hash: str) -> None:
    phone = activation["phone"] if activation["kind"] == "teacher" else None
    try:
        done = await storage.activate_account(connection, activation["account_id"],
                                              password_hash, phone)
    except asyncpg.UniqueViolationError:
        raise Conflict(PHONE_TAKEN) from None
    if not done:
        raise Conflict(ALREADY_ACTIVE)


async def _new_parent(connection, activation, student, password_hash: str):
    name = f"{student['name']}的{RELATIONS[activation['relation']]}"
    try:
        async with connection.transaction():
            return await storage.insert_parent_account(
                connection, name=name, phone=activation["phone"],
                password_hash=password_hash,
            )
    except asyncpg.UniqueViolationError:
        raise Conflict(PHONE_TAKEN) from None
