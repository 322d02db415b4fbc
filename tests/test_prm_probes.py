"""Each failure class of the PRM step grader found by outside probes (issue 19), as a family of generated
cases rather than one string: padding that paid, verdicts later steps changed, refutation by a word
anywhere, tolerances, claims lost in common layouts. Real symbolic checks and the real math scorer; the
hostile inputs through a live server are in tests/test_prm_hostile.py."""

from __future__ import annotations

import itertools

import pytest
from _prm_score import AGGREGATIONS, analysed, rewards, score

from veriward.verifiers.prm._aggregate import Aggregation
from veriward.verifiers.prm._symbolic import Scope, check_step, check_steps

DIGITS = {"arabic-indic": "٠١٢٣٤٥٦٧٨٩", "devanagari": "०१२३४५६७८९", "fullwidth": "０１２３４５６７８９"}


def _script(text: str, digits: str) -> str:
    return text.translate(str.maketrans("0123456789", digits))


# -- padding can never pay --------------------------------------------------------------------------


@pytest.mark.parametrize("how", AGGREGATIONS)
def test_a_later_second_value_does_not_switch_off_earlier_checks(how: Aggregation) -> None:
    base = [r"Let \(x = 4\).", r"Then \(3x + 1 = 12\)."]  # false: 13
    for later in (r"Now \(x = 7\).", r"Let \(x = 1\) be the count of boxes.", r"So \(x = 4.5\)."):
        assert score(base, how) == 0.0
        assert score([*base, later], how) == 0.0
        assert score([*base, later, r"And \(3x + 1 = 22\)."], how) == 0.0


@pytest.mark.parametrize("how", ["min", "last", "product", "mean"])
def test_repeats_after_a_wrong_unboxed_answer_cannot_move_the_answer_check(how: Aggregation) -> None:
    steps = ["We add \\(2 + 3 = 5\\).", "So the answer is 6."]
    base = analysed(steps, answer="5")
    assert base.answer_step == 1 and rewards(base)[how][0] == 0.0
    for n in (1, 2, 5):
        padded = analysed([*steps, *["So the answer is 6."] * n], answer="5")
        assert padded.answer_step == 1  # bound to where it was first stated
        assert rewards(padded)[how][0] == 0.0
    reworded = analysed([*steps, "Thus, the answer is 6."], answer="5")
    assert rewards(reworded)[how][0] == 0.0


def test_last_without_a_reference_is_not_lifted_by_a_true_step_after_a_false_one() -> None:
    false_then = ["We add \\(2 + 3 = 6\\).", "Then \\(6 \\times 2 = 12\\).", "Finally \\(12 - 1 = 11\\)."]
    assert score(false_then, "last") == 0.0
    for extra in ("Also \\(7 + 8 = 15\\).", "Indeed \\(100 - 1 = 99\\).", "The answer is 11."):
        assert score([*false_then, extra], "last") == 0.0


def _restatements(claim: tuple[int, str, int, int]) -> list[str]:
    """Ways to state `a op b = c` again: operands swapped, sides swapped, other digit scripts, LaTeX
    spellings, prose."""
    a, op, b, c = claim
    tex = {"+": "+", "*": "\\times"}[op]
    dot = {"+": "+", "*": "\\cdot"}[op]
    out = [
        f"We have \\({b} {tex} {a} = {c}\\).",
        f"Note \\({c} = {a} {tex} {b}\\).",
        f"$$ {a}{dot}{b}={c} $$",
        f"Recall: \\({{{a}}} \\, {tex} \\, {{{b}}} = {c}\\).",
        f"So {b} {op} {a} = {c} again.",
    ]
    out += [_script(f"Again \\({a} {tex} {b} = {c}\\).", d) for d in DIGITS.values()]
    return out


