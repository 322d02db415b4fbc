"""PRM step grader, pure parts: splitting, aggregation, repeats, the safe parser, and the claim checker on
true, false, uncheckable and deliberately false claims (real sympy, no server)."""

from __future__ import annotations

import time

import pytest

from veriward.verifiers.prm._aggregate import aggregate, reward
from veriward.verifiers.prm._claims import Claim, step_verdict
from veriward.verifiers.prm._dedupe import PROBLEM, find_duplicates, normalise
from veriward.verifiers.prm._expr import ParseError, parse
from veriward.verifiers.prm._split import split_steps
from veriward.verifiers.prm._symbolic import Scope, check_step, check_steps

# -- splitting ------------------------------------------------------------------------------------


def test_split_blank_lines_by_default() -> None:
    text = "First we add.\n3 + 4 = 7\n\n  \nThen we double.\n\n\nSo 14."
    assert split_steps(text) == ["First we add.\n3 + 4 = 7", "Then we double.", "So 14."]


def test_split_step_markers_with_preamble() -> None:
    text = "Let us solve it.\nStep 1: add 3 and 4.\n**Step 2:** double it.\n## Step 3: answer 14"
    assert split_steps(text) == [
        "Let us solve it.",
        "Step 1: add 3 and 4.",
        "**Step 2:** double it.",
        "## Step 3: answer 14",
    ]


def test_split_numbered_and_bulleted_lists() -> None:
    text = "1. add 3 and 4\n2. double it\n3) answer 14"
    assert split_steps(text) == ["1. add 3 and 4", "2. double it", "3) answer 14"]
    assert split_steps("(1) add\n(2) double") == ["(1) add", "(2) double"]
    assert split_steps("Step 1. add\nStep 2. double\nStep 2.5 is no step") == [
        "Step 1. add",
        "Step 2. double\nStep 2.5 is no step",
    ]
    spaced = "1. add 3 and 4\n\n2. double it\n\n3. answer 14"  # items may stand apart
    assert split_steps(spaced) == ["1. add 3 and 4", "2. double it", "3. answer 14"]
    assert split_steps("- add\n- double\n  - (a detail)\n- answer") == [
        "- add",
        "- double\n  - (a detail)",
        "- answer",
    ]
    # Numbers out of sequence are content, and a list inside a paragraph belongs to it.
    assert split_steps("1. add\n5. is odd\n2. answer") == ["1. add\n5. is odd", "2. answer"]
    inner = "We check cases.\n\nThe cases are:\n- x = 1\n- x = 2\n\nSo x = 2."
    assert split_steps(inner) == ["We check cases.", "The cases are:\n- x = 1\n- x = 2", "So x = 2."]


def test_split_explicit_modes() -> None:
    text = "1. add 3 and 4\n2. double it"
    assert split_steps(text, "blank_lines") == [text]
    assert split_steps("a\nb\n\nc", "lines") == ["a", "b", "c"]
    assert split_steps("   \n\n ") == []


# -- aggregation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "expected"),
    [("min", 0.5), ("product", 0.9 * 0.5 * 0.8), ("mean", (0.9 + 0.5 + 0.8) / 3), ("last", 0.8)],
)
def test_each_aggregation(how: str, expected: float) -> None:
    assert aggregate([0.9, 0.5, 0.8], how) == pytest.approx(expected)  # type: ignore[arg-type]


def test_optional_steps_enter_only_where_they_lower() -> None:
    scores, counted = [1.0, 0.5, 1.0, 0.0], [True, False, False, True]
    assert reward(scores, counted, "mean") == (pytest.approx(0.5), [True, False, False, True])
    assert reward([0.6, 0.2], [True, False], "mean")[0] == pytest.approx(0.4)  # 0.2 lowers the mean
    assert reward([1.0, 0.5, 0.5], [False] * 3, "mean")[0] == 0.5  # nothing counted: the lowest step
    assert reward([1.0, 0.5, 1.0], [False] * 3, "last")[0] == 0.5  # any step could be last
    assert reward([0.2, 0.0, 1.0], [True, True, False], "last")[0] == 0.0  # a good step after counts not
    assert reward([0.7, 0.9], [True, False], "last")[0] == 0.7
    assert reward([0.7, 0.3], [True, False], "last")[0] == 0.3  # ... a worse one does
    assert reward([0.9, 0.5, 0.8], [False] * 3, "product")[0] == pytest.approx(0.36)


