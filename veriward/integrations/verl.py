"""verl (0.9): `compute_score` and `compute_score_async` for the reward loop's managers (`naive`, `dapo`).

Point `reward.custom_reward_function.path` (or the old top-level `custom_reward_function.path`) at this file
or a two-line file importing from it, and `name` at `compute_score` or `compute_score_async`. Options come as
`reward_kwargs`: `sources` (data_source -> scorer, tried before the defaults), `on_error`, `fallback`, `url`,
`options`, and for the async form `window_s`.

verl 0.9's reward loop calls the function once per rollout, all of a batch at once; `compute_score_async`
(a coroutine, which verl awaits on its loop) collects the calls that arrive within `window_s` and sends them
as groups: the rollouts of one prompt (same data_source, ground truth and `extra_info.index`) form a group,
identical responses in it are scored once, and each row carries its group's stats (`veriward_group_std`,
`veriward_group_uniform`, `veriward_duplicate`), which verl logs with the other reward columns.

Code ground truth in verl's own shape (`{"inputs": [...], "outputs": [...]}`, the apps, codecontests and
taco data sources) is sent as the code scorer's `apps` format (see `code_reference`).

Each rollout's scorer is found from its `data_source`: the `sources` table, then `VERIWARD_VERL_SOURCES` (a
JSON object), then a data_source that names a scorer (`math`, `code`, `lean`, `prm`), then the built-in
table of common datasets below (exact name, then prefix). An unknown data_source raises: a silently
mis-scored dataset is worse than a stopped run.

Failure contract: verl cannot drop a rollout. One veriward could not decide (verdict `error`) gets the
`fallback` reward (0.0, or `"group_mean"`: the mean of its group's decided rewards, which gives it no GRPO
advantage) and `veriward_unscored = 1` in its row; `on_error="raise"` stops the step instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Literal

from veriward.client import Client, default_client
from veriward.errors import VeriwardError
from veriward.integrations._contract import decided_mean, unscored
from veriward.integrations._verl_batch import Batcher
from veriward.models import GroupResult, ScoreResult, Verdict

SCORER_NAMES = frozenset({"math", "code", "lean", "prm"})

# Exact data_source names used by verl's examples and common RLVR datasets.
DEFAULT_SOURCES: dict[str, str] = {
    "openai/gsm8k": "math",
    "lighteval/MATH": "math",
    "DigitalLearningGmbH/MATH-lighteval": "math",
    "HuggingFaceH4/MATH-500": "math",
    "math_dapo": "math",
    "math_dapo_reasoning": "math",
    "AI-MO/NuminaMath-CoT": "math",
}
# Prefixes, tried in order, for dataset families with many variants.
DEFAULT_PREFIXES: tuple[tuple[str, str], ...] = (
    ("numina_", "math"),
    ("aime", "math"),
    ("amc", "math"),
    ("codecontests", "code"),
    ("apps", "code"),
    ("codeforces", "code"),
    ("taco", "code"),
    ("livecodebench", "code"),
)

OnError = Literal["fallback", "raise"]
Fallback = float | Literal["group_mean"]

_clients: dict[str, Client] = {}


def scorer_for(data_source: str, sources: Mapping[str, str] | None = None) -> str:
    """The scorer name for a data_source; `ValueError` naming the fix when there is none."""
    if sources and data_source in sources:
        return sources[data_source]
    env = os.environ.get("VERIWARD_VERL_SOURCES")
    if env:
        table = json.loads(env)
        if data_source in table:
            return str(table[data_source])
    if data_source in SCORER_NAMES:
        return data_source
    if data_source in DEFAULT_SOURCES:
        return DEFAULT_SOURCES[data_source]
    for prefix, scorer in DEFAULT_PREFIXES:
        if data_source.startswith(prefix):
            return scorer
    raise ValueError(
        f"no veriward scorer for data_source {data_source!r}: add it to reward_kwargs.sources "
        "or to VERIWARD_VERL_SOURCES (a JSON object data_source -> scorer)"
    )


def _client(url: str | None) -> Client:
    if url is None:
        return default_client()
    if url not in _clients:
        _clients[url] = Client(url)
    return _clients[url]


def _plain(value: Any) -> Any:
    # verl carries non-tensor fields as numpy objects; the wire wants JSON.
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def code_reference(truth: Any) -> Any:
    """verl's own code ground truth (data sources apps, codecontests, taco: `{"inputs": [...], "outputs":
    [...]}` with an optional `fn_name`, or its JSON text) as the code scorer's `apps` dataset format; any
    other ground truth (a JSON text decoded) goes to the code scorer as it is."""
    obj = truth
    if isinstance(truth, str) and truth.lstrip().startswith("{"):
        try:
            obj = json.loads(truth)
        except (ValueError, RecursionError):
            return truth
    if isinstance(obj, Mapping) and "inputs" in obj and "outputs" in obj and "format" not in obj:
        return {"format": "apps", "input_output": dict(obj)}
    return obj


def _check(on_error: str, fallback: Any) -> None:
    if on_error not in ("fallback", "raise"):
        raise ValueError("on_error must be 'fallback' or 'raise'")
    if fallback != "group_mean" and not isinstance(fallback, int | float):
        raise ValueError("fallback must be a number or 'group_mean'")


def request_for(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    sources: Mapping[str, str] | None = None,
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    scorer = scorer_for(str(data_source), sources)
    truth = _plain(ground_truth)
    request: dict[str, Any] = {
        "verifier": scorer,
        "response": solution_str,
        "reference": code_reference(truth) if scorer == "code" else truth,
    }
    if options:
        request["options"] = dict(options)
    return request


def row(
    result: ScoreResult, on_error: str, fallback: Fallback, group: GroupResult | None = None
) -> dict[str, Any]:
    """The dict verl stores for one rollout: `score` is its reward, every other key a logged column."""
    failed = unscored(result)
    if failed and on_error == "raise":
        raise VeriwardError(f"veriward could not score a rollout: {result.reason}")
    score = float(result.score)
    if failed:
        mean = decided_mean(group) if group is not None and fallback == "group_mean" else None
        score = mean if mean is not None else (0.0 if fallback == "group_mean" else float(fallback))
    return {
        "score": score,
        "correct": 1.0 if result.verdict == Verdict.CORRECT else 0.0,
        "veriward_unscored": 1.0 if failed else 0.0,
    }


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    *,
    sources: Mapping[str, str] | None = None,
    on_error: OnError = "fallback",
    fallback: Fallback = 0.0,
    url: str | None = None,
    options: Mapping[str, Any] | None = None,
    client: Client | None = None,
    **_: Any,
) -> dict[str, Any]:
    """Score one rollout: `{"score", "correct", "veriward_unscored"}`."""
    _check(on_error, fallback)
    request = request_for(data_source, solution_str, ground_truth, sources, options)
    result = (client or _client(url)).score_many([request])[0]
    return row(result, on_error, fallback)


_batchers: dict[tuple[str | None, float], Batcher] = {}


async def compute_score_async(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    *,
    sources: Mapping[str, str] | None = None,
    on_error: OnError = "fallback",
    fallback: Fallback = 0.0,
    url: str | None = None,
    options: Mapping[str, Any] | None = None,
    window_s: float = 0.05,
    **_: Any,
) -> dict[str, Any]:
    """Score one rollout together with the others arriving within `window_s`, grouped by prompt."""
    _check(on_error, fallback)
    request = request_for(data_source, solution_str, ground_truth, sources, options)
    index = extra_info.get("index") if isinstance(extra_info, Mapping) else None
    key = json.dumps([str(data_source), _plain(index)], default=repr)
    batcher = _batchers.setdefault((url, window_s), Batcher(url, window_s))
    result, group, position = await batcher.submit(request, key)
    out = row(result, on_error, fallback, group)
    out["veriward_group_std"] = float(group.stats.std)
    out["veriward_group_uniform"] = 1.0 if group.stats.uniform else 0.0
    out["veriward_duplicate"] = 1.0 if any(position in ix[1:] for ix in group.stats.duplicates) else 0.0
    return out


__all__ = ["compute_score", "compute_score_async", "scorer_for"]