@pytest.mark.parametrize("how", AGGREGATIONS)
def test_restated_claims_and_tautologies_do_not_raise_any_aggregation(how: Aggregation) -> None:
    for a, b in itertools.product((12, 7), (13, 9)):
        steps = [
            f"First \\({a} \\times {b} = {a * b}\\).",
            "We think about it.",
            f"Then \\({a * b} + 1 = {a * b + 2}\\).",
        ]
        base = score(steps, how)
        tautologies = ["\\(x = x\\).", f"\\({a} = {a}\\).", "\\(a + b = b + a\\)."]
        for extra in [*_restatements((a, "*", b, a * b)), *tautologies]:
            for pos in range(len(steps) + 1):
                padded = [*steps[:pos], extra, *steps[pos:]]
                assert score(padded, how) <= base, (padded, how)


def test_restatements_are_found_in_canonical_form() -> None:
    steps = ["First \\(12 \\times 13 = 156\\).", *_restatements((12, "*", 13, 156))]
    analysis = analysed(steps)
    assert analysis.restated[1:] == [True] * (len(steps) - 1)
    assert [c.verdict for c in analysis.checks[1:]] == ["verified"] * (len(steps) - 1)
    tautologies = analysed(["\\(x = x\\)", "\\(3 + 4 = 4 + 3\\)", "\\(7 = 7.0\\)"])
    assert all(not c.claims and c.tautologies for c in tautologies.checks)  # not claims at all


# -- refutation only in a recognised construct ------------------------------------------------------


@pytest.mark.parametrize(
    "word", ["cannot", "not true", "impossible", "contradiction", "invalid", "no solution"]
)
def test_a_word_elsewhere_in_the_step_does_not_excuse_a_false_claim(word: str) -> None:
    for text in (
        f"We {word} stop here. Then \\(3 \\times 4 = 13\\).",
        f"Since \\(7 \\times 8 = 54\\), and it is {word} that x is odd, we continue.",
        f"Note that a {word} case was ruled out before. So \\(25 + 17 = 43\\).",
    ):
        assert check_step(text, Scope()).verdict == "false", text


def test_refutation_constructs_are_not_assertions() -> None:
    for text in (
        r"Suppose \(n = 3\). Then \(2 + 2 = 5\), a contradiction.",
        r"\(0 = 1\), which is impossible, so \(x \neq 2\).",
        r"Assume it works: then \(7 \times 8 = 54\). This contradicts the parity.",
        r"Is \(3 \times 4 = 13\)? No, \(3 \times 4 = 12\).",
        r"Testing \(x = 3\): \(3^2 + 3 = 10\) is false.",
        r"It is not true that \(3 \times 4 = 13\).",
        r"We cannot have \(2 + 2 = 5\), so we stop.",
        r"If \(2 + 2 = 5\), then everything follows.",
    ):
        checks = check_step(text, Scope())
        assert checks.verdict != "false", (text, checks.claims)
        assert any(c.result == "not_asserted" for c in checks.claims)


def test_a_step_with_only_unknown_or_unread_claims_is_neutral() -> None:
    for text in (r"\(x + y = 10\) and \(x - y = 2\)", r"\(f(3) = 7\)", r"\(\sin x = 0.5\)", r"\(a < b\)"):
        assert check_step(text, Scope()).verdict == "neutral", text
    assert score([r"\(x + y = 10\) and \(f(3) = 7\)"], "min") == 0.5


def test_one_unread_claim_keeps_a_step_from_being_verified() -> None:
    text = r"We have \(2 + 2 = 4\) and \(\frac{3}{4} \star 2 = 7\)."
    checks = check_step(text, Scope())
    assert checks.verdict == "neutral"
    assert [c.result for c in checks.claims] == ["true", "unread"]


# -- tolerances: exact unless the step approximates, then to the precision it writes -----------------


