"""Turning per-step scores into one reward that inserting steps can never raise.

Each step is `counted` (it always enters the reward) or optional (it enters only where it lowers the
aggregate). Counted: a step with a false claim, and a step a model scored that is not padding. Optional:
everything else, and in particular every step the symbolic checker verified, since checked arithmetic
says a step is right, not that it is needed (trivial true arithmetic would otherwise buy reward).

The reward is the lowest aggregate over the counted steps plus any choice of optional ones. Inserting a
step anywhere only adds a choice (an optional step) or a counted step that is false (0), so the reward
never rises under any aggregation, provided the steps already there keep their scores (verdicts are
local: see `_symbolic`). Under `min` and `product` every step enters; `mean` takes the optional steps
below the mean; `last` is the last counted step's score, or a lower optional step after it (with nothing
counted, the lowest step: any step could be last).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

Aggregation = Literal["min", "product", "mean", "last"]


def aggregate(scores: Sequence[float], how: Aggregation) -> float:
    """One value in [0, 1] from step scores in step order."""
    if not scores:
        return 0.0
    if how == "min":
        return min(scores)
    if how == "product":
        return math.prod(scores)
    if how == "mean":
        return sum(scores) / len(scores)
    return scores[-1]


def reward(scores: Sequence[float], counted: Sequence[bool], how: Aggregation) -> tuple[float, list[bool]]:
    """The reward and, per step, whether it entered it (see the module docstring)."""
    n = len(scores)
    if n == 0:
        return 0.0, []
    if how in ("min", "product"):
        return aggregate(scores, how), [True] * n
    fixed = [i for i in range(n) if counted[i]]
    if not fixed:
        low = min(range(n), key=lambda i: (scores[i], i))
        return scores[low], [i == low for i in range(n)]
    entered = list(counted)
    if how == "last":
        last = fixed[-1]
        later = [j for j in range(last + 1, n) if scores[j] < scores[last]]
        if not later:
            return scores[last], entered
        low = min(later, key=lambda j: (scores[j], j))
        entered[low] = True
        return scores[low], entered
    total, count = sum(scores[i] for i in fixed), len(fixed)
    for j in sorted((j for j in range(n) if not counted[j]), key=lambda j: scores[j]):
        if scores[j] * count >= total:
            break  # the optional steps are sorted: none further lowers the mean
        total, count = total + scores[j], count + 1
        entered[j] = True
    return total / count, entered
