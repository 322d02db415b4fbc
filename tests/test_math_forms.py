"""One answer written several ways by the reference: an equivalence (`A \\iff B`), a family of angles with
any representative (`-\\pi/6 + k\\pi` = `5\\pi/6 + k\\pi`), and constants the reference declares arbitrary
(`f(x) = x^c` for some c = `f(x) = x^a`). Each is generated beside the near misses that must stay wrong:
another period, an offset off by a fraction of a period, constants that merge, a renamed given symbol."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from veriward.verifiers.math import MathOptions
from veriward.verifiers.math._core import grade
from veriward.verifiers.math._forms import equivalent_forms

OPTS = MathOptions()
IFF = ["\\Leftrightarrow", "\\iff", "\\Longleftrightarrow", "⟺"]


def _verdict(gold: str, response: str) -> str:
    return grade(response, gold, OPTS).verdict.value


def _angle(q: Fraction) -> str:
    sign = "-" if q < 0 else ""
    q = abs(q)
    if q == 0:
        return "0"
    return f"{sign}\\frac{{{q.numerator}\\pi}}{{{q.denominator}}}"


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(1, 9), st.integers(2, 9), st.integers(1, 40), st.sampled_from(IFF), st.integers(1, 5))
def test_either_side_of_an_equivalence_is_the_answer(a: int, b: int, c: int, iff: str, d: int) -> None:
    left, right = f"x^{{{a}}} \\geq {c}y", f"{b}x^{{{a}}} \\geq {b * c}y"
    gold = f"{left} {iff} {right}"
    assert equivalent_forms(gold) == [left, right]
    for side in (left, right):
        assert _verdict(gold, f"So the final answer is $\\boxed{{{side}}}$.") == "correct", (gold, side)
    wrong = f"{b}x^{{{a}}} \\geq {b * c + d}y"
    assert _verdict(gold, f"So the final answer is $\\boxed{{{wrong}}}$.") != "correct", (gold, wrong)


def test_an_equivalence_inside_braces_or_a_long_reference_is_not_split() -> None:
    assert equivalent_forms("\\text{$a \\iff b$ holds}") == []
    assert equivalent_forms("\\{x : x > 1 \\iff x^2 > 1\\}") == []
    assert equivalent_forms("\\boxed{a} " + "x " * 300 + "\\iff b") == []


@settings(max_examples=120, deadline=None, derandomize=True)
@given(
    st.fractions(min_value=-1, max_value=1, max_denominator=12),
    st.sampled_from([Fraction(1), Fraction(2), Fraction(1, 2), Fraction(1, 3)]),
    st.integers(-3, 3),
    st.sampled_from(["k", "n"]),
)
def test_a_family_of_angles_with_another_representative(
    offset: Fraction, period: Fraction, shift: int, letter: str
) -> None:
    step = f"{_angle(period)} k" if period != 1 else "k\\pi"
    gold = f"x = {_angle(offset)} + {step}"
    other = offset + shift * period
    said = f"{_angle(other)} + {step.replace('k', letter)}"
    assert _verdict(gold, f"The solutions are $\\boxed{{x = {said}}}$.") == "correct", (gold, said)
    off = offset + period / 2 + shift * period  # half a period away: another set of angles
    assert _verdict(gold, f"$\\boxed{{x = {_angle(off)} + {step}}}$") != "correct", (gold, off)
    wider = f"{_angle(offset)} + {_angle(2 * period)} k"  # every other member only
    assert _verdict(gold, f"$\\boxed{{x = {wider}}}$") != "correct", (gold, wider)


def test_a_family_needs_pi_and_an_integer_parameter() -> None:
    assert _verdict("2k + 1", "\\boxed{2k + 3}") != "correct"  # not angles: k is a quantity here
    assert _verdict("\\frac{\\pi}{6} + x\\pi", "\\boxed{\\frac{7\\pi}{6} + x\\pi}") != "correct"


CONSTANT_FORMS = [
    ("f(x) = x^{{{c}}}", "f(x) = x^{{{a}}}"),
    ("f(x) = {c}x + {d}", "f(x) = {a}x + {b}"),
    ("y = {c}e^{{x}}", "y = {a}e^{{x}}"),
    ("f(n) = {c}n^2", "f(m) = {a}m^2"),
]
QUALIFIERS = ["\\text{{ for some }} {c}>0", "\\text{{ for any constant }} {c}", ", {c} \\in \\mathbb{{R}}",
              "\\text{{ for some constants }} {c}, {d}"]  # fmt: skip


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    st.sampled_from(CONSTANT_FORMS),
    st.sampled_from(QUALIFIERS),
    st.sampled_from(list("abpqrs")),
    st.sampled_from(list("chkt")),  # not d: `dx` reads as a differential
)
def test_declared_constants_may_have_any_name(form: tuple[str, str], qual: str, a: str, c: str) -> None:
    gold_form, said_form = form
    d, b = ("u" if c != "u" else "v"), ("w" if a != "w" else "z")
    gold = gold_form.format(c=c, d=d) + qual.format(c=c, d=d)
    if "{d}" in gold_form and "{d}" not in qual:
        gold = gold_form.format(c=c, d=d) + qual.format(c=f"{c}, {d}", d=d)
    said = said_form.format(a=a, b=b)
    assert _verdict(gold, f"Therefore $\\boxed{{{said}}}$.") == "correct", (gold, said)
    if "{b}" in said_form:  # two constants may not merge into one
        merged = said_form.format(a=a, b=a)
        assert _verdict(gold, f"Therefore $\\boxed{{{merged}}}$.") != "correct", (gold, merged)
    undeclared = gold_form.format(c=c, d=d)  # without a qualifier the letters are given symbols
    assert _verdict(undeclared, f"Therefore $\\boxed{{{said}}}$.") != "correct", (undeclared, said)


def test_a_given_symbol_of_the_reference_is_never_renamed() -> None:
    gold = "f(x) = x^c + b \\text{ for some } c"
    assert _verdict(gold, "$\\boxed{f(x) = x^a + b}$") == "correct"
    assert _verdict(gold, "$\\boxed{f(x) = x^b + b}$") != "correct"  # b is the problem's, not a constant
    assert _verdict(gold, "$\\boxed{f(x) = x^a + q}$") != "correct"


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(-30, 30), min_size=4, max_size=9, unique=True),
    st.integers(2, 3),
    st.integers(31, 60),
)
def test_a_flat_reference_of_several_sets_against_the_sets(values: list[int], size: int, extra: int) -> None:
    groups = [values[i : i + size] for i in range(0, len(values), size)]
    if len(groups[-1]) < 2:
        groups[-2:] = [groups[-2] + groups[-1]]
    assume(len(groups) >= 2)
    gold = ",".join(str(v) for g in groups for v in g)  # how OlympiadBench ships its answer lists, joined
    sets = ", ".join("\\{" + ", ".join(map(str, g)) + "\\}" for g in groups)
    assert _verdict(gold, f"So, the answer is: $\\boxed{{{sets}}}$") == "correct", (gold, sets)
    wrong = sets.replace(f"{groups[-1][-1]}\\}}", f"{extra}\\}}")
    assert _verdict(gold, f"So, the answer is: $\\boxed{{{wrong}}}$") != "correct", (gold, wrong)
    part = "\\{" + ", ".join(map(str, groups[0])) + "\\}"
    assert _verdict(gold, f"So, the answer is: $\\boxed{{{part}}}$") != "correct", (gold, part)
    pairs = ", ".join("(" + ", ".join(map(str, g)) + ")" for g in groups)  # ordered groups keep their order
    if any(len(g) != 2 for g in groups):
        assert _verdict(gold, f"$\\boxed{{{pairs}}}$") != "correct", (gold, pairs)
