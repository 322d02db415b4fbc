"""Hang-proofing: pathological answers sent 4 at a time to a live server come back with score 0 within
the budget + 1 s, and a normal request is answered in under a second right after."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from conftest import LiveServer

BUDGET_S = 3.0

DOS_INPUTS: dict[str, str] = {
    "tower": r"\boxed{2^{2^{2^{2^{2^{2^{2^{2^{2}}}}}}}}}",
    "huge-power": r"\boxed{2^{10^9}}",
    "huge-factorial": r"\boxed{(10^8)!}",
    "40kb-sum": r"\boxed{" + "+".join(["1"] * 20_000) + "}",
    "3000-deep-braces": r"\boxed{" + "{" * 3000 + "1" + "}" * 3000 + "}",
    "3000-deep-parens": r"\boxed{" + "(" * 3000 + "1" + ")" * 3000 + "}",
    "20000-inline-math": " ".join(f"${i}$" for i in range(20_000)),
    "polynomial-power": r"\boxed{(x+y+z+w)^{200}}",
    "unclosed-display-math": "\\[ a " * 20_000,
    "repeated-phrases": "the answer is " * 10_000,
    "nested-fracs": r"\boxed{" + r"\frac{1}{" * 500 + "2" + "}" * 500 + "}",
    "values-after-answer": "Thus it is 3. " + ")5" * 10_000,  # each value's claim was once read: 2 s
    # read for a yes/no reference: a proof's conclusion, every clause of a long sentence, and number words
    "conclusion-clauses": "Therefore, " + "there does not exist, " * 5000,
    "existence-sentences": "There exists such a set. " * 5000 + "Therefore, there does not exist such a set.",
    "number-words": "The answer is " + "five or " * 10_000,
    "words-after-answer": "The answer is \\boxed{3}. " + "Or maybe six, " * 10_000,
}
# The references each input is sent against: a number, and a yes/no (which reads a proof's conclusion).
REFERENCES = ("3", "No")


def _post(client: httpx.Client, response: str, reference: str) -> tuple[dict[str, Any], float]:
    t = time.monotonic()
    r = client.post("/v1/score", json={"verifier": "math", "response": response, "reference": reference})
    elapsed = time.monotonic() - t
    assert r.status_code == 200, r.text[:300]
    return r.json(), elapsed


@pytest.mark.slow
def test_dos_inputs_four_at_a_time(make_server: Callable[..., LiveServer]) -> None:
    server = make_server(default_timeout_s=BUDGET_S, pool_workers=4)
    with server.client() as client:
        _post(client, r"\boxed{1}", "1")  # workers warm
        with ThreadPoolExecutor(max_workers=4) as ex:
            futures = {
                (name, ref): ex.submit(_post, client, text, ref)
                for name, text in DOS_INPUTS.items()
                for ref in REFERENCES
            }
            results = {name: f.result() for name, f in futures.items()}
        for name, (body, elapsed) in results.items():
            assert body["score"] == 0.0, (name, body["verdict"], body["reason"])
            assert body["verdict"] in ("timeout", "incorrect", "invalid"), (name, body["reason"])
            assert elapsed < BUDGET_S + 1.0, (name, elapsed, body["reason"])
            assert len(str(body["details"])) < 2000, name
        body, elapsed = _post(client, r"so the answer is $\boxed{\frac{1}{2}}$", "0.5")
        assert body["verdict"] == "correct"
        assert elapsed < 1.0, elapsed


@pytest.mark.slow
def test_long_response_with_right_answer_is_right(client: httpx.Client) -> None:
    thinking = "Let us think about it step by step. $x_1 = 3$, and $y = 4$. " * 3400  # ~200 KB
    body, elapsed = _post(client, thinking + r"Therefore the answer is $\boxed{17}$.", "17")
    assert len(thinking) > 190_000
    assert body["verdict"] == "correct", body["reason"]
    assert elapsed < BUDGET_S, elapsed
