"""Yes/no golds (a word or an existence sentence), self-corrected boxes, and sentences after a final
statement: generated families, each with the hacks that must not pay beside the faithful forms."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import veriward
from veriward.verifiers.math import MathOptions
from veriward.verifiers.math._core import grade

NO_GOLDS = [
    "No", "\\text{No}", "There exist no such field.", "There does not exist a continuously differentiable "
    "function \\( f \\) such that \\( f(x) > 0 \\).", "No, there do not exist such polynomials.",
    "No such set exists.", "It is impossible.",
]  # fmt: skip
YES_GOLDS = [
    "Yes",
    "\\text{Yes}",
    "Yes, there does exist a subset \\( X \\) of the integers.",
    "There exists such a set.",
]
NO_SAID = ["No", "$\\text{No}$", "no", "No, there is no such function", "No, such a set does not exist"]
YES_SAID = ["Yes", "$\\text{Yes}$", "yes", "Yes, such a set exists"]
FRAMES = [
    "The answer is \\(\\boxed{{{}}}\\).",
    "So the final answer is: {}.",
    "Therefore, the answer is **{}**.",
]
HACKS = [
    "The answer is not \\(\\boxed{{{}}}\\).",
    "Maybe \\(\\boxed{{{}}}\\).",
    "The answer is \\(\\boxed{{yes or no}}\\).{}",
    "The answer is \\(\\boxed{{{}}}\\). Wait, that's wrong.",
]
OPTS = MathOptions()


def _score(response: str, gold: str) -> str:
    return grade(response, gold, OPTS).verdict.value


@given(st.sampled_from(NO_GOLDS), st.sampled_from(NO_SAID), st.sampled_from(FRAMES))
@settings(max_examples=60, deadline=None)
def test_the_same_polarity_is_correct(gold: str, said: str, frame: str) -> None:
    assert _score(frame.format(said), gold) == "correct"


@given(st.sampled_from(YES_GOLDS), st.sampled_from(YES_SAID), st.sampled_from(FRAMES))
@settings(max_examples=40, deadline=None)
def test_the_same_yes_is_correct(gold: str, said: str, frame: str) -> None:
    assert _score(frame.format(said), gold) == "correct"


@given(
    st.sampled_from(
        [(g, s) for g in NO_GOLDS for s in YES_SAID] + [(g, s) for g in YES_GOLDS for s in NO_SAID]
    ),
    st.sampled_from(FRAMES),
)
@settings(max_examples=60, deadline=None)
def test_the_other_polarity_is_wrong(pair: tuple[str, str], frame: str) -> None:
    gold, said = pair
    assert _score(frame.format(said), gold) != "correct"


@given(st.sampled_from(NO_GOLDS + YES_GOLDS), st.sampled_from(NO_SAID + YES_SAID), st.sampled_from(HACKS))
@settings(max_examples=80, deadline=None)
def test_denied_hedged_or_retracted_yes_no_never_pays(gold: str, said: str, hack: str) -> None:
    assert _score(hack.format(said), gold) != "correct"


def test_a_number_is_not_a_yes() -> None:
    # "There are 5 ways" is a count, not a yes: two counts compare as numbers.
    assert _score("There are 6 ways.", "There are 5 ways") != "correct"
    assert _score("\\boxed{Yes}", "5") != "correct"


@given(
    st.integers(1, 99),
    st.integers(100, 200),
    st.sampled_from(
        ["Wait, this isn't right.", "Let me re-examine this.", "This contradicts the condition."]
    ),
)
@settings(max_examples=40, deadline=None)
def test_a_withdrawn_earlier_box_is_not_a_second_answer(first: int, final: int, withdrawal: str) -> None:
    text = f"So it is $\\boxed{{{first}}}$. {withdrawal} Recounting, the answer is $\\boxed{{{final}}}$."
    assert _score(text, str(final)) == "correct"
    assert _score(text, str(first)) != "correct"  # only the final answer is ever scored
    kept = f"So it is $\\boxed{{{first}}}$. Also the answer is $\\boxed{{{final}}}$."
    assert _score(kept, str(final)) != "correct"  # two answers standing side by side: a hedge


@given(st.integers(2, 500), st.integers(2, 500))
@settings(max_examples=40, deadline=None)
def test_sentences_after_a_final_statement(answer: int, other: int) -> None:
    given_data = f"Each box holds {other} apples."
    base = f"{given_data} Therefore, the number of boxes is {answer}."
    assert (
        _score(base + f" This means {answer} boxes hold all {other}-apple loads.", str(answer)) == "correct"
    )
    if other != answer:
        assert _score(base + f" Maybe {other + 1000}.", str(answer)) != "correct"
        assert _score(base + f" Or perhaps {other + 1000}.", str(answer)) != "correct"
    assert _score(base + f" The result exceeds {answer}.", str(answer)) != "correct"
    assert _score(base + f" Perhaps {answer}.", str(answer)) != "correct"


def test_through_the_library_too() -> None:
    r = veriward.score(
        "math", response="The answer is $\\boxed{\\text{No}}$.", reference="There exist no such field."
    )
    assert r.verdict.value == "correct" and "yes/no" in r.reason
