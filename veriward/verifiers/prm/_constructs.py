"""The constructs of a step that change how its claims are read, each found where it applies, never by a
word anywhere in the step:

- approximation (`\\approx`, "approximately", "rounded to", "about 33"): the sentence's numeric claims are
  held to the precision they write (see `_compare`);
- whole parts ("remainder", "whole", "complete"): in that sentence `49 / 9 = 5` may be a floor or ceiling;
- an announced rewrite ("expanding", "factoring"): in that sentence `(x+1)^2 = x^2 + 2x + 1` is an
  identity to check;
- a hypothesis ("if", "suppose", "try", "case"): values given in that sentence hold in that sentence only,
  and its claims that need earlier values are conditions, not assertions;
- unknowns ("solve", "set", "the equation", "factor"): the sentence treats its variables as unknowns, so
  earlier values are not put into its claims;
- refutation: a claim is not asserted when it is asked (its sentence ends with `?`), when the words right
  after it refute it (`0 = 1, a contradiction`, `... is not true`), or when it is false inside a
  supposition that the step closes with a contradiction (`suppose ... then 0 = 1 ... impossible`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Literal

from veriward.verifiers.prm._text import Sentence

_APPROX = re.compile(
    r"≈|\bapprox(?:imately|imate|imation|\.)?|\broughly\b|\brounded\b|\brounding\b"
    r"|\bround(?:s|ing)? (?:up|down|off|to)\b|\bnearest\b|\bestimat\w*"
    r"|(?:\babout|\baround|\bnearly|\balmost|~)\s*\$?(?:\\\(|\\\[)?\s*\$?\d",
    re.I,
)
_QUOTIENT = re.compile(
    r"\bremainders?\b|\bquotient\b|\bwhole\b|\bcomplete\b|\bfull\b|\binteger part\b"
    r"|\bround(?:ed)? (?:up|down)\b|\bfloor\b|\bceil\w*|\bat (?:most|least)\b|\bmaximum\b|\bminimum\b"
    r"|\bleftover\b",
    re.I,
)
_EXPAND = re.compile(r"expand|multiply(?:ing)? out|\bfoil\b|distribut", re.I)
_FACTOR = re.compile(r"factor", re.I)
_UNKNOWNS = re.compile(
    r"\b(?:solv\w*|solutions?|roots?|equations?|system|set(?:ting)?|factor\w*|intersect\w*|satisf\w*|"
    r"conditions?|unknowns?|zeros?|cases?|possibilit\w*|either|lines?|circles?|curves?|graphs?|planes?|"
    r"parabola\w*|axis|axes|coordinates?|regions?|intervals?|domain|range)\b",
    re.I,
)
_ALTERNATIVES = re.compile(r"\b(?:or|either)\b", re.I)
_HYPOTHESIS = re.compile(
    r"\b(?:if|suppose|supposing|assume|assuming|let's say|say|try|trying|test|testing|check|checking|"
    r"consider|case|when|whether|for|plug\w*|substitut\w*)\b",
    re.I,
)
_OPENER = re.compile(
    r"\b(?:suppose|supposing|assume|assuming|for (?:the sake of )?contradiction|if|what if|try|trying|"
    r"test|testing|check|checking|verify|verifying|substitut\w*|plug\w*|select|choose|pick|let's take|"
    r"let's use)\b",
    re.I,
)
_CONTRADICTION = re.compile(
    r"\bcontradict\w*|\bimpossible\b|\babsurd\w*|\bnot possible\b|\bcannot\b|\bcan't\b|\bno solutions?\b"
    r"|\binvalid\b|\bnot valid\b"
    r"|\b(?:does not|doesn't|do not|don't|not|never) (?:work|hold|satisf|equal|equate)\w*"
    r"|\bfails?\b"
    r"|\bfalse\b|\bnot true\b|\bnot the case\b|\bnot equal\b",
    re.I,
)
# Right after a claim: punctuation, perhaps "which is", then a word that refutes it and ends the clause
# ("0 = 1, a contradiction", "2 + 2 = 5 is not true"; not "..., and it is impossible that x is odd").
_REFUTED_AFTER = re.compile(
    r"[\s,;:.—–(-]*(?:which\s+|this\s+|that\s+)?"
    r"(?:(?:is|are|was|would be|must be|gives|yields|leads to)\s+)?(?:a\s+|an\s+|clearly\s+|obviously\s+)?"
    r"(?:contradict\w*|impossible|absurd|false|not (?:true|possible|valid|correct|right|the case)|"
    r"incorrect|wrong|invalid|never true)\b(?!\s+(?:that|to|if|for|when|whether)\b)",
    re.I,
)
# Right before a claim: a negation that takes it as its object ("it is not true that 3 x 4 = 13", "we
# cannot have ...") or the opening of a hypothesis ("if 2 + 2 = 5, ...", "suppose that ...").
_REFUTED_BEFORE = re.compile(
    r"\b(?:not true|false|impossible|not possible|not the case|absurd)\s+(?:that|for)\s*[:,]?\s*$"
    r"|\b(?:cannot|can't|could not|couldn't|never)\s+(?:have|be|hold|get)\s*(?:that\s*)?[:,]?\s*$",
    re.I,
)
_SUPPOSED_BEFORE = re.compile(
    r"\b(?:if|suppose|supposing|assume|assuming|whether|were|unless)\s+(?:that\s*)?$", re.I
)
_NEAR = 60  # characters after a claim where the words that refute it may stand


@dataclass(frozen=True)
class SentenceFlags:
    approx: bool
    quotient: bool
    rewrite: Literal["", "expand", "factor"]
    hypothesis: bool
    unknowns: bool
    alternatives: bool


class Constructs:
    """The constructs of one step; `prose` is its text with math blanked (words only), `words` the same
    with the words of `\\text{...}` inside math kept (`2863 \\div 1344 = 2 \\text{ (quotient)}`)."""

    def __init__(self, prose: str, words: str, sentences: list[Sentence]) -> None:
        self.prose = prose
        self.sentences = sentences or [Sentence(0, len(prose), False)]
        self.starts = [s.start for s in self.sentences]
        self.flags = [self._flags(words[s.start : s.end]) for s in self.sentences]
        self.suppositions = self._suppositions()
        self.supposition_starts = [a for a, _ in self.suppositions]

    @staticmethod
    def _flags(words: str) -> SentenceFlags:
        return SentenceFlags(
            bool(_APPROX.search(words)),
            bool(_QUOTIENT.search(words)),
            "expand" if _EXPAND.search(words) else ("factor" if _FACTOR.search(words) else ""),
            bool(_HYPOTHESIS.search(words)),
            bool(_UNKNOWNS.search(words)),
            bool(_ALTERNATIVES.search(words)),
        )

    def _suppositions(self) -> list[tuple[int, int]]:
        """Spans from a supposition to the contradiction that closes it, within the step."""
        closes = [m.start() for m in _CONTRADICTION.finditer(self.prose)]
        out: list[tuple[int, int]] = []
        for m in _OPENER.finditer(self.prose):
            k = bisect.bisect_left(closes, m.end())
            if k == len(closes):
                break
            if out and m.start() <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], closes[k]))  # spans merged: one bisect per claim
            else:
                out.append((m.start(), closes[k]))
        return out

    def sentence(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.starts, pos) - 1)

    def at(self, pos: int) -> SentenceFlags:
        return self.flags[self.sentence(pos)]

    def not_asserted(self, pos: int, end: int, false: bool) -> str:
        """Why a claim written at [pos, end) is not asserted by the step, or "" if it is."""
        if self.sentences[self.sentence(pos)].question:
            return "asked, not asserted"
        if _REFUTED_AFTER.match(self.prose, end, min(len(self.prose), end + _NEAR)):
            return "refuted by the words after it"
        before = self.prose[max(0, pos - _NEAR) : pos]
        if _REFUTED_BEFORE.search(before):
            return "refuted by the words before it"
        if _SUPPOSED_BEFORE.search(before):
            return "supposed, not asserted"
        k = bisect.bisect_right(self.supposition_starts, pos) - 1
        if false and k >= 0 and end <= self.suppositions[k][1]:
            return "false inside a supposition the step refutes"
        return ""
