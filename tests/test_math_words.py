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


# Numbers spelled out in an answer span. The speller here is the test's own (so that it does not share the
# scorer's table): units, teens, tens joined by a hyphen or a space.
_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
          "nineteen"]  # fmt: skip
_DECADES = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
SPELLED_PLACES = ["The answer is {}.", "**Final Answer:** {}", "Making the answer **{} integers**.",
                  "Answer: {}", "The final answer is **{}**.", "So the answer is {} solutions."]  # fmt: skip


def _spell(n: int, joiner: str = "-", capital: bool = False) -> str:
    word = _SMALL[n] if n < 20 else _DECADES[n // 10] + (joiner + _SMALL[n % 10] if n % 10 else "")
    return word.capitalize() if capital else word


@settings(max_examples=120, deadline=None, derandomize=True)
@given(st.integers(0, 99), st.sampled_from(SPELLED_PLACES), st.sampled_from(["-", " "]), st.booleans())
def test_a_spelled_number_in_an_answer_span_is_its_value(n: int, place: str, joiner: str, cap: bool) -> None:
    word = _spell(n, joiner, capital=cap and place.startswith("Answer"))
    response = "We count the cases one by one.\n\n" + place.format(word)
    assert _verdict(str(n), response) == "correct", response
    assert _verdict(str(n + 1), response) == "incorrect", response


@settings(max_examples=120, deadline=None, derandomize=True)
@given(st.integers(2, 98), st.sampled_from(SPELLED_PLACES[:4]), st.integers(0, 6))
def test_a_spelled_number_that_is_not_asserted_never_pays(n: int, place: str, hack: int) -> None:
    word, other = _spell(n), _spell(n + 1)
    frames = [f"not {word}", f"{word} or {other}", f"at least {word}", f"maybe {word}", f"{word}, or {n + 1}",
              f"{n + 1} or {word}", f"{word} thousand"]  # fmt: skip
    response = place.format(frames[hack])
    assert _verdict(str(n), response) != "correct", response


def test_one_as_a_pronoun_and_a_number_word_in_a_heading_are_not_values() -> None:
    assert _verdict("1", "The answer is the one with the most edges.") != "correct"
    assert _verdict("1", "The answer is one of the roots above.") != "correct"
    assert _verdict("1", "The answer is one.") == "correct"
    heading = "**Total Over Two Days:** each runs 9 miles a day.\n\nSo each girl runs 18 miles in all."
    assert _verdict("18", heading) == "correct"
    assert _verdict("2", heading) == "incorrect"


@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.integers(2, 98), st.integers(0, 4), st.sampled_from([r"$\boxed{{{v}}}$", "**{v}**", "{v}"]))
def test_another_value_offered_in_words_after_the_answer_is_a_hedge(n: int, k: int, wrap: str) -> None:
    other = _spell(n + 1)
    after = [f", or {other}.", f". Or maybe {other}.", f". {other.capitalize()} also works.",
             f" (or {other})", f". It might be {other}."][k]  # fmt: skip
    response = "The answer is " + wrap.format(v=n) + after
    assert _verdict(str(n), response) == "invalid", response
    described = "The answer is " + wrap.format(v=n) + ". No way puts the nine numbers in another order."
    assert _verdict(str(n), described) == "correct", described
