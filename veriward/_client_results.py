"""What the client makes of results: the reward a trainer uses, and stand-ins for verdicts that never came."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from veriward._groups import group_stats
from veriward.models import GroupResult, ScoreRequest, ScoreResult, Verdict

# Verdicts a trainer should drop rather than learn from: the scorer could not work.
DROP_VERDICTS: frozenset[str] = frozenset({Verdict.ERROR.value})

RequestLike = ScoreRequest | Mapping[str, Any]


def reward(result: ScoreResult, drop: frozenset[str] = DROP_VERDICTS) -> float | None:
    """The reward a trainer should use: the score, or `None` (drop the sample) for a verdict in `drop`."""
    return None if result.verdict.value in drop else float(result.score)


def failed_result(request: RequestLike, reason: str, attempts: int, elapsed_s: float) -> ScoreResult:
    """The `error` result standing for a request whose verdict never came back."""
    raw = as_dict(request)
    return ScoreResult(
        id=str(raw.get("id") or uuid.uuid4().hex),
        verifier=str(raw.get("verifier", "")),
        score=0.0,
        verdict=Verdict.ERROR,
        reason=f"veriward unavailable: {reason}"[:500],
        details={"infrastructure": True, "attempts": attempts},
        elapsed_ms=round(elapsed_s * 1000.0, 3),
        metadata=dict(raw.get("metadata") or {}),
    )


def failed_group(group: dict[str, Any], reason: str, elapsed_s: float) -> GroupResult:
    responses = list(group.get("responses") or [""])
    gid = group.get("group_id")
    results = [
        failed_result(
            {"verifier": group.get("verifier", ""), "id": f"{gid}/{i}" if gid else None}, reason, 1, elapsed_s
        )
        for i in range(len(responses))
    ]
    return GroupResult(group_id=gid, results=results, stats=group_stats(results, [str(r) for r in responses]))


def as_dict(request: RequestLike) -> dict[str, Any]:
    if isinstance(request, ScoreRequest):
        return request.model_dump(exclude_none=True)
    return dict(request)
