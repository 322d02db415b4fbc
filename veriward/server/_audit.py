"""`POST /v1/audit`: run the reward-hack corpora (or audit rollouts) against this server's own scorers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from veriward.audit import (
    AuditReport,
    CorpusError,
    LocalTarget,
    RolloutReport,
    audit_rollouts,
    load_corpus,
    parse_rollout,
    run_audit,
)
from veriward.errors import RequestError
from veriward.server._deps import EngineDep

router = APIRouter()


class AuditRequest(BaseModel):
    """Which probes to run, or which logged rollouts to audit."""

    model_config = ConfigDict(extra="forbid")

    verifiers: list[str] | None = Field(default=None, description="only the probes of these scorers")
    probes: list[str] | None = Field(default=None, description="only the probes with these ids")
    concurrency: int = Field(default=4, ge=1, le=32, description="probes in flight")
    rollouts: list[Any] | None = Field(
        default=None,
        description="audit these logged rollouts instead ({request, reward} or a flat request with reward)",
    )
    rescore: bool = Field(default=False, description="with rollouts: re-score each one faithfully")


@router.post(
    "/v1/audit",
    response_model=AuditReport | RolloutReport,
    responses={422: {"description": "Unknown probe ids or malformed rollouts."}},
    tags=["audit"],
)
async def audit(body: AuditRequest, request: Request, engine: EngineDep) -> AuditReport | RolloutReport:
    """Run the shipped reward-hack probes against this server's scorers and report every gap."""
    target = LocalTarget(engine, name=str(request.base_url).rstrip("/"))
    if body.rollouts is not None:
        cap = engine.settings.max_batch_size
        if len(body.rollouts) > cap:
            raise RequestError(f"{len(body.rollouts)} rollouts; the limit is {cap}", field="rollouts")
        try:
            rollouts = [parse_rollout(item, n) for n, item in enumerate(body.rollouts, 1)]
        except ValueError as exc:
            raise RequestError(str(exc), field="rollouts") from None
        return await audit_rollouts(
            rollouts, "request body", target=target if body.rescore else None, concurrency=body.concurrency
        )
    try:
        probes = load_corpus(body.verifiers, body.probes)
    except CorpusError as exc:
        raise RequestError(str(exc), field="probes") from None
    return await run_audit(target, probes, concurrency=body.concurrency)
