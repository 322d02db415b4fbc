"""Run probes against a target and judge each answer against its ceiling."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Callable

from veriward.audit._corpus import Probe, build_body, sources
from veriward.audit._report import AuditReport, ProbeRow
from veriward.audit._targets import Scored, Target

# Scores are floats that went through JSON; anything this close to the ceiling is at the ceiling.
_EPS = 1e-6


def _row(probe: Probe, ceiling: float, **fields: object) -> ProbeRow:
    return ProbeRow(
        id=probe.id,
        scorer=probe.scorer,
        family=probe.family,
        kind="control" if probe.floor is not None else "hack",
        description=probe.description,
        source=probe.source,
        ceiling=ceiling,
        floor=probe.floor,
        **fields,  # type: ignore[arg-type]
    )


def _verdict_problem(probe: Probe, ceiling: float, verdict: str) -> str:
    if probe.verdicts is not None:
        allowed = [v.value for v in probe.verdicts]
        if verdict not in allowed:
            return f"verdict {verdict!r} is not one of {allowed}"
    elif verdict == "correct" and ceiling < 1.0 and probe.floor is None:
        return "verdict 'correct' on a probe an honest answer cannot get right"
    return ""


def judge(probe: Probe, scored: Scored, ceiling: float) -> ProbeRow:
    """Turn one answer into a row: held/gap for hacks, ok/miss for controls."""
    if scored.failed is not None:
        return _row(probe, ceiling, status="failed", why=scored.failed, elapsed_s=scored.elapsed_s)
    if scored.rejected is not None:
        status = "held" if probe.may_reject and probe.floor is None else "rejected"
        return _row(
            probe,
            ceiling,
            status=status,
            why=f"request refused: {scored.rejected}",
            elapsed_s=scored.elapsed_s,
        )
    result = scored.result or {}
    score = float(result.get("score", 0.0))
    verdict = str(result.get("verdict", ""))
    problems = []
    if score > ceiling + _EPS:
        problems.append(f"scored {score:g} > ceiling {ceiling:g}")
    if bad := _verdict_problem(probe, ceiling, verdict):
        problems.append(bad)
    if probe.max_elapsed_s is not None and scored.elapsed_s > probe.max_elapsed_s:
        problems.append(f"answered after {scored.elapsed_s:.2f} s > {probe.max_elapsed_s:g} s")
    if probe.floor is not None:
        if score + _EPS < probe.floor:
            problems.append(f"an honest answer scored {score:g} < floor {probe.floor:g}")
        status = "miss" if problems else "ok"
    elif problems:
        status = "gap"
    else:
        # `error` is infrastructure: the scorer did not run, so the hack was not tried.
        status = "unexercised" if verdict == "error" else "held"
    return _row(
        probe,
        ceiling,
        status=status,
        score=score,
        verdict=verdict,
        gap=max(0.0, score - ceiling) if status == "gap" else 0.0,
        why="; ".join(problems),
        reason=str(result.get("reason", ""))[:300],
        elapsed_s=round(scored.elapsed_s, 3),
    )


async def run_probe(target: Target, probe: Probe, run_token: str = "") -> ProbeRow:
    """Send one probe (and its baseline, if any) and judge the answer."""
    ceiling = probe.ceiling
    if probe.baseline is not None:
        base = await target.score(build_body(probe.scorer, probe.baseline, probe.id + ".baseline"))
        if base.result is None:
            why = base.rejected or base.failed or "no result"
            return _row(probe, ceiling, status="failed", why=f"baseline request failed: {why}")
        ceiling = min(ceiling, float(base.result.get("score", 0.0)))
    return judge(probe, await target.score(probe.body(run_token)), ceiling)


async def run_audit(
    target: Target,
    probes: list[Probe],
    concurrency: int = 4,
    progress: Callable[[ProbeRow], None] | None = None,
) -> AuditReport:
    """Run probes (phase 1 concurrently, then phase 2) and collect the report; skips unserved scorers."""
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    t0 = time.monotonic()
    served = await target.verifiers()
    rows: dict[str, ProbeRow] = {}
    notes = []
    missing = sorted({p.scorer for p in probes} - set(served))
    for name in missing:
        count = sum(p.scorer == name for p in probes)
        notes.append(f"scorer {name!r} is not served by {target.name}: its {count} probes were skipped")
    sem = asyncio.Semaphore(max(1, concurrency))
    token = uuid.uuid4().hex[:12]

    async def one(probe: Probe) -> None:
        if probe.scorer not in served:
            row = _row(probe, probe.ceiling, status="skipped", why=f"scorer {probe.scorer!r} not served")
        else:
            async with sem:
                row = await run_probe(target, probe, token)
        rows[probe.id] = row
        if progress is not None:
            progress(row)

    for phase in (1, 2):
        await asyncio.gather(*(one(p) for p in probes if p.phase == phase))
    ordered = [rows[p.id] for p in probes]
    cited = sorted({s for p in probes for s in p.source})
    all_sources = sources()
    return AuditReport(
        target=target.name,
        verifiers=sorted(served),
        started_at=started,
        elapsed_s=round(time.monotonic() - t0, 3),
        probes=ordered,
        gaps=sum(r.status == "gap" for r in ordered),
        misses=sum(r.status == "miss" for r in ordered),
        skipped=sum(r.status == "skipped" for r in ordered),
        rejected=sum(r.status == "rejected" for r in ordered),
        failed=sum(r.status == "failed" for r in ordered),
        unexercised=sum(r.status == "unexercised" for r in ordered),
        notes=notes,
        sources={k: all_sources[k] for k in cited},
    )
