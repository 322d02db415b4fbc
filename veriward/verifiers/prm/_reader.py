"""Reading a step: its relation chains (LaTeX math and prose, in order) and its constructs, in every common
layout (numbered or bulleted prose, `**Step k:**` headings, display math, digit scripts). Each pass is
linear in the step's length."""

from __future__ import annotations

import re
from dataclasses import dataclass

from veriward.verifiers.prm._constructs import Constructs
from veriward.verifiers.prm._latex import Chain, chains_in, normalize
from veriward.verifiers.prm._prose import LEFT_OPEN, prose_chains
from veriward.verifiers.prm._segments import find_segments, mask
from veriward.verifiers.prm._text import blank_layout, canonical_chars, sentences

COMPLEX = re.compile(r"\bcomplex\b|\bimaginary\b|(?<![A-Za-z\\])i\s*\^\s*\{?\s*2\b")


@dataclass
class Reading:
    text: str  # the step in canonical characters (positions below refer to it)
    chains: list[Chain]
    constructs: Constructs
    unread_segments: int  # math segments with a relation, too long to read


def read_step(text: str, imaginary: bool = False) -> Reading:
    """`imaginary`: `i` is the imaginary unit (the problem is about complex numbers; a step that writes
    `i^2` or speaks of complex numbers makes it so for itself)."""
    t = canonical_chars(text)
    imaginary = imaginary or bool(COMPLEX.search(t))
    segments = find_segments(t)
    prose = blank_layout(mask(t, segments))
    # Sentences are cut with the math as a solid block: a line of display math is no blank line.
    solid = mask(t, segments, fill="_")
    constructs = Constructs(prose, mask(t, segments, keep_words=True), sentences(t, solid))
    chains: list[Chain] = []
    unread = 0
    for seg in segments:
        if seg.too_long:
            unread += 1
            continue
        found = chains_in(normalize(seg.body), seg.start, seg.end, True)
        if found and LEFT_OPEN.search(solid, max(0, seg.start - 24), seg.start):
            found[0].open_left = True  # "10% of $1.50 = ...": the first member is the end of a longer side
        chains.extend(found)
    chains.extend(prose_chains(prose, solid))
    chains.sort(key=lambda c: c.pos)  # stable: the chains of one segment keep their order
    for chain in chains:
        chain.imaginary = imaginary
    return Reading(t, chains, constructs, unread)
