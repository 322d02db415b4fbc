"""The HTTP endpoints; each is a thin shell around `Engine`."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Response

from veriward._groups import responses_in
from veriward._version import __version__
from veriward.errors import RequestError
from veriward.models import (
    BatchRequest,
    BatchResponse,
    Health,
    ScoreRequest,
    ScoreResult,
    VerifiersResponse,
)
from veriward.server._deps import Arrival, EngineDep

router = APIRouter()

_422: dict[int | str, dict[str, Any]] = {
    422: {"description": "Malformed request: the message names the offending field."}
}


@router.post("/v1/score", response_model=ScoreResult, responses=_422, tags=["scoring"])
async def score(body: ScoreRequest, engine: EngineDep, arrival: Arrival) -> ScoreResult:
    """Score one rollout. The verdict is in the body; HTTP errors mean the request itself was wrong."""
    return await engine.score(body, arrival=arrival)


@router.post("/v1/score/batch", response_model=BatchResponse, responses=_422, tags=["scoring"])
async def score_batch(body: BatchRequest, engine: EngineDep, arrival: Arrival) -> BatchResponse:
    """Score many rollouts concurrently; results in request order, a bad item gets its own `error` result.

    `groups` (one reference, N responses each) come back in `groups`, each with its results and stats.
    """
    size, cap = len(body.requests) + responses_in(body.groups), engine.settings.max_batch_size
    if size > cap:
        raise RequestError(f"batch holds {size} rollouts; the limit is {cap}", "requests")
    results, groups = await asyncio.gather(
        engine.score_batch(body.requests, arrival=arrival), engine.score_groups(body.groups, arrival=arrival)
    )
    return BatchResponse(results=results, groups=groups)


@router.get("/v1/verifiers", response_model=VerifiersResponse, tags=["meta"])
async def list_verifiers(engine: EngineDep) -> VerifiersResponse:
    """The scorers this server runs, what each expects as `reference`, their options and health."""
    return VerifiersResponse(verifiers=engine.describe())


@router.head("/healthz", include_in_schema=False)
@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"model": Health, "description": "The server cannot score now (see `pool`)."}},
    tags=["meta"],
)
async def healthz(engine: EngineDep, response: Response) -> Health:
    """Whether this server can score now (its worker pool has live workers); never needs an API key."""
    state = engine.health()
    if not state.get("ok"):
        response.status_code = 503
    return Health(status="ok" if state.get("ok") else "unavailable", version=__version__, pool=state)
