"""From a request to a job (validation) and from an outcome to a result: the engine's two edges."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from veriward._cache import cache_key
from veriward._identity import scorer_id
from veriward._json import find_problem, sanitize
from veriward.errors import RequestError
from veriward.models import ScoreRequest, ScoreResult, Verdict
from veriward.settings import Settings
from veriward.verifiers.base import BaseVerifier, Outcome

__all__ = ["Job", "make_result", "validate"]


@dataclass
class Job:
    """A validated request, ready to run; `key` names its decision for the result cache."""

    request: ScoreRequest
    verifier: BaseVerifier
    reference: Any
    options: BaseModel
    budget_s: float
    scorer: dict[str, str] = field(default_factory=dict)
    key: str = ""


def _validation_message(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors(include_input=False, include_url=False)[0]
    loc = ".".join(str(p) for p in err["loc"]) or "body"
    return sanitize(f"{loc}: {err['msg']}"), sanitize(loc)


def _check_text(req: ScoreRequest) -> None:
    """Refuse (422) what no JSON answer could echo or carry: lone surrogates, NaN, hostile nesting."""
    fields = {
        "id": req.id,
        "response": req.response,
        "reference": req.reference,
        "options": req.options,
        "metadata": req.metadata,
    }
    for name, value in fields.items():
        problem = find_problem(value, name)
        if problem is not None:
            raise RequestError(problem[1], field=problem[0])


def _request(payload: ScoreRequest | Mapping[str, Any]) -> ScoreRequest:
    if isinstance(payload, ScoreRequest):
        return payload
    if not isinstance(payload, Mapping):
        raise RequestError(f"a request must be a JSON object, got {type(payload).__name__}")
    problem = find_problem(dict(payload), "")
    if problem is not None:
        raise RequestError(problem[1], field=problem[0] or None)
    try:
        return ScoreRequest.model_validate(payload)
    except ValidationError as exc:
        msg, loc = _validation_message(exc)
        raise RequestError(msg, field=loc) from None


def validate(
    payload: ScoreRequest | Mapping[str, Any], s: Settings, scorer: Callable[[str], BaseVerifier]
) -> Job:
    """Check a request without running it; `RequestError` says what is wrong. `scorer(name)` is the
    engine's instance of a scorer (`RequestError` for an unknown name)."""
    req = _request(payload)
    _check_text(req)
    verifier = scorer(req.verifier)
    if len(req.response) > s.max_response_chars:
        raise RequestError(
            f"response is {len(req.response)} characters; the limit is {s.max_response_chars}",
            field="response",
        )
    if isinstance(req.reference, str) and len(req.reference) > s.max_reference_chars:
        raise RequestError(
            f"reference is {len(req.reference)} characters; the limit is {s.max_reference_chars}",
            field="reference",
        )
    try:
        reference = verifier.parse_reference(req.reference)
        options = verifier.parse_options(req.options)
    except (RecursionError, MemoryError) as exc:  # a reference nested or sized past what can be read
        raise RequestError(f"reference cannot be read: {type(exc).__name__}", field="reference") from None
    verifier.check_job(reference, options, s)
    budget = min(req.timeout_s or s.default_timeout_s, s.max_timeout_s)
    ident = scorer_id(verifier.name, type(verifier).__module__, options)
    key = cache_key(ident, req.reference, options.model_dump(mode="json"), verifier.normalize(req.response))
    return Job(req, verifier, reference, options, budget, ident, key)


def make_result(
    req: ScoreRequest | None,
    outcome: Outcome,
    arrival: float,
    req_id: str | None = None,
    verifier: str = "",
    scorer: dict[str, str] | None = None,
) -> ScoreResult:
    failed = outcome.verdict in (Verdict.INVALID, Verdict.TIMEOUT, Verdict.ERROR)
    score = 0.0 if failed else min(1.0, max(0.0, float(outcome.score)))
    return ScoreResult(
        id=(req.id if req else req_id) or uuid.uuid4().hex,
        verifier=req.verifier if req else verifier,
        score=score,
        verdict=outcome.verdict,
        reason=outcome.reason.splitlines()[0][:500] if outcome.reason else outcome.verdict.value,
        details=outcome.details,
        elapsed_ms=round((time.monotonic() - arrival) * 1000.0, 3),
        metadata=req.metadata if req else {},
        scorer=scorer,
    )
