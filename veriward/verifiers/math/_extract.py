"""The parser half: find the final answer in a response (string work only, bounded, never evaluated)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from veriward.verifiers._markers import strip_end_markers
from veriward.verifiers.math._alternatives import is_offered, offered
from veriward.verifiers.math._boxes import MAX_ANSWER_CHARS, TAIL_CHARS, box_before, find_boxes, operand_of
from veriward.verifiers.math._cardinals import spelled
from veriward.verifiers.math._claim import retracted_after
from veriward.verifiers.math._glyphs import value_span
from veriward.verifiers.math._scale import fold
from veriward.verifiers.math._statement import Span, Statement, hedged_mentions
from veriward.verifiers.math._statement import final_statement as _statement
from veriward.verifiers.math._summary import summary_list
from veriward.verifiers.math._units import is_unit

# "final answer" in any form; a bare "answer" only when a value follows ("answer is", "Answer:",
# "Answer $9$"), so that "the answer could be 3. Actually 4." is not read as 3; or a `####` line.
_PHRASE = re.compile(
    r"(?:final\s+answers?\s*(?:is\b|are\b|:|=)?|\banswer\s*(?:is\b|:|=)|\banswer(?=\s*(?:\$|\\\[|\\\()))"
    r"|(?<![^\n])[ \t]*#{4}(?!#)"  # GSM8K's `#### 72` answer line
    r"\s*(?:\*\*)?\s*:?",
    re.I,
)
_HOPE = re.compile(r"I hope it is correct.*$", re.I | re.S)
# Bounded lengths keep the scans linear-ish on adversarial text (thousands of unclosed `\[`).
_MATH = re.compile(
    r"\$\$(.{1,1500}?)\$\$|\\\[(.{1,1500}?)\\\]|\\\(([^\n]{1,800}?)\\\)"
    r"|(?<![\\$])\$((?:[^$\n\\]|\\.){1,800}?)(?<!\\)\$",
    re.S,
)
_MATH_ANY = re.compile(
    r"\$\$.{0,1500}?\$\$|\\\[.{0,1500}?\\\]|\\\(.{0,800}?\\\)|(?<![\\$])\$[^$]{0,800}?(?<!\\)\$", re.S
)
_NUMBER = re.compile(
    r"(?<![\w.])[-−]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+)(?:\s*/\s*\d+)?(?:\s*%)?"
)
_BOLD = re.compile(r"\*\*([^*\n]{1,200})\*\*")
_PROSE_WORD = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{3,}(?![a-zA-Z])")
_CONNECTOR_WORDS = {"and", "or", "pct", "percent", "percentage", "degrees", "text", "mbox", "textbf"}
_BETWEEN_BOXES = re.compile(r"\\text\{[^{}]*\}|\\quad|\\qquad|\\[\[\]()]|\$|[\s,;.:&]|\band\b|\bor\b", re.I)


# Where the answer was found: a box, a final-answer phrase, the whole response, bold text, a final
# statement, or (for a trusted reference only) its last math or number.
Source = Literal["boxed", "phrase", "whole", "bold", "statement", "math", "number"]


class Found(NamedTuple):
    """The answer parts of a sentence and the span `[start, end)` they cover in it."""

    parts: list[str]
    start: int
    end: int


class BoxGroup(NamedTuple):
    """The final group of boxes (`\\boxed{1}, \\boxed{2}`), the earlier answer boxes, and whether an `or`
    joins the group."""

    parts: list[str]
    others: list[str]
    joined_by_or: bool


@dataclass
class Extraction:
    """The final answer found in a text: one string per answer part (several for `\\boxed{1}, \\boxed{2}`)."""

    parts: list[str]
    source: Source
    other_boxes: list[str] = field(default_factory=list)  # boxed answers before the final group
    joined_by_or: bool = False
    empty_box: bool = False  # an empty box sits in the final group (`\boxed{7} or \boxed{}`): a hedge
    before: str = ""  # the text before the value (its answer statement), read by the claim grammar
    after: str = ""  # the text after the value
    later: list[Statement] = field(default_factory=list)  # answer statements after the value
    operand: str = ""  # why the box is an operand of a larger expression (`-\\boxed{42}`), if it is
    offered: list[str] = field(default_factory=list)  # other values offered right after it (`(or 6)`)


def _box_group(text: str, boxes: list[Span]) -> BoxGroup:
    """The last boxes that are joined by short connectors (`\\boxed{1}, \\boxed{2}`) and the others."""
    group = [boxes[-1]]
    joined_by_or = False
    for prev in reversed(boxes[:-1]):
        between = text[prev.end : group[0].start]
        rest = _BETWEEN_BOXES.sub(" ", between)
        if len(between) > 80 or len(rest.split()) > 4 or _restates(between):
            break  # "The answer is not \\boxed{..}": another statement, not one list
        joined_by_or = joined_by_or or bool(re.search(r"\bor\b", between, re.I))
        group.insert(0, prev)
    earlier = boxes[: len(boxes) - len(group)]
    nexts = [b.start for b in boxes[1 : len(earlier) + 1]]
    # An earlier box the text takes back before the next one ("\\boxed{25}. Wait, this isn't right.")
    # is withdrawn, not a second answer: only the final group is ever scored, so this cannot pay.
    others = [b.text for b, nxt in zip(earlier, nexts, strict=True) if not _withdrawn(text[b.end : nxt])]
    return BoxGroup([b.text for b in group], others, joined_by_or)


_WITHDRAWN = re.compile(
    r"\b(?:re-?examin\w*|re-?consider\w*|re-?check\w*|re-?evaluat\w*|re-?visit\w*|correct (?:this|that|it)"
    r"|(?:does|do|did)(?: not|n't) (?:align|fit|match|satisfy|work|make sense|hold)|contradicts?)\b",
    re.I,
)


def _withdrawn(after: str) -> bool:
    """Do the first two sentences after a box take it back?"""
    head = " ".join(re.split(r"(?<=[.!?])\s+", after.strip(" $.\n"), maxsplit=2)[:2])[:600]
    return bool(retracted_after(head) or _WITHDRAWN.search(head))


def _restates(between: str) -> bool:
    """Words between two boxes that start a new answer statement or qualify the second box."""
    from veriward.verifiers.math._claim import classify

    return (
        bool(re.search(r"\b(?:answer|is|are|was|equals)\b", between, re.I))
        or not classify(between, "").asserted
    )


def _math_segments(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), _inside(m)) for m in _MATH.finditer(text)]


def _inside(m: re.Match[str]) -> str:
    return next(g for g in m.groups() if g is not None)


_WHERE_TO_PUT = re.compile(r"\s*(?:within|in|inside|into|using|as|in\s+the\s+form)\b", re.I)
_YES_NO = re.compile(r"^\W*(yes|no|true|false)\b", re.I)
# An empty box after "within"/"in" is the prompt's instruction echoed ("put your answer within \boxed{}").
_ECHO_BEFORE = re.compile(r"\b(?:within|in|inside|into|using|with|as|a|the|an)\s*(?:\$|\\\(|\\\[)?\s*$", re.I)


def from_prose(seg: str) -> list[str] | None:
    """The answer in a sentence such as `The largest $n$ is 34.` or `$12$ and $13$`."""
    found = _prose_span(seg)
    return found.parts if found else None


def _prose_span(seg: str) -> Found | None:
    """The answer parts of a sentence and the span they cover in it."""
    seg = _HOPE.sub("", seg)
    if not seg.strip():
        return None
    yes_no = _YES_NO.match(seg)
    if yes_no:
        return Found([yes_no.group(1)], yes_no.start(1), yes_no.end(1))
    words_as_digits = spelled(seg)  # "**five integers**": 5, at the same offsets
    if words_as_digits is not None:
        found = _span_of(words_as_digits.text)
        return found and found._replace(end=words_as_digits.end_of(found.end))
    return _span_of(seg)


def _as_digits(text: str) -> str:
    """`text` with its number words as digits (`", or six"`: another value offered)."""
    words_as_digits = spelled(text, beside_math=True)
    return words_as_digits.text if words_as_digits is not None else text


def _span_of(seg: str) -> Found | None:
    maths = _math_segments(seg)
    outside = _MATH_ANY.sub(lambda m: " " * len(m.group(0)), seg)  # same offsets as `seg`
    words = [w for w in _PROSE_WORD.findall(outside) if w.lower() not in _CONNECTOR_WORDS]
    if maths and not words:
        return Found([m.text for m in maths], maths[0].start, maths[-1].end)
    bare = outside.strip(" .\"'\n")
    if not maths and not words and bare:
        a = seg.find(bare)
        return Found([bare], a, a + len(bare))
    if maths:
        is_pos = [m.end() for m in re.finditer(r"\b(?:is|are|equals)\b|=", outside)]
        after = [m for m in maths if not is_pos or m.start >= is_pos[-1]]
        if after:
            return Found([m.text for m in after], after[0].start, after[-1].end)
    cut = [m.end() for m in re.finditer(r"\b(?:is|are|be|equals|was)\b|=", seg)]
    base = cut[-1] if cut and not maths else 0
    nums = _numbers(seg, base) if not maths else _numbers(outside, 0)
    brk = _CLAUSE_BREAK.search(seg, nums[0][1]) if nums else None
    if brk:  # `is 0; 1 also works`: the answer is in the stating clause, the rest is another one
        nums = [n for n in nums if n[1] <= brk.start()]
    alt = next(
        (i for i in range(1, len(nums)) if is_offered(seg, *nums[i]) and nums[i - 1] not in nums[i:]), None
    )
    if alt is not None:  # `is 0, otherwise 1`, `0 (1 works too)`: the stated value, then another offered
        nums = nums[:alt]
    if nums:
        group = _number_list(seg, nums) if not maths else [nums[-1]]
        if len(group) == 1 and len(nums) > 1 and _RELATED.fullmatch(seg[nums[-2][1] : nums[-1][0]]):
            group = [(nums[-2][0], nums[-1][1])]  # `2 times 3`, `5 more than 7`: one expression, not 3
        return Found([seg[a:b] for a, b in group], group[0][0], group[-1][1])
    if maths:
        return Found([maths[-1].text], maths[-1].start, maths[-1].end)
    return None


_CLAUSE_BREAK = re.compile(r"\s*(?:;|\s[—–-]\s|\.\s)")
_RELATED = re.compile(
    r"\s+(?:times|plus|minus|to(?:\s+the)?|in|by|of|over|out\s+of|(?:more|less|fewer)\s+than"
    r"|(?:divided|multiplied)\s+by)\s+",
    re.I,
)


def _numbers(text: str, base: int) -> list[tuple[int, int]]:
    """The numbers of prose from `base`, each with its sign and what is glued to it (`–42`, `4π`, `3²`)."""
    out: list[tuple[int, int]] = []
    for m in _NUMBER.finditer(text, base):
        if not out or m.start() >= out[-1][1]:
            out.append(value_span(text, m.start(), m.end(), is_unit))
    return out


def _number_list(seg: str, nums: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The last number with the numbers joined to it by `,`/`and`/`or` (`either 5 or 6`: both)."""
    group = [nums[-1]]
    for prev in reversed(nums[:-1]):
        between = seg[prev[1] : group[0][0]]
        if not re.fullmatch(r"[\s,]*(?:(?:and|or)\b[\s\w]{0,12}?)?\s*", between, re.I):
            break
        group.insert(0, prev)
    return group


