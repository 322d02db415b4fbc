"""Groups: one reference with N responses (a GRPO group), scored as N requests and summarised."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any

from pydantic import ValidationError

from veriward.errors import RequestError
from veriward.models import GroupRequest, GroupStats, ScoreResult

__all__ = ["expand", "group_stats", "parse_group", "responses_in"]


def responses_in(groups: list[Any]) -> int:
    """How many rollouts `groups` hold, as sent (a malformed group counts one)."""
    return sum(len(g.get("responses") or []) if isinstance(g, dict) else 1 for g in groups)


def parse_group(raw: Any, index: int) -> GroupRequest:
    """A group as sent; `RequestError` naming `groups.<index>.<field>` otherwise."""
    if not isinstance(raw, dict):
        raise RequestError(f"groups[{index}] must be an object", field=f"groups.{index}")
    try:
        return GroupRequest.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors(include_input=False, include_url=False)[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise RequestError(f"groups.{index}.{loc}: {err['msg']}", field=f"groups.{index}.{loc}") from None


def expand(group: GroupRequest) -> list[dict[str, Any]]:
    """The group's responses as score requests, ids `<group_id>/<index>` when the group has an id."""
    out = []
    for i, response in enumerate(group.responses):
        item: dict[str, Any] = {
            "verifier": group.verifier,
            "response": response,
            "reference": group.reference,
            "options": group.options,
            "metadata": group.metadata,
        }
        if group.group_id is not None:
            item["id"] = f"{group.group_id}/{i}"
        if group.timeout_s is not None:
            item["timeout_s"] = group.timeout_s
        out.append(item)
    return out


def group_stats(results: list[ScoreResult], normalized: list[str]) -> GroupStats:
    """Mean, spread, verdict counts, whether the rewards are uniform, and which responses repeat."""
    scores = [r.score for r in results]
    same: defaultdict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(normalized):
        same[text].append(i)
    return GroupStats(
        n=len(scores),
        mean=statistics.fmean(scores) if scores else 0.0,
        std=statistics.pstdev(scores) if scores else 0.0,
        min=min(scores, default=0.0),
        max=max(scores, default=0.0),
        verdicts=dict(Counter(r.verdict.value for r in results)),
        uniform=len(set(scores)) <= 1,
        duplicates=[ix for ix in same.values() if len(ix) > 1],
    )
