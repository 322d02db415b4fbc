"""One exception type per failure kind."""

from __future__ import annotations


class VeriwardError(Exception):
    """Base class of every error veriward raises on purpose."""


class RequestError(VeriwardError):
    """The request itself is wrong (unknown scorer, bad reference or options, too large): a 4xx.

    `field` names the offending part of the request body, e.g. `reference` or `options.aggregation`.
    """

    def __init__(self, message: str, field: str | None = None, status_code: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status_code = status_code


class Overloaded(VeriwardError):
    """A scorer's queue is full: the caller should retry after `retry_after` seconds (HTTP 429)."""

    def __init__(self, message: str, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ScorerUnavailable(VeriwardError):
    """The scorer cannot work here (a missing toolchain, a dead backend): the verdict is `error`."""


class WorkerDied(VeriwardError):
    """A pool worker exited while running a task (crash, OOM kill, killed from outside)."""
