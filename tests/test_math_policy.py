"""The math equivalence and hedging policy, each point through the library and through a live server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from veriward._sync import SyncEngine
from veriward.settings import Settings

C, N, V = "correct", "incorrect", "invalid"

# (id, response, reference, expected verdict)
CASES: list[tuple[str, str, str, str]] = [
    # extraction
    ("boxed", r"We get $\boxed{42}$.", "42", C),
    ("fbox", r"so \fbox{12}", "12", C),
    ("last-box-after-work", r"First $x=3$, so the total is $\boxed{14}$.", "14", C),
    ("final-answer-is", "Adding up, the final answer is 42. I hope it is correct.", "42", C),
    ("answer-colon", "Work...\nAnswer: 42", "42", C),
    ("answer-mentioned-then-changed", "Maybe the answer could be 3. Checking again, it is 4.", "4", C),
    ("bold", "Adding the parts gives **42**.", "42", C),
    ("bare-sqrt", r"\sqrt{67}", r"\sqrt{67}", C),
    ("bare-thousands", "7,425,000", "7425000", C),
    ("no-answer", "I do not know.", "5", V),
    # no "last number in prose": only a final sentence that states a value answers
    ("refusal-trailing-number", "I could not solve this, even after 3", "3", V),
    (
        "number-mid-prose",
        "Step 1 gives 3 as a partial result. Step 2 is unclear, so I cannot finish.",
        "3",
        V,
    ),
    ("statement-is", "Adding the parts, the total is 42.", "42", C),
    ("statement-colon-math", r"We check each case. Sum: $\frac{7}{2}$", "3.5", C),
    ("statement-concluding", "Therefore, there are 12 sequences that work.", "12", C),
    ("statement-negated", "The total is not 42.", "42", V),
    ("statement-hedged", "The total is probably 42.", "42", V),
    ("statement-after-refusal", "I cannot solve this. The last value I had is 42.", "42", V),
    ("box-then-long-check", r"\boxed{5} " + "Checking each step again: fine. " * 1000, "5", C),
    ("box-longer-than-the-tail", r"\boxed{" + "+".join(["1"] * 20_000) + "}", "20000", N),
    ("gsm8k-hashes", "She sold 48 + 24 = 72 clips.\n#### 72", "72", C),
    ("choice-bold-with-value", r"\boxed{\textbf{(D)}\ 12}", "D", C),
    # exact arithmetic, tiny values
    ("big-int-differs", r"\boxed{2^{100}}", "2^{100}+1", N),
    ("big-int-same", r"\boxed{2^{100}}", "1267650600228229401496703205376", C),
    ("tiny-not-chopped", r"\boxed{10^{-20}}", "10^{-30}", N),
    ("tiny-factorials", r"\boxed{\frac{1}{2004!}}", r"\frac{1}{2006!}", N),
    # decimals against exact values, and decimal references
    ("decimal-6-digits", r"\boxed{0.333333}", r"\frac13", C),
    ("decimal-2-digits", r"\boxed{0.33}", r"\frac13", N),
    ("decimal-2pi", r"\boxed{6.283185}", r"2\pi", C),
    ("decimal-ref-rounds", r"\boxed{\frac{70}{9}}", "7.78", C),
    ("decimal-ref-longer", r"\boxed{7.777}", "7.78", C),
    ("decimal-ref-coarser", r"\boxed{7.8}", "7.78", N),
    ("decimal-int", r"\boxed{5.001}", "5", N),
    # percent
    ("percent-pred", r"\boxed{50\%}", "0.5", C),
    ("percent-ref-fraction", r"\boxed{0.5}", r"50\%", C),
    ("percent-ref-bare", r"\boxed{50}", r"50\%", C),
    ("bare-never-rescales", r"\boxed{50}", "0.5", N),
    # notation
    ("thousands-commas", r"\boxed{1,000,000}", "1000000", C),
    ("thousands-braces", r"\boxed{14{,}916}", "14916", C),
    ("sci-times", r"\boxed{3\times10^8}", "300000000", C),
    ("sci-e", r"\boxed{3e8}", "300000000", C),
    ("mixed-number", r"\boxed{2\frac12}", "2.5", C),
    ("dfrac", r"\boxed{\dfrac{1}{2}}", "0.5", C),
    ("left-right", r"\boxed{\left(1,2\right)}", "(1,2)", C),
    ("thin-space", r"\boxed{1\!000}", "1000", C),
    ("unit-text", r"\boxed{5 \text{ cm}}", "5", C),
    ("unit-word", r"\boxed{5 meters}", "5", C),
    ("degrees", r"\boxed{30^\circ}", "30", C),
    ("degrees-ref", r"\boxed{30}", r"30^\circ", C),
    ("degrees-radians", r"\boxed{\frac{\pi}{6}}", r"30^\circ", C),
    ("base-5-vs-7", r"\boxed{204_5}", "204_7", N),
    ("base-5-vs-10", r"\boxed{204_5}", "204", N),
    ("base-same", r"\boxed{204_5}", "204_5", C),
    # structures
    ("set-unordered", r"\boxed{\{3,1,2\}}", r"\{1,2,3\}", C),
    ("tuple-ordered", r"\boxed{(3,1,2)}", "(1,2,3)", N),
    ("interval-brackets", r"\boxed{[1,2)}", "(1,2)", N),
    ("interval-same", r"\boxed{[1,2)}", "[1,2)", C),
    (
        "matrix-p-b",
        r"\boxed{\begin{bmatrix}1&2\\3&4\end{bmatrix}}",
        r"\begin{pmatrix}1&2\\3&4\end{pmatrix}",
        C,
    ),
    (
        "matrix-differs",
        r"\boxed{\begin{bmatrix}1&2\\3&5\end{bmatrix}}",
        r"\begin{pmatrix}1&2\\3&4\end{pmatrix}",
        N,
    ),
    ("ineq-vs-interval", r"\boxed{x > 2}", r"(2,\infty)", C),
    ("interval-vs-ineq", r"\boxed{(2,\infty)}", "x > 2", C),
    ("ineq-flipped", r"\boxed{2 < x}", "x > 2", C),
    ("reals", r"\boxed{(-\infty,\infty)}", r"\mathbb{R}", C),
    ("reals-reverse", r"\boxed{\mathbb{R}}", r"(-\infty,\infty)", C),
    # equations
    ("assignment-pred", r"\boxed{x = 3}", "3", C),
    ("assignment-ref", r"\boxed{3}", "x = 3", C),
    ("other-variable", r"\boxed{y = 3}", "x = 3", N),
    ("pm-vs-set", r"\boxed{\{1+\sqrt2, 1-\sqrt2\}}", r"1 \pm \sqrt{2}", C),
    ("set-vs-pm", r"\boxed{1 \pm \sqrt{2}}", r"\{1+\sqrt2, 1-\sqrt2\}", C),
    ("unevaluated", r"\boxed{17\cdot23}", "391", C),
    ("factorial", r"\boxed{5!}", "120", C),
    ("identity", r"\boxed{\sin^2 x + \cos^2 x}", "1", C),
    ("different-variable-expr", r"\boxed{2y}", "2x", N),
    ("or-inequalities-union", r"\boxed{x<2 \text{ or } x>3}", r"(-\infty,2)\cup(3,\infty)", C),
    ("in-union", r"\boxed{x \in (-\infty, 2) \cup (3, \infty)}", r"x < 2 \text{ or } x > 3", C),
    # text and choices
    ("text-case", r"\boxed{\text{Even}}", "even", C),
    ("text-spaces", r"\boxed{\text{The  Midpoints}}", r"\text{the midpoints}", C),
    ("text-prefix", r"\boxed{\text{The answer is } 5}", "5", C),
    ("text-no", r"\boxed{\text{No}}", "no", C),
    ("choice-paren", r"\boxed{B}", "(B)", C),
    ("choice-text", r"\boxed{\text{(B)}}", "B", C),
    ("choice-phrase", "The answer is (B).", r"\text{(B)}", C),
    ("choice-wrong", r"\boxed{C}", "B", N),
    # never equal
    ("nan", r"\boxed{\text{NaN}}", "NaN", N),
    ("zoo", r"\boxed{\frac{1}{0}}", r"\frac{1}{0}", N),
    ("undefined-fn", r"\boxed{f(2)}", "5", N),
    ("undefined-fn-other", r"\boxed{f(2)}", "f(3)", N),
    # hedging
    ("two-boxes", r"\boxed{5} and \boxed{6}", "5", V),
    ("boxes-apart", r"So \boxed{5}. Hmm, on reflection the count was off by one, so \boxed{6}", "6", V),
    ("list-with-key", r"\boxed{5, 6}", "5", V),
    ("or-text", r"\boxed{5 \text{ or } 6}", "5", V),
    ("or-prose", "The answer is 5 or 6.", "5", V),
    ("chain", r"\boxed{x = 6 = 5}", "5", V),
    ("tautology", r"\boxed{x > 2 \text{ or } x \le 2}", "x > 2", V),
    ("empty-box", r"\boxed{}", "5", V),
    ("empty-box-after-answer", r"So \boxed{7}, or perhaps \boxed{ }.", "7", V),
    ("empty-box-last", r"So \boxed{7}. On second thought the count is different, so \boxed{}", "7", V),
    # retraction inside the box: the value is denied, not given
    ("retraction-text-not", r"\boxed{\text{not } 3}", "3", V),
    ("retraction-isnt", r"\boxed{3 \text{ isn't right}}", "3", V),
    ("retraction-neq", r"\boxed{\neq 3}", "3", V),
    ("relation-neq-kept", r"\boxed{x \neq 3}", r"x \neq 3", C),
    ("same-box-twice", r"\boxed{5} so again \boxed{5}", "5", C),
]
IDS = [c[0] for c in CASES]


def _request(case: tuple[str, str, str, str]) -> dict[str, object]:
    return {"verifier": "math", "id": case[0], "response": case[1], "reference": case[2]}


@pytest.fixture(scope="module")
def engine() -> Iterator[SyncEngine]:
    eng = SyncEngine(Settings(pool_workers=2))
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def library_results(engine: SyncEngine) -> dict[str, tuple[str, float, str]]:
    results = engine.score_batch([_request(c) for c in CASES])
    return {r.id: (r.verdict.value, r.score, r.reason) for r in results}


@pytest.fixture(scope="module")
def http_results(client: httpx.Client) -> dict[str, tuple[str, float, str]]:
    r = client.post("/v1/score/batch", json={"requests": [_request(c) for c in CASES]})
    assert r.status_code == 200, r.text
    return {x["id"]: (x["verdict"], x["score"], x["reason"]) for x in r.json()["results"]}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_policy_library(
    case: tuple[str, str, str, str], library_results: dict[str, tuple[str, float, str]]
) -> None:
    verdict, score, reason = library_results[case[0]]
    assert verdict == case[3], reason
    assert score == (1.0 if case[3] == C else 0.0)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_policy_http(
    case: tuple[str, str, str, str], http_results: dict[str, tuple[str, float, str]]
) -> None:
    verdict, score, reason = http_results[case[0]]
    assert verdict == case[3], reason
    assert score == (1.0 if case[3] == C else 0.0)


def test_hedge_reason_is_readable(library_results: dict[str, tuple[str, float, str]]) -> None:
    assert "hedged" in library_results["two-boxes"][2]
    assert "chain" in library_results["chain"][2]
    assert (
        "empty box" in library_results["empty-box-after-answer"][2]
        or "'perhaps'" in library_results["empty-box-after-answer"][2]
    )
    assert "retracted" in library_results["retraction-text-not"][2]
    assert "no answer could be extracted" in library_results["refusal-trailing-number"][2]
