"""The public API, one module per area; importing them fills `api`."""

from gateway.api import Api

api = Api()

from gateway.routes import accounts, imports, schools, teachers  # noqa: E402,F401
