"""The code scorer through a real server on loopback, on every sandbox backend."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from _backends import BACKENDS
from conftest import LiveServer

from veriward.settings import Settings

ADD_CASES = [
    {"args": [1, 2], "expected": 3},
    {"args": [2, 3], "expected": 5},
    {"args": [10, -4], "expected": 6},
]


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    srv = LiveServer(Settings(sandbox=request.param, pool_workers=1, sandbox_warm=1)).start()
    yield srv
    srv.stop()


def score(server: LiveServer, response: str, reference: dict[str, Any], **extra: Any) -> dict[str, Any]:
    with server.client() as c:
        r = c.post(
            "/v1/score", json={"verifier": "code", "response": response, "reference": reference, **extra}
        )
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def statuses(result: dict[str, Any]) -> list[str]:
    return [t["status"] for t in result["details"]["tests"]]


def test_cases_correct_partial_and_crashing(server: LiveServer) -> None:
    ref = {"language": "python", "entry_point": "add", "cases": ADD_CASES}
    good = score(server, "```python\ndef add(a, b):\n    return a + b\n```", ref)
    assert (good["verdict"], good["score"]) == ("correct", 1.0)
    partial = score(server, "def add(a, b):\n    return 6 if a == 10 else a + b + (a == 2)\n", ref)
    assert partial["verdict"] == "incorrect" and partial["score"] == pytest.approx(2 / 3)
    assert statuses(partial) == ["pass", "fail", "pass"]
    crash = "def add(a, b):\n    if a == 2:\n        raise ValueError('nope')\n    return a + b\n"
    res = score(server, crash, ref)
    assert (
        statuses(res) == ["pass", "error", "pass"] and "ValueError" in res["details"]["tests"][1]["excerpt"]
    )


def test_one_test_timing_out_fails_only_that_test(server: LiveServer) -> None:
    ref = {"entry_point": "add", "cases": ADD_CASES, "time_limit_s": 2}
    code = "def add(a, b):\n    while a == 2:\n        pass\n    return a + b\n"
    res = score(server, code, ref)
    assert statuses(res) == ["pass", "timeout", "pass"] and res["score"] == pytest.approx(2 / 3)


def test_types_are_strict(server: LiveServer) -> None:
    ref = {"entry_point": "f", "cases": [{"args": [], "expected": 3}, {"args": [], "expected": [1, 2]}]}
    assert score(server, "def f():\n    return 3.0\n", ref)["details"]["tests"][0]["status"] == "fail"
    assert statuses(score(server, "def f():\n    return True\n", ref))[0] == "fail"
    tol = {"entry_point": "f", "cases": [{"args": [], "expected": 0.3}], "float_tolerance": 1e-9}
    assert score(server, "def f():\n    return 0.1 + 0.2\n", tol)["score"] == 1.0


def test_stdio(server: LiveServer) -> None:
    ref = {"stdio": [{"input": "1 2\n", "output": "3\n"}, {"input": "5 5\n", "output": "10"}]}
    good = "import sys\na, b = map(int, sys.stdin.read().split())\nprint(a + b, ' ')\n"
    assert score(server, good, ref)["verdict"] == "correct"
    wrong = score(server, "print(3)", ref)
    assert statuses(wrong) == ["pass", "fail"]
    crash = score(server, "print(3)\nraise SystemExit(1)", ref)
    assert statuses(crash) == ["error", "error"]


def test_test_code_pass_and_fail(server: LiveServer) -> None:
    ref = {"entry_point": "add", "test_code": "def check(candidate):\n    assert candidate(1, 2) == 3\n"}
    assert score(server, "def add(a, b):\n    return a + b", ref)["verdict"] == "correct"
    bad = score(server, "def add(a, b):\n    return a - b", ref)
    assert bad["verdict"] == "incorrect" and "AssertionError" in bad["details"]["tests"][0]["excerpt"]


def test_budget_runs_out_as_timeout_not_a_hang(server: LiveServer) -> None:
    ref = {"entry_point": "add", "cases": ADD_CASES * 3, "time_limit_s": 10}
    start = time.monotonic()
    res = score(server, "def add(a, b):\n    while True:\n        pass\n", ref, timeout_s=2.5)
    assert time.monotonic() - start < 6
    assert res["verdict"] == "timeout" and res["score"] == 0.0
    assert "timeout" in statuses(res)


def test_bad_reference_is_422(server: LiveServer) -> None:
    with server.client() as c:
        r = c.post("/v1/score", json={"verifier": "code", "response": "x", "reference": {"entry_point": "f"}})
    assert r.status_code == 422 and "exactly one of" in r.text


def test_no_sandbox_means_error_never_a_bare_run(tmp_path: Any) -> None:
    marker = tmp_path / "ran"
    srv = LiveServer(
        Settings(sandbox="docker", sandbox_image="veriward-no-such-image:0", pool_workers=1)
    ).start()
    try:
        code = f"open({str(marker)!r}, 'w').write('x')\ndef f():\n    return 1\n"
        res = score(srv, code, {"entry_point": "f", "cases": [{"args": [], "expected": 1}]})
    finally:
        srv.stop()
    assert res["verdict"] == "error" and "sandbox" in res["reason"]
    assert not marker.exists()
