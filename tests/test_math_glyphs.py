"""Unicode math in model text is read as the value it writes: `3²` is 9 and never 3, `4π` is never 4, `√3` is
never 3, `1½` is 3/2. A prose reader once took the leading digits of such a value and ignored the rest, so
each glyph that changes a value was a way to be scored on another value. Generated over the places an answer
is written (prose statements, answer phrases, bold labels, boxes) and the glyph kinds."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from veriward.verifiers.math import MathOptions
from veriward.verifiers.math._core import grade
from veriward.verifiers.math._glyphs import to_latex, value_span

OPTS = MathOptions()
SUPERSCRIPT = dict(zip("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹", strict=True))
VULGAR = {g: Fraction(a, b) for g, a, b in [("½", 1, 2), ("⅓", 1, 3), ("¾", 3, 4), ("⅛", 1, 8), ("⅔", 2, 3)]}
PLACES = [
    "Thus the value is {}.",
    "Therefore, the area is {} square units.",
    "The final answer is {}.",
    "**Answer:** {}",
    "So we get {}.",
    "The answer is $\\boxed{{{}}}$.",
    "Hence the total comes to {}.",
    "The final answer is {} square units.",
    "The answer is: the value {}",
]
MINUS = ["-", "−", "–", "‐", "‑", "‒", "﹣", "－"]


def _verdict(gold: str, response: str) -> str:
    return grade(response, gold, OPTS).verdict


def _frac(q: Fraction) -> str:
    return f"\\frac{{{q.numerator}}}{{{q.denominator}}}" if q.denominator != 1 else str(q.numerator)


@settings(max_examples=120, deadline=None, derandomize=True)
@given(st.integers(2, 40), st.integers(2, 5), st.sampled_from(PLACES))
def test_a_superscript_exponent_belongs_to_the_value(base: int, exp: int, place: str) -> None:
    response = place.format(f"{base}{SUPERSCRIPT[str(exp)]}")
    assert _verdict(str(base), response) != "correct", response
    assert _verdict(str(base**exp), response) == "correct", response


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.integers(0, 30), st.sampled_from(sorted(VULGAR)), st.sampled_from(PLACES))
def test_a_vulgar_fraction_is_its_value_and_a_mixed_number_adds(whole: int, glyph: str, place: str) -> None:
    value = whole + VULGAR[glyph]
    response = place.format(f"{whole or ''}{glyph}")
    assert _verdict(_frac(value), response) == "correct", response
    if whole:
        assert _verdict(str(whole), response) != "correct", response
        assert _verdict(_frac(whole * VULGAR[glyph]), response) != "correct", response  # not a product


@settings(max_examples=120, deadline=None, derandomize=True)
@given(
    st.integers(1, 30),
    st.sampled_from([2, 3, 5, 6, 7, 10, 11]),
    st.sampled_from(["√", "∛"]),
    st.booleans(),
    st.sampled_from(PLACES),
)
def test_a_root_sign_belongs_to_the_value(
    coef: int, radicand: int, sign: str, paren: bool, place: str
) -> None:
    inner = f"({radicand})" if paren else str(radicand)
    written = f"{coef if coef > 1 else ''}{sign}{inner}"
    response = place.format(written)
    index = "" if sign == "√" else "[3]"
    gold = f"{coef if coef > 1 else ''}\\sqrt{index}{{{radicand}}}"
    assert _verdict(gold, response) == "correct", response
    for wrong in {str(coef), str(radicand), str(coef * radicand)}:
        assert _verdict(wrong, response) != "correct", (response, wrong)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.integers(2, 60), st.sampled_from(["π", " π", "x", "n", "e"]), st.sampled_from(PLACES))
def test_a_symbol_glued_to_a_number_is_part_of_it(n: int, glued: str, place: str) -> None:
    response = place.format(f"{n}{glued}")
    assert _verdict(str(n), response) != "correct", response
    if "π" in glued:
        assert _verdict(f"{n}\\pi", response) == "correct", response


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(2, 90), st.sampled_from(["cm", "m", "kg", "km"]), st.sampled_from(["th", "st", "nd"]))
def test_glued_units_and_ordinals_still_read_as_the_number(n: int, unit: str, ordinal: str) -> None:
    assert _verdict(f"{n} \\text{{ {unit}}}", f"Thus the length is {n}{unit}.") == "correct"
    assert _verdict(str(n), f"Therefore she finished {n}{ordinal}.") == "correct"


def test_to_latex_leaves_ascii_alone_and_rewrites_each_glyph() -> None:
    assert to_latex("x^2 + 1") == "x^2 + 1"
    assert to_latex("x²⁺¹") == "x^{2+1}"
    assert to_latex("a₁₀") == "a_{10}"
    assert to_latex("2½") == "\\frac{5}{2}"
    assert to_latex("√(x+1)") == "\\sqrt{x+1}"
    assert to_latex("∛{27}") == "\\sqrt[3]{27}"
    assert to_latex("3⁄4") == "3/4"


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.integers(1, 900), st.sampled_from(MINUS), st.sampled_from(PLACES))
def test_every_minus_sign_makes_the_value_negative(n: int, minus: str, place: str) -> None:
    response = place.format(f"{minus}{n}")
    assert _verdict(str(n), response) != "correct", response  # a dash read as nothing paid for -n = n
    assert _verdict(str(-n), response) == "correct", response


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(1, 900), st.sampled_from(["±", "∓", "¬", "!"]), st.sampled_from(PLACES))
def test_a_sign_that_changes_the_value_is_never_dropped(n: int, sign: str, place: str) -> None:
    response = place.format(f"{sign}{n}")
    assert _verdict(str(n), response) != "correct", response


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(1, 90), st.integers(1, 90))
def test_a_hyphen_after_a_word_or_a_range_is_not_a_sign(a: int, b: int) -> None:
    text = f"the COVID-{b} data"
    start = text.index(str(b))
    assert value_span(text, start, start + len(str(b)), lambda _: False) == (start, start + len(str(b)))
    assert _verdict(str(a), f"Thus the answer is {a}–{a + b}.") != "correct"  # a range is two values


OPERANDS = [
    "$-\\boxed{{{}}}$",
    "$\\sqrt{{\\boxed{{{}}}}}$",
    "$\\frac{{1}}{{\\boxed{{{}}}}}$",
    "$\\boxed{{{}}}^2$",
    "$\\boxed{{{}}}\\pi$",
    "$\\boxed{{{}}} \\times 10^3$",
    "$\\boxed{{{}}}7$",
    "$\\boxed{{{}}}.5$",
    "$2\\boxed{{{}}}$",
    "$\\boxed{{{}}}\\,000$",
]
STANDALONE = [
    "$\\boxed{{{}}}$",
    "**$\\boxed{{{}}}$**",
    "$x = \\boxed{{{}}}$",
    "$\\boxed{{{}}}^\\circ$",
    "$\\boxed{{{}}}\\%$",
    "$\\boxed{{{}}}$ cm",
    "(\\boxed{{{}}})",
    "\\[\\boxed{{{}}}\\]",
]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.integers(2, 500), st.sampled_from(OPERANDS), st.sampled_from(STANDALONE))
def test_a_box_inside_a_larger_expression_is_not_the_answer(n: int, operand: str, alone: str) -> None:
    said = f"So the final answer is {operand.format(n)}."
    assert _verdict(str(n), said) != "correct", said  # `-\\boxed{42}` once paid for 42
    ok = f"So the final answer is {alone.format(n)}."
    assert _verdict(str(n), ok) == "correct", ok
