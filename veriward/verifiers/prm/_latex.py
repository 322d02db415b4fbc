"""LaTeX math to plain infix, and relation chains out of it.

Anything this module does not understand becomes `#`, which the expression parser rejects, so that a chain
member containing it is unread rather than misread. The rewrite is one pass over the text with a
precomputed brace table, and nesting deeper than `MAX_DEPTH` is not followed (`#`), so deeply nested
`\\frac`/`\\sqrt` cost linear time and never exhaust the stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DEPTH = 24  # nested command arguments followed; deeper is unread
MAX_MEMBERS = 48  # members of one relation chain; a longer chain is cut, and its step cannot be verified
LINK = "\x01"  # between statements, the second following from the first ("so", "=>", a line break)
BREAK = "\x02"  # between separate statements (",", ";", "\\quad", "and")
RELATIONS = ("<=", ">=", "!=", "=", "≈", "<", ">")
REL_SPLIT = re.compile(r"(<=|>=|!=|=|≈|<|>)")


@dataclass
class Chain:
    """`members[0] rels[0] members[1] ...` as written at `pos` in the step text."""

    text: str
    members: list[str]
    rels: list[str]
    pos: int
    end: int
    math: bool  # from a LaTeX segment (else from plain prose)
    linked: bool  # follows the previous chain of its segment through "so", "=>" or a line break
    cut: bool = False  # longer than MAX_MEMBERS: the rest was not read
    open_left: bool = False  # the words before it continue its first member ("10% of $1.50 = ...")
    imaginary: bool = False  # `i` is the imaginary unit here


_THOUSANDS = re.compile(r"(?<![\d.])(\d{1,3})((?:(?:\{,\}|,|\\,)\d{3})+)(?![\d])")
_IMPLIES = re.compile(
    r"^\s*(?:so|thus|hence|then|therefore|which gives|giving|gives|we get|so that)\s*[,:]?\s*$", re.I
)
_BREAKS = re.compile(
    r"^\s*(?:and|or|since|because|where|but|i\.e\.|or equivalently|for|if|when|with|remainder|rem|r|"
    r"with remainder|and remainder)\s*[,:]?\s*$",
    re.I,
)
_UNIT = re.compile(r"^\s*([A-Za-z]+)(?:\s*/\s*[A-Za-z]+)?\s*$")
_NOT_UNITS = {"of", "per", "times", "is", "are", "the", "a", "and", "or", "if", "so", "then", "to", "in"}
_SIMPLE = {
    r"\times": "*",
    r"\cdot": "*",
    r"\ast": "*",
    r"\div": "/",
    r"\%": "%",
    r"\approx": "≈",
    r"\simeq": "≈",
    r"\sim": "≈",
    r"\doteq": "≈",
    r"\neq": "!=",
    r"\ne": "!=",
    r"\leq": "<=",
    r"\le": "<=",
    r"\leqslant": "<=",
    r"\geq": ">=",
    r"\ge": ">=",
    r"\geqslant": ">=",
    r"\lt": "<",
    r"\gt": ">",
    r"\pi": " pi ",
    r"\$": "",
    r"\degree": "",
    r"\left": "",
    r"\right": "",
    r"\displaystyle": "",
    r"\,": " ",
    r"\;": " ",
    r"\:": " ",
    r"\!": "",
    r"\ ": " ",
    r"\quad": BREAK,
    r"\qquad": BREAK,
    "\\\\": LINK,
    r"\implies": LINK,
    r"\Rightarrow": LINK,
    r"\Longrightarrow": LINK,
    r"\rightarrow": LINK,
    r"\to": LINK,
    r"\therefore": LINK,
    r"\iff": LINK,
    r"\big": "",
    r"\Big": "",
    r"\bigg": "",
    r"\Bigg": "",
    r"\boxed": "",
    r"\lfloor": " floor( ",
    r"\rfloor": " ) ",
    r"\lceil": " ceil( ",
    r"\rceil": " ) ",
}
_TEXT_CMDS = {r"\text", r"\textbf", r"\textit", r"\mbox", r"\textrm", r"\mathrm", r"\mathbf", r"\textnormal"}
_FRACS = {r"\frac", r"\dfrac", r"\tfrac", r"\cfrac"}
_GREEK = re.compile(r"\\(alpha|beta|gamma|theta|lambda|mu|sigma|phi|omega|delta|epsilon|rho|tau)")
_CMD = re.compile(r"\\[A-Za-z]+|\\.")


def _braces(s: str) -> dict[int, int]:
    """For each `{`, the index of its matching `}` (unmatched ones are absent). One pass."""
    match: dict[int, int] = {}
    stack: list[int] = []
    for i, ch in enumerate(s):
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            match[stack.pop()] = i
    return match


def _text_group(body: str) -> str:
    if _IMPLIES.match(body):
        return LINK
    if _BREAKS.match(body) or body.strip() in (",", ";", ":", "."):
        return BREAK
    m = _UNIT.match(body)
    if m and m.group(1).lower() not in _NOT_UNITS:
        return f" @{m.group(1).lower()} "
    return f" {label(body)} "


def label(words: str) -> str:
    """A quantity named in words (`\\text{Total fruits}`, "Adam's age"), as one unreadable token that keeps
    its identity: `#total_fruits#`."""
    slug = "_".join(re.findall(r"[a-z0-9]+", words.lower()))[:60]
    return f"#{slug}#" if slug else " # "


LABEL = re.compile(r"#\w+#")


class _Rewriter:
    """LaTeX commands with arguments (`\\frac`, `\\sqrt`, `\\text`, ...) to plain infix."""

    def __init__(self, s: str) -> None:
        self.s = s
        self.match = _braces(s)

    def group(self, i: int, hi: int) -> tuple[int, int, int] | None:
        """The argument starting at s[i] (a brace group or one character): (start, end, next index)."""
        while i < hi and self.s[i] == " ":
            i += 1
        if i >= hi:
            return None
        if self.s[i] != "{":
            return i, i + 1, i + 1
        j = self.match.get(i)
        if j is None or j >= hi:
            return None
        return i + 1, j, j + 1

    def run(self, lo: int, hi: int, depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            return " # "
        s, out, i = self.s, [], lo
        last = ""  # the last non-space character written
        while i < hi:
            m = _CMD.match(s, i, hi) if s[i] == "\\" else None
            if not m:
                out.append(s[i])
                last = s[i] if not s[i].isspace() else last
                i += 1
                continue
            piece, i = self.command(m.group(0), m.end(), hi, depth, last)
            if piece is None:
                return " # "
            out.append(piece)
            last = piece.rstrip()[-1:] or last
        return "".join(out)

    def command(self, cmd: str, i: int, hi: int, depth: int, last: str) -> tuple[str | None, int]:
        if cmd in _FRACS or cmd in (r"\binom", r"\dbinom", r"\tbinom"):
            a = self.group(i, hi)
            b = self.group(a[2], hi) if a else None
            if not (a and b):
                return None, i
            num, den = self.run(a[0], a[1], depth + 1), self.run(b[0], b[1], depth + 1)
            if cmd in _FRACS and last.isdigit() and num.strip().isdigit() and den.strip().isdigit():
                return " # ", b[2]  # 2\frac{1}{2}: a mixed number or a product? ambiguous, so unread
            if "binom" in cmd:
                return f" binom({num})({den}) ", b[2]
            return f"(({num})/({den}))", b[2]
        if cmd == r"\sqrt":
            a = self.group(i, hi) if not (i < hi and self.s[i] == "[") else None
            if not a:
                return None, i
            return f" sqrt({self.run(a[0], a[1], depth + 1)}) ", a[2]
        if cmd in _TEXT_CMDS or cmd == r"\operatorname":
            a = self.group(i, hi)
            if not a:
                return None, i
            return (_text_group(self.s[a[0] : a[1]]) if cmd != r"\operatorname" else " # "), a[2]
        if cmd in _SIMPLE:
            return _SIMPLE[cmd], i
        g = _GREEK.fullmatch(cmd)
        return (f" {g.group(1)} " if g else " # "), i


def normalize(latex: str) -> str:
    """LaTeX math to plain infix with LINK/BREAK between statements and `#` for the unknown."""
    s = _THOUSANDS.sub(lambda m: m.group(1) + re.sub(r"\{,\}|,|\\,", "", m.group(2)), latex)
    s = re.sub(r"\^\s*\{?\s*\\circ\s*\}?", "", s)
    s = re.sub(r"\\(?:begin|end)\{[^{}]{0,30}\}", LINK, s)
    s = s.replace("&", " ").replace("~", " ").replace("|", " # ").replace("!=", "! =")  # `1!=1` is 1! = 1
    s = _Rewriter(s).run(0, len(s))
    # [x] is often the integer part in olympiad texts, so brackets are not read as parentheses.
    s = s.replace("{", "(").replace("}", ")").replace("[", " # ").replace("]", " # ")
    return re.sub(r"(?<=[\d)])\s*\.\s*$", "", s)  # a sentence's full stop


def _pieces(s: str) -> list[tuple[str, bool]]:
    """Separate statements, each with whether it follows the previous one as a consequence (LINK) rather
    than after a break (BREAK, a comma, a semicolon). A separator splits only after a complete claim (the
    words in "the sum of 3 and 4 = 7" do not make "4 = 7" a claim), and a line that starts with a
    relation continues the chain above it (align environments)."""
    out: list[tuple[str, bool]] = []
    cur: list[str] = []
    blank, has_rel, linked, link_next = True, False, False, False
    for bit in re.split(f"([{LINK}{BREAK},;])", s):
        if bit in (LINK, BREAK, ",", ";"):
            if has_rel:
                out.append(("".join(cur), linked))
                cur, blank, has_rel, linked = [], True, False, False
                link_next = bit == LINK
            elif not blank:  # words before it ("the sum of 3, 4 = 7"): what follows is no claim of its own
                cur.append(" # ")
        elif blank and bit.strip()[:1] in ("=", "<", ">", "≈", "!") and out:
            prev, prev_linked = out.pop()
            cur, blank, has_rel, linked = [prev, " ", bit], False, True, prev_linked
        elif bit:
            if blank and bit.strip():
                linked, blank = link_next, False
            cur.append(bit)
            has_rel = has_rel or bool(REL_SPLIT.search(bit))
    out.append(("".join(cur), linked))
    return [(p, link) for p, link in out if REL_SPLIT.search(p)]


def chains_in(plain: str, pos: int, end: int, math: bool) -> list[Chain]:
    chains = []
    for piece, linked in _pieces(plain):
        parts = REL_SPLIT.split(piece)
        members = [p.strip() for p in parts[0::2]]
        rels = parts[1::2]
        cut = len(members) > MAX_MEMBERS
        if cut:
            members, rels = members[:MAX_MEMBERS], rels[: MAX_MEMBERS - 1]
        if len(members) >= 2:
            chains.append(Chain(piece.strip(), members, rels, pos, end, math, linked, cut))
    return chains
