"""The failure contract every adapter shares: which results carry no verdict, and how that is marked.

A result is *unscored* when veriward could not decide it: verdict `error` (a scorer or its backend failed,
the server stayed overloaded past the client's deadline, the item was malformed). Such a result is never
handed to a trainer as a 0: an adapter skips the sample where its trainer can (`None`, `mask_sample`, a
failed trace) and otherwise sends a configured fallback reward marked `veriward_unscored` in the
trainer's own log fields.
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from veriward.models import GroupResult, ScoreResult, Verdict

# Per-sample flags, the same keys for every sample (trainers stack them into logged columns).
FLAG_KEYS: tuple[str, ...] = (
    "veriward_correct",
    "veriward_incorrect",
    "veriward_invalid",
    "veriward_timeout",
    "veriward_unscored",
)


def unscored(result: ScoreResult) -> bool:
    """Whether veriward could not decide this result (verdict `error`)."""
    return result.verdict == Verdict.ERROR


def flags(result: ScoreResult) -> dict[str, float]:
    """One 0/1 flag per verdict class, `veriward_unscored` for `error`."""
    kind = "unscored" if unscored(result) else result.verdict.value
    return {key: 1.0 if key == f"veriward_{kind}" else 0.0 for key in FLAG_KEYS}


def runs(keys: Sequence[Hashable]) -> list[range]:
    """Consecutive runs of equal keys, in order: how trainers lay out a GRPO group's completions."""
    out: list[range] = []
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            out.append(range(start, i))
            start = i
    return out


@dataclass(frozen=True)
class GroupSummary:
    """What a trainer's log gets from the groups of one call: means over groups, and counts."""

    groups: int
    uniform_frac: float  # groups whose decided rewards are all equal (zero GRPO advantage)
    mean_std: float  # mean within-group reward std
    duplicate_frac: float  # responses that repeat an earlier one of their group
    unscored_frac: float  # responses veriward could not decide

    def metrics(self, prefix: str = "veriward/") -> dict[str, float]:
        return {
            f"{prefix}groups": float(self.groups),
            f"{prefix}uniform_group_frac": self.uniform_frac,
            f"{prefix}group_reward_std": self.mean_std,
            f"{prefix}duplicate_frac": self.duplicate_frac,
            f"{prefix}unscored_frac": self.unscored_frac,
        }


def summarize(groups: Sequence[GroupResult]) -> GroupSummary:
    """Means over `groups` of the server's group stats."""
    n = sum(g.stats.n for g in groups)
    if not groups or not n:
        return GroupSummary(0, 0.0, 0.0, 0.0, 0.0)
    repeats = sum(len(ix) - 1 for g in groups for ix in g.stats.duplicates)
    failed = sum(1 for g in groups for r in g.results if unscored(r))
    return GroupSummary(
        groups=len(groups),
        uniform_frac=sum(1.0 for g in groups if g.stats.uniform) / len(groups),
        mean_std=statistics.fmean(g.stats.std for g in groups),
        duplicate_frac=repeats / n,
        unscored_frac=failed / n,
    )


def decided_mean(group: GroupResult) -> float | None:
    """The mean reward of the group's decided responses; None when none was decided."""
    scores = [r.score for r in group.results if not unscored(r)]
    return statistics.fmean(scores) if scores else None
