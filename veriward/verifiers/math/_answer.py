"""An extracted answer, cleaned and parsed once: what the grader and the hedge checks look at."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from veriward.verifiers.math._claim import ASSERTED, Claim, classify
from veriward.verifiers.math._extract import (
    MAX_ANSWER_CHARS,
    Extraction,
    Source,
    extract,
    last_value,
    looks_like_answer,
)
from veriward.verifiers.math._normalize import Cleaned, choice_letter, clean, negates_value, normalize_text
from veriward.verifiers.math._structure import Unparsable, Value, parse_answer
from veriward.verifiers.math._units import Unit, parse_unit

# Texts that look alike yet must not compare equal by spelling alone (NaN, zoo, 1/0, undefined).
_SUSPICIOUS = re.compile(r"nan|zoo|undefined|\\frac\s*\{[^{}]*\}\s*\{\s*0\s*\}|/\s*0(?![\d.])", re.I)


@dataclass
class Answer:
    """One side of a comparison."""

    parts: list[Cleaned]
    source: Source
    value: Value | None = None
    error: str = ""
    other_boxes: list[str] = field(default_factory=list)
    joined_by_or: bool = False
    empty_box: bool = False  # an empty box beside the final one
    retracted: bool = False  # the answer denies its own value (`\\text{not } 3`)
    claim: Claim = ASSERTED  # what the answer statement says about the value (`_claim`)
    outer: Claim = ASSERTED  # what the words around the answer say, ignoring the words inside it
    later: list[str] = field(default_factory=list)  # values asserted by answer statements after it
    operand: str = ""  # the box is part of a larger expression written around it (why)
    affirmed: str = ""  # what a prose "Yes, ..." goes on to say in its sentence ("Yes, it is true that P")

    @property
    def capped(self) -> bool:
        """The answer was refused for its size or nesting, not for its syntax."""
        return any(w in self.error for w in ("too long", "too deeply", "too many", "too large"))

    @property
    def shown(self) -> str:
        """A short form for `details` (never a sympy str(): that can hang)."""
        return ", ".join(p.text for p in self.parts)[:200]

    @property
    def text_key(self) -> str:
        return normalize_text(" , ".join(p.text for p in self.parts))

    @property
    def is_text(self) -> bool:
        return len(self.parts) == 1 and self.parts[0].is_text

    @property
    def unit(self) -> Unit | None:
        """The unit of a one-part answer (`5 \\text{ m}`), if it names one."""
        return parse_unit(self.parts[0].unit) if len(self.parts) == 1 and self.parts[0].unit else None

    @property
    def unit_text(self) -> str:
        return self.parts[0].unit if len(self.parts) == 1 and self.parts[0].unit else "no unit"

    @property
    def percent(self) -> bool:
        return any(p.percent for p in self.parts)

    @property
    def degree(self) -> bool:
        return any(p.degree for p in self.parts)

    @property
    def has_or(self) -> bool:
        return self.joined_by_or or any(p.has_or for p in self.parts)

    @property
    def choice(self) -> str | None:
        return choice_letter(self.parts[0].text) if len(self.parts) == 1 else None

    @property
    def suspicious(self) -> bool:
        return any(_SUSPICIOUS.search(p.text) for p in self.parts)

    def is_multi(self) -> bool:
        """Several values (a list or set of more than one element)."""
        v = self.value
        return v is not None and v.kind in ("list", "set") and len(v.items) > 1


def build(extraction: Extraction) -> Answer:
    """Clean and parse the parts of an extraction."""
    parts = [clean(p[:MAX_ANSWER_CHARS]) for p in extraction.parts]
    parts = [p for p in parts if p.text] or parts
    unique: dict[str, Cleaned] = {}
    for p in parts:  # the same answer boxed twice is one answer
        unique.setdefault(normalize_text(p.text), p)
    parts = list(unique.values())
    for p in parts:  # prose words (`the derivative`) are text, not a product of one-letter variables
        if _WORDS.fullmatch(p.text) and re.search(r"[A-Za-z]{4,}", p.text):
            p.is_text = True
    ans = Answer(
        parts,
        extraction.source,
        other_boxes=extraction.other_boxes,
        joined_by_or=extraction.joined_by_or,
        empty_box=extraction.empty_box,
        retracted=any(negates_value(p[:MAX_ANSWER_CHARS]) for p in extraction.parts),
        claim=_claim_of(extraction),
        outer=classify(extraction.before, extraction.after) if extraction.source != "whole" else ASSERTED,
        operand=extraction.operand,
        affirmed=_affirmed(extraction),
    )
    for st in extraction.later:  # a later statement that qualifies the value, or states another one
        claim = classify(st.before, st.after)
        if claim.non_strict_bound and _same_parts(st.parts, extraction.parts):
            continue  # "The answer is 9. So it divides up to 9 times.": the answer itself, consistently
        if not claim.asserted and ans.claim.asserted and claim.modality not in ("instruction", "conditional"):
            ans.claim = Claim(claim.modality, claim.relation, f"a later statement: {claim.why}")
        elif claim.asserted:
            ans.later.append(", ".join(st.parts))
    ans.later += extraction.offered  # offered beside the answer: compared by value like a later statement
    longest = max((len(p) for p in extraction.parts), default=0)
    if longest > MAX_ANSWER_CHARS:
        ans.error = f"answer too long ({longest} characters; the cap is {MAX_ANSWER_CHARS})"
        return ans
    if ans.is_text:
        return ans
    try:
        values = [parse_answer(p.text) for p in parts]
    except Unparsable as exc:
        ans.error = str(exc)
        return ans
    except RecursionError:
        ans.error = "answer nested too deeply"
        return ans
    if len(values) == 1:
        ans.value = values[0]
    else:
        items: list[Value] = []
        for v in values:
            items.extend(v.items if v.kind == "list" else [v])
        ans.value = Value("list", items=items, text=ans.shown)
    v = ans.value
    if ans.has_or and v.kind == "list" and all(_is_inequality(x) for x in v.items):
        ans.value = Value("union", items=v.items, text=v.text)  # `x < 2 or x > 3`: one set
    return ans


# Prose words (or a bare relation sign) before the value inside an answer: `\\text{at least } 5`, `\\ge 5`.
_PART_PREFIX = re.compile(
    r"^(?:\s++|\\text\{[^{}]*+\}|\\(?:neq?|geq?|leq?|gt|lt|not)(?![a-zA-Z])|[A-Za-z']{2,}+(?=[\s,~])|[<>≤≥≠,]|\*\*)++"
)  # possessive: no backtracking on long runs of words
_PART_SUFFIX = re.compile(r"(?:\s++|\\text\{[^{}]*+\}|[A-Za-z']{2,}+|[,.])++$")
_PART_CONTEXT = 300


def _claim_of(extraction: Extraction) -> Claim:
    """The claim of the answer statement, then of the words inside each answer part."""
    if extraction.source != "whole":
        claim = classify(extraction.before, extraction.after)
        if not claim.asserted:
            return claim
    for part in extraction.parts:
        part = part[:MAX_ANSWER_CHARS]
        head = _PART_PREFIX.match(part[:_PART_CONTEXT])
        tail = _PART_SUFFIX.search(part[-_PART_CONTEXT:])
        offset = max(0, len(part) - _PART_CONTEXT)
        tail_start = tail.start() + offset if tail else 0
        if (head and head.end() < len(part)) or (tail and tail_start > 0):
            unwrap = re.compile(r"\\text\{([^{}]*)\}")
            before = unwrap.sub(r" \1 ", head.group(0)) if head and head.end() < len(part) else ""
            after = unwrap.sub(r" \1 ", tail.group(0)) if tail and tail_start > 0 else ""
            claim = classify(before, after)
            if not claim.asserted and claim.modality != "instruction":
                return claim
    return ASSERTED


_YES = re.compile(r"^\W*(?:yes|true)\W*$", re.I)
_AFFIRMING = re.compile(r"^[\s,:;]*(?:(?:it\s+is|it's)\s+(?:true|the\s+case)\s+that\s+|indeed,?\s+)?", re.I)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n")


def _affirmed(extraction: Extraction) -> str:
    """The statement after a prose yes in its own sentence, its affirming words dropped."""
    if extraction.source not in ("phrase", "bold") or len(extraction.parts) != 1:
        return ""
    if not _YES.match(extraction.parts[0]):
        return ""
    after = extraction.after.replace("**", "")
    end = _SENTENCE_END.search(after)
    return _AFFIRMING.sub("", after[: end.start() if end else 400], count=1).strip()


def _same_parts(a: list[str], b: list[str]) -> bool:
    return [normalize_text(x) for x in a] == [normalize_text(x) for x in b]


def _is_inequality(v: Value) -> bool:
    return v.kind == "rel" and all(op in ("<", ">", "<=", ">=", "!=") for op in v.ops)


_WORDS = re.compile(r"[A-Za-z]+(?:['\s-]+[A-Za-z]+)*")
_TEXT_BLOCK = re.compile(r"\\(?:text|mbox|mathrm)\s*\{[^{}]*\}")


# A gold typed with a slash for the backslash (`/text{yes}`, as one Omni-MATH gold ships): a command that
# takes a braced argument is never divided by; in a reference only (a trusted input), never in a response.
_SLASHED = re.compile(r"(?<![\w\\/)}])/(text|textbf|mathrm|mbox|frac|dfrac|tfrac|sqrt|boxed)\s*\{")


@lru_cache(maxsize=1024)
def reference_answer(reference: str) -> Answer:
    """The reference's answer (it may be a bare answer or a whole worked solution); cached."""
    reference = _SLASHED.sub(r"\\\1{", reference)
    bare = reference.strip()
    plain = len(bare) <= 300 and not re.search(r"\\boxed|\\fbox|\$|\\[\[(]|\n", bare)
    if plain and _TEXT_BLOCK.search(bare) and looks_like_answer(_TEXT_BLOCK.sub(" ", bare)):
        return build(Extraction([bare], "whole"))  # `8\sqrt{3} \text{ square inches}`: all of it
    found = extract(reference)
    if found is None or found.source == "statement":  # a trusted reference may end in its value
        found = last_value(reference) or found
    if found is None:  # a bare reference such as `odd` is its own answer
        found = Extraction([reference.strip()[:MAX_ANSWER_CHARS]], "whole")
    return build(found)


def regroup(gold: Answer, pred: Answer) -> Answer:
    """Separate boxes for a reference of several parts (`max is \\boxed{3}, min is \\boxed{1}`) are one list;
    a list whose items are all one value (`\\boxed{a}` or equivalently `\\boxed{b}`) is that value."""
    n = len(gold.value.items) if gold.value is not None and gold.is_multi() else 1
    boxes = [b for b in pred.other_boxes if b.strip()]
    if n > 1 and pred.source == "boxed" and len(pred.parts) < n and len(boxes) >= n - len(pred.parts):
        parts = boxes[len(boxes) - (n - len(pred.parts)) :] + [p.text for p in pred.parts]
        found = build(Extraction(parts, "boxed"))
        found.claim = pred.claim
        return found
    return pred


def prediction_answer(response: str) -> Answer | None:
    found = extract(response)
    return build(found) if found is not None else None
