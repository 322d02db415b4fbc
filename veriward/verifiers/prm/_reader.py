"""Reading a step: its relation chains (LaTeX math and prose, in order) and its constructs, in every common
layout (numbered or bulleted prose, `**Step k:**` headings, display math, digit scripts). Each pass is
linear in the step's length."""

from __future__ import annotations

import re
from dataclasses import dataclass

from veriward.verifiers.prm._constructs import Constructs
from veriward.verifiers.prm._latex import LABEL, Chain, chains_in, normalize
from veriward.verifiers.prm._prose import LEFT_OPEN, prose_chains
from veriward.verifiers.prm._segments import find_segments, mask
from veriward.verifiers.prm._text import blank_layout, canonical_chars, sentences

COMPLEX = re.compile(r"\bcomplex\b|\bimaginary\b|(?<![A-Za-z\\])i\s*\^\s*\{?\s*2\b")


_WORDS = re.compile(r"[A-Za-z]{2,}")
_BARE_NUMBER = re.compile(r"-?\s*\d+(?:\.\d+)?\s*%?")


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
    chains = _link_labels(chains, solid)
    for chain in chains:
        chain.imaginary = imaginary
    return Reading(t, chains, constructs, unread)


def _link_labels(chains: list[Chain], solid: str) -> list[Chain]:
    """`Total = 52 + 24 + 44 + 48`, then right after it `Total = 178`: the same quantity named twice in a
    row, the second time by its value, states `52 + 24 + 44 + 48 = 178`, a link checked like one inside a
    chain. Only for quantities named in words, a number as the second value (`Total = 720 * 24` may be a
    partial product), and nothing but spaces and punctuation between (`Total = 8. After doubling, Total =
    16` names a new value)."""
    out: list[Chain] = []
    for chain in chains:
        prev = out[-1] if out else None
        name = chain.members[0]
        if (
            prev is not None
            and LABEL.fullmatch(name)
            and prev.members[0] == name
            and prev.rels[0] == chain.rels[0] == "="
            and _BARE_NUMBER.fullmatch(chain.members[1])  # `Total = 178`, not a partial `Total = 720 * 24`
            and not _WORDS.search(solid, prev.end, chain.pos)
        ):
            members = [name, prev.members[-1], chain.members[1]]
            out.append(
                Chain(
                    f"{members[1]} = {members[2]}",
                    members,
                    ["=", "="],
                    chain.pos,
                    chain.end,
                    chain.math,
                    True,
                )
            )
        out.append(chain)
    return out
