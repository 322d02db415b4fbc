"""Hostile PRM inputs: every pass over the text is linear (fuzzed with a generous bound), and through a real
server every hostile request answers within its budget with a verdict that is not `error`, while
/healthz keeps answering at once (the text work runs in the killable worker pool, not on the event loop).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Any

import httpx
import pytest
from conftest import SHARED, LiveServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veriward.verifiers.prm._analyse import Request, analyse
from veriward.verifiers.prm._reader import read_step
from veriward.verifiers.prm._split import split_steps

# Pieces of text that made earlier passes super-linear (whitespace runs across lines, unclosed
# delimiters, nesting, markers at every line start, long relation runs), and ordinary ones.
PIECES = [
    "\n \t",
    "\n\n",
    " ",
    "\\[",
    "\\(",
    "$",
    "$$",
    "\\frac{",
    "\\sqrt{",
    "{",
    "}",
    "(",
    ")",
    "=",
    "1",
    "2.5",
    "+",
    "*",
    "x",
    "1. ",
    "- ",
    "**Step 1:** ",
    "\\text{if}",
    "suppose ",
    " impossible",
    "5% of ",
    "≈",
    "١٢",
    "\\begin{align}",
    "&=",
    "\\\\",
    "apples ",
    "f(3)",
    "A=(",
    "=(",
    "0,0), ",
    "[0];",
    "Total = ",
]


def _elapsed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _read_all(text: str) -> None:
    for step in split_steps(text) or [text]:
        read_step(step)


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=6))
def test_splitter_and_claim_reader_are_linear(unit: list[str]) -> None:
    """Eight times the text may take at most about eight times as long (a quadratic pass would take 64
    times), with room for noise on a shared machine."""
    piece = "".join(unit)
    small = piece * max(1, 2_500 // len(piece))
    large = piece * (8 * max(1, 2_500 // len(piece)))
    # The better of two runs at each size: a scheduler hiccup on a loaded machine is not the parser's.
    t_small = min(_elapsed(lambda: _read_all(small)) for _ in range(2))
    t_large = min(_elapsed(lambda: _read_all(large)) for _ in range(2))
    assert t_large <= 24 * t_small + 0.5, (piece, t_small, t_large)


ALPHABET = st.sampled_from(list("0123456789 =+-*/^()[]{}%$.,;:!?\\_&|~\n\tabcdefxyz√π²٣≈×") + PIECES)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(ALPHABET, max_size=60), st.lists(st.lists(ALPHABET, max_size=30), max_size=4))
def test_any_text_gets_a_verdict_never_an_exception(response: list[str], steps: list[list[str]]) -> None:
    """The whole worker half on arbitrary text: whatever it holds, an analysis comes back (this is what
    keeps `error` for infrastructure only)."""
    for req in (
        Request("".join(response), None, "auto", "".join(response[:9]), None, True, 0.8),
        Request("", ["".join(s) for s in steps] or ["x"], "auto", "", "7", True, 0.8),
    ):
        out = analyse(req)
        assert not out.error
        assert out.invalid or len(out.checks) == len(out.steps)


@cache
def _real_lines() -> list[str]:
    """Lines of real problems and solutions (ProcessBench), the raw material of the fuzz below."""
    path = SHARED / "benchmarks" / "prm" / "processbench.jsonl"
    if not path.exists():
        pytest.skip(f"shared benchmark missing: {path}")
    rows = [json.loads(line) for line in path.read_text().splitlines()[::7] if line.strip()]
    return [ln for r in rows for t in [r["problem"], *r["steps"]] for ln in t.splitlines() if ln.strip()]


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_real_lines_cut_and_spliced_get_a_verdict(data: st.DataObject) -> None:
    """Lines of real solutions (Asymptote code, tables, LaTeX environments, prose) cut at random places
    and spliced together, with the pieces above between them."""
    lines = _real_lines()
    parts = []
    for _ in range(data.draw(st.integers(1, 5))):
        line = lines[data.draw(st.integers(0, len(lines) - 1))]
        a = data.draw(st.integers(0, len(line)))
        parts.append(line[a : a + data.draw(st.integers(0, 300))] + data.draw(st.sampled_from(["", *PIECES])))
    text = data.draw(st.sampled_from(["\n", "\n\n", " "])).join(parts)
    out = analyse(Request(text, None, "auto", text[:80], None, True, 0.8))
    assert not out.error
    assert out.invalid or len(out.checks) == len(out.steps)


@pytest.mark.parametrize(
    "response",
    [
        "\\(" + "\\frac{" * 1500 + "1" + "}{2}" * 1500 + " = 1\\)",
        "\\(" + "\\sqrt{" * 2500 + "4" + "}" * 2500 + " = 2\\)",
        "\\(" + "\\frac{\\sqrt{" * 1000 + "1" + "}}{2}" * 1000 + " = 1\\)",
        "\\(" + "{" * 9000 + "1" + "}" * 9000 + " = 1\\)",
        "(" * 9000 + "1 = 1" + ")" * 9000,
        "\\(" + "2^{" * 4000 + "2" + "}" * 4000 + " = 4\\)",
    ],
)
def test_deep_nesting_is_read_not_an_error(response: str) -> None:
    out = analyse(Request(response, None, "auto", "", None, True, 0.8))
    assert not out.error and not out.timeout and not out.invalid
    assert [c.verdict for c in out.checks] == ["neutral"]  # too deep to read: unread, never verified


HOSTILE: list[dict[str, Any]] = [
    {"response": "\n \t" * 1000},
    {"response": "\n \t" * 600_000},  # 1.8 MB of whitespace lines
    {"response": "1 + 1 = 2, " * 180_000},  # 2 MB in one paragraph
    {"response": "".join(f"Step {i}: \\(2 + 2 = 4\\)\n" for i in range(70_000))},
    {"response": "\\[ 1 = 1 " * 2_000},
    {"response": "\\(" + "\\frac{" * 1_500 + "1" + "}{2}" * 1_500 + " = 1\\)"},
    {"response": "We get \\(2 + 2 = 5\\) \ud800 then \udfff 3 + 4 = 7"},
    {
        "response": "",
        "options": {"steps": [" ".join(f"\\({i} + {j} = {i + j}\\)" for j in range(2)) for i in range(512)]},
    },
    {"response": "", "options": {"steps": ["w " * 150 + f"{i} = {i}" for i in range(512)]}},
    {"response": "", "options": {"steps": ["if \\(x = 1\\) then impossible; " * 600]}},
]


def _post(client: httpx.Client, item: dict[str, Any], timeout_s: float) -> tuple[int, dict[str, Any], float]:
    body = json.dumps({"verifier": "prm", "timeout_s": timeout_s, **item})  # lone surrogates as \\ud800
    start = time.monotonic()
    r = client.post("/v1/score", content=body, headers={"content-type": "application/json"})
    return r.status_code, (r.json() if r.status_code == 200 else {"text": r.text}), time.monotonic() - start


@pytest.mark.slow
def test_hostile_requests_answer_within_budget_and_do_not_stall_the_server(
    make_server: Callable[..., LiveServer],
) -> None:
    server = make_server(pool_workers=2)
    budget = 5.0
    results: list[tuple[int, dict[str, Any], float]] = []
    done = threading.Event()

    def hostile() -> None:
        with server.client() as c:
            for _ in range(2):
                results.extend(_post(c, item, budget) for item in HOSTILE)
        done.set()

    worker = threading.Thread(target=hostile)
    worker.start()
    pauses = []
    with server.client() as c:
        while not done.is_set():
            start = time.monotonic()
            assert c.get("/healthz").status_code == 200
            pauses.append(time.monotonic() - start)
            time.sleep(0.05)
    worker.join()
    assert len(pauses) >= 5
    assert max(pauses) < 1.0, sorted(pauses)[-5:]
    for k, (status, out, elapsed) in enumerate(results):
        if k % len(HOSTILE) == 6:  # lone surrogates are not text: a 422 naming the field, never a 500
            assert status == 422 and "surrogate" in out["text"], out
            continue
        assert status == 200, out
        assert out["verdict"] != "error", out["reason"]
        assert elapsed < budget + 2.0, (out["verdict"], out["reason"], elapsed)


def test_a_lone_surrogate_in_one_item_does_not_fail_the_batch(client: httpx.Client) -> None:
    items = [
        {
            "verifier": "prm",
            "response": "We get \ud83d 2 + 2 = 5 and \udc00 3 + 4 = 7",
            "reference": {"answer": "7\ud800"},
        },
        {"verifier": "prm", "response": "", "options": {"steps": ["\udfff", "So 2 + 3 = 5."]}},
        {"verifier": "math", "response": "The answer is 4.", "reference": "4"},
    ]
    body = json.dumps({"requests": items})  # lone surrogates travel as \\udXXX escapes
    r = client.post("/v1/score/batch", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    # Each item with a lone surrogate gets its own `error` naming the field; the others are scored.
    assert [res["verdict"] for res in results] == ["error", "error", "correct"]
    assert results[0]["reason"].startswith("bad request") and "surrogate" in results[0]["reason"]
    assert "options" in results[1]["reason"]
