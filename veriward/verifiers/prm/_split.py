"""Splitting a solution into steps: one pass over its lines (no pattern spans lines, and each whitespace run
is taken possessively, so the work is linear in the text whatever whitespace it holds)."""

from __future__ import annotations

import itertools
import re
from typing import Literal

SplitMode = Literal["auto", "blank_lines", "step_markers", "numbered", "bullets", "lines"]

_STEP = re.compile(r"[ \t]*+(?:#{1,6}[ \t]*+)?(?:\*\*|__)?[ \t]*+step[ \t]*+\d{1,4}(?!\d|\.\d)", re.I)
_NUMBER = re.compile(r"[ \t]*+(?:\*\*|__)?[ \t]*+(?:\((\d{1,3})\)|(\d{1,3})[.)])(?:\*\*|__)?[ \t]")
_BULLET = re.compile(r"([ \t]*+)[-*•+][ \t]++\S")


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _numbered(lines: list[tuple[int, str]]) -> list[int]:
    """Line indices of the items of a list numbered 1, 2, 3, ... in order (other numbers are content)."""
    out, want = [], 1
    for i, (_, line) in enumerate(lines):
        m = _NUMBER.match(line)
        if m and int(m.group(1) or m.group(2)) == want:
            out.append(i)
            want += 1
    return out


def _bullets(lines: list[tuple[int, str]]) -> list[int]:
    """Line indices of the outermost bullets."""
    found = [(i, len(m.group(1))) for i, (_, line) in enumerate(lines) if (m := _BULLET.match(line))]
    if not found:
        return []
    top = min(indent for _, indent in found)
    return [i for i, indent in found if indent == top]


def _paragraph_level(lines: list[tuple[int, str]], marks: list[int]) -> bool:
    """Markers start the steps when the text has no blank lines, or each stands after one (a list inside a
    paragraph is content of that paragraph)."""
    if not any(not line.strip() for _, line in lines):
        return True
    return all(i == 0 or not lines[i - 1][1].strip() for i in marks)


def _blank_split(text: str) -> list[str]:
    parts, cur = [], []
    for line in text.split("\n"):
        if line.strip():
            cur.append(line)
        elif cur:
            parts.append("\n".join(cur))
            cur = []
    if cur:
        parts.append("\n".join(cur))
    return parts


def _at_marks(text: str, lines: list[tuple[int, str]], marks: list[int]) -> list[str]:
    """Steps starting at the marked lines (each runs to the next); what comes before the first splits at
    blank lines."""
    bounds = [lines[i][0] for i in marks] + [len(text)]
    return _blank_split(text[: bounds[0]]) + [text[a:b] for a, b in itertools.pairwise(bounds)]


def split_steps(text: str, mode: SplitMode = "auto") -> list[str]:
    """The non-empty steps of `text`.

    `auto` uses "Step k" headings when there are at least two, else a list numbered 1, 2, ... or bullets
    when they start the paragraphs, else blank lines.
    """
    lines = _lines(text)
    marks: list[int] = []
    if mode in ("auto", "step_markers"):
        marks = [i for i, (_, line) in enumerate(lines) if _STEP.match(line)]
        if mode == "auto" and len(marks) < 2:
            marks = []
    if mode in ("auto", "numbered") and not marks:
        marks = _numbered(lines)
        if mode == "auto" and (len(marks) < 2 or not _paragraph_level(lines, marks)):
            marks = []
    if mode in ("auto", "bullets") and not marks:
        marks = _bullets(lines)
        if mode == "auto" and (len(marks) < 2 or not _paragraph_level(lines, marks)):
            marks = []
    if mode == "lines":
        parts = text.split("\n")
    elif marks:
        parts = _at_marks(text, lines, marks)
    else:
        parts = _blank_split(text)
    return [p.strip() for p in parts if p.strip()]
