from aiohttp import web

from shared.logging import configure
from shared.settings import get_settings

from gateway.app import create_app

settings = get_settings()
configure("gateway", fmt=settings.log_format, level=settings.log_level)
try:
    import uvloop

    uvloop.install()
except ImportError:
    pass
web.run_app(create_app(settings), host=settings.gateway_host,
            port=settings.gateway_port, access_log=None, print=None)
