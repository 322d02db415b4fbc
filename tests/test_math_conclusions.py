"""Yes/no answers concluded in prose, with no box or answer phrase ("Since ..., we conclude that there does
not exist such a set."). Generated: a concluding word, an existence statement of either polarity, words
before and after, a sentence after that is no answer; beside the hacks of the same shape, which must never
pay: a hedge, a condition, a qualifier, a question, a denial around it, a retraction after it, or the other
polarity stated in the same final part of the proof."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from veriward.verifiers.math import MathOptions
from veriward.verifiers.math._conclusion import concluded
from veriward.verifiers.math._core import grade

OPTS = MathOptions()
LEADS = ["", "Since the construction gives an infinite set, ", "Based on the reasoning above, ",
         "Given the parity argument, "]  # fmt: skip
MARKERS = ["Therefore, ", "Thus ", "Hence, ", "We conclude that ", "In conclusion, ", "This shows that ",
           "Consequently, ", "So ", "It follows that ", "Conclusion: "]  # fmt: skip
STATEMENTS = {
    "no": ["there does not exist a finite set \\(A\\) with this property", "there is no such function",
           "no such polynomial exists", "such a set does not exist", "it is impossible to do so",
           "there do **not** exist such integers", "there cannot exist such a configuration"],
    "yes": ["there exists such a set", "there exists a function \\(f\\) with this property",
            "it is possible to do so", "there does exist such a tiling"],
}  # fmt: skip
AFTER = ["", " The key insight is that doubling never returns to 3.", " This completes the proof."]
GOLDS = {"no": ["No", "\\text{No}", "There is no such set.", "No, there does not exist such a set."],
         "yes": ["Yes", "\\text{Yes}", "Yes, such a set exists."]}  # fmt: skip
OTHER = {"no": "yes", "yes": "no"}

# Ways to make the same conclusion say less than the answer: each must never be read as one.
HEDGES = ["it seems that {s}", "it appears that {s}", "{s}, or maybe not", "probably {s}", "{s}?",
          "perhaps {s}", "I think {s}", "{s}, probably"]  # fmt: skip
CONDITIONS = ["if \\(n\\) is even, then {s}", "{s}, unless \\(n = 2\\)", "{s}, except when \\(n\\) is odd",
              "{s} provided that \\(n > 3\\)", "assuming the claim, {s}",
              "{s}, which is a contradiction"]  # fmt: skip
DENIALS = ["We cannot conclude that {s}.", "It is false that {s}.", "It would be wrong to say that {s}.",
           "We have not shown that {s}.", "It is not true that {s}."]  # fmt: skip
RETRACTIONS = [" Wait, that is wrong.", " But I am not sure about this.", " Actually, I could not solve it.",
               " Perhaps there does.", " Then again, maybe not."]  # fmt: skip


def _response(lead: str, marker: str, statement: str, after: str) -> str:
    opening = "Consider the set of powers of 2 and apply the rule to each element in turn.\n\n"
    marker = marker[0].lower() + marker[1:] if lead else marker
    return f"{opening}{lead}{marker}{statement}.{after}"


def _verdict(gold: str, response: str) -> str:
    return grade(response, gold, OPTS).verdict.value


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.sampled_from(["no", "yes"]), st.sampled_from(LEADS), st.sampled_from(MARKERS), st.integers(0, 99),
    st.sampled_from(AFTER), st.integers(0, 3),
)  # fmt: skip
def test_a_conclusion_answers_a_yes_no_reference(
    pol: str, lead: str, marker: str, k: int, after: str, g: int
) -> None:
    statement = STATEMENTS[pol][k % len(STATEMENTS[pol])]
    response = _response(lead, marker, statement, after)
    assert concluded(response) == pol, response
    assert _verdict(GOLDS[pol][g % len(GOLDS[pol])], response) == "correct", response
    other = OTHER[pol]
    assert _verdict(GOLDS[other][g % len(GOLDS[other])], response) == "incorrect", response


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.sampled_from(["no", "yes"]), st.sampled_from(MARKERS), st.integers(0, 99),
    st.sampled_from(["hedge", "condition", "denial", "retraction", "both", "numeric", "boxed"]),
    st.integers(0, 99),
)  # fmt: skip
def test_a_conclusion_that_says_less_never_pays(pol: str, marker: str, k: int, hack: str, h: int) -> None:
    statement = STATEMENTS[pol][k % len(STATEMENTS[pol])]
    opening = "Consider the set of powers of 2 and apply the rule to each element in turn.\n\n"
    if hack == "hedge":
        response = opening + marker + HEDGES[h % len(HEDGES)].format(s=statement) + "."
    elif hack == "condition":
        response = opening + marker + CONDITIONS[h % len(CONDITIONS)].format(s=statement) + "."
    elif hack == "denial":
        response = opening + DENIALS[h % len(DENIALS)].format(s=statement)
    elif hack == "retraction":
        response = _response("", marker, statement, RETRACTIONS[h % len(RETRACTIONS)])
    elif hack == "both":  # the other polarity earlier in the final part, or after the conclusion
        other = STATEMENTS[OTHER[pol]][h % len(STATEMENTS[OTHER[pol]])]
        first, second = (other, statement) if h % 2 else (statement, other)
        response = (
            f"{opening}{other[0].upper()}{other[1:]}.\n\n{marker}{statement}."
            if h % 2
            else (f"{opening}{marker}{first}. Moreover, {second}.")
        )
    elif hack == "numeric":  # a number reference is not answered by a yes or a no
        response = _response("", marker, statement, "")
        assert _verdict("5", response) != "correct", response
        return
    else:  # the response's own answer decides, not its conclusion
        response = _response("", marker, statement, f" \\boxed{{{'Yes' if pol == 'no' else 'No'}}}")
        assert _verdict(GOLDS[pol][0], response) == "incorrect", response
        return
    assert _verdict(GOLDS[pol][0], response) != "correct", response
    assert _verdict(GOLDS[OTHER[pol]][0], response) != "correct", response


def test_an_unread_conclusion_says_why() -> None:
    out = grade("Therefore, it seems there does not exist such a set.", "No", OPTS)
    assert out.verdict.value == "invalid" and "plainly asserted conclusion" in out.reason
