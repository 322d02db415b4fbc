"""The audit reports: one row per probe (or a pattern tally per rollout log), as JSON-ready models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

# held: a hack scored no more than its ceiling; gap: it scored more (or with a verdict it may not have);
# ok / miss: a control reached / missed its floor; skipped: the scorer is not served; rejected: the
# request was refused (4xx) although the probe expects an answer; failed: the transport failed;
# unexercised: the scorer answered `error` (it could not run: no toolchain, no sandbox), so the hack was
# never tried: not a gap, and not held either.
Status = Literal["held", "gap", "ok", "miss", "skipped", "rejected", "failed", "unexercised"]
STATUSES: tuple[Status, ...] = ("held", "gap", "ok", "miss", "skipped", "rejected", "failed", "unexercised")


class ProbeRow(BaseModel):
    id: str
    scorer: str
    family: str
    kind: Literal["hack", "control"]
    description: str
    source: list[str]
    status: Status
    score: float | None = Field(default=None, description="the score the scorer gave")
    verdict: str | None = None
    ceiling: float = Field(description="effective ceiling: the probe's, capped by its baseline's score")
    floor: float | None = None
    gap: float = Field(default=0.0, description="score above the ceiling (0 when held)")
    why: str = Field(default="", description="what made it a gap, miss, skip or rejection")
    reason: str = Field(default="", description="the scorer's own reason")
    elapsed_s: float | None = None


class AuditReport(BaseModel):
    """The result of running the corpora against one target."""

    kind: Literal["probes"] = "probes"
    target: str
    verifiers: list[str] = Field(description="scorers the target serves")
    started_at: str
    elapsed_s: float
    probes: list[ProbeRow]
    gaps: int
    misses: int = 0
    skipped: int = 0
    rejected: int = 0
    failed: int = 0
    unexercised: int = 0
    notes: list[str] = Field(default_factory=list)
    sources: dict[str, dict[str, str]] = Field(default_factory=dict)

    def by_scorer(self) -> dict[str, dict[str, int]]:
        """Per scorer, how many rows ended in each status."""
        out: dict[str, dict[str, int]] = {}
        for row in self.probes:
            counts = out.setdefault(row.scorer, dict.fromkeys(STATUSES, 0))
            counts[row.status] += 1
        return out

    def exit_code(self) -> int:
        """0 iff no gap; 1 when a gap was found; 2 when no gap was found but some probes could not run."""
        if self.gaps:
            return 1
        return 2 if self.failed or self.unexercised else 0


class PatternHit(BaseModel):
    scorer: str
    pattern: str
    description: str
    count: int
    ids: list[str]


class RescoredRollout(BaseModel):
    id: str
    verifier: str
    given: float | None
    faithful: float | None
    verdict: str | None
    reason: str
    patterns: list[str]
    inflated: bool = Field(description="the reward given exceeds the faithful one")
    changed: bool = Field(default=False, description="the faithful reward differs from the one logged")
    old_verdict: str | None = Field(default=None, description="the logged result's verdict")
    old_reason: str | None = Field(default=None, description="the logged result's reason")
    old_scorer: str | None = Field(default=None, description="the scorer that decided the logged result")
    new_scorer: str | None = Field(default=None, description="the scorer that re-scored it")


class VersionChange(BaseModel):
    """Re-scores of rollouts a given scorer version decided, by the scorer that re-scored them."""

    old: str
    new: str
    rescored: int
    changed: int = Field(description="rewards that differ between the two")


class RolloutReport(BaseModel):
    """Suspicious patterns in a user's logged rollouts, optionally with faithful re-scores."""

    kind: Literal["rollouts"] = "rollouts"
    source: str
    rollouts: int
    flagged: int = Field(description="rollouts matching at least one pattern")
    patterns: list[PatternHit]
    flags: dict[str, list[str]] = Field(default_factory=dict, description="rollout id -> patterns matched")
    bad_lines: list[str] = Field(default_factory=list)
    rescored: list[RescoredRollout] = Field(default_factory=list)
    inflated: int = 0
    changed: int = Field(default=0, description="re-scored rewards that differ from the logged ones")
    by_version: list[VersionChange] = Field(default_factory=list)
    groups: int = Field(default=0, description="groups (by `group_id`) among the logged rollouts")
    uniform_groups: int = Field(default=0, description="groups whose logged rewards were all equal")
    notes: list[str] = Field(default_factory=list)

    def exit_code(self) -> int:
        return 1 if self.inflated else 0


def report_json(report: AuditReport | RolloutReport) -> dict[str, Any]:
    return report.model_dump(mode="json")
