"""Hedging: answers that offer several values so that one of them may match."""

from __future__ import annotations

import re

import sympy

from veriward.verifiers.math._answer import Answer
from veriward.verifiers.math._grade import to_sympy_set, values_equal
from veriward.verifiers.math._normalize import clean, normalize_text
from veriward.verifiers.math._numeric import Undecidable
from veriward.verifiers.math._structure import Unparsable, Value, parse_answer

_VARIABLE = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z](?![a-zA-Z])")  # a later formula is working, not an answer
_SINGLE = ("scalar", "interval", "matrix", "rel", "union")
_PLAIN_NUMBER = re.compile(r"\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)\s*")


def hedge_reason(gold: Answer, pred: Answer) -> str | None:
    """Why the prediction is a hedge, or None. Only a single-valued reference can be hedged against."""
    if not pred.parts or not any(p.text for p in pred.parts):
        return "empty answer"
    if pred.empty_box:
        return "an empty box beside the answer"
    finals = {normalize_text(p.text) for p in pred.parts} | {
        normalize_text(",".join(p.text for p in pred.parts))
    }
    others = {normalize_text(clean(b).text) for b in pred.other_boxes if b.strip()}
    # Boxes followed by an explicit "final answer is ..." are working steps, not answers.
    if pred.source != "phrase" and _differ(sorted(others - finals)[-8:], pred):
        return "several different boxed answers"
    later = [t for t in pred.later if normalize_text(clean(t).text) not in finals and not _VARIABLE.search(t)]
    if _differ(later[-4:], pred):
        return "answer statements that disagree (a later statement gives another value)"
    if _tautology(pred.value) and not _tautology(gold.value):
        return "a tautology (true for every value)"
    if gold.value is None or gold.value.kind not in _SINGLE:
        return None
    if pred.is_multi():
        return "several values offered where the reference is one" + (" (or)" if pred.has_or else "")
    if pred.value is not None and _literal_chain(pred.value):
        return "an equation chain with different values"
    return None


def _differ(others: list[str], pred: Answer) -> bool:
    """Does any earlier boxed answer state another value than the final one? (The same value is fine.)"""
    if not others:
        return False
    if pred.value is None:
        return True
    for text in others:
        try:
            if not values_equal(parse_answer(clean(text).text), pred.value):
                return True
        except (Unparsable, Undecidable, RecursionError, TypeError, ValueError, AttributeError):
            return True
    return False


def _tautology(v: Value | None) -> bool:
    """`x > 2 or x <= 2`: inequalities joined by "or" that cover every real number."""
    if v is None or v.kind != "union" or not all(x.kind == "rel" for x in v.items):
        return False
    try:
        return bool(to_sympy_set(v) == sympy.S.Reals)
    except (Undecidable, TypeError, ValueError, AttributeError, NotImplementedError):
        return False


def _literal_chain(v: Value) -> bool:
    """`x = 6 = 5`: a chain whose right-hand sides are all plain numbers, not all the same."""
    if v.kind != "rel" or len(v.items) < 3 or any(op != "=" for op in v.ops):
        return False
    rhs = [item.text for item in v.items[1:]]
    if not all(_PLAIN_NUMBER.fullmatch(t) for t in rhs):
        return False
    return len({float(t) for t in rhs}) > 1
