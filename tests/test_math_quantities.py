"""Quantities and decimals: units through pint (conversion within a dimension, never across), percent on
both sides, and decimals of any length compared exactly (never `error`), with the reference window only
at 3+ significant digits."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veriward.verifiers.math import MathOptions, grade
from veriward.verifiers.math._decimal import decimals_equal, parse_decimal
from veriward.verifiers.math._units import parse_unit, split_unit

OPTS = MathOptions()
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# (unit as written, factor to the first unit of its row): one row per dimension.
LENGTH = [("m", 1), ("cm", Fraction(1, 100)), ("mm", Fraction(1, 1000)), ("km", 1000), ("\\text{ meters}", 1)]
TIME = [("s", 1), ("minutes", 60), ("hours", 3600), ("\\text{ seconds}", 1)]
MASS = [("kg", 1), ("g", Fraction(1, 1000)), ("\\,\\text{kg}", 1)]
AREA = [("\\text{cm}^2", Fraction(1, 10_000)), ("m^2", 1), ("cm²", Fraction(1, 10_000))]
DIMENSIONS = [LENGTH, TIME, MASS, AREA]


def _verdict(response: str, reference: str) -> str:
    return grade(response, reference, OPTS).verdict.value


@SETTINGS
@given(st.integers(1, 10_000), st.sampled_from(DIMENSIONS), st.data())
def test_same_dimension_converts(n: int, row: list[tuple[str, object]], data: st.DataObject) -> None:
    (ua, fa), (ub, fb) = data.draw(st.sampled_from(row)), data.draw(st.sampled_from(row))
    value_b = Fraction(n) * Fraction(fa) / Fraction(fb)  # the same quantity in unit b
    if value_b.denominator != 1:
        return
    got = _verdict(rf"\boxed{{{value_b.numerator} {ub}}}", f"{n} {ua}")
    assert got == "correct", (n, ua, ub)
    assert _verdict(rf"\boxed{{{value_b.numerator + 1} {ub}}}", f"{n} {ua}") != "correct"


@SETTINGS
@given(st.integers(1, 10_000), st.data())
def test_different_dimensions_never_match(n: int, data: st.DataObject) -> None:
    a, b = data.draw(st.sampled_from(DIMENSIONS)), data.draw(st.sampled_from(DIMENSIONS))
    if a is b:
        return
    ua, ub = data.draw(st.sampled_from(a))[0], data.draw(st.sampled_from(b))[0]
    assert _verdict(rf"\boxed{{{n} {ub}}}", f"{n} {ua}") == "incorrect", (ua, ub)


@pytest.mark.parametrize(
    ("response", "reference", "verdict"),
    [
        (r"\boxed{3\,\text{cm}^2}", "9", "incorrect"),  # the exponent belongs to the unit
        (r"\boxed{3\,\text{cm}^2}", "3", "correct"),
        (r"\boxed{45 cm²}", "45", "correct"),
        (r"\boxed{5 feet}", "5 meters", "incorrect"),
        (r"\boxed{500 cm}", "5 m", "correct"),
        (r"\boxed{30 \text{ radians}}", r"30^\circ", "incorrect"),
        (r"\boxed{\frac{\pi}{6} \text{ radians}}", r"30^\circ", "correct"),
        (r"\boxed{\frac{\pi}{6}}", r"30^\circ", "correct"),
        (r"\boxed{30^\circ}", "30", "correct"),
        (r"\boxed{\sin 60^\circ}", r"\frac{\sqrt{3}}{2}", "correct"),
        (r"\boxed{5 \text{ cm}}", "5", "correct"),  # a unit on one side only
        (r"\boxed{12 ways}", "12", "correct"),
        (r"\boxed{3 n}", "3n", "correct"),  # a lone letter is a variable unless it names a unit
        (r"\boxed{0.25\%}", r"25\%", "incorrect"),
        (r"\boxed{2500\%}", r"25\%", "incorrect"),
        (r"\boxed{25\%}", r"25\%", "correct"),
        (r"\boxed{0.25}", r"25\%", "correct"),
        (r"\boxed{8\sqrt{3}}", r"8\sqrt{3} \text { square inches}", "correct"),
        (r"\boxed{\$70.OO}", "70", "invalid"),  # letters that look like digits are no unit
    ],
)
def test_quantity_rules(response: str, reference: str, verdict: str) -> None:
    out = grade(response, reference, OPTS)
    assert out.verdict.value == verdict, out.reason


def test_counting_nouns_and_prefix_tricks_are_no_unit() -> None:
    for word in ("units", "ways", "points", "turns", "apples", "dozen"):
        assert parse_unit(word) is None, word
    assert split_unit(r"10.5\pi \text{ square inches}") == (r"10.5\pi", "square inches")
    assert parse_unit("km/h") is not None and parse_unit("m/s") is not None


digits = st.text(alphabet="0123456789", min_size=1, max_size=80)


@SETTINGS
@given(digits, digits, st.booleans())
def test_long_decimals_compare_exactly(whole: str, frac: str, neg: bool) -> None:
    d = f"{'-' if neg else ''}{whole}.{frac}"
    out = grade(rf"\boxed{{{d}}}", d, OPTS)
    assert out.verdict.value == "correct", out.reason
    bumped = d[:-1] + str((int(d[-1]) + 1) % 10)
    other = grade(rf"\boxed{{{bumped}}}", d, OPTS)
    assert other.verdict.value != "error", other.reason
    lit = parse_decimal(d)
    assert lit is not None and lit.value == Fraction(d)


@SETTINGS
@given(st.integers(1, 99), st.integers(1, 9))
def test_window_only_at_three_significant_digits(tenths: int, extra: int) -> None:
    short = f"0.{tenths}"  # 1 or 2 significant digits: an exact value
    assert not decimals_equal(short, f"{short}{extra}") or extra == 0
    assert _verdict(rf"\boxed{{{short}{extra}}}", short) == "incorrect"
    long_ref = f"7.7{tenths % 10}"  # 3 significant digits: values rounding to it match
    assert _verdict(rf"\boxed{{{long_ref}{min(extra, 4)}}}", long_ref) == "correct"


def test_decimal_rules() -> None:
    assert _verdict(r"\boxed{0.14}", "0.1") == "incorrect"
    assert _verdict(r"\boxed{0.45}", "0.5") == "incorrect"
    assert _verdict(r"\boxed{7.777}", "7.78") == "correct"
    assert _verdict(r"\boxed{\frac{70}{9}}", "7.78") == "correct"
    assert _verdict(r"\boxed{7.8}", "7.78") == "incorrect"
    pi50 = "3.14159265358979323846264338327950288419716939937510"
    assert _verdict(rf"\boxed{{{pi50}}}", r"\pi") == "correct"
    assert _verdict(rf"\boxed{{{pi50[:-3]}999}}", r"\pi") == "incorrect"
