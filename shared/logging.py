"""Structured logging: one event per line, personal data masked before it is written.

`configure("roster")` binds the service name to every event. Request and job ids are
bound with structlog's contextvars, so a handler binds them once and every event it
logs carries them.
"""

import logging
import re
import sys

import structlog

# An 18-character ID number (the last may be X) and an 11-digit mainland mobile.
_ID_NUMBER = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])")
_PHONE = re.compile(r"(?<![0-9])(1[0-9]{2})[0-9]{4}([0-9]{4})(?![0-9])")
_SECRET_KEYS = {"password", "new_password", "token", "access_token",
                "refresh_token", "verification_code", "authorization"}


def mask_text(text: str) -> str:
    text = _ID_NUMBER.sub(r"\1********\2", text)
    return _PHONE.sub(r"\1****\2", text)


def _mask_value(key: str, value):
    if key.lower() in _SECRET_KEYS:
        return "***"
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _mask_value(k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask_value(key, v) for v in value]
    return value


def mask_personal_data(_logger, _method, event_dict):
    """Mask ID numbers, phones and secrets wherever they appear in an event."""
    return {key: _mask_value(key, value) for key, value in event_dict.items()}


def configure(service: str, *, fmt: str = "console", level: str = "INFO") -> None:
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            mask_personal_data,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelName(level.upper())
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)

    # Libraries log through the standard module; keep their warnings, drop chatter.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)


def get_logger(*args, **kwargs):
    return structlog.get_logger(*args, **kwargs)
