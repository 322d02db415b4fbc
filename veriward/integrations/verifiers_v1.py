"""verifiers 0.4 (`verifiers.v1`, prime-rl's environments): rewards that score through a veriward server.

v1 rewards are `@vf.reward` methods of a `vf.Task` (or functions plugged into its config), called with the
arguments they name: `task` (the row's `TaskData`), `trace`, `runtime`. The scored text is
`trace.last_reply`; the reference is the task data's `answer_field` (default `answer`).

- `reward_method("math")` in a Task's class body is a `@vf.reward` method;
- `reward_function("math")` is the plain `(task, trace)` coroutine for a config-plugged reward;
- `score_episode(episode, "math")`, from an `Env.finalize(task, episode)`, scores the episode's traces of
  one task (e.g. best-of-n's siblings) as one group and records each reward with the group's stats.

Each trace gets `trace.info["veriward"]` (the verdict) and metrics `veriward_correct`, `veriward_incorrect`,
`veriward_invalid`, `veriward_timeout`, `veriward_unscored`.

Failure contract: a rollout veriward could not decide (verdict `error`) is skipped the v1 way: its reward is
left `None` ("scoring didn't run") and the trace fails with a `TaskError` naming the reason, so it is not
trained on; a `RetryConfig` rule on `TaskError` can retry it. In `score_episode` only that trace fails, never
its siblings. A 429 is retried by the client after `Retry-After`; a refused request raises `ClientError`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from veriward.client import AsyncClient, default_async_client
from veriward.integrations._contract import flags, unscored
from veriward.models import GroupResult, ScoreResult

RewardFn = Callable[..., Coroutine[Any, Any, float]]


def _reference(task: Any, answer_field: str) -> Any:
    if isinstance(task, Mapping):
        if answer_field in task:
            return task[answer_field]
    elif hasattr(task, answer_field):
        return getattr(task, answer_field)
    raise KeyError(f"the task data has no {answer_field!r} field for the reference")


def _record(trace: Any, result: ScoreResult) -> None:
    trace.info["veriward"] = result.model_dump(mode="json")
    trace.record_metrics(flags(result))


def _task_error(result: ScoreResult) -> Exception:
    from verifiers.v1.errors import TaskError

    return TaskError(f"veriward could not score this rollout: {result.reason}")


def reward_function(
    verifier: str = "math",
    answer_field: str = "answer",
    *,
    options: Mapping[str, Any] | None = None,
    client: AsyncClient | None = None,
    url: str | None = None,
    name: str | None = None,
) -> RewardFn:
    """A `(task, trace) -> float` reward scoring `trace.last_reply` with `verifier`."""
    own = client or (AsyncClient(url) if url else None)

    async def veriward_reward(task: Any, trace: Any) -> float:
        reference = _reference(task, answer_field)
        result = await (own or default_async_client()).score(verifier, trace.last_reply, reference, options)
        _record(trace, result)
        if unscored(result):
            raise _task_error(result)
        return float(result.score)

    veriward_reward.__name__ = veriward_reward.__qualname__ = name or f"veriward_{verifier}"
    return veriward_reward


def reward_method(
    verifier: str = "math", answer_field: str = "answer", *, weight: float = 1.0, **kwargs: Any
) -> Any:
    """A `@vf.reward(weight=...)` method for a Task's class body: `veriward_math = reward_method("math")`."""
    import verifiers.v1 as vf

    fn = reward_function(verifier, answer_field, **kwargs)

    async def method(self: Any, task: Any, trace: Any) -> float:
        return await fn(task, trace)

    method.__name__ = method.__qualname__ = fn.__name__
    return vf.reward(method, weight=weight)


async def score_episode(
    episode: Any,
    verifier: str = "math",
    answer_field: str = "answer",
    *,
    options: Mapping[str, Any] | None = None,
    client: AsyncClient | None = None,
    url: str | None = None,
    name: str | None = None,
    weight: float = 1.0,
) -> GroupResult:
    """Score `episode.traces` (one task's rollouts) as one group, from `Env.finalize`; returns the group.

    Records reward `name` (default `veriward_<verifier>`) on each decided trace, the verdict metrics, and
    the group's `veriward_group_std`, `veriward_group_uniform` and `veriward_duplicate` on every trace.
    """
    traces = list(episode.traces)
    group: dict[str, Any] = {
        "verifier": verifier,
        "reference": _reference(episode.task.data, answer_field),
        "responses": [t.last_reply for t in traces],
    }
    if options:
        group["options"] = dict(options)
    own = client or (AsyncClient(url) if url else None) or default_async_client()
    found = (await own.score_groups([group]))[0]
    key = name or f"veriward_{verifier}"
    repeats = {i for ix in found.stats.duplicates for i in ix[1:]}
    for i, (trace, result) in enumerate(zip(traces, found.results, strict=True)):
        _record(trace, result)
        trace.record_metric("veriward_group_std", found.stats.std)
        trace.record_metric("veriward_group_uniform", 1.0 if found.stats.uniform else 0.0)
        trace.record_metric("veriward_duplicate", 1.0 if i in repeats else 0.0)
        if unscored(result):
            trace.rewards[key] = None
            trace.record_error(_task_error(result))
            trace.ok = False
        else:
            trace.record_reward(key, float(result.score), weight)
    return found


# Ready to plug into a task config:
# `rewards: {veriward_math: {fn: "veriward.integrations.verifiers_v1:math_reward"}}`.
math_reward = reward_function("math")
