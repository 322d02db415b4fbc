"""The scoring function a worker runs: extract, check for hedging, compare."""

from __future__ import annotations

import re

import sympy
from pydantic import BaseModel, ConfigDict, Field

from veriward.models import Verdict
from veriward.verifiers.base import Outcome
from veriward.verifiers.math import _numeric
from veriward.verifiers.math._answer import Answer, build, prediction_answer, reference_answer, regroup
from veriward.verifiers.math._conclusion import concluded
from veriward.verifiers.math._constants import renamings
from veriward.verifiers.math._extract import Extraction
from veriward.verifiers.math._forms import equivalent_forms
from veriward.verifiers.math._grade import Marks, values_equal
from veriward.verifiers.math._hedge import hedge_reason
from veriward.verifiers.math._normalize import choice_letter, clean, normalize_text
from veriward.verifiers.math._numeric import Undecidable
from veriward.verifiers.math._polarity import Polarity, polarity
from veriward.verifiers.math._scalar import Scalar, parse_scalar
from veriward.verifiers.math._structure import Value
from veriward.verifiers.math._units import DEGREE, conversion

_LEADING_CHOICE = re.compile(r"^\s*(?:\(([A-J])\)|([A-J])(?:[.:)]|\s*$))")
_CHOICE_PHRASE = re.compile(r"answer\s*(?:is|:)?\s*[:\s]*\(?\\?(?:text|textbf|mathrm)?\{?\(?([A-J])\b", re.I)


_NOT_A_NUMBER = {"nan", "zoo", "\\nan"}


class MathOptions(BaseModel):
    """Options of the math scorer."""

    model_config = ConfigDict(extra="forbid")

    allow_unevaluated: bool = Field(
        default=True,
        description="accept unevaluated arithmetic (17\\cdot23 for 391); false demands the value",
    )
    min_sig_digits: int = Field(
        default=6,
        ge=1,
        le=30,
        description="significant digits a decimal must give to match an exact value (0.333333 = 1/3)",
    )


def clear_caches() -> None:
    """Forget cached references and parsed expressions (for benchmarks that must score cold)."""
    reference_answer.cache_clear()
    parse_scalar.cache_clear()


def grade(response: str, reference: str, options: MathOptions) -> Outcome:
    """Score one response against the reference answer (against each side of an equivalence it states)."""
    forms = equivalent_forms(reference)
    if not forms:
        return _grade(response, reference, options)
    outcomes = [_grade(response, form, options) for form in forms]
    return next((o for o in outcomes if o.verdict is Verdict.CORRECT), outcomes[-1])


def _grade(response: str, reference: str, options: MathOptions) -> Outcome:
    gold = reference_answer(reference)
    pred = prediction_answer(response)
    unstated = _unstated(response, reference, gold, pred)
    if unstated is not None:
        return unstated
    assert pred is not None  # `_unstated` answers for a response with no answer
    details = {"extracted": pred.shown, "reference": gold.shown, "source": pred.source}
    said = _yes_no(reference, gold, pred)
    if said is not None:
        return said
    refused = _not_stated(pred, details)
    if refused is not None:
        return refused
    gold_choice = gold.choice or _leading_choice(reference)
    pred = _one_value(regroup(gold, pred))
    gold = _one_value(gold)
    if pred.is_multi() and _COMMA_PAIR.fullmatch(gold.shown):  # `5,15`: two values, not 5.15
        gold = build(Extraction(gold.shown.split(","), "whole"))
    if gold_choice:
        return _grade_choice(gold_choice, pred, response, details)
    hedge = hedge_reason(gold, pred)
    if hedge:
        return Outcome.invalid(f"hedged answer: {hedge}", **details)
    if gold.text_key in _NOT_A_NUMBER or pred.text_key in _NOT_A_NUMBER:
        return _no("NaN never equals anything", details)
    if gold.is_text or pred.is_text:
        return _grade_text(gold, pred, details)
    if (
        gold.text_key == pred.text_key
        and gold.text_key
        and not (gold.suspicious or pred.suspicious)
        and _same_unit(gold, pred)
    ):
        return _ok("same answer", details)
    if pred.value is None and pred.capped:
        return _no(f"answer refused: {pred.error}", details)
    if pred.value is None:
        return Outcome.invalid(f"could not read the answer: {pred.error}", **details)
    if gold.value is None:
        if _words_of(gold.shown) == _words_of(pred.shown) and not gold.suspicious:
            return _ok("same text", details)
        return _no(f"reference is not a formula ({gold.error}); compared as text", details)
    if not options.allow_unevaluated and _unevaluated(pred):
        return _no("the answer is not evaluated (allow_unevaluated is false)", details)
    return _compare_values(gold, pred, options, details)


