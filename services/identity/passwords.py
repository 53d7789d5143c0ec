"""Password hashing with argon2id, off the event loop, and the platform's password
rule."""

import asyncio
import os
import re
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from shared.errors import InvalidInput

# Common passwords that the letter-and-digit rule alone would let through.
_COMMON = {
    "password1", "password123", "qwerty123", "abc12345", "abcd1234", "a1234567",
    "aa123456", "admin123", "admin1234", "iloveyou1", "welcome1", "passw0rd",
    "p@ssw0rd", "qwer1234", "1qaz2wsx", "zxcvbnm1", "woaini1314", "asdf1234",
    "1q2w3e4r", "qazwsx123", "test1234", "user1234", "changeme1", "letmein1",
}


def check_password_rule(password: str) -> None:
    """8 to 64 characters with upper-case, lower-case and digits; not a common one."""
    if not 8 <= len(password) <= 64:
        raise InvalidInput("密码长度应为8到64个字符")
    if not (re.search(r"[A-Z]", password) and re.search(r"[a-z]", password)
            and re.search(r"[0-9]", password)):
        raise InvalidInput("密码须同时包含大写字母、小写字母和数字")
    if password.lower() in _COMMON:
        raise InvalidInput("密码过于常见，请换一个")


class Passwords:
    """argon2id at OWASP's parameters or stronger, hashed on worker threads."""

    def __init__(self, *, memory_kib: int, time_cost: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism,
            hash_len=32, salt_len=16, type=Type.ID,
        )
        # argon2 releases the GIL, so threads use every core.
        self._threads = ThreadPoolExecutor(max_workers=os.cpu_count() or 2,
                                           thread_name_prefix="argon2")
        self._dummy_hash = self._hasher.hash("timing-equaliser-Aa1")

    async def hash(self, password: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when the password matches; an absent hash costs the same time."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._threads, self._verify_sync, password_hash or self._dummy_hash,
            password, password_hash is not None,
        )

    def _verify_sync(self, password_hash: str, password: str, real: bool) -> bool:
        try:
            return self._hasher.verify(password_hash, password) and real
        except (VerificationError, InvalidHashError):
            return False
