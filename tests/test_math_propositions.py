"""Golds as they ship that are statements or carry a typo: a statement gold answered "Yes, it is true that
<the same statement>", and a command typed with a slash (`/text{yes}`). Generated beside the hacks of the
same shape, which must never pay: the statement changed, qualified, denied or hedged, a "No", or a yes
that states nothing; and a slash that divides."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from veriward.verifiers.math import MathOptions
from veriward.verifiers.math._core import grade

OPTS = MathOptions()
STATEMENTS = [
    "Bella's tour will surely cost at least as much as Anna's tour",
    "the first player can always force a win",
    "every such graph contains a triangle",
    "the sequence is eventually periodic",
]
AFFIRMING = ["Yes, it is true that {s}.", "Yes, {s}.", "Yes, it is the case that {s}.", "**Yes, {s}.**",
             "Yes, indeed {s}."]  # fmt: skip
PLACES = ["Answer: {}", "The answer is: {}", "**Final Answer:** {}"]
GOLD_FORMS = ["\\text{{{s}.}}", "{s}", "\\text{{{s}}}"]
# The statement changed so that it says something else, or said with less than an assertion.
HACKS = ["Yes, it is true that {s}, unless n is odd.", "Yes, it is true that {n}.",
         "No, it is true that {s}.", "No, {s}.", "Maybe yes, {s}.", "Yes.",
         "Yes, it is true that {s}. Wait, that is wrong.",
         "Yes, it is true that {s}, or maybe not.", "Yes, it is not true that {s}."]  # fmt: skip


def _negated(s: str) -> str:
    for verb in (" will ", " can ", " contains ", " is "):
        if verb in s:
            return (
                s.replace(verb, verb.rstrip() + " not ", 1)
                if verb != " contains "
                else s.replace(verb, " does not contain ", 1)
            )
    raise AssertionError(s)


def _verdict(gold: str, response: str) -> str:
    return grade(response, gold, OPTS).verdict.value


@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.integers(0, 3), st.sampled_from(AFFIRMING), st.sampled_from(PLACES), st.sampled_from(GOLD_FORMS))
def test_a_statement_gold_affirmed_word_for_word_is_correct(
    k: int, affirm: str, place: str, form: str
) -> None:
    s = STATEMENTS[k]
    gold = form.format(s=s[0].upper() + s[1:])
    response = "We compare the two strategies move by move.\n\n" + place.format(affirm.format(s=s))
    assert _verdict(gold, response) == "correct", (gold, response)
    other = STATEMENTS[(k + 1) % len(STATEMENTS)]
    assert _verdict(gold, place.format(affirm.format(s=other))) != "correct"


@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.integers(0, 3), st.sampled_from(HACKS), st.sampled_from(PLACES), st.sampled_from(GOLD_FORMS))
def test_a_statement_gold_changed_or_hedged_never_pays(k: int, hack: str, place: str, form: str) -> None:
    s = STATEMENTS[k]
    gold = form.format(s=s[0].upper() + s[1:])
    response = place.format(hack.format(s=s, n=_negated(s)))
    assert _verdict(gold, response) != "correct", (gold, response)


SLASHED = [("/text{yes}", "\\boxed{Yes}", "\\boxed{No}"), ("/text{No}", "\\boxed{No}", "\\boxed{Yes}"),
           ("/frac{3}{4}", "\\boxed{0.75}", "\\boxed{3/8}"), ("/sqrt{2}", "\\boxed{\\sqrt{2}}", "\\boxed{2}"),
           ("/dfrac{1}{3}", "The answer is $\\frac{1}{3}$.", "The answer is $3$."),
           ("/textbf{odd}", "\\boxed{\\text{odd}}", "\\boxed{\\text{even}}")]  # fmt: skip


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.sampled_from(SLASHED), st.sampled_from(["", " ", "$"]))
def test_a_command_typed_with_a_slash_in_a_gold_is_the_command(case: tuple[str, str, str], pad: str) -> None:
    gold, right, wrong = case
    gold = f"{pad}{gold}{pad}"
    assert _verdict(gold, right) == "correct", (gold, right)
    assert _verdict(gold, wrong) == "incorrect", (gold, wrong)


def test_a_slash_after_a_value_still_divides_and_responses_are_never_repaired() -> None:
    assert _verdict("6/frac{1}{2}", "\\boxed{12}") != "correct"  # not 6 \frac{1}{2} read as 12
    assert _verdict("\\text{yes}", "\\boxed{/text{yes}}") != "correct"  # a response is read as written
