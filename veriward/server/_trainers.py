"""Trainer-shaped endpoints: OpenRLHF's remote reward model and a NeMo-Gym resources server.

Both score through the same `Engine` as `/v1/score`; the scorer is the server's `default_verifier` unless
the request names one. A request that can never succeed (a malformed body, an unknown scorer, a bad label)
is a 422 naming the offending item. Neither trainer honours `Retry-After` (OpenRLHF retries any error 5 times
1 s apart, then loses the step; NeMo-Gym's clients fail the rollout), so a full queue is not answered 429
here: the request waits for room, up to half of `max_queue_wait_s`, and what still cannot be scored then is
answered in-band under each trainer's failure contract (see `veriward.integrations.openrlhf`, `.nemo_gym`).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from veriward._client_results import failed_result
from veriward._groups import group_stats
from veriward.engine import Engine
from veriward.errors import Overloaded, RequestError
from veriward.integrations import nemo_gym, openrlhf, unscored
from veriward.models import GroupResult
from veriward.server._deps import Arrival, EngineDep

router = APIRouter(tags=["trainers"])

_RETRY_AFTER_S = "2"
_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"description": "A request that can never succeed: the message names the offending item."},
}


class RewardRequest(BaseModel):
    """OpenRLHF's remote reward-model request."""

    model_config = ConfigDict(extra="allow")

    query: list[str] = Field(description="Prompt + response, as OpenRLHF decoded them.")
    prompts: list[str] | None = Field(default=None, description="The prompt of each query.")
    labels: list[Any] | None = Field(
        default=None,
        description="Per query: the reference for the default scorer, or an object (or JSON string of one) "
        "with `verifier`, `reference` and optional `options`.",
    )


class RewardResponse(BaseModel):
    rewards: list[float]
    scores: list[float]
    extra_logs: dict[str, list[float]]


def _validate(engine: Engine, groups: list[dict[str, Any]], where: str, index: list[int]) -> None:
    """422 on the first group that can never be scored (unknown scorer, bad reference or options)."""
    for g, i in zip(groups, index, strict=True):
        probe: dict[str, Any] = {k: g[k] for k in ("verifier", "reference", "options") if k in g}
        try:
            # An empty probe response: a bad response (too long, ...) is that item's own `error`, not a 422.
            engine.validate({**probe, "response": ""})
        except RequestError as exc:
            field = f"{where}.{i}.{exc.field}" if exc.field else f"{where}.{i}"
            raise RequestError(f"{where}[{i}]: {exc.message}", field, exc.status_code) from None


async def _patiently(engine: Engine, arrival: float, groups: list[dict[str, Any]]) -> list[GroupResult]:
    """Score `groups`, waiting for queue room instead of answering 429; past the wait, `error` results."""
    until = arrival + engine.settings.max_queue_wait_s / 2
    while True:
        try:
            return await engine.score_groups(groups, arrival=arrival)
        except Overloaded as exc:
            left = until - time.monotonic()
            if left <= 0:
                why = f"overloaded: still no queue room after {time.monotonic() - arrival:.1f} s ({exc})"
                return [_failed(g, why) for g in groups]
            await asyncio.sleep(min(left, max(0.05, exc.retry_after)))


def _failed(group: dict[str, Any], why: str) -> GroupResult:
    results = [failed_result(group, why, 1, 0.0) for _ in group["responses"]]
    return GroupResult(group_id=None, results=results, stats=group_stats(results, list(group["responses"])))


@router.post("/get_reward", response_model=RewardResponse, responses=_ERRORS)
async def get_reward(
    body: RewardRequest,
    engine: EngineDep,
    arrival: Arrival,
    fallback_reward: float = Query(
        0.0, description="Reward of a rollout veriward could not decide (marked `veriward_unscored`)."
    ),
) -> Any:
    """OpenRLHF `--reward.remote_url` endpoint: one reward per query, in order."""
    plan = openrlhf.plan(body.query, body.prompts, body.labels, engine.settings.default_verifier)
    bodies = [g for _, g in plan.spans]
    _validate(engine, bodies, "labels", [plan.scored[span.start] for span, _ in plan.spans])
    groups = await _patiently(engine, arrival, bodies) if bodies else []
    return openrlhf.payload(plan, groups, fallback_reward)


@router.post("/seed_session", responses=_ERRORS)
async def seed_session() -> dict[str, Any]:
    """NeMo-Gym resources-server hook called before each rollout; scoring keeps no session state."""
    return {}


@router.post(
    "/verify", responses={**_ERRORS, 503: {"description": "With `X-Veriward-On-Error: fail`: not scored."}}
)
async def verify(
    body: dict[str, Any],
    engine: EngineDep,
    arrival: Arrival,
    on_error: Literal["mask", "fail"] = Header(
        "mask",
        alias="x-veriward-on-error",
        description="For a rollout veriward could not decide: `mask_sample` (200) or a 503.",
    ),
) -> Any:
    """NeMo-Gym resources-server `/verify`: the body with `reward`, the verdict and metrics added."""
    item = nemo_gym.verify_request(body, engine.settings.default_verifier)
    group: dict[str, Any] = {k: item[k] for k in ("verifier", "reference", "options") if k in item}
    group["responses"] = [item["response"]]
    _validate(engine, [group], "body", [0])
    result = (await _patiently(engine, arrival, [group]))[0].results[0]
    if unscored(result) and on_error == "fail":
        detail = f"this rollout could not be scored: {result.reason}"
        return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": _RETRY_AFTER_S})
    return nemo_gym.verify_answer(body, result)
