"""verl: `compute_score` / `compute_score_async` through the client against the real server.

verl's own reward loop drives these in tests/test_trainer_verl.py (its own environment in CI).
"""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from _client_stub import StubServer, dead_backend_registered, status

from veriward.client import Client
from veriward.errors import VeriwardError
from veriward.integrations import verl

KEYS = {"score", "correct", "veriward_unscored"}
GROUP_KEYS = KEYS | {"veriward_group_std", "veriward_group_uniform", "veriward_duplicate"}


def test_compute_score_right_and_wrong(live_server) -> None:
    right = verl.compute_score("openai/gsm8k", "#### \\boxed{5}", "5", url=live_server.url)
    wrong = verl.compute_score("lighteval/MATH", "\\boxed{6}", "5", {"index": 3}, url=live_server.url)
    assert right == {"score": 1.0, "correct": 1.0, "veriward_unscored": 0.0}
    assert wrong == {"score": 0.0, "correct": 0.0, "veriward_unscored": 0.0}


def _gather(calls: list[tuple], **kwargs) -> list[dict]:
    # As verl 0.9's reward loop does: every rollout's call at once on one event loop.
    async def run() -> list[dict]:
        return await asyncio.gather(*(verl.compute_score_async(*c, **kwargs) for c in calls))

    return asyncio.run(run())


def test_async_form_groups_a_prompts_rollouts_and_keeps_order(live_server) -> None:
    truth = np.array(["5"], dtype=object)[0]
    calls = [
        ("openai/gsm8k", "\\boxed{5}", truth, {"index": 0}),
        ("openai/gsm8k", "\\boxed{7}", "7", {"index": 1}),
        ("openai/gsm8k", "\\boxed{6}", truth, {"index": 0}),
        ("openai/gsm8k", "\\boxed{7}", "7", {"index": 1}),
        ("openai/gsm8k", "\\boxed{5}", truth, {"index": 0}),
    ]
    rows = _gather(calls, url=live_server.url)
    assert [r["score"] for r in rows] == [1.0, 1.0, 0.0, 1.0, 1.0]
    assert all(set(r) == GROUP_KEYS for r in rows)
    # Prompt 0's group is (1, 0, 1): not uniform; prompt 1's (1, 1) is uniform and repeats itself.
    assert [r["veriward_group_uniform"] for r in rows] == [0.0, 1.0, 0.0, 1.0, 0.0]
    assert rows[0]["veriward_group_std"] == pytest.approx(0.4714045)
    assert [r["veriward_duplicate"] for r in rows] == [0.0, 0.0, 0.0, 1.0, 1.0]


def test_an_error_gets_the_marked_fallback_or_its_group_mean(make_server) -> None:
    with dead_backend_registered() as dead:
        server = make_server()
        sources = {"mine": "math", "broken": dead}
        calls = [("mine", "\\boxed{5}", "5", {"index": 0}), ("broken", "x", "5", {"index": 0})]
        plain = _gather(calls, url=server.url, sources=sources)
        half = _gather(calls, url=server.url, sources=sources, fallback=0.5)
        # The broken row is a group of its own (another data_source): no decided mean, so 0.0.
        mean = _gather(calls, url=server.url, sources=sources, fallback="group_mean")
        with pytest.raises(VeriwardError, match="backend unreachable"):
            _gather(calls, url=server.url, sources=sources, on_error="raise")
    assert [r["score"] for r in plain] == [1.0, 0.0]
    assert [r["veriward_unscored"] for r in plain] == [0.0, 1.0]
    assert [r["score"] for r in half] == [1.0, 0.5]
    assert [r["score"] for r in mean] == [1.0, 0.0]


def test_group_mean_fallback_gives_no_advantage(live_server) -> None:
    # A member the server could not decide (here: a response over the size limit) gets its group's mean.
    huge = "x" * 2_000_001
    calls = [("math", "\\boxed{5}", "5", {"index": 0}), ("math", huge, "5", {"index": 0})]
    calls += [("math", "\\boxed{6}", "5", {"index": 0})]
    rows = _gather(calls, url=live_server.url, fallback="group_mean")
    assert [r["score"] for r in rows] == [1.0, 0.5, 0.0]
    assert [r["veriward_unscored"] for r in rows] == [0.0, 1.0, 0.0]


def test_data_source_table(monkeypatch) -> None:
    assert verl.scorer_for("math") == "math"
    assert verl.scorer_for("code") == "code"
    assert verl.scorer_for("openai/gsm8k") == "math"
    assert verl.scorer_for("codecontests_train") == "code"
    assert verl.scorer_for("my_set", {"my_set": "lean"}) == "lean"
    monkeypatch.setenv("VERIWARD_VERL_SOURCES", json.dumps({"internal/proofs": "lean"}))
    assert verl.scorer_for("internal/proofs") == "lean"
    with pytest.raises(ValueError, match=r"reward_kwargs\.sources"):
        verl.scorer_for("unknown/dataset")


def test_infrastructure_failure_is_flagged_by_default_or_raises() -> None:
    with StubServer(status(503)) as stub, Client(stub.url, max_attempts=2, backoff_s=0.01) as client:
        row = verl.compute_score("math", "\\boxed{5}", "5", client=client)
        with pytest.raises(VeriwardError, match="HTTP 503"):
            verl.compute_score("math", "\\boxed{5}", "5", client=client, on_error="raise")
    assert stub.hits == 4
    assert row == {"score": 0.0, "correct": 0.0, "veriward_unscored": 1.0}


def test_code_ground_truth_in_verls_shape_is_scored(live_server) -> None:
    # verl's apps / codecontests / taco rows: {"inputs": [...], "outputs": [...]}, as an object or JSON text,
    # optionally with fn_name; once refused with 422, now scored as the `apps` format.
    stdio = {"inputs": ["1 2\n", "3 4\n"], "outputs": ["3\n", "7\n"]}
    call = {"inputs": [[1, 2], [3, 4]], "outputs": [[3], [7]], "fn_name": "add"}
    right_stdio = "```python\na, b = map(int, input().split())\nprint(a + b)\n```"
    right_call = "```python\nclass Solution:\n    def add(self, a, b):\n        return a + b\n```"
    cases = zip(
        ["codecontests", "apps/train", "taco", "apps"],
        [right_stdio, right_stdio.replace("a + b", "a * b"), right_call, right_call.replace("+", "-")],
        [json.dumps(stdio), stdio, json.dumps(call), call],
        strict=True,
    )
    rows = [verl.compute_score(src, sol, truth, url=live_server.url) for src, sol, truth in cases]
    assert [r["score"] for r in rows] == [1.0, 0.0, 1.0, 0.0]
    assert [r["veriward_unscored"] for r in rows] == [0.0] * 4
    assert verl.code_reference({"format": "mbpp", "test_list": []}) == {"format": "mbpp", "test_list": []}
    assert verl.code_reference("not json") == "not json"
