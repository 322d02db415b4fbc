"""The last-resort rule for prose with no marked answer: a final sentence that states a value.

A sentence states a value when the value follows a stating word ("is", "are", "=", ":", "a total of",
"there are", "we get") with only fillers between ("exactly", "the", bold marks); unit words and a trailing
prepositional phrase may follow it ("is $75$ square units", "54 miles east of his house after 3 hours").
Values joined by "and"/"or"/commas there are one list answer ("are $x = 5$ and $x = -2$"). A concluding
sentence with a single value states it ("Therefore, Lara read 128 pages."). A display equation after a
sentence ending in "is:" or ":" is that sentence's value. Sentences after the statement that state no value
("This means that ...") are skipped, at most three. Plain string work on bounded text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from veriward.verifiers.math._claim import classify
from veriward.verifiers.math._glyphs import VULGAR_GLYPHS, value_span
from veriward.verifiers.math._units import is_unit

_MATH = re.compile(
    r"\$\$(.{1,1500}?)\$\$|\\\[(.{1,1500}?)\\\]|\\\(([^\n]{1,800}?)\\\)|(?<![\\$])\$((?:[^$\n\\]|\\.){1,800}?)(?<!\\)\$",
    re.S,
)
_NUMBER = re.compile(
    r"(?<![\w.^_{:])[-−]?(?:\d+(?::\d+)+|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+"
    rf"|[{VULGAR_GLYPHS}])(?:\s*/\s*\d+)?(?:\s*%)?(?![\d^]|[.,]\d)"
)
_BOXED = re.compile(r"\\boxed\s*\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}")
_BOLD_NUM = re.compile(r"\*\*([^*\n]{1,60})\*\*")
_STATING = re.compile(
    r"(?:\b(?:is|are|was|were|be|equals?|(?:is\s+)?equal\s+to|becomes?|gives?|yields?|get|gets|got|obtain|"
    r"have|has|(?:a\s+)?total\s+of|comes?\s+(?:out\s+)?to|amounts?\s+to|there\s+(?:are|is|were|was|will\s+be))\b"
    r"|=|:|'s\b|\bby\b)",
    re.I,
)
_FILLER = re.compile(
    r"(?:\s|\*\*|\\?\$|\(\w{1,5}\)|\b(?:exactly|only|just|precisely|the|a|an|also|then|thus|therefore|indeed|now|simply|"
    r"approximately|about|around|roughly|of|value|number|total|simplified|final|answer|result|equal|"
    r"that|it|is|are)\b|[,:])*",
    re.I,
)
_CONCLUDING = re.compile(
    r"^\W*(?:therefore|thus|hence|so|consequently|finally|overall|altogether|in\s+(?:conclusion|total|summary)"
    r"|as\s+a\s+result|this\s+means|we\s+(?:find|get|obtain|have|conclude))\b[\s,]*",
    re.I,
)
_PREPOSITION = re.compile(
    r"\b(?:in|on|of|for|after|from|with|at|per|within|between|among|than|into|over|under|by|to|up\s+to|"
    r"every|each|about|since|before|during)\s+(?:an?\s+|the\s+)?$",
    re.I,
)
_LIST_JOIN = re.compile(r"^[\s,]*(?:and|or|,)\s*(?:also\s+)?$|^\s*,\s*$|^\s*,?\s*(?:and|or)\s+$", re.I)
_UNIT_WORDS = re.compile(r"^[\s.,;:!?)\]\"'%°²³]*(?:[A-Za-z]{1,14}[²³]?\.?\s*){0,3}", re.I)
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z<*(\\$])")
_DISPLAY = re.compile(r"\$\$.{1,1500}?\$\$|\\\[.{1,1500}?\\\]", re.S)
_LEADS_IN = re.compile(r"(?:\b(?:is|are|be|get|have)|:)\s*$")
_NAME_CMDS = re.compile(
    r"\\(?:angle|triangle|overline|mathcal|mathbf|mathrm|text|operatorname|widehat|hat|bar)"
)


MATH = _MATH  # one math segment of a sentence (shared with `_summary`)


class Span(NamedTuple):
    """A value's place in a text (`text[start:end]`) and what it says (a box's or math segment's inside)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Statement:
    """The value(s) a final sentence states, with the text around them for the claim grammar."""

    parts: list[str]
    before: str
    after: str