@pytest.mark.parametrize(
    "text",
    [
        r"This is complete: \(100 / 7 = 14.5\).",  # 14.2857: "complete" gives no slack
        r"Then~\(2.5 \times 4 = 10.1\)~holds.",  # a LaTeX `~` is a space
        r"\(2.5 + 1.2 = 3.8\)",  # within the last written digit, still false
        r"\(\sqrt{2} = 1.42\)",  # 1.4142: not its rounding
        r"\(\pi \times 4 = 12.6\) and \(10 / 3 = 3.4\)",
        r"\(1.05 \times 200 = 212\)",  # within 1%, still false
        r"A discount of \(20\% \times 50 = 1000\)",  # % divides by 100 inside arithmetic
        "So 15% * 80 = 1200 dollars.",
        r"About \(100 / 3 \approx 34\) people.",  # an approximation held to its precision
        r"\(2/3 \approx 0.65\)",
    ],
)
def test_no_slack_beyond_the_precision_written(text: str) -> None:
    assert check_step(text, Scope()).verdict == "false", check_step(text, Scope()).claims


@pytest.mark.parametrize(
    "text",
    [
        r"\(1/3 = 0.33\) and \(2/3 = 0.67\) and \(2/3 = 0.66\)",  # rounded or truncated at the digit written
        r"\(\pi \cdot 5^2 \approx 3.14 \times 25 = 78.5\)",
        r"Roughly, \(1000 / 7 \approx 142.86 \approx 143\).",
        r"About \(100 / 3 \approx 33\) people; \(2873 \approx 2900\).",
        r"\(\sqrt{50} \approx 7.07\), so the side is about \(7.07\).",
        r"That is \(0.25 \times 100 = 25\%\).",  # a conversion to percent
        r"\((2.8284)^2 = 8\)",  # a long decimal is a rounded value carried over
        r"\(49 \div 9 = 5\) with a remainder of 4",
    ],
)
def test_honest_approximations_hold(text: str) -> None:
    assert check_step(text, Scope()).verdict == "verified", check_step(text, Scope()).claims


def test_no_silent_claim_cap() -> None:
    many = " ".join(f"\\({i} + 1 = {i + 1}\\)" for i in range(200))
    capped = check_step(many, Scope())
    assert capped.verdict == "neutral" and capped.unchecked  # over the cap: never verified
    late_false = " ".join(f"\\({i} + 1 = {i + 1}\\)" for i in range(70)) + " \\(2 + 2 = 5\\)"
    assert check_step(late_false, Scope()).verdict == "false"  # the 71st claim is checked


# -- claims read in every layout --------------------------------------------------------------------

HONEST = [
    "Sue starts with 18 flamingos: 18 - 6 = 12 remain.",
    "On Sunday she adds 18 more: 12 + 18 = 30.",
    "The total is 30 * 2 = 60 legs.",
]


def _layouts(steps: list[str]) -> dict[str, str]:
    return {
        "blank lines": "\n\n".join(steps),
        "numbered prose": "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)),
        "parenthesised numbers": "\n".join(f"{i}) {s}" for i, s in enumerate(steps, 1)),
        "numbers in parentheses": "\n".join(f"({i}) {s}" for i, s in enumerate(steps, 1)),
        "step with a full stop": "\n".join(f"Step {i}. {s}" for i, s in enumerate(steps, 1)),
        "bullets": "\n".join(f"- {s}" for s in steps),
        "star bullets": "\n".join(f"* {s}" for s in steps),
        "bold step headings": "\n".join(f"**Step {i}:** {s}" for i, s in enumerate(steps, 1)),
        "markdown headings": "\n\n".join(f"## Step {i}\n{s}" for i, s in enumerate(steps, 1)),
    }


def test_claims_are_read_in_every_layout() -> None:
    base = analysed(HONEST)
    assert [c.verdict for c in base.checks] == ["verified"] * 3
    for name, text in _layouts(HONEST).items():
        laid = analysed(None, response=text)
        assert [c.verdict for c in laid.checks] == ["verified"] * 3, name
        assert rewards(laid) == rewards(base), name
    wrong = [*HONEST[:2], "The total is 30 * 2 = 50 legs."]
    for name, text in _layouts(wrong).items():
        assert rewards(analysed(None, response=text))["min"] == (0.0, "incorrect", 2), name


