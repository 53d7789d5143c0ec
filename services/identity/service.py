"""The identity service: accounts, passwords, login sessions, activation, recovery.

Each area's entry points live in a mixin under `handlers/`; this class joins them
with the service machinery (pool, bus, migrations, outbox relay) and holds what
they share: the password hasher and the verification codes.
"""

from pathlib import Path

from shared.service import Service

from services.identity.codes import VerificationCodes
from services.identity.handlers.accounts import AccountHandlers
from services.identity.handlers.activation import ActivationHandlers
from services.identity.handlers.parent_links import ParentLinkHandlers
from services.identity.handlers.passwords import PasswordHandlers
from services.identity.handlers.recovery import RecoveryHandlers
from services.identity.handlers.sessions import SessionHandlers
from services.identity.passwords import Passwords


class IdentityService(
    SessionHandlers,
    AccountHandlers,
    PasswordHandlers,
    ActivationHandlers,
    RecoveryHandlers,
    ParentLinkHandlers,
    Service,
):
    name = "identity"
    migrations = Path(__file__).parent / "migrations"

    async def setup(self) -> None:
        s = self.settings
        self.passwords = Passwords(memory_kib=s.argon2_memory_kib,
                                   time_cost=s.argon2_time_cost,
                                   parallelism=s.argon2_parallelism)
        self.codes = VerificationCodes(self.passwords)
