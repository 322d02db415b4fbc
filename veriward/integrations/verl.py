"""verl: `compute_score` for its per-sample reward managers and `compute_score_batch` for the batch one.

Point verl's `custom_reward_function.path` at this file (or a two-line file importing from it) and set
`custom_reward_function.name` to `compute_score` (naive/prime managers) or `compute_score_batch`
(`reward_model.reward_manager=batch`). Options arrive as `custom_reward_function.reward_kwargs`:
`sources` (data_source -> scorer, tried before the defaults), `on_error`, `url`, `options`.

Each rollout's scorer is found from its `data_source`: the `sources` table, then `VERIWARD_VERL_SOURCES`
(a JSON object), then a data_source that names a scorer (`math`, `code`, `lean`, `prm`), then the
built-in table of common datasets below (exact name, then prefix). An unknown data_source raises: a
silently mis-scored dataset is worse than a stopped run.

Code ground truth in verl's own shape (`{"inputs": [...], "outputs": [...]}`, the apps, codecontests and
taco data sources) is sent as the code scorer's `apps` format (see `code_reference`).

verl cannot drop a sample, so when veriward cannot score one (verdict `error`) the default
`on_error="raise"` stops the step with the reason; `on_error="zero"` scores it 0 and flags it in the
logged `veriward_error` column instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from veriward.client import Client, default_client
from veriward.errors import VeriwardError
from veriward.models import ScoreResult, Verdict

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
    return value.tolist() if hasattr(value, "tolist") else value


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


def _reference(scorer: str, truth: Any) -> Any:
    truth = _plain(truth)
    return code_reference(truth) if scorer == "code" else truth


def _row(result: ScoreResult, on_error: str) -> dict[str, Any]:
    failed = result.verdict == Verdict.ERROR
    if failed and on_error == "raise":
        raise VeriwardError(f"veriward could not score a rollout: {result.reason}")
    # Same keys for every row: verl stacks them into logged columns.
    return {
        "score": float(result.score),
        "correct": 1.0 if result.verdict == Verdict.CORRECT else 0.0,
        "veriward_error": 1.0 if failed else 0.0,
    }


def compute_score_batch(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Any] | None = None,
    *,
    sources: Mapping[str, str] | None = None,
    on_error: str = "raise",
    url: str | None = None,
    options: Mapping[str, Any] | None = None,
    client: Client | None = None,
    **_: Any,
) -> list[dict[str, Any]]:
    """Score a whole batch in one go (verl's batch reward manager); one dict per rollout, in order."""
    if on_error not in ("raise", "zero"):
        raise ValueError("on_error must be 'raise' or 'zero'")
    requests = []
    for source, solution, truth in zip(data_sources, solution_strs, ground_truths, strict=True):
        scorer = scorer_for(str(source), sources)
        request: dict[str, Any] = {
            "verifier": scorer,
            "response": solution,
            "reference": _reference(scorer, truth),
        }
        if options:
            request["options"] = dict(options)
        requests.append(request)
    results = (client or _client(url)).score_many(requests)
    return [_row(r, on_error) for r in results]


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Score one rollout (verl's naive/prime managers): `{"score", "correct", "veriward_error"}`."""
    return compute_score_batch([data_source], [solution_str], [ground_truth], [extra_info], **kwargs)[0]