_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z<])")


def _first_sentence(line: str) -> str:
    """`$16,386.20$. I apologize ...` -> `$16,386.20$.`: cut at the first sentence end outside math."""
    spans = [(m.start(), m.end()) for m in _MATH_ANY.finditer(line)]
    for m in _SENTENCE_END.finditer(line):
        if not any(a <= m.start() < b for a, b in spans):
            return line[: m.end()]
    return line


def _phrase(text: str, after: int = 0) -> Extraction | None:
    matches = list(_PHRASE.finditer(text, after))
    for m in reversed(matches[-12:]):
        rest = text[m.end() : m.end() + 600]
        if _WHERE_TO_PUT.match(rest):
            continue  # "put your final answer within ...": where an answer goes, not an answer
        first_math = _MATH.search(rest)
        lines = rest.split("\n")
        listed = (
            summary_list(text[text.rfind("\n", 0, m.start()) + 1 :]) if not lines[0].strip(" *:") else None
        )
        if listed is not None:  # "**Final answers:**" then one bullet line per part
            return Extraction(listed.parts, "phrase", before=text[: m.end()], after="")
        first_line = (
            lines[0]
            if lines[0].strip(" *:") or len(lines) < 2
            else next((x for x in lines[1:] if x.strip()), "")
        )
        offset = rest.find(first_line) if first_line else 0
        seg = _first_sentence(first_line)
        if first_math and first_math.start() < 40:
            offset, seg = 0, rest[: max(first_math.end(), offset + len(seg))]
        found = _prose_span(seg)
        if found:
            a, b = m.end() + offset + found.start, m.end() + offset + found.end
            return Extraction(found.parts, "phrase", before=text[:a], after=text[b:])
    return None


