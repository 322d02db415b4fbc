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
    scorer: dict[str, str] | None = Field(
        default=None,
        description="The scorer that decided: `name`, package `version` and `policy` (a hash of its code "
        "and effective options). Absent for requests refused before any scorer ran.",
    )


class GroupRequest(BaseModel):
    """One prompt's reference with the N responses sampled for it (a GRPO group)."""

    model_config = ConfigDict(extra="forbid")

    verifier: str = Field(description="Name of the scorer, e.g. `math`.")
    reference: Any = Field(default=None, description="The reference all responses are scored against.")
    responses: list[str] = Field(min_length=1, description="The group's responses, verbatim.")
    options: dict[str, Any] = Field(default_factory=dict, description="Scorer options for every response.")
    group_id: str | None = Field(
        default=None, description="Echoed back; result ids are `<group_id>/<index>`."
    )
    metadata: dict[str, Any] = Field(default_factory=dict, description="Echoed in every result.")
    timeout_s: float | None = Field(
        default=None, gt=0, description="Budget of each response, as in a request."
    )


class GroupStats(BaseModel):
    """What a GRPO-style trainer wants to know about a group's rewards."""

    n: int
    mean: float
    std: float = Field(description="population standard deviation of the scores")
    min: float
    max: float
    verdicts: dict[str, int] = Field(description="how many results had each verdict")
    uniform: bool = Field(description="all scores equal: the group carries no advantage (DAPO drops it)")
    duplicates: list[list[int]] = Field(
        description="indices of responses identical after the scorer's normalisation (each scored once)"
    )


class GroupResult(BaseModel):
    group_id: str | None
    results: list[ScoreResult] = Field(description="one per response, in order")
    stats: GroupStats


class BatchRequest(BaseModel):
    """Many rollouts at once; each item is scored independently and concurrently."""

    model_config = ConfigDict(extra="forbid")

    # Items are validated one by one so that one bad item yields its own result instead of failing the batch.
    requests: list[Any] = Field(
        default_factory=list,
        json_schema_extra={"items": {"$ref": "#/components/schemas/ScoreRequest"}},
        description="Score requests; results come back in the same order.",
    )
    groups: list[Any] = Field(
        default_factory=list,
        json_schema_extra={"items": {"$ref": "#/components/schemas/GroupRequest"}},
        description="Groups (one reference, N responses); each comes back with its results and stats.",
    )


class BatchResponse(BaseModel):
    results: list[ScoreResult]
    groups: list[GroupResult] = Field(default_factory=list, description="one per request group, in order")


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