def _values(sentence: str) -> list[Span]:
    """Math segments and bare numbers (outside math) of a sentence, in order."""
    found = [Span(m.start(), m.end(), m.group(1)) for m in _BOXED.finditer(sentence)]
    masked = _masked(sentence, found)
    found += [
        Span(m.start(), m.end(), _group(m)) for m in _MATH.finditer(masked) if not _SIGN.fullmatch(_group(m))
    ]
    masked = _masked(sentence, found)
    found += _numbers(sentence, masked)
    found += [
        Span(m.start(), m.end(), m.group(1))
        for m in _BOLD_NUM.finditer(masked)
        if not _NUMBER.search(m.group(1))
    ]
    return sorted(found)


def _numbers(sentence: str, masked: str) -> list[Span]:
    """Bare numbers with what is glued to them (`4π`, `3²`, `√3`, `4x`): one value each."""
    out: list[Span] = []
    for m in _NUMBER.finditer(masked):
        if out and m.start() < out[-1].end:
            continue  # the `3` of `2√3`, already inside the value before it
        a, b = value_span(masked, m.start(), m.end(), is_unit)
        out.append(Span(a, b, sentence[a:b]))
    return out


def _group(m: re.Match[str]) -> str:
    return next(g for g in m.groups() if g is not None)


math_inner = _group


def _is_name(value: str) -> bool:
    """`ABCD`, `\\angle RPS`, `h:m:s`: a name in math, not a value."""
    v = _NAME_CMDS.sub(" ", value)
    return not re.search(r"\d|\\(?:pi|infty|sqrt|frac)|[+\-*/^=<>]", v) and bool(
        re.fullmatch(r"[A-Za-z\s_{}':]*", v)
    )


def _masked(sentence: str, values: list[Span]) -> str:
    out = sentence
    for a, b, _ in values:
        out = out[:a] + "#" * (b - a) + out[b:]
    return out


def _stated(sentence: str, earlier: str = "") -> tuple[int, int] | None:
    """(first, last) indexes into the sentence's values of the list it states, or None. Values after the
    stated list may sit behind prepositions ("54 miles east of his house after 3 hours") or inside a
    relative clause that describes what was counted ("1164 times where h + m = s"), there only when each
    was already written in `earlier` (the problem's data, not a second answer)."""
    values = _values(sentence)
    if not values:
        return None
    masked = _masked(sentence, values)
    best: tuple[int, int] | None = None
    for m in _STATING.finditer(masked):
        k = next((i for i, v in enumerate(values) if v.start >= m.end()), None)
        if k is None:
            break
        gap = masked[m.end() : values[k].start]
        if not _FILLER.fullmatch(gap) or _is_name(values[k].text):
            continue
        if m.group(0).lower() == "by" and k > 0 and not masked[values[k - 1].end : m.start()].strip():
            continue  # `2 by 3`: dimensions, not "increased by 3"
        last = k
        while last + 1 < len(values) and _LIST_JOIN.match(masked[values[last].end : values[last + 1].start]):
            last += 1
        best = (k, last)
    concluding = _CONCLUDING.match(masked)
    if best is None and concluding is not None:  # a concluding sentence with one value
        cands = [i for i, v in enumerate(values) if v.start >= concluding.end() and not _is_name(v.text)]
        if len(cands) == 1:
            best = (cands[0], cands[0])
    if best is None:
        return None
    # What follows the value: units, then nothing or a phrase whose values sit behind prepositions.
    end, last = values[best[1]].end, best[1]
    if last + 1 < len(values) and _APPROX.fullmatch(masked[end : values[last + 1].start]):
        end, last = values[last + 1].end, last + 1  # `√3 ≈ 1.732`: a decimal restating the value
    rest = masked[end:]
    unit = _UNIT_WORDS.match(rest)
    rest_start = end + (unit.end() if unit else 0)
    for a, _, v in values[last + 1 :]:
        behind = masked[rest_start:a] if a > rest_start else masked[end:a]  # the unit words may end in one
        if _PREPOSITION.search(behind[-20:]) or _is_name(v):
            continue
        relative = _RELATIVE.search(masked, end, a)
        if relative is None or _NOT_INERT.search(masked, relative.start(), a) or not _written(v, earlier):
            return None
    return best