def test_verdicts_need_every_claim_read_and_true() -> None:
    true, false = Claim("2 + 2 = 4", "true"), Claim("2 + 2 = 5", "false")
    unread, unknown = Claim("f(2) = 4", "unread"), Claim("x + y = 3", "unknown")
    assert step_verdict([true]) == "verified"
    assert step_verdict([true, false]) == "false"
    assert step_verdict([true, unread]) == "neutral"  # an unread claim could be the false one
    assert step_verdict([unknown, unknown]) == "neutral"  # all unknown is never verified
    assert step_verdict([]) == "neutral"
    assert step_verdict([true], unchecked=True) == "neutral"


# -- repeats ----------------------------------------------------------------------------------------


def test_duplicates_exact_near_and_of_the_problem() -> None:
    steps = [
        "We compute 3 + 4 = 7 apples in the basket today.",
        "Then we double the number of apples.",
        "we compute 3 + 4 = 7 apples in the basket today",  # same words, other case and punctuation
        "We compute 3 + 4 = 7 apples in the basket today, indeed.",  # near duplicate
        "Sue has 18 pink flamingos and buys 5 more.",
    ]
    problem = "Sue has 18 pink flamingos and buys 5 more. How many does she have?"
    assert find_duplicates(steps, 0.8, problem) == [None, None, 0, 0, PROBLEM]
    assert (
        normalise("Check: $12\\times13=156$.")
        == normalise("$12 \\cdot 13 = 156$")
        == ["12", "*", "13", "=", "156"]
    )


def test_duplicate_scan_is_bounded() -> None:
    """500 near-identical long steps: the sketch/postings bounds keep it far from steps² x trigrams."""
    steps = [" ".join(f"word{j}" for j in range(400)) + f" variant {i}" for i in range(500)]
    start = time.monotonic()
    dups = find_duplicates(steps)
    assert time.monotonic() - start < 5.0
    assert dups[0] is None and all(d is not None for d in dups[1:])


# -- the safe parser --------------------------------------------------------------------------------


def test_parser_builds_only_plain_arithmetic() -> None:
    assert parse("3*4 + 2^10 - sqrt(16) + 5! + floor(10/3)").expr == 12 + 1024 - 4 + 120 + 3
    for hostile in ("__import__('os')", "f(2)", "2 3", "lambda: 1", "x.y", "2^x", "1/0", "(-8)^(1/3)"):
        with pytest.raises(ParseError):
            parse(hostile)


def test_parser_refuses_huge_or_deep_input_fast() -> None:
    start = time.monotonic()
    for huge in (
        "9^9^9",
        "10^100000",
        "2^(2^(2^20))",
        "301!",
        "(x+1)^100",
        "((x+1)^10)^10",
        "(" * 40 + "1" + ")" * 40,
    ):
        with pytest.raises(ParseError):
            parse(huge)
    assert time.monotonic() - start < 2.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("3*4", "4*3"),
        ("2 + 3 + 4", "4 + (3 + 2)"),
        ("(-3)*4", "-(4*3)"),
        ("x*1 + 0", "x"),
        ("12", "12.0"),
        ("2x", "x*2"),
    ],
)
def test_structural_keys_see_through_order_and_identities(a: str, b: str) -> None:
    assert parse(a).key == parse(b).key


def test_structural_keys_keep_different_claims_apart() -> None:
    assert parse("5 - 3").key != parse("3 - 5").key
    assert parse("2 * 6").key != parse("3 * 4").key
    assert parse("1200_7").key != parse("441").key


