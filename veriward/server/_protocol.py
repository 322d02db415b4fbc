"""The HTTP/1.1 protocol the server speaks: uvicorn's h11 protocol with the limits a public port needs.

Everything here happens before the API key is checked, so it is what an anonymous client can cost us:
- request line and headers at most `max_header_bytes` (h11 answers 400 past it; httptools has no limit);
- `header_timeout_s` from a connection's (or a keep-alive request's) first byte to its last header line,
  so slow-drip and silent connections are closed;
- at most `max_connections` open connections; more are closed at once, before they hold a descriptor long.
The body has its own timeout (`body_timeout_s`, in `_limits.BodyLimitMiddleware`) once the key is known.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from veriward.settings import Settings, get_settings

log = logging.getLogger("veriward.server")


class GuardedH11Protocol(H11Protocol):
    """h11 with a header deadline and a connection cap (settings from `VERIWARD_*` unless bound)."""

    settings: Settings | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        s = self.settings or get_settings()
        self._header_timeout = s.header_timeout_s
        self._max_connections = s.max_connections
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self._max_connections:
            log.warning(
                "closing a connection: %d open (limit %d)", len(self.connections), self._max_connections
            )
            transport.abort()
            return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._between_requests():
            self._arm()  # a new request has started: its headers must be complete in time
        super().data_received(data)
        if not self._between_requests():
            self._disarm()

    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self._header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self._between_requests() and not self.transport.is_closing():
            self.transport.close()


def raise_descriptor_limit() -> int:
    """Lift the soft open-files limit to the hard one, so that the connection cap, not EMFILE, decides."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard
    return soft


def uvicorn_options(settings: Settings, in_process: bool = False) -> dict[str, Any]:
    """The uvicorn settings every veriward server uses (`veriward serve` and the tests' live servers).

    `veriward serve` names the protocol by import path (its worker processes read the settings from the
    environment); an in-process server gets a protocol class bound to its own `settings`.
    """
    bound = type("GuardedH11Protocol", (GuardedH11Protocol,), {"settings": settings})
    return {
        "http": bound if in_process else "veriward.server._protocol:GuardedH11Protocol",
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_keep_alive": settings.keep_alive_s,
        "timeout_graceful_shutdown": round(settings.shutdown_grace_s),
    }
