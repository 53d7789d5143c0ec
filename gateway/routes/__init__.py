"""The public API, one module per area; importing them fills `api`."""

from gateway.api import Api

api = Api()

from gateway.routes import (  # noqa: E402,F401
    accounts,
    activation,
    audit,
    classes,
    grades,
    imports,
    notifications,
    recovery,
    school_settings,
    schools,
    staffing,
    students,
    teachers,
)
