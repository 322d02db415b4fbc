"""Letters are variables unless they are a unit where a unit can stand: `2b + c` is never 2 (a unit-word
list once stripped `c` and `b` from the end), while quantities inside lists keep their dimension and the
reference's own unit may be glued to the number. Generated families beside the hacks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from veriward.verifiers.math import MathOptions
from veriward.verifiers.math._core import grade

OPTS = MathOptions()
# Letters that are also unit symbols or unit words' abbreviations somewhere (cent, day, metre, second,
# hour, gram, barn, litre, kelvin, newton, ...), and plain ones.
LETTERS = list("bcdghklmnstwxyz")
UNITS = [("cm", "m", 100), ("mm", "cm", 10), ("g", "kg", 1000), ("s", "min", 60)]


def _verdict(gold: str, response: str) -> str:
    return grade(response, gold, OPTS).verdict


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    st.integers(1, 99),
    st.sampled_from(LETTERS),
    st.sampled_from(LETTERS),
    st.sampled_from(["+", "-"]),
    st.sampled_from(["{} {} {} {}", "{}{} {} {}", "{}{}{}{}"]),
)
def test_an_expression_ending_in_a_letter_is_not_its_leading_number(
    n: int, a: str, b: str, op: str, layout: str
) -> None:
    expr = layout.format(n, a, op, b)
    assert _verdict(str(n), f"The answer is $\\boxed{{{expr}}}$.") != "correct", expr
    if a != b:
        assert _verdict(expr, f"The answer is $\\boxed{{{expr}}}$.") == "correct", expr


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(1, 500), st.integers(1, 9), st.sampled_from(UNITS), st.booleans())
def test_quantities_inside_a_list_keep_their_units(n: int, other: int, units: tuple, converted: bool) -> None:
    small, big, factor = units
    gold = f"{n * factor} {small}, {other}"  # (a `\\text{cm}` inside a list is dropped: a side without unit)
    same = f"\\{{{n} {big}, {other}\\}}" if converted else f"\\{{{n * factor} {small}, {other}\\}}"
    assert _verdict(gold, f"So $\\boxed{{{same}}}$.") == "correct", (gold, same)
    other_dimension = f"\\{{{n * factor} L, {other}\\}}"
    assert _verdict(gold, f"So $\\boxed{{{other_dimension}}}$.") == "incorrect", (gold, other_dimension)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(1, 999), st.sampled_from(["m", "cm", "kg", "s"]))
def test_the_references_unit_may_be_glued_to_the_number(n: int, unit: str) -> None:
    gold = f"{n} \\mathrm{{~{unit}}}"
    assert _verdict(gold, f"The answer is $\\boxed{{{n}{unit}}}$.") == "correct"
    assert _verdict(gold, f"The answer is $\\boxed{{{n + 1}{unit}}}$.") == "incorrect"
    assert _verdict(str(n), f"The answer is $\\boxed{{{n}x}}$.") == "incorrect"
