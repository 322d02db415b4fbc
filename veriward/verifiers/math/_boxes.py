"""Where the boxes of a text are: `\\boxed{...}`/`\\fbox{...}` with their contents (string work only)."""

from __future__ import annotations

import re

from veriward.verifiers.math._statement import Span

MAX_ANSWER_CHARS = 2000
# Only the end of a long response is searched: final answers come last, and this caps the work.
TAIL_CHARS = 6000
_BOX = re.compile(r"\\+(?:boxed|fbox)\s*")


def _scan_braces(text: str, start: int) -> int:
    """Index just past the `}` matching the `{` at `start`; -1 if unclosed. Escaped braces don't count."""
    depth, i, n = 0, start, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def find_boxes(text: str) -> list[Span]:
    """Every `\\boxed{...}`/`\\fbox{...}` with its content; an unclosed box runs to the end."""
    out: list[Span] = []
    pos = 0
    while True:
        m = _BOX.search(text, pos)
        if m is None:
            return out
        i = m.end()
        if i < len(text) and text[i] == "{":
            end = _scan_braces(text, i)
            if end < 0:
                out.append(Span(m.start(), len(text), text[i + 1 : i + 1 + MAX_ANSWER_CHARS]))
                return out
            out.append(Span(m.start(), end, text[i + 1 : end - 1]))
            pos = end
        else:
            tok = re.match(r"[^\s$]+", text[i:])
            if tok:
                out.append(Span(m.start(), i + tok.end(), tok.group(0)))
            pos = i + (tok.end() if tok else 1)


def box_before(text: str, start: int) -> str | None:
    """The content of the last box opening before `start` (at most 50 tails back). A box that runs
    into the tail or is never closed comes back cut just past the answer cap, to be refused."""
    k = max(text.rfind("\\boxed", 0, start), text.rfind("\\fbox", 0, start))
    if k < 0 or start - k > 50 * TAIL_CHARS:
        return None
    m = _BOX.match(text, k)
    if m is None or m.end() >= len(text) or text[m.end()] != "{":
        return None
    end = _scan_braces(text, m.end())
    if end < 0 or end > start:
        return text[m.end() + 1 : m.end() + 2 + MAX_ANSWER_CHARS]
    return text[m.end() + 1 : end - 1]


# Math glued to a box that makes it an operand of a larger expression: `-\boxed{42}`, `\sqrt{\boxed{42}}`,
# `\frac{1}{\boxed{42}}`, `\boxed{4}2`, `\boxed{42}^2`, `\boxed{42}\pi`, `\boxed{42} \times 10^3`. A unit,
# a percent or a degree mark after the box (`\boxed{30}^\circ`), or bold marks around it, leave it the answer.
_OPERAND_BEFORE = re.compile(
    r"(?:(?<![\s:*])[-−+*/×÷·]|\d|\\(?:times|cdot|div|pm|mp)\s*|(?:\\[dt]?frac|\\sqrt(?:\[[^\]]{0,8}\])?|\^|_)\s*\{\s*"
    r"|\\[dt]?frac\s*\{[^{}]{0,80}\}\s*\{\s*)$"
)
_OPERAND_AFTER = re.compile(
    r"^(?:\d|\.\d|\s*\^(?!\s*\{?\s*(?:\\circ|o\b|\\prime))|\s*\\(?:pi|times|cdot|div)(?![a-zA-Z])|\s*(?:\*(?!\*)|[/×÷·])"
    r"|\\,\s*\d)"
)


def operand_of(before: str, after: str) -> str:
    """Why the box is only part of the answer written around it, or ""."""
    b, a = before[-100:], after[:40]
    m = _OPERAND_BEFORE.search(b)
    if m:
        return f"{m.group(0).strip()!r} before the box"
    m = _OPERAND_AFTER.match(a)
    if m:
        return f"{m.group(0).strip()!r} after the box"
    return ""
