"""Requests and replies of the roster service, one module per area."""

from shared.contracts.roster.audit import *  # noqa: F401,F403
from shared.contracts.roster.classes import *  # noqa: F401,F403
from shared.contracts.roster.common import *  # noqa: F401,F403
from shared.contracts.roster.grades import *  # noqa: F401,F403
from shared.contracts.roster.school_settings import *  # noqa: F401,F403
from shared.contracts.roster.schools import *  # noqa: F401,F403
from shared.contracts.roster.staffing import *  # noqa: F401,F403
from shared.contracts.roster.students import *  # noqa: F401,F403
from shared.contracts.roster.teachers import *  # noqa: F401,F403
