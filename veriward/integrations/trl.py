"""TRL: reward functions for `GRPOTrainer(reward_funcs=...)` that score through a veriward server.

TRL calls a reward function as `f(prompts, completions, **columns)` where `columns` holds the dataset's
other columns (one value per completion) and returns one reward per completion. A completion is a string,
or for conversational datasets a list of chat messages whose last assistant message is scored.

GRPO lays out each prompt's `num_generations` completions consecutively, so consecutive completions of the
same prompt (and the same scorer, reference and options), at most `num_generations` of them when given, are
sent as one group: identical completions are
scored once, and the group stats reach TRL's log through its `log_metric` hook (`veriward/uniform_group_frac`,
`veriward/group_reward_std`, `veriward/duplicate_frac`, `veriward/unscored_frac`, `veriward/groups`).

Failure contract: a completion veriward could not decide (verdict `error`: a scorer failure, a server
still overloaded or unreachable at the client's deadline, a malformed item) gets `None`, which TRL
excludes from the group baseline and gives no advantage. A 429 is retried by the client after
`Retry-After`; a request the server refuses (a 4xx other than 429) raises `ClientError`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from veriward.client import DROP_VERDICTS, AsyncClient, Client, default_async_client, default_client, reward
from veriward.integrations._common import as_groups, completion_text, label_request, stable_key, ungroup
from veriward.integrations._contract import summarize
from veriward.models import GroupResult, ScoreResult

RewardFn = Callable[..., list[float | None]]
AsyncRewardFn = Callable[..., Coroutine[Any, Any, list[float | None]]]
Spans = list[tuple[range, dict[str, Any]]]


def _spans(
    verifier: str,
    reference_column: str,
    options: Mapping[str, Any] | None,
    prompts: Sequence[Any],
    completions: Sequence[Any],
    columns: Mapping[str, Any],
    num_generations: int | None,
) -> tuple[int, Spans]:
    if reference_column not in columns:
        known = ", ".join(sorted(k for k in columns if not k.startswith(("trainer_", "log_"))))
        raise KeyError(f"no dataset column {reference_column!r} for the reference; columns: {known}")
    requests = []
    for c, ref in zip(completions, columns[reference_column], strict=True):
        request = label_request(ref, verifier)
        if options and "options" not in request:
            request["options"] = dict(options)
        requests.append({**request, "response": completion_text(c)})
    keys = [stable_key(p) for p in prompts] if len(prompts) == len(requests) else [""] * len(requests)
    return len(requests), as_groups(requests, keys, num_generations)


def _report(
    results: Sequence[ScoreResult], groups: Sequence[GroupResult], columns: Mapping[str, Any]
) -> None:
    # TRL hands reward functions `log_metric`/`log_extra`: group stats become metrics, verdicts a column.
    log_metric = columns.get("log_metric")
    if callable(log_metric) and results:
        for name, value in summarize(groups).metrics().items():
            log_metric(name, value)
    log_extra = columns.get("log_extra")
    if callable(log_extra):
        log_extra("veriward_verdict", [r.verdict.value for r in results])


def _name(fn: Callable[..., Any], verifier: str, name: str | None) -> None:
    # TRL logs each reward function under its __name__ (e.g. rewards/veriward_math/mean).
    fn.__name__ = fn.__qualname__ = name or f"veriward_{verifier}"


def reward_function(
    verifier: str = "math",
    reference_column: str = "answer",
    *,
    options: Mapping[str, Any] | None = None,
    client: Client | None = None,
    url: str | None = None,
    drop: frozenset[str] = DROP_VERDICTS,
    name: str | None = None,
    num_generations: int | None = None,
) -> RewardFn:
    """A synchronous TRL reward function scoring with `verifier` against column `reference_column`.

    A reference that is an object with a `verifier` key (or a JSON string of one) picks its own scorer,
    reference and options. Rewards are the scores; a verdict in `drop` (by default `error`) gets `None`.
    Uses `client`, or a client for `url`, or the process-wide client configured from `VERIWARD_URL`.
    Pass GRPOConfig's `num_generations` so that a prompt repeated in consecutive rows makes several groups.
    """
    own = client or (Client(url) if url else None)

    def veriward_reward(
        prompts: Sequence[Any], completions: Sequence[Any], **columns: Any
    ) -> list[float | None]:
        n, spans = _spans(verifier, reference_column, options, prompts, completions, columns, num_generations)
        groups = (own or default_client()).score_groups([body for _, body in spans])
        results = ungroup(n, spans, groups)
        _report(results, groups, columns)
        return [reward(r, drop) for r in results]

    _name(veriward_reward, verifier, name)
    return veriward_reward


def async_reward_function(
    verifier: str = "math",
    reference_column: str = "answer",
    *,
    options: Mapping[str, Any] | None = None,
    client: AsyncClient | None = None,
    url: str | None = None,
    drop: frozenset[str] = DROP_VERDICTS,
    name: str | None = None,
    num_generations: int | None = None,
) -> AsyncRewardFn:
    """The async form of `reward_function`: TRL awaits async reward functions concurrently."""
    own = client or (AsyncClient(url) if url else None)

    async def veriward_reward(
        prompts: Sequence[Any], completions: Sequence[Any], **columns: Any
    ) -> list[float | None]:
        n, spans = _spans(verifier, reference_column, options, prompts, completions, columns, num_generations)
        groups = await (own or default_async_client()).score_groups([body for _, body in spans])
        results = ungroup(n, spans, groups)
        _report(results, groups, columns)
        return [reward(r, drop) for r in results]

    _name(veriward_reward, verifier, name)
    return veriward_reward