# -- symbolic claims --------------------------------------------------------------------------------


def _check(text: str) -> list[str]:
    return [c.result for c in check_step(text, Scope()).claims]


@pytest.mark.parametrize(
    "text",
    [
        r"So \(3 \times 4 = 12\) and \(\frac{3}{4} = 0.75\).",
        r"\[ a = 2 + 3 = 5 = \frac{10}{2} \]",
        r"That is \(25\% \times 80 = 20\), and \(\frac{3}{12} \times 100 = 25\%\).",
        r"\(2x + 3 = 7 \Rightarrow 2x = 4 \Rightarrow x = 2\)",
        r"\(\frac{1}{3} = 0.33\) and \(\sqrt{2} \approx 1.41\) and \(\sqrt{8} = 2\sqrt{2}\)",
        r"The total is 18 - 6 = 12 flamingos, so 12 + 6 = 18.",
        r"\(18 \text{ apples} - 6 \text{ apples} = 12 \text{ apples}\)",
        r"\(\binom{5}{2} = 10\) and \(5! = 120\) and \(1,000 + 250 = 1,250\)",
        r"In base 7, \(441_{10} = 1200_7\).",
        "Thus the students in a week = 33 classes * 15 students/class = 495 students.",
        r"\[ (5 - 8i)(30 + 48i) = 150 + 240i - 240i - 384i^2 = 534 \]",
        r"\(\lfloor 100/3 \rfloor = 33\) and \(x^2 - 5x + 6 = 0 \implies (x-2)(x-3) = 0\)",
        r"With \(\pi \approx 3.14\), \(2.718^3 \approx 20.09\) and \(100/3 \approx 33\).",
    ],
)
def test_true_claims(text: str) -> None:
    results = _check(text)
    assert results and all(r == "true" for r in results), check_step(text, Scope()).claims
    assert check_step(text, Scope()).verdict == "verified"


@pytest.mark.parametrize(
    ("text", "claim"),
    [
        (r"So \(3 \times 4 = 13\).", "3 * 4 = 13"),
        (r"\[ a = 2 + 3 = 6 \]", "2 + 3 = 6"),
        (r"We get \(\frac{3}{4} = 0.57\).", "3/4 = 0.57"),
        (r"\(2x + 3 = 7 \Rightarrow x = 3\)", "2x + 3 = 7 => x = 3"),
        ("Then 250 * 2 = 600 chimichangas.", "250 * 2 = 600 chimichanga"),
        (r"\(18 \text{ apples} - 6 \text{ apples} = 13 \text{ apples}\)", None),
        (r"\(40\% \times 50 = 25\)", "40% * 50 = 25"),
        (r"Expanding, \((x + 2)(x - 3) = x^2 + x - 6\).", "(x + 2)(x - 3) = x^2 + x - 6"),
        (r"\(f = (a + 1)^2 = a^2 + a + 1\)", "(a + 1)^2 = a^2 + a + 1"),
        (r"So \(41 = 1121_3\).", "41 = 1121_3"),
        ("Total money = 495 students * $15/student = $7455.", None),
        (r"The polynomial factors as \(n^3 - 7n^2 + 13n - 6 = (n-1)(n-2)(n-3)\).", None),
        (r"We have \( x^2 - 3x = 1 \). Factoring, we get \( (x - 1)(x - 3) = 0 \).", None),
        (r"The complex product is \[ (5 - 8i)(30 + 48i) = 534 + 240i \]", None),
        (r"So \(\sqrt{2} = 1.42\) and \(2.5 + 1.2 = 3.8\).", None),
        (
            r"\[ \text{Total fruits} = 52 + 24 + 44 + 48 \] \[ \text{Total fruits} = 178 \]",
            "52 + 24 + 44 + 48 = 178",
        ),
        ("Adam's current age = 30 + 4. Adam's current age = 35.", "30 + 4 = 35"),
    ],
)
def test_false_claims(text: str, claim: str | None) -> None:
    checks = check_step(text, Scope())
    assert checks.verdict == "false", checks.claims
    if claim is not None:
        assert claim in [c.text for c in checks.claims if c.result == "false"]


