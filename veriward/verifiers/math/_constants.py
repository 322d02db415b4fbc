"""Constants a reference declares arbitrary (`f(x) = x^c \\text{ for some } c > 0`): any name is the same.

A reference that quantifies a letter of its value in its qualifier ("for some c", "for any constant k",
`c \\in \\mathbb{R}`) names a family; an answer that writes the family with other letters for those
constants (`f(x) = x^a`) states it. Only a renaming is tried: each declared constant to one letter of the
answer that the reference does not use, one to one, so that two constants never merge and no given symbol
is renamed.
"""

from __future__ import annotations

import itertools
import re

from veriward.verifiers.math._answer import Answer, build
from veriward.verifiers.math._extract import Extraction
from veriward.verifiers.math._structure import Value

_DECLARING = re.compile(r"\b(?:some|any|all|every|each|arbitrary|constants?)\b|\\in(?![a-zA-Z])", re.I)
_LETTER = re.compile(r"(?<![A-Za-z\\])([A-Za-z])(?![A-Za-z])")
# In math every letter outside a command name is a symbol of its own (`ax` is a times x).
_SYMBOL_OR_COMMAND = re.compile(r"\\[A-Za-z]+|[A-Za-z]")
_DEFINED = re.compile(r"^[A-Za-z]\w*\(([^()]*)\)$")
_MAX_CONSTANTS, _MAX_CANDIDATES = 3, 4


def _names(v: Value) -> set[str]:
    out: set[str] = set()
    if v.scalar is not None and hasattr(v.scalar.expr, "free_symbols"):
        out |= {getattr(s, "name", "").lower() for s in v.scalar.expr.free_symbols}
    for item in v.items:
        out |= _names(item)
    m = _DEFINED.match(v.lhs_name.replace(" ", ""))
    if m:  # a definition's parameters are bound, never constants
        out -= {a.lower() for a in m.group(1).split(",")}
    return out - {""}


def declared(gold: Answer) -> list[str]:
    """The letters the reference's qualifier declares arbitrary that are constants of its value."""
    quals = " ".join(p.qualifier for p in gold.parts)
    if gold.value is None or not _DECLARING.search(quals):
        return []
    letters = {m.lower() for m in _LETTER.findall(quals)}
    return sorted(letters & _names(gold.value))[:_MAX_CONSTANTS]


def renamings(gold: Answer, pred: Answer) -> list[Answer]:
    """The answer with its own letters renamed to the reference's declared constants, each way one to one."""
    constants = declared(gold)
    if not constants or pred.value is None or gold.value is None:
        return []
    used = _names(pred.value)
    targets = [c for c in constants if c not in used]
    spare = sorted(used - _names(gold.value) - set(constants))[:_MAX_CANDIDATES]
    out = []
    for chosen in itertools.permutations(spare, min(len(targets), len(spare))):
        if not chosen:
            continue
        mapping = dict(zip(chosen, targets, strict=False))
        texts = [_rename(p.text, mapping) for p in pred.parts]
        out.append(build(Extraction(texts, pred.source)))
    return out


def _rename(text: str, mapping: dict[str, str]) -> str:
    return _SYMBOL_OR_COMMAND.sub(lambda m: mapping.get(m.group(0).lower(), m.group(0)), text)