_APPROX = re.compile(r"\s*(?:≈|≃|\\approx|\$\s*\\approx\s*\$|\\\(\s*\\approx\s*\\\))\s*")
_SIGN = re.compile(r"\s*\\(?:approx|simeq|sim|equiv)\s*")  # a math segment holding only a sign: no value
# A relative clause opening after the value: it describes what the value counts or measures.
_RELATIVE = re.compile(r"\b(?:where|such\s+that|for\s+which|satisfying|whose|in\s+which|so\s+that)\b", re.I)


def _written(value: str, earlier: str) -> bool:
    v = value.strip()
    return bool(v) and re.search(rf"(?<![\w.]){re.escape(v)}(?![\w.])", earlier) is not None


def sentences(text: str) -> list[str]:
    """The sentences of the last lines of a text, split at sentence ends outside math and around displays."""
    out: list[str] = []
    for line in text.splitlines()[-12:]:
        if not line.strip():
            continue
        pieces, pos = [], 0
        for d in _DISPLAY.finditer(line):
            pieces += [line[pos : d.start()], d.group(0)]
            pos = d.end()
        pieces.append(line[pos:])
        for piece in pieces:
            out += _split(piece)
    return [s.strip() for s in out if s.strip(" .")]


def _split(line: str) -> list[str]:
    spans = [(m.start(), m.end()) for m in _MATH.finditer(line)]
    cuts = [m.end() for m in _SENTENCE_END.finditer(line) if not any(a <= m.start() < b for a, b in spans)]
    return [line[a:b] for a, b in zip([0, *cuts], [*cuts, len(line)], strict=True)]


def final_statement(text: str, displays: bool = True) -> Statement | None:
    """The value stated by the last sentence that states one (skipping at most three after it); with
    `displays`, also a display equation after a sentence ending in "is:".

    A later sentence with values but no statement ("This means 2007 divides 2007! exactly 9 times.") may
    follow the statement only if it is inert (see `_later_values`). Any other value after the statement
    means the statement is not the final answer."""
    sents = sentences(text[-4000:])
    trailing: list[tuple[str, bool]] = []  # values of later sentences that state nothing; must be the answer?
    bounded_last: Statement | None = None
    for back in range(min(4, len(sents))):
        i = len(sents) - 1 - back
        s = sents[i]
        after_text = " ".join(sents[i + 1 :])
        earlier = text[: max(0, text.rfind(s))]
        found = _display_answer(sents, i, after_text) or _sentence_answer(sents, i, after_text, earlier)
        if (
            found is not None
            and len(found.parts) == 1
            and classify(found.before, found.after).non_strict_bound
        ):
            bounded_last = bounded_last or found  # a bound restating an earlier answer is a later value
            trailing.append((found.parts[0], True))
            continue
        if found is not None:
            ok = all(_is_answer(v, found.parts) if same else _restates(v, found.parts, earlier)
                     for v, same in trailing)  # fmt: skip
            return found if ok else None
        later = _later_values(s)
        if later is None:
            return None  # a last sentence with values that states none: no earlier value is taken
        trailing += later
    return bounded_last