def _compare_values(gold: Answer, pred: Answer, options: MathOptions, details: dict[str, str]) -> Outcome:
    """Both answers parsed: equal by value, in the reference's units, at the options' precision."""
    assert gold.value is not None and pred.value is not None
    marks = Marks(gold.percent, pred.percent, gold.degree, pred.degree)
    scaled = _in_reference_units(gold, pred)
    if scaled is None:
        return _no(f"different quantities: {gold.unit_text} vs {pred.unit_text}", details)
    token = _numeric.MIN_SIG.set(options.min_sig_digits)
    try:
        same = values_equal(gold.value, scaled, marks if scaled is pred.value else Marks())
    except Undecidable as exc:
        return _no(f"not equal: {exc}", details)
    except _SYMPY_FAILURES as exc:  # sympy refusing a comparison the answer asked for: not equal
        return _no(f"not equal: the values could not be compared ({type(exc).__name__})", details)
    finally:
        _numeric.MIN_SIG.reset(token)
    if same:
        return _ok("equivalent to the reference", details)
    if scaled is pred.value and any(_equal(gold, other, marks) for other in renamings(gold, pred)):
        return _ok("equivalent to the reference, up to the names of its arbitrary constants", details)
    return _no("not equivalent to the reference", details)


def _unstated(response: str, reference: str, gold: Answer, pred: Answer | None) -> Outcome | None:
    """The outcome of a response that states no answer of its own (no box, answer phrase or bold): the
    conclusion of its proof for a yes/no reference, else `invalid` when nothing at all was extracted."""
    if pred is not None and pred.source != "statement":
        return None
    want = _wanted(reference, gold)
    concluded = _concluded_yes_no(want, response)
    if concluded is not None or pred is not None:
        return concluded
    conclusion = ", nor a plainly asserted conclusion" if want else ""
    return Outcome.invalid(
        f"no answer could be extracted: no box, answer phrase or final statement{conclusion}"
    )


def _not_stated(pred: Answer, details: dict[str, str]) -> Outcome | None:
    """`invalid` when the answer is not an asserted value of its own: part of a larger expression,
    denied by itself, or claimed in another way than asserted."""
    if pred.operand:
        return Outcome.invalid(f"the box is part of a larger expression: {pred.operand}", **details)
    if pred.retracted:
        return Outcome.invalid("retracted answer: the answer negates its own value", **details)
    if not pred.claim.asserted:
        claim = pred.claim
        details["claim"] = f"{claim.modality} ({claim.relation})"
        return Outcome.invalid(f"{claim.modality} answer, not an asserted value: {claim.why}", **details)
    return None


def _equal(gold: Answer, pred: Answer, marks: Marks) -> bool:
    if gold.value is None or pred.value is None:
        return False
    try:
        return values_equal(gold.value, pred.value, marks)
    except (Undecidable, *_SYMPY_FAILURES):
        return False


# What sympy raises on answers it cannot relate (`1/2 <= x <= 5` inside an inequality): never `error`.
_SYMPY_FAILURES = (
    TypeError,
    ValueError,
    AttributeError,
    NotImplementedError,
    ZeroDivisionError,
    RecursionError,
)
_COMMA_PAIR = re.compile(r"\s*-?\d+,\d{2}\s*")


def _wanted(reference: str, gold: Answer) -> Polarity | None:
    """The yes or no a reference asks for (a word or an existence sentence); None for any other."""
    if gold.value is not None and not gold.is_text and _numeric_gold(gold):
        return None
    # A sentence gold is read whole (its answer extraction keeps only its last formula); a worked
    # solution as the reference is not a yes/no sentence.
    whole = reference if len(reference) <= 500 and "boxed" not in reference else ""
    return polarity(", ".join(p.text for p in gold.parts)) or polarity(whole)