def test_display_math_and_prose_equations_with_function_names() -> None:
    display = "We compute\n\\[\n12 \\times 13 = 156\n\\]\nand\n$$156 + 20 = 176$$"
    assert check_step(display, Scope()).verdict == "verified"
    prose_f = "In prose, f(3) = 2*3 + 1 = 7 and g(2) = 5."
    checks = check_step(prose_f, Scope())
    assert checks.verdict == "neutral"  # f(3) is not read as 3, so nothing false, nothing verified
    assert any(c.result == "true" and c.text.replace(" ", "") == "2*3+1=7" for c in checks.claims)
    assert check_step("In prose, f(3) = 2*3 + 1 = 8.", Scope()).verdict == "false"


def test_expanding_to_solve_is_not_an_identity() -> None:
    for text in (
        r"Expanding, \((x+3)^2 = 2x^2 + 1\), so \(x^2 - 6x - 8 = 0\).",
        r"Expanding the left side: \((x + 1)(x + 2) = x^2 + 10\).",
        r"After expanding, \((2x-1)^2 = 3x^2 + 2\).",
    ):
        assert check_step(text, Scope()).verdict != "false", text
    assert check_step(r"Expanding, \((x + 1)^2 = x^2 + x + 1\).", Scope()).verdict == "false"


# -- local verdicts ----------------------------------------------------------------------------------


def test_a_reassigned_variable_starts_a_new_scope() -> None:
    steps = [r"Let \(x = 3\).", r"So \(2x = 6\).", r"Now \(x = 10\) counts the boxes.", r"So \(2x = 20\)."]
    assert [c.verdict for c in check_steps(steps)] == ["neutral", "verified", "neutral", "verified"]
    wrong = [*steps[:3], r"So \(2x = 6\)."]
    assert check_steps(wrong)[3].verdict == "false"


def test_a_repeated_value_statement_cannot_reopen_an_older_scope() -> None:
    steps = [r"Let \(x = 3\).", r"Now \(x = 10\) counts the boxes.", r"So \(2x = 6\)."]
    assert check_steps(steps)[2].verdict == "false"
    repeated = [*steps[:2], r"Let \(x = 3\).", steps[2]]
    assert check_steps(repeated)[3].verdict == "false"
    assert score(repeated, "min") == 0.0


def test_a_copy_of_a_later_step_placed_earlier_cannot_turn_a_false_claim_true() -> None:
    steps = [r"Let \(x = 3\).", r"So \(x + 1 = 7\).", r"Later, \(x = 6\) is the new count."]
    assert check_steps(steps)[1].verdict == "false"
    for how in AGGREGATIONS:
        base = score(steps, how)
        assert score([steps[0], steps[2], *steps[1:]], how) <= base  # the copy gives x = 6 early
        reworded = "Later, $x = 6$ is the new count indeed."
        assert score([steps[0], reworded, *steps[1:]], how) <= base


def test_the_answer_check_binds_to_the_step_that_states_the_answer() -> None:
    steps = [
        "We add \\(2 + 3 = 5\\).",
        "The answer is \\(\\boxed{6}\\).",
        "Let me double check: \\(2 + 3 = 5\\).",
    ]
    analysis = analysed(steps, answer="5")
    assert analysis.answer_step == 1
    assert rewards(analysis)["min"] == (0.0, "incorrect", 1)
    right = analysed([*steps[:1], "The answer is \\(\\boxed{5}\\).", steps[2]], answer="5")
    assert right.answer_step == 1 and rewards(right)["min"][1] == "correct"
    missing = analysed(["We add \\(2 + 3 = 5\\).", "We are done."], answer="5")
    assert rewards(missing)["min"] == (0.0, "incorrect", 1)  # no answer stated: the last step is wrong