def _later_values(s: str) -> list[tuple[str, bool]] | None:
    """The values of a sentence after the statement that states none, each with whether it must be the
    answer itself; None when the sentence is not inert. Inert: no hedge, alternative or correction in it,
    each value asserted and either the answer again or already written before the statement (the
    problem's data); or the answer itself under a non-strict bound ("... up to 9 times" after "the largest
    n is 9"), or after a mere contrast ("However, we leave it as √3"). A strict bound or a bound on another
    value ("The result exceeds 800.") makes the answer a bound."""
    spans = [v for v in _values(s) if not _is_name(v.text)]
    if not spans:
        return []
    words = {w.lower() for w in _NOT_INERT.findall(s)}
    contrast = bool(words) and words <= _CONTRAST
    if (words and not contrast) or "?" in s or len(spans) > _MAX_LATER_VALUES:
        return None  # (a sentence of many values restates nothing; reading each would cost seconds)
    out = []
    for a, b, v in spans:  # one claim at a time: the first that is not inert ends the scan
        c = classify(s[:a], s[b:])
        if not (c.asserted or c.non_strict_bound):
            return None
        out.append((v, contrast or not c.asserted))
    return out


def _display_answer(sents: list[str], i: int, after_text: str) -> Statement | None:
    s = sents[i]
    if _DISPLAY.fullmatch(s.rstrip(". ")) and i > 0 and _LEADS_IN.search(sents[i - 1]):
        inner = _MATH.match(s.rstrip(". "))
        if inner:
            value = _group(inner).strip().rstrip(".,")
            named = _NAMED_CHAIN.match(value)
            if named:  # `\\text{Workers} = \\frac{180}{9} = 20`: the quantity's value is the last side
                value = value.rsplit("=", 1)[-1].strip()
            return Statement([value], sents[i - 1] + " ", " " + after_text)
    return None


_NAMED_CHAIN = re.compile(r"\s*\\text\s*\{[A-Za-z ,'-]{3,60}\}\s*=.*=\s*[-+]?\d[\d.,]*\s*$", re.S)


def _sentence_answer(sents: list[str], i: int, after_text: str, earlier: str) -> Statement | None:
    s = sents[i]
    span = _stated(s, earlier)
    if span is None:
        return None
    values = _values(s)
    parts = [v.text for v in values[span[0] : span[1] + 1]]
    a, b = values[span[0]].start, values[span[1]].end
    before = " ".join(sents[max(0, i - 1) : i]) + " " + s[:a]
    return Statement(parts, before, s[b:] + " " + after_text)


_MAX_LATER_VALUES = 8
# Contrast alone does not qualify a later sentence whose every value is the answer itself.
_CONTRAST = frozenset({"however", "but", "instead", "rather", "actually"})
# Words that make a later sentence more than an elaboration: it qualifies, doubts or replaces the answer.
_NOT_INERT = re.compile(
    r"\b(?:or|maybe|perhaps|possibly|probably|likely|might|may|could|alternatively|actually|wait|instead"
    r"|however|but|not|no|never|except|unless|rather|also|another|other|else|either|wrong|incorrect"
    r"|mistake|error|correct(?:ion|ed)?|approximately|about|around|roughly|nearly|almost|if)\b|n't\b|≈|\\approx",
    re.I,
)
NOT_INERT = _NOT_INERT  # (shared with `_summary`)
values_of = _values  # (shared with `_alternatives`)
is_name = _is_name


def _restates(value: str, parts: list[str], earlier: str) -> bool:
    """Is a later sentence's value the answer again, or a value written before the answer statement?"""
    return _is_answer(value, parts) or _written(value, earlier)


def _is_answer(value: str, parts: list[str]) -> bool:
    """The answer, or the last side of an answer chain (`workers = 180/9 = 20`, then "20 workers ...")."""
    key = re.sub(r"\s+|\\[,;!: ]|^\$|\$$", "", value)
    answers = [re.sub(r"\s+|\\[,;!: ]", "", p) for p in parts]
    return any(key == a or key == a.rsplit("=", 1)[-1] for a in answers)


def hedged_mentions(rest: str) -> list[Statement]:
    """Values offered as alternatives in the two sentences after an answer ("The answer is 5. Maybe 6.",
    "Or perhaps 6."): each is a later, hedged statement about the answer. A value merely mentioned (a
    check, a bound on another quantity) is not one."""
    out = []
    for s in sentences(rest[:1500])[:2]:
        for a, b, v in _values(s):
            if not _is_name(v) and classify(s[:a], s[b:]).modality == "hedged":
                out.append(Statement([v], s[:a], s[b:]))
    return out
