"""Final statements in prose with more after the value: a sentence that bounds the answer itself
consistently ("... up to 9 times" after "the largest n is 9"), and a relative clause that describes what
was counted ("There are 1164 times where h + m = s"). Generated beside the hacks of the same shape, which
must not pay: a strict or other-valued bound, a new value in the clause, a hedge inside it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from veriward.verifiers.math import MathOptions
from veriward.verifiers.math._core import grade

OPTS = MathOptions()
STATEMENTS = [
    "Therefore, the largest positive integer \\( n \\) that works is {v}.",
    "So the greatest possible number of moves is {v}.",
    "Thus the least value of \\(k\\) is {v}.",
    "The answer is {v}.",
    "The final answer is $\\boxed{{{v}}}$.",
]
CONSISTENT = ["This means it can be done up to {v} times.", "So at most {v} of them fit.",
              "Hence there are at least {v} of them."]  # fmt: skip
STRICT_OR_OTHER = ["This means it can be done more than {v} times.", "So fewer than {v} of them fit.",
                   "Hence there are at least {w} of them.", "So at most {w} of them fit."]  # fmt: skip
DATA = "Let \\(h\\), \\(m\\), \\(s\\) be the hours, minutes and seconds, with \\(h + m = s\\) and 60 seconds."
COUNTS = [
    "There are {v} times where \\(h + m = s\\).",
    "There are {v} times on a 24-hour clock for which \\(h + m = s\\) holds.",
    "So there are {v} triples such that \\(h + m = s\\) and each part is below 60.",
]


def _verdict(gold: str, response: str) -> str:
    return grade(response, gold, OPTS).verdict.value


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.integers(2, 900),
    st.integers(1, 50),
    st.sampled_from(STATEMENTS),
    st.sampled_from(CONSISTENT),
    st.sampled_from(STRICT_OR_OTHER),
)
def test_a_consistent_bound_on_the_answer_after_it(v: int, d: int, stated: str, ok: str, bad: str) -> None:
    base = "We check each case. " + stated.format(v=v)
    assert _verdict(str(v), f"{base} {ok.format(v=v)}") == "correct"
    hack = f"{base} {bad.format(v=v, w=v + d)}"
    assert _verdict(str(v), hack) != "correct", hack
    assert _verdict(str(v + d), hack) != "correct", hack
    assert _verdict(str(v), f"{base} Maybe up to {v} times.") != "correct"  # a hedge stays one


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(61, 5000), st.integers(1, 40), st.sampled_from(COUNTS))
def test_a_relative_clause_describing_what_was_counted(v: int, d: int, count: str) -> None:
    said = count.format(v=v)
    assert _verdict(str(v), f"{DATA} Summing up, 1440 - 276 = {v}. {said}") == "correct", said
    # A value in the clause that the text never wrote before is a second answer, not the problem's data.
    new_value = said.replace("h + m = s", f"h + m = {v + d}")
    assert _verdict(str(v), f"{DATA} {new_value}") != "correct", new_value
    assert _verdict(str(v + d), f"{DATA} {new_value}") != "correct", new_value
    hedged = f"There are {v} times where maybe \\(h + m = s\\)."
    assert _verdict(str(v), f"{DATA} {hedged}") != "correct", hedged
    other = f"There are {v} times where \\(h + m = s\\), or {v + d}."
    assert _verdict(str(v), f"{DATA} {other}") != "correct", other


EXACT = [("\\sqrt{3}", "√3", 1.7320508), ("4\\pi", "4π", 12.566371),
         ("\\frac{1}{3}", "$\\frac{1}{3}$", 0.333333), ("2\\sqrt{2}", "2√2", 2.8284271)]  # fmt: skip
CONTRASTS = ["However, since the answer goes in a box, we leave it as {v}.", "But we keep it as {v}."]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.sampled_from(EXACT), st.integers(1, 4), st.sampled_from(["≈", "\\(\\approx\\)"]), st.booleans())
def test_an_approximation_after_the_value_restates_it(
    exact: tuple[str, str, float], digits: int, sign: str, unit: bool
) -> None:
    gold, written, value = exact
    approx = f"{value:.{digits}f}"
    tail = " square units" if unit else ""
    said = f"Therefore, the area is {written} {sign} {approx}{tail}."
    assert _verdict(gold, said) == "correct", said
    assert _verdict(str(round(value) + 7), said) != "correct", said
    # The approximation is not a second answer that could stand for a different one.
    other = f"Therefore, the area is {written} {sign} {approx}, or {round(value) + 7}."
    assert _verdict(gold, other) != "correct", other


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.integers(2, 400),
    st.integers(1, 30),
    st.sampled_from(CONTRASTS),
)
def test_a_contrast_that_restates_the_answer_keeps_it(v: int, d: int, later: str) -> None:
    base = f"Each side is {d + 400}. So the smallest total is {v}."
    assert _verdict(str(v), f"{base} {later.format(v=v)}") == "correct"
    changed = f"{base} {later.format(v=v + d)}"  # a contrast that changes the value: no answer stands
    assert _verdict(str(v), changed) != "correct", changed
    assert _verdict(str(v + d), changed) != "correct", changed
    assert _verdict(str(v), f"{base} However, {v} is not right.") != "correct"


BULLETS = ["- ", "* ", "1. ", "(a) "]
LEADS = ["Summary of Solutions:", "**Final answers:**", "Therefore the three values are:"]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(-50, 50), min_size=2, max_size=4, unique=True),
    st.sampled_from(BULLETS),
    st.sampled_from(LEADS),
    st.booleans(),
)
def test_a_final_bullet_list_of_results(values: list[int], bullet: str, lead: str, named: bool) -> None:
    labels = [f"\\( d({i + 2}) = {v} \\)" if named else f"{v}" for i, v in enumerate(values)]
    if not named and bullet == "- ":
        labels = ["(" + "abcd"[i] + f") {v}" for i, v in enumerate(values)]  # `- (a) 5`
    lines = [bullet + label for label in labels]
    text = "We compute each one in turn.\n\n" + lead + "\n" + "\n".join(lines)
    gold = ", ".join(map(str, values))
    assert _verdict(gold, text) == "correct", text
    assert _verdict(", ".join(map(str, values[:-1])), text) != "correct", text  # a part missing
    assert _verdict(str(values[-1]), text) != "correct", text  # a list is not its last item
    hedged = text + f" or maybe {values[0] + 100}"
    assert _verdict(gold, hedged) != "correct", hedged
    steps = "We compute each one in turn.\n\n" + lead + "\n" + "\n".join(lines) + "\nThen we add them up."
    assert _verdict(gold, steps) != "correct", steps  # a list of steps with prose after it: not results
