"""The roster service: schools and the people in them.

Each area's entry points live in a mixin under `handlers/`; this class joins them
with the service machinery (pool, bus, migrations, outbox relay).
"""

from pathlib import Path

from shared.service import Service

from services.roster.handlers.account_scopes import AccountScopeHandlers
from services.roster.handlers.audit import AuditHandlers
from services.roster.handlers.classes import ClassHandlers
from services.roster.handlers.grades import GradeHandlers
from services.roster.handlers.promotion import PromotionHandlers
from services.roster.handlers.school_settings import SchoolSettingsHandlers
from services.roster.handlers.schools import SchoolHandlers
from services.roster.handlers.staffing import StaffingHandlers
from services.roster.handlers.staffing_imports import StaffingImportHandlers
from services.roster.handlers.student_imports import StudentImportHandlers
from services.roster.handlers.student_updates import StudentUpdateHandlers
from services.roster.handlers.students import StudentHandlers
from services.roster.handlers.teachers import TeacherHandlers


class RosterService(
    SchoolHandlers,
    SchoolSettingsHandlers,
    PromotionHandlers,
    GradeHandlers,
    ClassHandlers,
    TeacherHandlers,
    StaffingHandlers,
    StaffingImportHandlers,
    StudentHandlers,
    StudentImportHandlers,
    StudentUpdateHandlers,
    AuditHandlers,
    AccountScopeHandlers,
    Service,
):
    name = "roster"
    migrations = Path(__file__).parent / "migrations"