def looks_like_answer(text: str) -> bool:
    """A response that is itself just an answer (`\\sqrt{67}`, `7,425,000`, `x \\in [-2,7]`)."""
    s = text.strip()
    if not s or len(s) > 300:
        return False
    if len(s) <= 40 and len(s.split()) <= 2:
        return True
    if _MATH_ANY.fullmatch(s):
        return True
    outside = _MATH_ANY.sub(" ", s)
    outside = re.sub(r"\\[a-zA-Z]+(?:\{[^{}]*\})?", " ", outside)
    return not [w for w in _PROSE_WORD.findall(outside) if w.lower() not in _CONNECTOR_WORDS]


def _answer_boxes(text: str) -> tuple[list[Span], list[Span]]:
    """The boxes that are answers (non-empty first), and all boxes; an echoed instruction's box is neither."""
    from veriward.verifiers.math._claim import classify

    kept = []
    for b in find_boxes(text):
        head = text[max(0, b.start - 120) : b.start]
        if not b.text.strip() and _ECHO_BEFORE.search(head):
            continue  # "put your final answer within \\boxed{}"
        if b.text.strip() and classify(head, "").modality == "instruction":
            continue
        kept.append(b)
    return [b for b in kept if b.text.strip()] or kept, kept


_SENTENCE_OR_LINE = re.compile(r"[.!?](?=\s)|\n")
_HYPOTHETICAL = re.compile(r"\s*(?:for\s+(?:example|instance)|e\.g\.|if|suppose|assuming|note)\b", re.I)


