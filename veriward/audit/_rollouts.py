"""Audit a user's logged rollouts: flag suspicious patterns, optionally re-score faithfully."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

from veriward.audit._patterns import PATTERNS, flags
from veriward.audit._report import PatternHit, RescoredRollout, RolloutReport, VersionChange
from veriward.audit._targets import Target

_EPS = 1e-6
_REWARD_KEYS = ("reward", "score", "given")
# Only the contract's fields are sent back for re-scoring; a log's own fields (step, epoch...) are not.
_REQUEST_KEYS = frozenset({"verifier", "response", "reference", "options", "timeout_s", "metadata"})


class Rollout:
    """One logged rollout: the score request, the reward the trainer gave it, and the logged result
    (its verdict, reason and the scorer that decided), when the log kept one."""

    def __init__(
        self,
        rid: str,
        request: dict[str, Any],
        given: float | None,
        result: dict[str, Any] | None = None,
        group: str | None = None,
    ) -> None:
        self.id = rid
        self.request = request
        self.given = given
        self.result = result or {}
        self.group = group


def parse_rollout(item: Any, index: int) -> Rollout:
    """Accept `{"id", "request": {...}, "reward"}` or a flat request with a `reward` (or `score`) field."""
    if not isinstance(item, dict):
        raise ValueError(f"rollout {index}: expected a JSON object, got {type(item).__name__}")
    if isinstance(item.get("request"), dict):
        request = dict(item["request"])
        rest = item
    else:
        request = {k: v for k, v in item.items() if k not in (*_REWARD_KEYS, "result")}
        rest = item
    if not isinstance(request.get("verifier"), str) or not isinstance(request.get("response"), str):
        raise ValueError(f"rollout {index}: needs a `verifier` and a `response` string")
    given, logged = None, rest.get("result") if isinstance(rest.get("result"), dict) else None
    for key in (*_REWARD_KEYS, "result"):
        value = rest.get(key)
        if isinstance(value, dict):  # a logged ScoreResult
            logged = logged or value
            value = value.get("score")
        if isinstance(value, int | float) and not isinstance(value, bool):
            given = float(value)
            break
    rid = rest.get("id") or request.get("id") or f"line-{index}"
    group = rest.get("group_id") or (request.get("metadata") or {}).get("group_id")
    return Rollout(str(rid), request, given, logged, str(group) if group is not None else None)


def read_jsonl(lines: Iterable[str]) -> tuple[list[Rollout], list[str]]:
    """Rollouts from JSONL text; malformed lines are reported, never fatal."""
    rollouts, bad = [], []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rollouts.append(parse_rollout(json.loads(line), n))
        except (json.JSONDecodeError, ValueError) as exc:
            bad.append(f"line {n}: {exc}")
    return rollouts, bad


def _scorer_name(scorer: Any) -> str | None:
    """`math 0.1.0 policy 1a2b...`: how a report names the scorer that decided (None if unknown)."""
    if not isinstance(scorer, dict):
        return None
    return f"{scorer.get('name', '?')} {scorer.get('version', '?')} policy {scorer.get('policy', '?')}"


def _by_version(rescored: list[RescoredRollout]) -> list[VersionChange]:
    """Per (old scorer, new scorer): how many rollouts were re-scored and how many rewards changed."""
    tally: dict[tuple[str, str], list[int]] = {}
    for r in rescored:
        key = (r.old_scorer or "unknown (not logged)", r.new_scorer or "unknown")
        counts = tally.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += r.changed
    return [VersionChange(old=o, new=n, rescored=a, changed=c) for (o, n), (a, c) in sorted(tally.items())]


def _group_tally(rollouts: list[Rollout]) -> tuple[int, int]:
    """(groups, uniform groups) among rollouts that carry a group id and a logged reward."""
    rewards: dict[str, set[float]] = {}
    for r in rollouts:
        if r.group is not None and r.given is not None:
            rewards.setdefault(r.group, set()).add(round(r.given, 9))
    return len(rewards), sum(len(v) == 1 for v in rewards.values())


def _options(request: dict[str, Any]) -> dict[str, Any]:
    opts = request.get("options")
    return opts if isinstance(opts, dict) else {}


async def _rescore(
    target: Target, rollouts: list[Rollout], hits: dict[str, list[str]], concurrency: int
) -> list[RescoredRollout]:
    sem = asyncio.Semaphore(max(1, concurrency))

    async def one(r: Rollout) -> RescoredRollout:
        body = {k: v for k, v in r.request.items() if k in _REQUEST_KEYS}
        async with sem:
            scored = await target.score(body)
        res = scored.result or {}
        faithful = float(res["score"]) if "score" in res else None
        reason = str(res.get("reason", "")) or scored.rejected or scored.failed or ""
        inflated = r.given is not None and faithful is not None and r.given > faithful + _EPS
        changed = faithful is not None and r.given is not None and abs(r.given - faithful) > _EPS
        return RescoredRollout(
            id=r.id,
            verifier=str(r.request["verifier"]),
            given=r.given,
            faithful=faithful,
            verdict=res.get("verdict"),
            reason=reason[:300],
            patterns=hits.get(r.id, []),
            inflated=inflated,
            changed=changed,
            old_verdict=r.result.get("verdict"),
            old_reason=str(r.result.get("reason", ""))[:300] or None,
            old_scorer=_scorer_name(r.result.get("scorer")),
            new_scorer=_scorer_name(res.get("scorer")),
        )

    return list(await asyncio.gather(*(one(r) for r in rollouts)))


async def audit_rollouts(
    rollouts: list[Rollout],
    source: str = "rollouts",
    bad_lines: list[str] | None = None,
    target: Target | None = None,
    concurrency: int = 8,
) -> RolloutReport:
    """Flag every rollout by pattern; with a target, also re-score each one and compare rewards."""
    hits: dict[str, list[str]] = {}
    ids_by_pattern: dict[tuple[str, str], list[str]] = {(p.scorer, p.name): [] for p in PATTERNS}
    for r in rollouts:
        verifier = str(r.request["verifier"])
        matched = flags(verifier, r.request["response"], r.request.get("reference"), _options(r.request))
        if matched:
            hits[r.id] = [f"{verifier}/{m}" for m in matched]
        for m in matched:
            ids_by_pattern[(verifier, m)].append(r.id)
    patterns = [
        PatternHit(scorer=p.scorer, pattern=p.name, description=p.description, count=len(ids), ids=ids)
        for p in PATTERNS
        if (ids := ids_by_pattern[(p.scorer, p.name)])
    ]
    groups, uniform = _group_tally(rollouts)
    report = RolloutReport(
        source=source,
        rollouts=len(rollouts),
        groups=groups,
        uniform_groups=uniform,
        flagged=len(hits),
        patterns=sorted(patterns, key=lambda h: -h.count),
        flags=hits,
        bad_lines=bad_lines or [],
    )
    if target is not None:
        served = set(await target.verifiers())
        todo = [r for r in rollouts if r.request["verifier"] in served]
        skipped = len(rollouts) - len(todo)
        if skipped:
            report.notes.append(
                f"{skipped} rollouts name scorers {target.name} does not serve; not re-scored"
            )
        report.rescored = await _rescore(target, todo, hits, concurrency)
        report.inflated = sum(r.inflated for r in report.rescored)
        report.changed = sum(r.changed for r in report.rescored)
        report.by_version = _by_version(report.rescored)
    return report
