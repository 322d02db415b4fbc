"""Repeated steps: the same words once case, punctuation, LaTeX spacing and the connectives of a restatement
are dropped, or most of a step's word trigrams found in one earlier step (or in the problem).

Bounded work: each step is compared through a sample of its trigrams (the `SKETCH` with the smallest
hashes) looked up in an index of earlier steps' trigrams that keeps the `POSTINGS` latest steps per
trigram, so a trace of n steps costs O(length + n * SKETCH * POSTINGS), never n² * trigrams. A repeat is
not indexed itself (its trigrams are there under what it repeats).
"""

from __future__ import annotations

import heapq
import re
from collections import deque
from collections.abc import Sequence

from veriward.verifiers.prm._text import canonical_chars

SKETCH = 64
POSTINGS = 16
PROBLEM = -1  # `duplicate_of` for a step that restates the problem

# Words that restate rather than add ("Indeed, ...", "Note that ...", "..., as before."): dropped before
# two steps are compared, so that a reworded repeat reads as the step it repeats.
_CONNECTIVES = re.compile(
    r"\b(?:indeed|so|thus|hence|therefore|note|that|again|also|recall|we|confirm|check|once|more|as|"
    r"before|then|clearly|obviously|of course|remember)\b"
)
_LATEX_SPACE = re.compile(r"\\[,;:!> ]|\\q?quad\b|~")
_COMMAND = re.compile(r"\\([a-z]+)")
_SPELLED = {
    "\\times": "*",
    "\\cdot": "*",
    "\\div": "/",
    "\\dfrac": "\\frac",
    "\\tfrac": "\\frac",
    "\\left": "",
    "\\right": "",
}
_LATEX_SPELLING = re.compile("|".join(re.escape(k) for k in _SPELLED))
_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)?|[=+\-*/^<>]")


def normalise(text: str) -> list[str]:
    """A step's words, numbers and operators: case, punctuation, spacing, digit scripts, LaTeX spellings
    and the connectives of a restatement left out."""
    text = _LATEX_SPELLING.sub(lambda m: _SPELLED[m.group()], canonical_chars(text).lower())
    text = _LATEX_SPACE.sub(" ", text)
    text = _COMMAND.sub(r" \1 ", text)  # \times13 -> times 13
    return _TOKEN.findall(_CONNECTIVES.sub(" ", text))


def _shingles(words: list[str]) -> set[int]:
    if len(words) < 3:
        return {hash(tuple(words))}
    return {hash((words[i], words[i + 1], words[i + 2])) for i in range(len(words) - 2)}


class _Index:
    def __init__(self) -> None:
        self.exact: dict[tuple[str, ...], int] = {}
        self.postings: dict[int, deque[int]] = {}

    def add(self, index: int, words: list[str], shingles: set[int]) -> None:
        self.exact.setdefault(tuple(words), index)
        for h in shingles:
            self.postings.setdefault(h, deque(maxlen=POSTINGS)).append(index)

    def match(self, words: list[str], shingles: set[int], threshold: float) -> int | None:
        if not words:
            return None
        if tuple(words) in self.exact:
            return self.exact[tuple(words)]
        sketch = heapq.nsmallest(SKETCH, shingles)
        counts: dict[int, int] = {}
        for h in sketch:
            for j in self.postings.get(h, ()):
                counts[j] = counts.get(j, 0) + 1
        best = min(counts, key=lambda j: (-counts[j], j), default=None)
        return best if best is not None and counts[best] / len(sketch) >= threshold else None


def find_duplicates(steps: Sequence[str], threshold: float = 0.8, problem: str = "") -> list[int | None]:
    """For each step, the index of an earlier step it repeats (`PROBLEM` for the problem), else None."""
    index = _Index()
    if problem.strip():
        words = normalise(problem)
        index.add(PROBLEM, words, _shingles(words))
    out: list[int | None] = []
    for i, text in enumerate(steps):
        words = normalise(text)
        shingles = _shingles(words)
        found = index.match(words, shingles, threshold)
        out.append(found)
        if found is None:  # a repeat's trigrams are already indexed under what it repeats
            index.add(i, words, shingles)
    return out
