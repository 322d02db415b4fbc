"""Function definitions are compared as functions: `f(z) = z` and `f(n) = n` are one answer, and a renamed
parameter that captures another symbol (`f(y) = 2x` for `f(x) = 2x`) is a different one. Generated
families: random bodies in the parameters and one outside symbol, faithful renamings beside captures."""

from __future__ import annotations

import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from veriward.verifiers.math import MathOptions
from veriward.verifiers.math._core import grade

OPTS = MathOptions()
# Not `e` (Euler's number) nor `s` (`2 s` reads as two seconds): letters the parser gives a meaning.
NAMES = list("abnptuvwxyz")  # (nor `K`, `m`, ...: `2 K` is two kelvins)
C = sympy.Symbol("c")


def _verdict(gold: str, response: str) -> str:
    return grade(response, gold, OPTS).verdict


@st.composite
def _bodies(draw: st.DrawFn, arity: int) -> tuple[list[sympy.Symbol], sympy.Expr]:
    params = [sympy.Symbol(f"p{i}") for i in range(arity)]
    term = st.tuples(st.integers(1, 9), st.sampled_from([*params, C]), st.integers(1, 3))
    terms = draw(st.lists(term, min_size=1, max_size=3))
    body = sum((k * v**e for k, v, e in terms), sympy.Integer(0)) + draw(st.integers(0, 5)) * params[0]
    return params, sympy.expand(body)


def _definition(params: list[sympy.Symbol], body: sympy.Expr, names: list[str]) -> str:
    named = body.xreplace({p: sympy.Symbol(n) for p, n in zip(params, names, strict=True)})
    return f"f({', '.join(names)}) = {sympy.latex(named)}"


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(1, 2).flatmap(lambda k: st.tuples(_bodies(k), *[st.permutations(NAMES)] * 2)))
def test_a_renamed_parameter_is_the_same_function(case: tuple) -> None:
    (params, body), gold_names, pred_names = case
    k = len(params)
    if not body.free_symbols & set(params):
        return
    gold = _definition(params, body, gold_names[:k])
    pred = _definition(params, body, pred_names[:k])
    assert _verdict(gold, f"The answer is $\\boxed{{{pred}}}$.") == "correct", (gold, pred)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(_bodies(1), st.sampled_from([n for n in NAMES if n != "x"]))
def test_a_parameter_renamed_onto_another_symbol_is_not(case: tuple, other: str) -> None:
    """The prediction's body still says `x`, but its parameter is now another letter: a different function
    (constant in its parameter) unless the body does not depend on the parameter at all."""
    params, body = case
    if params[0] not in body.free_symbols:
        return
    gold = _definition(params, body, ["x"])
    captured = f"f({other}) = {sympy.latex(body.xreplace({params[0]: sympy.Symbol('x')}))}"
    assert _verdict(gold, f"The answer is $\\boxed{{{captured}}}$.") == "incorrect", (gold, captured)


def test_arity_and_order_of_parameters_count() -> None:
    assert _verdict("f(x, y) = x - y", "$\\boxed{f(y, x) = y - x}$") == "correct"
    assert _verdict("f(x, y) = x - y", "$\\boxed{f(a, b) = b - a}$") == "incorrect"
    assert _verdict("f(x) = x", "$\\boxed{f(x, y) = x}$") == "incorrect"
    assert _verdict("f(x) = x", "$\\boxed{g(t) = t}$") == "incorrect"
    assert _verdict("f(4) = 7", "$\\boxed{f(4) = 7}$") == "correct"
