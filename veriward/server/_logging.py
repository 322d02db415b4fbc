"""Structured JSON logs with request ids, one access line per request, and the HTTP metrics."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veriward.metrics import Metrics

access_log = logging.getLogger("veriward.access")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("veriward_request_id", default=None)

# An incoming id is echoed only if it is short and plain, so it cannot forge log lines or headers.
_VALID_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")

# Attributes every LogRecord has; anything else was passed with `extra=` and goes into the JSON.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id and any `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            out["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in out:
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def log_config(level: str, json_logs: bool = True) -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn and veriward (uvicorn's own access log is replaced)."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if json_logs else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    handler = {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}
    lvl = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "loggers": {
            "uvicorn": {"handlers": ["main"], "level": lvl, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "veriward": {"handlers": ["main"], "level": lvl, "propagate": False},
        },
    }


def _printable(text: str) -> str:
    """A path as it may appear in a log line: control characters (a decoded `%0A`) escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _VALID_ID.fullmatch(text) else None
    return None


class RequestContextMiddleware:
    """Gives each request an id (echoed in `X-Request-ID`), logs it, and counts it in the metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope) or uuid.uuid4().hex
        rid_token = request_id.set(rid)
        metrics_token = self.metrics.activate()
        start = time.monotonic()
        status = 500
        gone = answered = False

        async def receive_watch() -> Message:
            nonlocal gone
            message = await receive()
            gone = gone or message["type"] == "http.disconnect"
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = int(message["status"]), True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive_watch, send_with_id)
        finally:
            if gone and not answered:
                status = 499  # the client went away before an answer: not a server error
            elapsed = time.monotonic() - start
            # The matched route's template, so that scanners cannot blow up the number of series;
            # requests answered before routing (401, 413) or matching no route count as "other".
            path = getattr(scope.get("route"), "path", None) or "other"
            self.metrics.requests.labels(path=path, method=scope["method"], status=str(status)).inc()
            self.metrics.request_seconds.labels(path=path).observe(elapsed)
            client = scope.get("client")
            path_text = _printable(scope["path"])
            access_log.info(
                "%s %s %d",
                scope["method"],
                path_text,
                status,
                extra={
                    "request_id": rid,
                    "method": scope["method"],
                    "path": path_text,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 3),
                    "client": client[0] if client else None,
                },
            )
            metrics_token.var.reset(metrics_token)
            request_id.reset(rid_token)
