"""OpenRLHF (0.11): the remote reward-model contract, served by `POST /get_reward` or called in-process.

OpenRLHF's `SingleTurnAgentExecutor` posts `{"query": [q], "prompts": [p], "labels": [l]}` (one rollout per
request) to `--reward.remote_url` and reads `{"rewards", "scores", "extra_logs"}`. Each query is the
decoded prompt tokens followed by the response; veriward scores the response only. A label is the
reference for the server's default scorer, or an object (or JSON string of one) with `verifier`,
`reference` and optional `options`. Several queries of one prompt and label in a row are scored as a group.

OpenRLHF cuts a prompt that is too long from the front (it keeps the last tokens), so a query may hold only
the prompt's tail. The response is then what follows the longest end of the prompt that the query starts
with (after U+FFFD left by a multi-byte character the cut split); a query holding no such end is skipped.

Failure contract: OpenRLHF has no way to skip one rollout — a reward it cannot read (`None`, after 5 retries
1 s apart on any HTTP error) breaks the whole step. So a rollout veriward could not decide, or whose
response could not be found, gets the fallback reward (`fallback_reward`, 0.0 by default) and is marked
`veriward_unscored = 1` in `extra_logs`, which OpenRLHF logs per sample. Only a request that can never
succeed (an unknown scorer, a bad label) is a 422.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from veriward.client import Client, default_client
from veriward.errors import RequestError
from veriward.integrations._common import as_groups, label_request, stable_key, ungroup
from veriward.integrations._contract import FLAG_KEYS, flags, unscored
from veriward.models import GroupResult, ScoreResult

# What a query cut by OpenRLHF must still hold of its prompt's end to be trusted as that prompt's rollout.
MIN_PROMPT_TAIL = 32
_REPLACEMENT = "\ufffd"
LOG_KEYS: tuple[str, ...] = (*FLAG_KEYS, "veriward_prompt_cut", "veriward_group_size", "veriward_group_std")


def _overlap(text: str, prompt: str) -> int:
    """Length of the longest end of `prompt` that `text` starts with (prefix function, linear time)."""
    seq = [*text[: len(prompt)], None, *prompt]
    pi = [0] * len(seq)
    for i in range(1, len(seq)):
        k = pi[i - 1]
        while k and seq[i] != seq[k]:
            k = pi[k - 1]
        if seq[i] == seq[k]:
            k += 1
        pi[i] = k
    return pi[-1]


@dataclass(frozen=True)
class Split:
    response: str | None  # None: the query holds neither its prompt nor a trustworthy end of it
    cut: bool  # the query did not hold the whole prompt


def split_response(query: str, prompt: str) -> Split:
    """The response part of `query`: what follows its prompt, or the end of its prompt OpenRLHF kept.

    Never the whole query: scoring it could credit an answer that sits in the prompt.
    """
    at = query.find(prompt)
    if at >= 0:
        return Split(query[at + len(prompt) :], cut=False)
    text = query[: len(_REPLACEMENT) * 4].lstrip(_REPLACEMENT) + query[len(_REPLACEMENT) * 4 :]
    kept = _overlap(text, prompt)
    if kept < min(MIN_PROMPT_TAIL, len(prompt)) or kept == 0:
        return Split(None, cut=True)
    return Split(text[kept:], cut=True)


@dataclass(frozen=True)
class Plan:
    """The groups to score for one call, and which queries were cut or could not be split."""

    n: int
    spans: list[tuple[range, dict[str, Any]]]  # ranges index `scored`
    scored: list[int]  # query index of each scored request
    cut: list[bool]
    unsplit: list[int]


def plan(
    query: Sequence[str], prompts: Sequence[str] | None, labels: Sequence[Any] | None, default_verifier: str
) -> Plan:
    """Check the request's shape (`RequestError` otherwise) and group its scorable queries."""
    if prompts is None:
        raise RequestError("`prompts` is required to separate each response from its prompt", "prompts")
    if len(prompts) != len(query):
        raise RequestError(f"{len(prompts)} prompts for {len(query)} queries", "prompts")
    if labels is not None and len(labels) != len(query):
        raise RequestError(f"{len(labels)} labels for {len(query)} queries", "labels")
    requests, keys, scored, cut, unsplit = [], [], [], [], []
    for i, (q, p) in enumerate(zip(query, prompts, strict=True)):
        split = split_response(q, p)
        cut.append(split.cut)
        if split.response is None:
            unsplit.append(i)
            continue
        label = labels[i] if labels is not None else None
        requests.append({**label_request(label, default_verifier), "response": split.response})
        keys.append(stable_key([p, label]))
        scored.append(i)
    return Plan(len(query), as_groups(requests, keys), scored, cut, unsplit)


def payload(p: Plan, groups: Sequence[GroupResult], fallback_reward: float) -> dict[str, Any]:
    """The body OpenRLHF reads: rewards, scores (for its dynamic filtering) and per-sample `extra_logs`."""
    results = ungroup(len(p.scored), p.spans, groups)
    rewards = [fallback_reward] * p.n
    logs = {key: [0.0] * p.n for key in LOG_KEYS}
    for i in p.unsplit:
        logs["veriward_unscored"][i] = 1.0
        logs["veriward_group_size"][i] = 1.0
    for (span, _), group in zip(p.spans, groups, strict=True):
        for j in span:
            i = p.scored[j]
            result: ScoreResult = results[j]
            rewards[i] = fallback_reward if unscored(result) else float(result.score)
            for key, value in flags(result).items():
                logs[key][i] = value
            logs["veriward_group_size"][i] = float(len(span))
            logs["veriward_group_std"][i] = float(group.stats.std)
    logs["veriward_prompt_cut"] = [1.0 if c else 0.0 for c in p.cut]
    return {"rewards": rewards, "scores": list(rewards), "extra_logs": logs}


def reward_func(
    queries: Sequence[str],
    prompts: Sequence[str],
    labels: Sequence[Any] | None = None,
    *,
    verifier: str = "math",
    fallback_reward: float = 0.0,
    client: Client | None = None,
) -> dict[str, Any]:
    """OpenRLHF's in-process `reward_func(queries, prompts, labels)` (`--reward.remote_url reward.py`).

    Scores through the veriward server at `VERIWARD_URL`. A rollout that could not be decided gets
    `fallback_reward`, marked `veriward_unscored` in `extra_logs` (raising would lose it: OpenRLHF turns
    an exception into a `None` reward, which breaks the step). A refused request raises `ClientError`.
    """
    import torch

    p = plan(queries, prompts, labels, verifier)
    groups = (client or default_client()).score_groups([body for _, body in p.spans]) if p.spans else []
    body = payload(p, groups, fallback_reward)
    return {
        "rewards": torch.tensor(body["rewards"]),
        "scores": torch.tensor(body["scores"]),
        "extra_logs": {k: torch.tensor(v) for k, v in body["extra_logs"].items()},
    }
