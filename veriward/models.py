"""The wire contract: request and result models shared by the library, the CLI and the server."""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Verdict(enum.StrEnum):
    """What a scorer concluded.

    `invalid`, `timeout` and `error` always carry score 0 and a reason; `error` means the scorer
    itself could not work (infrastructure), so a trainer should drop the sample rather than learn from it.
    """

    CORRECT = "correct"
    INCORRECT = "incorrect"
    INVALID = "invalid"
    TIMEOUT = "timeout"
    ERROR = "error"


class ScoreRequest(BaseModel):
    """One rollout to score."""

    model_config = ConfigDict(extra="forbid")

    verifier: str = Field(description="Name of the scorer, e.g. `math`; see `GET /v1/verifiers`.")
    response: str = Field(description="The model's output, verbatim.")
    reference: Any = Field(
        default=None,
        description="What the scorer checks against: a string or an object, per scorer (see /v1/verifiers).",
    )
    options: dict[str, Any] = Field(default_factory=dict, description="Scorer options (see /v1/verifiers).")
    id: str | None = Field(default=None, description="Echoed back in the result; generated when absent.")
    metadata: dict[str, Any] = Field(default_factory=dict, description="Free-form; echoed in the result.")
    timeout_s: float | None = Field(
        default=None,
        gt=0,
        description="Wall-clock budget for scoring this request in seconds, counted from the moment a "
        "scorer slot takes it (waiting for a slot is bounded apart, by the server's "
        "VERIWARD_MAX_QUEUE_WAIT_S); capped at the server's maximum. Defaults to the server's default.",
    )


class ScoreResult(BaseModel):
    """The verdict on one rollout."""

    id: str
    verifier: str
    score: float = Field(ge=0.0, le=1.0)
    verdict: Verdict
    reason: str = Field(description="One line a person can read.")
    details: dict[str, Any] = Field(default_factory=dict)
    elapsed_ms: float
    metadata: dict[str, Any] = Field(default_factory=dict)


class BatchRequest(BaseModel):
    """Many rollouts at once; each item is scored independently and concurrently."""

    model_config = ConfigDict(extra="forbid")

    # Items are validated one by one so that one bad item yields its own result instead of failing the batch.
    requests: list[Any] = Field(
        json_schema_extra={"items": {"$ref": "#/components/schemas/ScoreRequest"}},
        description="Score requests; results come back in the same order.",
    )


class BatchResponse(BaseModel):
    results: list[ScoreResult]


class VerifierInfo(BaseModel):
    name: str
    description: str
    reference: str = Field(description="What the scorer expects as `reference`.")
    options: dict[str, Any] = Field(description="JSON schema of the scorer's options.")
    info: dict[str, Any] = Field(default_factory=dict, description="Versions and backend health.")


class VerifiersResponse(BaseModel):
    verifiers: list[VerifierInfo]


class Health(BaseModel):
    status: str = Field(description="`ok`, or `unavailable` (HTTP 503) when the server cannot score now")
    version: str
    pool: dict[str, Any] = Field(default_factory=dict, description="the scoring pool: live workers, restarts")