@pytest.mark.parametrize(
    "text",
    [
        "We need to think about which triangles are similar.",
        r"Let \(x\) be the number of apples, so \(x + y = 10\).",  # an equation, not a claim
        r"\(f(2) = 5\) and \(\cos 60^\circ = \frac{1}{2}\)",  # function calls: not parsed
        r"\(2\frac{1}{2} = 2.5\)",  # a mixed number or a product: ambiguous
        r"\(1 \text{ hour} = 60 \text{ minutes}\)",  # units differ
        r"\(0 \cdot b = 2014\), a contradiction, so \(a \neq 0\).",  # false on purpose
        r"Let \(x = 2\). Then \(x = 3\) is the other root.",  # values listed, not derived
        r"\(\frac{100}{3} = 33\) whole boxes",  # whole parts: a floor
        r"\(49 \div 9 = 5\) complete cycles and a remainder of 4",
        r"\(x = 2 \text{ or } x = 5\)",
        r"\((2 - m)^2 = m^2 + 1\), which we solve for \(m\).",  # an equation, not a rewrite
        r"Expanding, \((x + 3)^2 = 2x^2 + 1\), so \(x^2 - 6x - 8 = 0\).",  # expanding an equation to solve
        r"Is \(3 \times 4 = 13\)? No.",  # asked, not asserted
        r"Suppose \(x = 2\). Then \(2 + 2 = 5\), which is impossible.",
        r"\[ x - 8 = 12 \quad \text{or} \quad x - 8 = -12 \] \[ x = 20 \quad \text{or} \quad x = -4 \]",
        r"\[ \text{Total} = 720 \times 24 \times 120 \] \[ \text{Total} = 720 \times 24 = 17280 \]",
        "Total cost = 4 + 4 = 8. After doubling, total cost = 16.",  # a new value, named again
    ],
)
def test_uncheckable_or_deliberate_claims_are_not_false(text: str) -> None:
    assert check_step(text, Scope()).verdict != "false", check_step(text, Scope()).claims


def test_values_hold_in_their_scope() -> None:
    steps = [
        r"Let \(x = 5\).",
        r"Then \(3x + 1 = 16\).",
        r"Now let \(x = 2\) count the boxes.",
        r"So \(3x = 7\).",
    ]
    checks = check_steps(steps)
    assert [c.verdict for c in checks] == ["neutral", "verified", "neutral", "false"]
    assert checks[1].claims[0].kind == "with earlier values"


def test_hostile_steps_neither_crash_nor_hang() -> None:
    hostile = [
        "\\frac{",
        "$$$ $ \\( \\] \\[",
        "\\(2^{2^{2^{2^{2}}}} = 4\\)",
        "\\(" + "(" * 500 + "1" + ")" * 500 + " = 1\\)",
        " = ".join(["1"] * 3000),
        "\\(" + "\\frac{" * 2000 + "1" + "}{2}" * 2000 + " = 1\\)",
        "\\(" + "\\sqrt{" * 2000 + "4" + "}" * 2000 + " = 2\\)",
        "\\(\\sqrt{-4} = 2i\\) and \\((-8)^{1/3} = -2\\) and \\(0^{-1} = 1\\) and \\(\\frac{1}{0} = 3\\)",
        "\\(x = \\frac{1}{0}\\) \\(\\binom{10^9}{3} = 1\\) \\(99999! = 1\\)",
        "\ud800 2 + 2 = 5 \udfff",
    ]
    start = time.monotonic()
    for text in hostile:
        assert check_step(text, Scope()).verdict in ("verified", "false", "neutral")
    assert time.monotonic() - start < 10.0