def _concluded_yes_no(want: Polarity | None, response: str) -> Outcome | None:
    """A yes/no reference (`want`) answered by the conclusion of a proof (see `_conclusion`); else None."""
    got = concluded(response) if want else None
    if got is None:
        return None
    details = {"extracted": got, "reference": str(want), "source": "conclusion"}
    if got != want:
        return _no(f"concluded {got}, not {want}", details)
    return _ok("the same yes/no answer", details)


def _yes_no(reference: str, gold: Answer, pred: Answer) -> Outcome | None:
    """A yes/no reference (a word or an existence sentence) answered yes or no; None otherwise."""
    want = _wanted(reference, gold)
    got = polarity(", ".join(p.text for p in pred.parts)) if want else None
    # A yes/no sentence may deny inside itself ("No, there does not exist ..."; `polarity` refuses one that
    # contradicts itself); the words around it must still assert it ("the answer is not \\boxed{No}").
    later_ok = not pred.later or all(polarity(t) == got for t in pred.later)
    if want is None or got is None or not pred.outer.asserted or not later_ok:
        return None
    details: dict[str, str] = {"extracted": got, "reference": want, "source": pred.source}
    return (
        _ok("the same yes/no answer", details) if got == want else _no(f"answered {got}, not {want}", details)
    )


def _numeric_gold(gold: Answer) -> bool:
    """A number (not a word read as a product of letters, `No` = n*o)."""
    v = gold.value
    return v is not None and v.kind == "scalar" and v.scalar is not None and not v.scalar.expr.free_symbols


def _one_value(ans: Answer) -> Answer:
    """A list whose items are all one value (`-2, -2`; `\\boxed{a}` or equivalently `\\boxed{b}`) is it."""
    v = ans.value
    if v is None or v.kind != "list" or len(v.items) < 2 or len(v.items) > 4:
        return ans
    first = v.items[0]
    try:
        key = normalize_text(first.text)
        same = all(normalize_text(x.text) == key or values_equal(first, x) for x in v.items[1:])
    except (Undecidable, *_SYMPY_FAILURES):
        return ans
    if same:
        ans.value = first
    return ans


def _same_unit(gold: Answer, pred: Answer) -> bool:
    """No unit disagreement that would make the same number another quantity (5 feet vs 5 meters)."""
    g = gold.unit or (DEGREE if gold.degree else None)
    p = pred.unit or (DEGREE if pred.degree else None)
    return g is None or p is None or conversion(g, p) == 1


def _in_reference_units(gold: Answer, pred: Answer) -> Value | None:
    """The prediction's value in the reference's unit (500 cm for 5 m); None when the dimensions differ.
    A unit on one side only leaves the number as it is."""
    g = gold.unit or (DEGREE if gold.degree else None)
    p = pred.unit or (DEGREE if pred.degree else None)
    if (g is DEGREE and p is None) or (p is DEGREE and g is None):
        return pred.value  # a degree mark on one side: the marks allow both readings
    if g is not None and p is None and (glued := _glued_unit(gold.parts[0].unit, pred)) is not None:
        return glued
    if g is None or p is None or pred.value is None:
        return pred.value
    factor = conversion(g, p)
    if factor is None:
        return None
    v = pred.value
    if factor == 1 or v.kind != "scalar" or v.scalar is None:
        return v
    return Value("scalar", scalar=Scalar(v.scalar.expr * factor), text=v.text)


def _glued_unit(unit: str, pred: Answer) -> Value | None:
    """`82m` against `82 m`: the reference's own unit glued to a number (alone, `3m` is 3 times m)."""
    if len(pred.parts) != 1 or not unit.isalpha():
        return None
    m = re.fullmatch(rf"\s*([-+]?\d+(?:\.\d+)?)\s*{re.escape(unit)}\s*", pred.parts[0].text)
    if m is None:
        return None
    return Value("scalar", scalar=parse_scalar(m.group(1)), text=pred.parts[0].text)


def _ok(reason: str, details: dict[str, str]) -> Outcome:
    return Outcome(Verdict.CORRECT, 1.0, reason, dict(details))


def _no(reason: str, details: dict[str, str]) -> Outcome:
    return Outcome(Verdict.INCORRECT, 0.0, reason, dict(details))


