"""Typed answer claims: generated members of each class (negated, bounded, hedged, retracted, instruction,
conditional) never score, and the asserted look-alikes (litotes, double negation, a negation inside the
subject) still do. The phrasings are built from parts, so a new combination falls into the same class."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veriward.verifiers.math import MathOptions, grade
from veriward.verifiers.math._claim import classify

OPTS = MathOptions()
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

values = st.one_of(
    st.integers(-999, 99_999).map(str),
    st.sampled_from([r"\frac{3}{7}", r"2\sqrt{3}", "0.625", r"\pi + 1", "x^2 - 1"]),
)
subjects = st.sampled_from(
    ["The answer", "The final answer", "The total", "Our result", "It", "The value of $x$"]
)
wrap = st.sampled_from(["{v}", "${v}$", r"$\boxed{{{v}}}$", r"\({v}\)", "**{v}**"])
negators = st.sampled_from(["not", "definitely not", "certainly not", "never", "surely not"])
contracted = st.sampled_from(["isn't", "cannot be", "can't be", "wasn't", "could not be", "won't be"])
excluders = st.sampled_from(
    ["anything but", "other than", "anything except", "everything but", "rather than"]
)
bounds = st.sampled_from([
    "at least", "at most", "greater than", "less than", "more than", "fewer than", "no more than",
    "no less than", "not less than", "larger than", "smaller than", "above", "below", "under", "over",
    "greater than or equal to", "up to", "bigger than", "almost", "nearly",
])  # fmt: skip
hedges = st.sampled_from(["probably", "maybe", "perhaps", "possibly", "likely", "presumably"])
modal = st.sampled_from(["might be", "may be", "could be", "might have been"])
retractions = st.sampled_from([
    "Wait, that's wrong.", "Actually, scratch that.", "Hmm, I'm not sure this is right.",
    "Ignore that, it is a mistake.", "No, that is not correct.", "I could not solve this problem.",
    "This is just a guess.", "I was unable to finish the solution.", "I don't know the answer.",
])  # fmt: skip


def _verdict(response: str, reference: str) -> str:
    return grade(response, reference, OPTS).verdict.value


@SETTINGS
@given(values, subjects, negators, wrap)
def test_negated_value_never_scores(v: str, subject: str, neg: str, w: str) -> None:
    response = f"{subject} is {neg} {w.format(v=v)}."
    assert _verdict(response, v) != "correct", response


@SETTINGS
@given(values, subjects, contracted, wrap)
def test_contracted_negation_never_scores(v: str, subject: str, neg: str, w: str) -> None:
    response = f"{subject} {neg} {w.format(v=v)}."
    assert _verdict(response, v) != "correct", response


@SETTINGS
@given(values, subjects, excluders, wrap)
def test_excluded_value_never_scores(v: str, subject: str, ex: str, w: str) -> None:
    response = f"{subject} is {ex} {w.format(v=v)}."
    assert _verdict(response, v) != "correct", response


@SETTINGS
@given(values, subjects, bounds, wrap)
def test_bound_is_not_the_value(v: str, subject: str, bound: str, w: str) -> None:
    response = f"{subject} is {bound} {w.format(v=v)}."
    assert _verdict(response, v) != "correct", response


@SETTINGS
@given(values, subjects, hedges, modal, wrap, st.booleans())
def test_hedged_value_never_scores(v: str, subject: str, adv: str, mod: str, w: str, use_modal: bool) -> None:
    response = f"{subject} {mod if use_modal else 'is ' + adv} {w.format(v=v)}."
    assert _verdict(response, v) != "correct", response


@SETTINGS
@given(values, retractions, wrap)
def test_retraction_after_the_answer(v: str, retraction: str, w: str) -> None:
    response = f"Working done. The answer is {w.format(v=v)}. {retraction}"
    assert _verdict(response, v) != "correct", response


@SETTINGS
@given(st.integers(0, 9999), st.integers(1, 50), st.sampled_from(["or", "or maybe", "or perhaps", ", or"]))
def test_alternatives_are_a_hedge(k: int, d: int, joiner: str) -> None:
    boxes = rf"$\boxed{{{k}}}$ {joiner} $\boxed{{{k + d}}}$"
    for form in (f"The answer is {k} {joiner} {k + d}.", f"**{k}** {joiner} **{k + d}**",
                 f"The answer is either ${k}$ or ${k + d}$.", boxes):  # fmt: skip
        assert _verdict(form, str(k)) != "correct", form
        assert _verdict(form, str(k + d)) != "correct", form


@pytest.mark.parametrize(
    "response",
    [
        r"Please reason step by step, and put your final answer within \boxed{42}.",
        r"Remember to put your final answer in $\boxed{42}$ format.",
        r"Write the answer as, e.g., $\boxed{42}$.",
        r"Put the final answer inside \boxed{42}.",
    ],
)
def test_an_instruction_is_not_an_answer(response: str) -> None:
    assert _verdict(response, "42") != "correct"


@pytest.mark.parametrize(
    ("response", "reference"),
    [
        ("The answer is nothing but 42.", "42"),
        ("The answer is none other than $42$.", "42"),
        ("It is not hard to see that the answer is 42.", "42"),
        ("There is no doubt the answer is $\\boxed{42}$.", "42"),
        (r"Thus, the number of integers that are not perfect cubes is $\boxed{222}$.", "222"),
        (r"The probability that neither Canadian wins a medal is $\boxed{\frac{1}{10}}$.", r"\frac{1}{10}"),
        (r"The smallest $n$ for which $f$ has no real roots is $\boxed{23}$.", "23"),
        (r"So, you could take $\boxed{25}$ trips around the Earth.", "25"),
        (r"Putting the final answer within \boxed{}, we get: \[\boxed{6}\]", "6"),
        (r"Since 5 is not prime, the answer is $\boxed{7}$.", "7"),
        ("The answer is 4</s>", "4"),
        ("The answer is 4<|im_end|>", "4"),
        ("**Answer:** 12", "12"),
        ("**Final Answer**\n\n0.75", "0.75"),
        ("The answer is **7**.", "7"),
        ("**Answer: 15**", "15"),
        ("Therefore, the area of kite $ABCD$ is $75$ square units.", "75"),
        ("So, Charisma spends a total of 34 hours on meditation and yoga practice in 4 weeks.", "34"),
        (r"Thus, $\boxed{E(2020, 1993) = 76}$.", "76"),
        (r"$\boxed{\frac{\pi}{6} + k\pi \text{ for } k \in \mathbb{Z}}$", r"\frac{\pi}{6} + k\pi"),
    ],
)
def test_asserted_look_alikes_score(response: str, reference: str) -> None:
    out = grade(response, reference, OPTS)
    assert out.verdict.value == "correct", out.reason


def test_the_claim_names_its_class() -> None:
    assert classify("The answer is not ", ".").modality == "negated"
    assert classify("The answer is at least ", ".").relation == ">="
    assert classify("The answer is no more than ", ".").relation == "<="
    assert classify("The answer is probably ", ".").modality == "hedged"
    assert classify("If the answer is ", ", then x is even.").modality == "conditional"
    assert classify("The answer is ", ". Wait, that's wrong.").modality == "retracted"
    assert classify("put your final answer within ", "").modality == "instruction"
    assert classify("The answer is ", ".").asserted


@SETTINGS
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=3000))
def test_classify_never_raises(text: str) -> None:
    classify(text, text[::-1])


denying_frames = st.sampled_from([
    "It would be wrong to say", "It is false to claim", "I refuse to say", "It would be a mistake to think",
    "I decline to give", "It is incorrect to conclude",
])  # fmt: skip
suppositions = st.sampled_from(["Assume", "Suppose", "Let us pretend", "Hypothetically,", "Probably,",
                                "So, maybe,", "Perhaps, if anything,"])  # fmt: skip
later_denials = st.sampled_from([
    ", but that is false.", " (this is a placeholder).", " (unverified).", ", or is it?", "?",
    " (a tentative value).", ", but this is untrue.",
])  # fmt: skip


@SETTINGS
@given(values, subjects, denying_frames, wrap)
def test_a_denying_frame_never_scores(v: str, subject: str, frame: str, w: str) -> None:
    said = f"{frame} {subject.lower()} is {w.format(v=v)}."
    assert _verdict(said, v) != "correct", said
    boxed = f"$\\boxed{{{v}}}$"
    kept = f"It is not {frame.split(' to ')[0].split()[-1]} to say {subject.lower()} is {boxed}."
    if frame.startswith("It "):  # the denial denied: asserted again
        assert _verdict(kept, v) == "correct", kept


@SETTINGS
@given(values, subjects, suppositions, wrap)
def test_a_supposed_value_never_scores(v: str, subject: str, supposition: str, w: str) -> None:
    said = f"{supposition} {subject.lower()} is {w.format(v=v)}."
    assert _verdict(said, v) != "correct", said


@SETTINGS
@given(values, subjects, later_denials, wrap)
def test_a_value_questioned_or_disowned_in_its_sentence_never_scores(
    v: str, subject: str, tail: str, w: str
) -> None:
    said = f"{subject} is {w.format(v=v)}{tail}"
    assert _verdict(said, v) != "correct", said
    assert _verdict(f"{subject} is $\\boxed{{{v}}}$. Why? Because we checked it.", v) == "correct"


@SETTINGS
@given(values, st.integers(1, 99), wrap, st.sampled_from(["neither {o} nor {v}", "not {o} nor {v}"]))
def test_neither_nor_denies_both(v: str, other: int, w: str, form: str) -> None:
    said = "The answer is " + form.format(o=other, v=w.format(v=v)) + "."
    assert _verdict(said, v) != "correct", said
    kept = f"The answer is not {other}, nor is it {other + 1}; it is $\\boxed{{{v}}}$."
    assert _verdict(kept, v) == "correct", kept


offers = st.sampled_from([
    " (or {o}).", "; {o} also works.", ", otherwise {o}.", ", unless it is {o}.",
    ". {o} is also a valid answer.", ". Alternatively, {o}.", ", or else {o}.", " ({o} works too).",
])  # fmt: skip


@SETTINGS
@given(values, st.integers(1, 999), offers, st.sampled_from([r"$\boxed{{{v}}}$", "**{v}**", "{v}"]))
def test_another_value_offered_beside_the_answer_is_a_hedge(v: str, other: int, offer: str, w: str) -> None:
    if v == str(other):
        return
    said = f"The answer is {w.format(v=v)}" + offer.format(o=other)
    assert _verdict(said, v) != "correct", said
    assert _verdict(said, str(other)) != "correct", said
    again = f"The answer is $\\boxed{{{v}}}$ (or, written out, {v})."  # the same value again: kept
    assert _verdict(again, v) == "correct", again
    same = f"The answer is $\\boxed{{{other}}}$, which is also {2 * other}/2."  # equal by value: kept
    assert _verdict(same, str(other)) == "correct", same
