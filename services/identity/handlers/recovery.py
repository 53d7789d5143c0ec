"""Password recovery by verified phone or e-mail: code, then a new password.

Every start answers the same, with a recovery id, whether or not the login names an
account: a code is issued either way (the recipient's sending limits count it, so
that a 429 tells nothing either) but sent only when the account exists, and the
work done (an argon2 hash, two rows) is the same. A recovery without an account
never verifies. A new password ends every session of the account.
"""

from datetime import timedelta

from shared.contracts.common import Caller
from shared.contracts.identity import (
    RecoveryCode,
    RecoveryPassword,
    RecoveryStartIn,
    RecoveryView,
)
from shared.errors import Conflict, InvalidInput, NotFound
from shared.logging import get_logger
from shared.service import rpc
from shared.validators.phones import mask_phone, normalise_phone
from shared.validators.text import InvalidValue

from services.identity.audit import actor_of, record_school_changes, school_change
from services.identity.codes import Delivery
from services.identity.passwords import check_password_rule
from services.identity.storage import accounts, recoveries, sessions

log = get_logger("identity.recovery")

RECOVERY_TTL = timedelta(minutes=30)
GONE = "找回密码已过期或不存在，请重新开始"
BAD_LOGIN = "请输入已绑定的手机号或邮箱地址"
NEXT = {"code_sent": "verify", "verified": "password", "done": None}


def recovery_view(row, *, resend_in: int | None = None) -> RecoveryView:
    return RecoveryView(id=row["id"], step=row["step"], next_step=NEXT[row["step"]],
                        sent_to=_masked(row["recipient"], row["channel"]),
                        resend_in=resend_in, expires_at=row["expires_at"])


def _masked(recipient: str, channel: str) -> str:
    if channel == "sms":
        return mask_phone(recipient)
    user, _, domain = recipient.partition("@")
    return f"{user[:1]}***@{domain}"


def _recipient(login: str) -> tuple[str, str]:
    """(recipient, channel) of a phone or e-mail; bad input when it is neither."""
    login = login.strip()
    if "@" in login:
        user, _, domain = login.partition("@")
        if not user or "." not in domain or " " in login:
            raise InvalidInput(BAD_LOGIN)
        return login.lower(), "email"
    try:
        return normalise_phone(login), "sms"
    except InvalidValue:
        raise InvalidInput(BAD_LOGIN) from None


class RecoveryHandlers:
    @rpc(model=RecoveryStartIn)
    async def start_recovery(self, params: RecoveryStartIn,
                             caller: Caller) -> RecoveryView:
        """A recovery and a code for the login; the same answer with or without an
        account behind it."""
        recipient, channel = _recipient(params.login)
        async with self.pool.acquire() as connection, connection.transaction():
            account = await recoveries.recoverable_account(
                connection, phone=recipient if channel == "sms" else None,
                email=recipient if channel == "email" else None,
            )
            row = await recoveries.insert_recovery(
                connection, account_id=account["id"] if account else None,
                recipient=recipient, channel=channel, ttl=RECOVERY_TTL,
            )
            resend_in = await self.codes.issue(
                connection, Delivery(recipient, channel, "recovery_code",
                                     deliver=account is not None),
                purpose="recovery", subject_id=row["id"],
            )
        log.info("recovery_started", recovery_id=str(row["id"]), channel=channel)
        return recovery_view(row, resend_in=resend_in)

    @rpc(model=RecoveryCode)
    async def recovery_verify(self, params: RecoveryCode,
                              caller: Caller) -> RecoveryView:
        async with self.pool.acquire() as connection, connection.transaction():
            recovery = await _live(connection, params.recovery_id)
            if recovery["step"] != "code_sent":
                raise Conflict(_out_of_order(recovery))
            refusal = await self.codes.check(connection, recovery["id"], params.code)
            if refusal is None:
                row = await recoveries.set_step(connection, recovery["id"],
                                                "verified")
        if refusal is not None:
            raise refusal
        return recovery_view(row)

    @rpc(model=RecoveryPassword)
    async def recovery_password(self, params: RecoveryPassword,
                                caller: Caller) -> RecoveryView:
        """The new password; every session of the account ends."""
        async with self.pool.acquire() as connection:
            recovery = await _live(connection, params.recovery_id, lock=False)
        if recovery["step"] != "verified":
            raise Conflict(_out_of_order(recovery))
        check_password_rule(params.password)
        password_hash = await self.passwords.hash(params.password)

        async with self.pool.acquire() as connection, connection.transaction():
            recovery = await _live(connection, params.recovery_id)
            if recovery["step"] != "verified":
                raise Conflict(_out_of_order(recovery))
            account = await accounts.account(connection, recovery["account_id"],
                                             for_update=True)
            await accounts.set_password(connection, account["id"], password_hash)
            ended = await sessions.revoke_sessions(connection, account["id"],
                                                   "password_reset")
            row = await recoveries.set_step(connection, recovery["id"], "done")
            if account["school_id"] is not None:
                await record_school_changes(connection, [school_change(
                    actor_of(account), account["school_id"], action="password_reset",
                    target_kind=f"{account['kind']}_account", target_id=account["kid"],
                )])
        log.info("password_reset", account_id=str(account["id"]), sessions_ended=ended)
        return recovery_view(row)


async def _live(connection, recovery_id, *, lock: bool = True):
    row = await recoveries.live_recovery(connection, recovery_id, lock=lock)
    if row is None:
        raise NotFound(GONE)
    return row


def _out_of_order(recovery) -> str:
    if recovery["step"] == "done":
        return "密码已重置，请用新密码登录"
    if recovery["step"] == "verified":
        return "验证码已验证，请直接设置新密码"
    return "请先输入收到的验证码"
