"""Words around a number that change its value are part of it: `42 thousand` is 42000 and never 42, `3 to 4`
and `1 in 6` are not 3 and 1, `3 out of 4` is 3/4, `0.3 repeating` is 1/3 (and so is `0.\\overline{3}`).
Each was once read as the bare number beside it, a way to be paid for another value. Generated over the
places an answer is written and the word kinds."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from veriward.verifiers.math import MathOptions
from veriward.verifiers.math._core import grade

OPTS = MathOptions()
PLACES = [
    "Thus the value is {}.",
    "Therefore, the total is {} in all.",
    "The final answer is {}.",
    "**Answer:** {}",
    "So we get {}.",
]


def _verdict(gold: str, response: str) -> str:
    return grade(response, gold, OPTS).verdict


SCALE_WORDS = [("thousand", 1000), ("million", 10**6), ("billion", 10**9), ("hundred", 100), ("dozen", 12)]
WRAPS = ["{}", "${}$", "**{}**", "\\(\\boxed{{{}}}\\)"]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.integers(2, 99), st.sampled_from(SCALE_WORDS), st.sampled_from(WRAPS), st.sampled_from(PLACES))
def test_a_scale_word_multiplies_the_value(n: int, scale: tuple[str, int], wrap: str, place: str) -> None:
    word, factor = scale
    response = place.format(f"{wrap.format(n)} {word}")
    assert _verdict(str(n), response) != "correct", response  # "42 thousand" once paid for 42
    assert _verdict(str(n * factor), response) == "correct", response


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    st.integers(2, 12),
    st.sampled_from([("squared", lambda n: n**2), ("cubed", lambda n: n**3), ("tenths", lambda n: n / 10)]),
    st.sampled_from(PLACES),
)
def test_a_power_or_part_word_changes_the_value(n: int, word: tuple, place: str) -> None:
    name, value = word
    response = place.format(f"{n} {name}")
    assert _verdict(str(n), response) != "correct", response
    assert _verdict(str(value(n)), response) == "correct", response


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(1, 400), st.sampled_from([("half of", 0.5), ("twice", 2), ("double", 2), ("triple", 3)]))
def test_a_multiplier_before_the_value_applies_to_it(n: int, word: tuple[str, float]) -> None:
    name, factor = word
    response = f"The answer is {name} {2 * n}."
    assert _verdict(str(2 * n), response) != "correct", response
    assert _verdict(str(int(2 * n * factor)), response) == "correct", response


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    st.integers(2, 60),
    st.integers(2, 60),
    st.sampled_from(["to", "in", "by", "times", "plus", "minus", "more than", "less than", "to the"]),
    st.sampled_from(PLACES),
)
def test_a_number_related_to_another_is_not_the_first_number(a: int, b: int, word: str, place: str) -> None:
    response = place.format(f"{a} {word} {b}")
    assert _verdict(str(a), response) != "correct", response


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(1, 30), st.integers(2, 40), st.sampled_from(PLACES))
def test_out_of_and_a_half_are_values(a: int, b: int, place: str) -> None:
    out_of = place.format(f"{a} out of {b}")
    q = Fraction(a, b)
    assert _verdict(f"\\frac{{{q.numerator}}}{{{q.denominator}}}", out_of) == "correct", out_of
    if q.denominator != 1:
        assert _verdict(str(a), out_of) != "correct", out_of
    half = place.format(f"{a} and a half")
    assert _verdict(f"{a}.5", half) == "correct", half
    assert _verdict(str(a), half) != "correct", half


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    st.integers(0, 99),
    st.text("0123456789", max_size=3),
    st.text("0123456789", min_size=1, max_size=3).filter(lambda c: c.strip("0") != ""),
)
def test_a_repeating_decimal_is_its_exact_fraction(whole: int, fixed: str, cycle: str) -> None:
    den = (10 ** len(cycle) - 1) * 10 ** len(fixed)
    value = whole + Fraction(int(fixed + cycle) - int(fixed or "0"), den)
    gold = f"\\frac{{{value.numerator}}}{{{value.denominator}}}"
    boxed = f"$\\boxed{{{whole}.{fixed}\\overline{{{cycle}}}}}$"
    assert _verdict(gold, boxed) == "correct", boxed
    truncated = f"{whole}.{fixed}{cycle}"
    # (a decimal reference of 3 or more significant digits accepts what rounds to it: the documented rule)
    if value != Fraction(truncated) and len(f"{whole}{fixed}{cycle}".lstrip("0")) < 3:
        assert _verdict(truncated, boxed) != "correct", boxed
    if not fixed:
        said = f"The answer is {whole}.{cycle} repeating."
        assert _verdict(gold, said) == "correct", said
        if value != Fraction(truncated) and len(f"{whole}{cycle}".lstrip("0")) < 3:
            assert _verdict(truncated, said) != "correct", said