_LETTERS = re.compile(r"\(([A-J])\)|(?<![\\A-Za-z])([A-J])(?![A-Za-z])")


def _grade_choice(letter: str, pred: Answer, response: str, details: dict[str, str]) -> Outcome:
    offered = {a or b for p in pred.parts for a, b in _LETTERS.findall(normalize_text_keep_case(p.text))}
    if len(offered) > 1:
        return Outcome.invalid(
            f"hedged answer: several choices offered ({', '.join(sorted(offered))})", **details
        )
    got = pred.choice
    if got is None and len(pred.parts) == 1 and re.fullmatch(r"\(?\s*[a-j]\s*\)?", pred.parts[0].text):
        got = pred.parts[0].text.strip("() ").upper()  # `a` for choice A
    if got is None:
        first = pred.parts[0].text if len(pred.parts) == 1 else ""
        m = (
            _LEADING_CHOICE.match(first)
            or _LEADING_CHOICE.match(response)
            or _last(_CHOICE_PHRASE, response[-2000:])
        )
        got = next((g for g in m.groups() if g), None) if m else None
    if got is None:
        return _no("no choice letter in the answer", details)
    letters = (choice_letter(clean(b).text) for b in pred.other_boxes if b.strip())
    others = {x for x in letters if x is not None} - {got.upper()}
    if pred.source != "phrase" and others:
        return Outcome.invalid(
            f"hedged answer: several different boxed choices ({got}, {sorted(others)[0]})", **details
        )
    details["extracted"] = got
    if got.upper() == letter.upper():
        return _ok("same choice", details)
    return _no(f"chose {got}, not {letter}", details)


def normalize_text_keep_case(s: str) -> str:
    return re.sub(r"\\text(?:bf)?\{([^{}]*)\}", r"\1", s)


def _leading_choice(reference: str) -> str | None:
    """`C. x = 42`: a reference that starts with a choice letter."""
    m = re.match(r"^\s*\(?([A-J])\)?[.:)]\s", reference)
    return m.group(1) if m else None


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text):  # noqa: B007 - the last match is wanted
        pass
    return found


def _grade_text(gold: Answer, pred: Answer, details: dict[str, str]) -> Outcome:
    if _affirms(gold, pred):
        return _ok("the reference's statement, affirmed", details)
    # A \text{} answer is a word: it never equals a number (\text{13} vs 13), only the same words.
    if gold.is_text != pred.is_text:
        other = pred if gold.is_text else gold
        v = other.value
        if v is not None and v.scalar is not None and v.kind == "scalar" and not v.scalar.expr.free_symbols:
            return _no("a text answer is not a number", details)
    if _words_of(gold.shown) == _words_of(pred.shown):
        return _ok("same text", details)
    return _no("different text", details)


def _affirms(gold: Answer, pred: Answer) -> bool:
    """A reference that is a statement (`Bella's tour costs at least as much`) answered "Yes, it is true
    that <the same statement>": only that statement, word for word, in the answer's own sentence."""
    if len(gold.shown.split()) < 3 or len(pred.affirmed.split()) < 3:
        return False
    return _words_of(pred.affirmed) == _words_of(gold.shown)


def _words_of(text: str) -> str:
    """A text answer without a leading article: `the derivative` = `derivative`."""
    return normalize_text(re.sub(r"^\s*(?:the|an?)\s+(?=[A-Za-z]{2})", "", text, flags=re.I))


def _unevaluated(pred: Answer) -> bool:
    """Arithmetic left undone (`17\\cdot23`, `2^{10}`), unlike a closed form (`\\sqrt2`)."""
    v = pred.value
    if v is None or v.kind != "scalar" or v.scalar is None:
        return False
    e = v.scalar.expr
    if not isinstance(e, sympy.Basic) or e.free_symbols or e.is_Atom or _is_fraction(e):
        return False
    return bool(_numeric.is_huge(e) or _numeric.canonical(e) != e)


def _is_fraction(e: sympy.Basic) -> bool:
    if isinstance(e, sympy.Mul) and len(e.args) == 2:
        a, b = e.args
        return bool(a.is_Integer and isinstance(b, sympy.Pow) and b.args[0].is_Integer and b.args[1] == -1)
    return False
