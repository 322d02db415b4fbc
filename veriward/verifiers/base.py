"""The interface every scorer implements."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from veriward.errors import RequestError
from veriward.models import Verdict
from veriward.verifiers._markers import strip_end_markers

if TYPE_CHECKING:
    from veriward.settings import Settings


class NoOptions(BaseModel):
    """A scorer without options still rejects unknown ones."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class Outcome:
    """What a scorer decided about one response; the engine turns it into a `ScoreResult`."""

    verdict: Verdict
    score: float
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def correct(cls, reason: str = "correct", score: float = 1.0, **details: Any) -> Outcome:
        return cls(Verdict.CORRECT, score, reason, details)

    @classmethod
    def incorrect(cls, reason: str, score: float = 0.0, **details: Any) -> Outcome:
        return cls(Verdict.INCORRECT, score, reason, details)

    @classmethod
    def invalid(cls, reason: str, **details: Any) -> Outcome:
        return cls(Verdict.INVALID, 0.0, reason, details)

    @classmethod
    def timeout(cls, reason: str, **details: Any) -> Outcome:
        return cls(Verdict.TIMEOUT, 0.0, reason, details)

    @classmethod
    def error(cls, reason: str, **details: Any) -> Outcome:
        return cls(Verdict.ERROR, 0.0, reason, details)


@dataclass
class Context:
    """Per-request context handed to in-process (`AsyncVerifier`) scorers."""

    deadline: float  # time.monotonic() value by which the verdict must be back
    settings: Settings
    engine: Any = None  # the Engine, for scorers that delegate (e.g. PRM's final-answer check to math)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class BaseVerifier:
    """What every scorer shares: its description, how it reads a request, its health and its life cycle.

    A scorer derives from `PooledVerifier` (pure CPU work, run in a killable worker process) or from
    `AsyncVerifier` (run in the engine's event loop). Each `Engine` makes its own instance of every
    registered scorer when it starts (`startup`) and closes it (`shutdown`), so an instance may keep
    what it starts (a sandbox, HTTP clients) without caring which engine or event loop it serves.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    reference_help: ClassVar[str]
    options_model: ClassVar[type[BaseModel]] = NoOptions
    pooled: ClassVar[bool] = True

    def normalize(self, response: str) -> str:
        """The response as this scorer reads it, for the result cache: identical after this means the
        same verdict. Default: cut at end-of-turn markers, surrounding whitespace dropped."""
        return strip_end_markers(response).strip()

    def parse_reference(self, reference: Any) -> Any:
        """Validate the reference before any work is scheduled; raise `RequestError` (422) if wrong."""
        return reference

    def check_job(self, reference: Any, options: Any, settings: Settings) -> None:
        """Refuse (`RequestError`) a parsed request this server will not run, e.g. over a resource cap."""

    def parse_options(self, options: dict[str, Any]) -> BaseModel:
        try:
            return self.options_model.model_validate(options)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            where = f"options.{loc}" if loc else "options"
            raise RequestError(f"{where}: {err['msg']}", field=where) from None

    def info(self) -> dict[str, Any]:
        """Versions and backend health, shown by `GET /v1/verifiers`."""
        return {}

    def concurrency(self, settings: Settings) -> int | None:
        """How many of this scorer's requests can make progress at once (None: no limit).

        A batch feeds its items through that many slots, and an item's budget starts when it gets one,
        so a large batch never times out items that merely waited behind their siblings.
        """
        return settings.pool_workers if self.pooled else None

    async def startup(self, settings: Settings) -> None:
        """Called once when the engine that owns this instance starts (start REPL pools, sandboxes, ...)."""

    async def shutdown(self) -> None:
        """Called once when the engine that owns this instance closes: release what `startup` started."""


class PooledVerifier(BaseVerifier):
    """A scorer of pure CPU work: `check` runs in a killable worker process of the engine's pool, so it
    may be slow or even hang without harming the server. The worker has its own instance."""

    pooled: ClassVar[bool] = True

    def check(self, response: str, reference: Any, options: Any) -> Outcome:
        """Score synchronously, in a pool worker."""
        raise NotImplementedError


class AsyncVerifier(BaseVerifier):
    """A scorer that runs in the engine's event loop (e.g. driving a sandbox or a remote model): it must
    honour `ctx.deadline` itself; the engine still cuts it off shortly after it."""

    pooled: ClassVar[bool] = False

    async def acheck(self, response: str, reference: Any, options: Any, ctx: Context) -> Outcome:
        """Score in the server's event loop."""
        raise NotImplementedError


class Verifier(PooledVerifier, AsyncVerifier):
    """The base of scorers written before the split: `pooled = True` with `check`, or `pooled = False`
    with `acheck`. New scorers derive from `PooledVerifier` or `AsyncVerifier`."""

    pooled: ClassVar[bool] = True


def require_string(reference: Any, what: str = "reference") -> str:
    """The common case: a reference that must be a non-empty string."""
    if not isinstance(reference, str):
        raise RequestError(f"{what} must be a string, got {type(reference).__name__}", field=what)
    if not reference.strip():
        raise RequestError(f"{what} must not be empty", field=what)
    return reference