def extract(text: str) -> Extraction | None:
    """The final answer, with any answer statements after it (which may qualify or contradict it)."""
    found = _extract(text)
    if found is not None and found.source in ("boxed", "phrase", "bold") and found.after.strip():
        end = _SENTENCE_OR_LINE.search(found.after)  # the statement's own sentence is not a later one
        rest = re.sub(
            r"I hope it is correct\.?", "", found.after[end.end() : end.end() + 2000] if end else ""
        )
        rest = _as_digits(rest)  # "Or maybe six.": another value, in words
        found.offered = offered(_as_digits(found.after[: end.start()] if end else found.after), rest)
        if _HYPOTHETICAL.match(rest):
            return fold(found)
        later = _statement(rest, displays=False)
        if later is not None:
            found.later.append(later)
        else:
            found.later += hedged_mentions(rest)
        for m in list(_BOLD.finditer(rest))[-3:]:
            span = _prose_span(m.group(1))
            if span:
                found.later.append(Statement(span.parts, rest[: m.start()], rest[m.end() :]))
    return fold(found) if found is not None else None


def _extract(text: str) -> Extraction | None:
    """Find the final answer: the last boxed group, a final-answer phrase, the whole text, bold, last math."""
    text = strip_end_markers(text)
    full, text = text, text[-TAIL_CHARS:]
    boxes, all_boxes = _answer_boxes(text)
    if not boxes and len(full) > TAIL_CHARS:
        early = box_before(full, len(full) - TAIL_CHARS)
        if early is not None:  # the last box lies before the searched tail (or runs into it)
            found = _phrase(text)
            if found and len(early) <= MAX_ANSWER_CHARS:
                found.other_boxes = [early]
                return found
            return Extraction([early], "boxed", after=text)
    if boxes:
        parts, others, joined_or = _box_group(text, boxes)
        later = _phrase(text, boxes[-1].end)
        if later:
            later.other_boxes = others + parts
            return later
        empty = any(not p.strip() for p in _box_group(text, all_boxes).parts)
        first = boxes[-len(parts)] if len(parts) <= len(boxes) else boxes[0]
        before, after = text[max(0, first.start - 600) : first.start], text[boxes[-1].end :]
        return Extraction(
            parts, "boxed", others, joined_or, empty_box=empty, before=before, after=after,
            operand=operand_of(before, after),
        )  # fmt: skip
    found = _phrase(text)
    if found:
        return found
    if looks_like_answer(text):
        return Extraction([text.strip()], "whole")
    bold = list(_BOLD.finditer(text))
    if bold and len(text) - bold[-1].end() < 200:
        bold_found = _prose_span(bold[-1].group(1))
        if bold_found:  # the words inside the bold around the value are part of its statement ("**not 5**")
            a, b = bold[-1].start(1) + bold_found.start, bold[-1].start(1) + bold_found.end
            return Extraction(bold_found.parts, "bold", before=text[:a], after=text[b:])
    return final_statement(text)


def last_value(text: str) -> Extraction | None:
    """The last math or number in a text: for a trusted reference only, never for a response."""
    text = _HOPE.sub("", text)
    maths = _math_segments(text)
    outside_spans = [(m.start(), m.end()) for m in _MATH_ANY.finditer(text)]
    nums = [m for m in _NUMBER.finditer(text) if not any(a <= m.start() < b for a, b in outside_spans)]
    last_math = maths[-1] if maths else None
    last_num = nums[-1] if nums else None
    if last_num is not None and (last_math is None or last_num.start() > last_math.start):
        return Extraction([last_num.group(0)], "number")
    if last_math is not None:
        return Extraction([last_math.text], "math")
    return None


def final_statement(text: str) -> Extraction | None:
    """A final list of results under a lead-in (see `_summary`), else a final sentence that states a value
    (see `_statement`)."""
    text = _HOPE.sub("", text)
    found = summary_list(text) or _statement(text)
    if found is None:
        return None
    return Extraction(found.parts, "statement", before=found.before, after=found.after)
