"""verl: `compute_score` / `compute_score_batch` through the client against the real server."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _client_stub import StubServer, status

from veriward.client import Client
from veriward.errors import VeriwardError
from veriward.integrations import verl


def test_compute_score_right_and_wrong(live_server) -> None:
    right = verl.compute_score("openai/gsm8k", "#### \\boxed{5}", "5", url=live_server.url)
    wrong = verl.compute_score("lighteval/MATH", "\\boxed{6}", "5", {"index": 3}, url=live_server.url)
    assert right == {"score": 1.0, "correct": 1.0, "veriward_error": 0.0}
    assert wrong == {"score": 0.0, "correct": 0.0, "veriward_error": 0.0}


def test_batched_form_keeps_order_and_accepts_numpy_fields(live_server) -> None:
    sources = np.array(["math", "aime2024", "numina_olympiads", "math"], dtype=object)
    solutions = ["\\boxed{5}", "\\boxed{6}", "\\boxed{5}", "no answer at all"]
    truths = np.array(["5", "5", "5", "5"], dtype=object)
    rows = verl.compute_score_batch(sources, solutions, truths, [None] * 4, url=live_server.url)
    assert [r["score"] for r in rows] == [1.0, 0.0, 1.0, 0.0]
    assert all(set(r) == {"score", "correct", "veriward_error"} for r in rows)


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


def test_infrastructure_failure_raises_by_default_or_is_flagged() -> None:
    with StubServer(status(503)) as stub, Client(stub.url, max_attempts=2, backoff_s=0.01) as client:
        with pytest.raises(VeriwardError, match="HTTP 503"):
            verl.compute_score("math", "\\boxed{5}", "5", client=client)
        row = verl.compute_score("math", "\\boxed{5}", "5", client=client, on_error="zero")
    assert stub.hits == 4
    assert row == {"score": 0.0, "correct": 0.0, "veriward_error": 1.0}


def test_code_ground_truth_in_verls_shape_is_scored(live_server) -> None:
    # verl's apps / codecontests / taco rows: {"inputs": [...], "outputs": [...]}, as an object or JSON text,
    # optionally with fn_name; once refused with 422, now scored as the `apps` format.
    stdio = {"inputs": ["1 2\n", "3 4\n"], "outputs": ["3\n", "7\n"]}
    call = {"inputs": [[1, 2], [3, 4]], "outputs": [[3], [7]], "fn_name": "add"}
    right_stdio = "```python\na, b = map(int, input().split())\nprint(a + b)\n```"
    right_call = "```python\nclass Solution:\n    def add(self, a, b):\n        return a + b\n```"
    rows = verl.compute_score_batch(
        ["codecontests", "apps/train", "taco", "apps"],
        [right_stdio, right_stdio.replace("a + b", "a * b"), right_call, right_call.replace("+", "-")],
        [json.dumps(stdio), stdio, json.dumps(call), call],
        url=live_server.url,
    )
    assert [r["score"] for r in rows] == [1.0, 0.0, 1.0, 0.0]
    assert [r["veriward_error"] for r in rows] == [0.0] * 4
    assert verl.code_reference({"format": "mbpp", "test_list": []}) == {"format": "mbpp", "test_list": []}
    assert verl.code_reference("not json") == "not json"
