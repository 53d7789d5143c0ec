"""Verification codes, the one mechanism behind activation and recovery.

A code is 6 random digits, valid 5 minutes, dead after 5 wrong tries, and replaced
by a newer one for the same activation or recovery. A recipient (phone or e-mail)
gets a new code no sooner than 60 seconds after the last, and at most 5 an hour
and 10 a day, whatever asked for them. Codes are stored as argon2id hashes, so
even a copy of the table gives no live code within its five minutes; they are
never logged.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from shared.db.outbox import record_event
from shared.errors import DomainError, InvalidInput, Locked

from services.identity.passwords import Passwords
from services.identity.storage import codes as storage

CODE_TTL = timedelta(minutes=5)
WRONG_TRIES = 5
RESEND_AFTER = timedelta(seconds=60)
PER_HOUR = 5
PER_DAY = 10

CODE_GONE = "验证码已失效，请重新获取验证码"
CODE_EXPIRED = "验证码已过期（5分钟内有效），请重新获取验证码"
CODE_KILLED = "验证码错误次数过多，已失效，请重新获取验证码"


@dataclass
class Delivery:
    """Where a code goes and how: `deliver` false issues it without sending it
    (recovery for a login that names no account answers the same as one that does)."""

    recipient: str
    channel: str
    template: str
    deliver: bool = True


class VerificationCodes:
    def __init__(self, passwords: Passwords) -> None:
        self.passwords = passwords

    async def issue(self, connection, delivery: Delivery, *, purpose: str,
                    subject_id: UUID) -> int:
        """A new code for the subject, sent to the recipient; call in a transaction.

        Raises Locked (429) with when to try again once the recipient's limits are
        reached. Answers the seconds before another code may be asked for.
        """
        await storage.lock_recipient(connection, delivery.recipient)
        _refuse_over_limit(await storage.recent_issues(connection, delivery.recipient))

        code = f"{secrets.randbelow(10 ** 6):06d}"
        code_hash = await self.passwords.hash(code)
        await storage.retire(connection, subject_id)
        await storage.insert_code(
            connection, recipient=delivery.recipient, channel=delivery.channel,
            purpose=purpose, subject_id=subject_id, code_hash=code_hash, ttl=CODE_TTL,
        )
        if delivery.deliver:
            await record_event(connection, "notification.requested", {
                "channel": delivery.channel, "to": delivery.recipient,
                "template": delivery.template, "params": {"code": code},
            })
        return int(RESEND_AFTER.total_seconds())

    async def check(self, connection, subject_id: UUID,
                    code: str) -> DomainError | None:
        """None when `code` is the subject's live code, which is then used up.

        Otherwise the refusal to raise once the transaction commits: a wrong try
        is counted, and the fifth kills the code.
        """
        code = code.strip()
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            return InvalidInput("验证码应为6位数字")
        row = await storage.latest_code(connection, subject_id)
        if row is None or row["used_at"] is not None or row["dead_at"] is not None:
            return InvalidInput(CODE_GONE)
        if row["expired"]:
            return InvalidInput(CODE_EXPIRED)

        if await self.passwords.verify(row["code_hash"], code):
            await storage.use_code(connection, row["id"])
            return None
        tries_left = WRONG_TRIES - row["wrong_attempts"] - 1
        await storage.count_wrong_try(connection, row["id"], dies=tries_left <= 0)
        if tries_left <= 0:
            return InvalidInput(CODE_KILLED)
        return InvalidInput(f"验证码错误，还可以再试{tries_left}次")


def _refuse_over_limit(recent) -> None:
    if not recent["in_day"]:
        return
    now: datetime = recent["now"]
    waits = [(recent["latest"] + RESEND_AFTER - now,
              "验证码已发送，请{wait}后再重新获取")]
    if recent["in_hour"] >= PER_HOUR:
        freed = recent["hour_times"][PER_HOUR - 1] + timedelta(hours=1)
        waits.append((freed - now,
                      f"每小时最多获取{PER_HOUR}次验证码，请{{wait}}后再试"))
    if recent["in_day"] >= PER_DAY:
        freed = recent["day_times"][PER_DAY - 1] + timedelta(days=1)
        waits.append((freed - now,
                      f"每天最多获取{PER_DAY}次验证码，请{{wait}}后再试"))

    wait, message = max(waits, key=lambda item: item[0])
    if wait > timedelta(0):
        seconds = int(wait.total_seconds()) + 1
        raise Locked(message.format(wait=wait_text(seconds)),
                     details={"retry_after": seconds})


def wait_text(seconds: int) -> str:
    """A wait as people say it: 45秒, 12分钟, 3小时20分钟."""
    if seconds <= 60:
        return f"{seconds}秒"
    minutes = (seconds + 59) // 60
    if minutes < 60:
        return f"{minutes}分钟"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}小时{minutes}分钟" if minutes else f"{hours}小时"
