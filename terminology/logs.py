"""Log output: one JSON object per line, or the human format, by ``TERMINOLOGY_LOG_FORMAT``.

``text`` (the default) suits a terminal; ``json`` suits a container, whose log collector
(Docker's, Kubernetes', journald's) reads each line as one record with typed fields, and keeps
a traceback in one record rather than splitting it into lines. Access lines (one per request,
``TERMINOLOGY_ACCESS_LOG=1``) are JSON in both formats: they are read by tools, not people.

One configuration serves the ``terminology`` command and granian's worker processes (granian
applies it in each worker as it starts), so every line of a server has the same format.
"""

from __future__ import annotations

import logging
import logging.config
import os
from datetime import UTC, datetime
from typing import Any

import orjson

FORMAT_ENV = "TERMINOLOGY_LOG_FORMAT"
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: The access lines' logger; what it logs carries its fields in ``extra={"fields": {...}}``.
ACCESS_LOGGER = "terminology.access"


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: time (UTC, ISO 8601), level, logger, message, process id,
    the record's ``fields`` (if any) and, for an error, the traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(out, default=str).decode()


def log_format(env: dict[str, str] | None = None) -> str:
    raw = (os.environ if env is None else env).get(FORMAT_ENV, "").strip().lower() or "text"
    if raw not in FORMATS:
        raise ValueError(f"{FORMAT_ENV}={raw!r}: use one of {', '.join(FORMATS)}")
    return raw


def config(fmt: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for ``fmt``, granian's own loggers included."""
    console = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": fmt}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "text": {"format": TEXT_FORMAT},
            "json": {"()": f"{__name__}.JsonFormatter"},
        },
        "handlers": {
            "console": console,
            "access": {**console, "formatter": "json"},
        },
        "loggers": {
            ACCESS_LOGGER: {"handlers": ["access"], "level": "INFO", "propagate": False},
            "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["console"], "level": "INFO"},
    }


def configure(fmt: str | None = None) -> None:
    logging.config.dictConfig(config(fmt or log_format()))
