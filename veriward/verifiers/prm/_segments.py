"""Math segments of a step (`\\(..\\)`, `\\[..\\]`, `$..$`, `$$..$$`, align-like environments), found in one
pass: every delimiter is tokenised once, and each opener finds its closer through a precomputed index, so
that thousands of unclosed `\\[` cost no more than one scan."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

MAX_BODY = 8000  # characters of one math segment; a longer one is not read (its claims are unread)

_DELIM = re.compile(
    r"\\\\|\\\$|\$\$|\$|\\\[|\\\]|\\\(|\\\)"
    r"|\\begin\{(align|equation|gather|eqnarray|multline|aligned|gathered|split)\*?\}"
    r"|\\end\{(align|equation|gather|eqnarray|multline|aligned|gathered|split)\*?\}"
)
_CLOSER = {"$$": "$$", "$": "$", r"\[": r"\]", r"\(": r"\)"}


@dataclass(frozen=True)
class Segment:
    start: int  # of the opening delimiter
    end: int  # past the closing delimiter
    body: str
    too_long: bool


def _tokens(text: str) -> list[tuple[str, int, int]]:
    out = []
    for m in _DELIM.finditer(text):
        tok = m.group()
        if tok in ("\\\\", "\\$"):
            continue
        if m.group(1):
            tok = "begin:" + m.group(1)
        elif m.group(2):
            tok = "end:" + m.group(2)
        out.append((tok, m.start(), m.end()))
    return out


def _currency(text: str, toks: list[tuple[str, int, int]]) -> bool:
    """Whether `$` marks money rather than math: the text uses `\\(`/`\\[`, or a `$..$` pair has a space
    just inside it (`$5 and $10`)."""
    if any(t in (r"\(", r"\[") for t, _, _ in toks):
        return True
    dollars = [(a, b) for t, a, b in toks if t == "$"]
    for (_, b1), (a2, _) in zip(dollars[::2], dollars[1::2], strict=False):
        inner = text[b1:a2]
        if inner[:1].isspace() or inner[-1:].isspace():
            return True
    return False


def find_segments(text: str) -> list[Segment]:
    """The math segments of `text`, in order, not overlapping. Linear in the text (plus a log factor)."""
    toks = _tokens(text)
    currency = _currency(text, toks)
    where: dict[str, list[int]] = {}
    for i, (t, _, _) in enumerate(toks):
        where.setdefault(t, []).append(i)
    out: list[Segment] = []
    i = 0
    while i < len(toks):
        tok, start, body_start = toks[i]
        closer = "end:" + tok[6:] if tok.startswith("begin:") else _CLOSER.get(tok)
        if closer is None or (currency and tok in ("$", "$$")):
            i += 1
            continue
        positions = where.get(closer, [])
        k = bisect.bisect_right(positions, i)
        if k == len(positions):
            i += 1  # never closed: the opener is text
            continue
        j = positions[k]
        body_end, end = toks[j][1], toks[j][2]
        body = text[body_start:body_end]
        out.append(Segment(start, end, body if len(body) <= MAX_BODY else "", len(body) > MAX_BODY))
        i = j + 1
    return out


_TEXT = re.compile(r"\\(?:text|mbox|textrm|textit|textbf|mathrm)\{([^{}]{0,200})\}")


def mask(text: str, segments: list[Segment], keep_words: bool = False, fill: str = " ") -> str:
    """`text` with its math segments replaced by `fill` (same length); with `keep_words`, the words of
    each `\\text{...}` inside them stay where they are."""
    parts, pos = [], 0
    for s in segments:
        parts.append(text[pos : s.start])
        blank = [fill] * (s.end - s.start)
        if keep_words:
            for m in _TEXT.finditer(text, s.start, s.end):
                a = m.start(1) - s.start
                blank[a : a + len(m.group(1))] = m.group(1)
        parts.append("".join(blank))
        pos = s.end
    parts.append(text[pos:])
    return "".join(parts)
