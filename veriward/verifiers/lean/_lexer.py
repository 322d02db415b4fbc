"""A Lean 4 lexer written from Lean's own rules (`Lean.Parser.Basic`: `whitespace`, `finishCommentBlock`,
`tokenFnAux`, `identFnAux`, `strLitFnAux`, `charLitFnAux`, `rawStrLitFnAux`, `numberFnAux`;
`Lean.Parser.StrInterpolation`; identifier characters from `Init.Meta.Defs`).

At a token start Lean tries, in order: a string, a char literal (`'` not followed by `'`), a number, a name
literal, a raw string, then the longest fixed token of its table against an identifier (the token wins when
it is at least as long). Comments are only looked for between tokens, after the longest match, so `<--1` is
`<-`, `-`, `1`. The token table depends on what is imported, so where it could decide what is a comment or a
char literal the lexer refuses instead of guessing: a comment opener glued to a symbol, or a char literal
glued to a symbol other than a bracket or a comma.

A string literal after a known interpolating token (`s!`, `m!`, `throwError`, ...) is an interpolated
string whose `{…}` parts are code. Any other string whose text holds `{` is read both ways: if the
interpolated reading ends at the same quote its code parts are lexed too; if it does not, the string is
refused, because an imported syntax taking an interpolated string there would make Lean read code the gate
skipped. Every pass is linear in the text (nesting is bounded).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import NamedTuple

from veriward.verifiers.lean._tokens import (
    ID_FIRST_RE,
    ID_REST_RUN_RE,
    INTERPOLATORS,
    OPENERS,
    WHITESPACE,
    longest_token,
)

_COMMENT_MARK_RE = re.compile(r"/-|-/")
_BLANKS_RE = re.compile(r"[ \t\r\n]+")
_HEX = frozenset("0123456789abcdefABCDEF")
_QUOTABLE = frozenset("\\\"'rnt")
_MAX_NEST = 24
_DUAL_WINDOW = 4096  # how far past a plain string its interpolated reading may go before it is refused


class Kind(StrEnum):
    IDENT = "ident"
    SYMBOL = "symbol"
    NUMBER = "number"
    STRING = "string"
    CHAR = "char"
    NAME = "name"  # a name literal `` `foo.bar ``


class Token(NamedTuple):
    kind: Kind
    text: str  # as written
    start: int  # character offset in the source
    end: int
    name: str  # identifiers and name literals: the components joined, «» stripped; else the text
    parts: tuple[str, ...] = ()  # identifier / name literal components, «» stripped
    known: bool = True  # a symbol from the token table (else one character Lean may read differently)
    in_string: bool = False  # from the `{}` of a string that might be an interpolation


def make_token(kind: Kind, text: str, start: int, parts: tuple[str, ...] = (), known: bool = True) -> Token:
    return Token(kind, text, start, start + len(text), ".".join(parts) if parts else text, parts, known)


class LexError(ValueError):
    """The text is not lexically Lean, or it is lexed differently depending on Lean's token table."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class Unterminated(LexError):
    """A comment, string, escape or name runs to the end of the text (or of a bounded reading)."""


class Ambiguous(LexError):
    """Valid Lean may read this either way: the gate refuses rather than guess."""


_ID_FIRST_CACHE: dict[str, bool] = {}


def is_id_first(c: str) -> bool:
    hit = _ID_FIRST_CACHE.get(c)
    if hit is None:
        hit = ID_FIRST_RE.fullmatch(c) is not None
        if len(_ID_FIRST_CACHE) < 65_536:  # bounded: a text may hold many distinct characters
            _ID_FIRST_CACHE[c] = hit
    return hit


def _digit(c: str) -> bool:
    return "0" <= c <= "9"


class _Lexer:
    def __init__(self, src: str, limit: int, out: list[Token], nest: int, budget: list[int]) -> None:
        self.src, self.n, self.out, self.nest = src, limit, out, nest
        self.budget = budget  # characters left for reading plain strings both ways (shared)

    # -- between tokens --------------------------------------------------------------------------

    def skip_ws(self, pos: int) -> int:
        """Lean's `whitespace`: blanks, `--` line comments, nested `/- -/` (also `/--` and `/-!` docs)."""
        src, n = self.src, self.n
        while pos < n:
            c = src[pos]
            if c in WHITESPACE:
                pos = _BLANKS_RE.match(src, pos, n).end()  # type: ignore[union-attr]
            elif c == "-" and pos + 1 < n and src[pos + 1] == "-":
                nl = src.find("\n", pos, n)
                pos = n if nl < 0 else nl
            elif c == "/" and pos + 1 < n and src[pos + 1] == "-":
                doc = pos + 2 < n and src[pos + 2] in "-!"
                pos = self.block_end(pos + (3 if doc else 2), pos)
            else:
                break
        return pos

    def block_end(self, i: int, opened: int) -> int:
        """`finishCommentBlock 1` from `i`: the offset just past the matching `-/` (comments nest)."""
        depth = 1
        for m in _COMMENT_MARK_RE.finditer(self.src, i, self.n):
            depth += 1 if m.group() == "/-" else -1
            if depth == 0:
                return m.end()
        raise Unterminated("unterminated comment", opened)

    # -- code ------------------------------------------------------------------------------------

    def code(self, pos: int, interp: bool) -> int:
        """Lex code from `pos`; inside `{}` of an interpolation stop at the unmatched `}` (its offset)."""
        depth, prev = 0, None
        while True:
            pos = self.skip_ws(pos)
            if pos >= self.n:
                if interp:
                    raise Unterminated("unterminated string interpolation", pos)
                return pos
            if interp and depth == 0 and self.src[pos] == "}":
                return pos
            tok = self.token(pos, prev)
            self.out.append(tok)
            if tok.kind is Kind.SYMBOL:
                depth += tok.text.count("{") - tok.text.count("}")
                if depth < 0 and interp:  # at the top level an unmatched `}` is just Lean's parse error
                    raise Ambiguous(f"the token `{tok.text}` closes more braces than are open", pos)
                self.check_glue(tok)
            pos, prev = tok.end, tok

    def check_glue(self, tok: Token) -> None:
        """A comment opener right after a symbol: a longer token in Lean's table would swallow it."""
        if self.src.startswith(("--", "/-"), tok.end) and tok.end + 1 < self.n:
            raise Ambiguous(
                f"a comment opener glued to the symbol `{tok.text}` (whether it starts a comment depends "
                "on Lean's token table; put a space before it)",
                tok.end,
            )

    def token(self, pos: int, prev: Token | None) -> Token:
        src, n = self.src, self.n
        c = src[pos]
        glued = prev is not None and prev.kind is Kind.SYMBOL and prev.end == pos
        if c == '"':
            return self.string(pos, prev, glued)
        if c == "'" and not (pos + 1 < n and src[pos + 1] == "'"):
            if glued and prev.text not in OPENERS:  # type: ignore[union-attr]
                raise Ambiguous(f"a char literal glued to the symbol `{prev.text}`", pos)  # type: ignore[union-attr]
            return make_token(Kind.CHAR, src[pos : self.char_end(pos)], pos)
        if _digit(c):
            return make_token(Kind.NUMBER, src[pos : self.number_end(pos)], pos)
        if c == "`" and pos + 1 < n and (src[pos + 1] == "«" or is_id_first(src[pos + 1])):
            end, parts = self.ident(pos + 1)
            return make_token(Kind.NAME, src[pos:end], pos, parts)
        if c == "r":
            raw = self.raw_end(pos)
            if raw is not None:
                return make_token(Kind.STRING, src[pos:raw], pos)
        tk = longest_token(src, pos, n)
        if c == "#" and pos + 1 < n and is_id_first(src[pos + 1]):
            # `#word` whole (a command the gate judges), unless a table token (`#m[`) is as long.
            end = ID_REST_RUN_RE.match(src, pos + 1, n).end()  # type: ignore[union-attr]
            text = tk if tk is not None and len(tk) >= end - pos else src[pos:end]
            return make_token(Kind.SYMBOL, text, pos)
        if c == "«" or is_id_first(c):
            end, parts = self.ident(pos)
            if tk is not None and len(tk) >= end - pos:
                return make_token(Kind.SYMBOL, tk, pos)
            return make_token(Kind.IDENT, src[pos:end], pos, parts)
        if tk is not None:
            return make_token(Kind.SYMBOL, tk, pos)
        return make_token(Kind.SYMBOL, c, pos, known=False)

    # -- lexemes ---------------------------------------------------------------------------------

    def ident(self, pos: int) -> tuple[int, tuple[str, ...]]:
        """`identFnAux`: components (plain or «escaped») joined by `.`; returns (end, components)."""
        src, n = self.src, self.n
        parts: list[str] = []
        i = pos
        while True:
            if src[i] == "«":
                close = src.find("»", i + 1, n)
                if close < 0:
                    raise Unterminated("unterminated identifier escape «", i)
                parts.append(src[i + 1 : close])
                i = close + 1
            else:
                j = ID_REST_RUN_RE.match(src, i + 1, n).end()  # type: ignore[union-attr]
                parts.append(src[i:j])
                i = j
            if i + 1 < n and src[i] == "." and (src[i + 1] == "«" or is_id_first(src[i + 1])):
                i += 1
                continue
            return i, tuple(parts)

    def escape(self, i: int, interp: bool, gaps: bool) -> int:
        """`quotedCharCoreFn` at `i` (just past a backslash): the offset after the escape."""
        src, n = self.src, self.n
        if i >= n:
            raise Unterminated("unterminated escape", i)
        c = src[i]
        if c in _QUOTABLE or (interp and c == "{"):
            return i + 1
        if c in "xu":
            k = 2 if c == "x" else 4
            digits = src[i + 1 : i + 1 + k]
            if len(digits) < k or i + 1 + k > n or any(d not in _HEX for d in digits):
                raise LexError(f"invalid \\{c} escape", i)
            return i + 1 + k
        if gaps and c == "\n":
            return self.string_gap(i)
        raise LexError("invalid escape sequence", i)

    def string_gap(self, i: int) -> int:
        """`stringGapFn`: whitespace holding exactly one newline after a backslash."""
        src, n, seen = self.src, self.n, False
        while i < n:
            c = src[i]
            if c == "\n":
                if seen:
                    raise LexError("unexpected additional newline in string gap", i)
                seen = True
            elif c not in WHITESPACE:
                break
            i += 1
        return i

    def char_end(self, pos: int) -> int:
        src, n = self.src, self.n
        i = pos + 1
        if i >= n:
            raise Unterminated("unterminated char literal", pos)
        i = self.escape(i + 1, interp=False, gaps=False) if src[i] == "\\" else i + 1
        if i < n and src[i] == "'":
            return i + 1
        if i >= n:
            raise Unterminated("unterminated char literal", pos)
        raise LexError("missing end of character literal", pos)

    def number_end(self, pos: int) -> int:
        src, n = self.src, self.n
        if src[pos] == "0" and pos + 1 < n and src[pos + 1] in "bBoOxX":
            base = src[pos + 1].lower()
            ok = {"b": "01", "o": "01234567", "x": "0123456789abcdefABCDEF"}[base]
            return self.digits(pos + 2, ok.__contains__, need=True)
        i = self.digits(pos + 1, _digit, need=False)
        if i < n and src[i] == ".":
            i += 1
            if i < n and _digit(src[i]):
                i = self.digits(i, _digit, need=False)
        if i < n and src[i] in "eE":
            j = i + 1
            if j < n and src[j] in "+-":
                j += 1
            if not (j < n and _digit(src[j])):
                raise LexError("missing exponent digits in scientific literal", i)
            i = self.digits(j, _digit, need=False)
        return i

    def digits(self, i: int, ok: Callable[[str], bool], need: bool) -> int:
        """`takeDigitsFn`: digits with `_` separators; a `_` must be followed by a digit."""
        src, n = self.src, self.n
        while i < n:
            c = src[i]
            if c == "_":
                need = True
            elif ok(c):
                need = False
            else:
                break
            i += 1
        if need:
            raise LexError("a number ends without its digits", i)
        return i

    def raw_end(self, pos: int) -> int | None:
        """`r#"…"#`: the offset after it, or None when `pos` does not open a raw string."""
        src, n = self.src, self.n
        i = pos + 1
        while i < n and src[i] == "#":
            i += 1
        if i >= n or src[i] != '"':
            return None
        closing = '"' + "#" * (i - pos - 1)
        j = src.find(closing, i + 1, n)
        if j < 0:
            raise Unterminated("unterminated raw string literal", pos)
        return j + len(closing)

    def string(self, pos: int, prev: Token | None, glued: bool) -> Token:
        src = self.src
        if glued and prev is not None and "'" in prev.text:
            raise Ambiguous(f"a string glued to the symbol `{prev.text}`", pos)
        if prev is not None and prev.text in INTERPOLATORS:
            return make_token(Kind.STRING, src[pos : self.interpolated_end(pos + 1)], pos)
        end = self.plain_end(pos)
        if src.find("{", pos, end) >= 0:
            self.dual_read(pos, end)
        return make_token(Kind.STRING, src[pos:end], pos)

    def plain_end(self, pos: int) -> int:
        """`strLitFnAux`: the offset after the closing quote."""
        src, n = self.src, self.n
        i = pos + 1
        while i < n:
            c = src[i]
            if c == '"':
                return i + 1
            i = self.escape(i + 1, interp=False, gaps=True) if c == "\\" else i + 1
        raise Unterminated("unterminated string literal", pos)

    def dual_read(self, pos: int, end: int) -> None:
        """A plain string with braces, read as if it were interpolated (some imported syntax may make it
        one): the same extent means its `{}` parts are lexed as code too; another extent is refused; a
        reading that fails the way Lean's would (a lexical error) leaves it plain, since Lean would stop
        there with an error."""
        if self.nest >= _MAX_NEST:
            raise Ambiguous("strings nest too deeply to read", pos)
        total = len(self.src)
        limit = min(total, end + _DUAL_WINDOW)
        self.budget[0] -= limit - pos
        if self.budget[0] < 0:
            raise Ambiguous("too many string literals with braces to read both ways", pos)
        sub = _Lexer(self.src, limit, [], self.nest + 1, self.budget)
        try:
            got: int | None = sub.interpolated_end(pos + 1)
        except Ambiguous:
            got = None
        except Unterminated:
            got = -1 if limit == total else None
        except LexError as exc:
            got = -1 if exc.offset < limit - 16 or limit == total else None
        if got == -1:
            return  # read as interpolated, Lean would report an error
        if got == end:
            self.budget[0] += limit - end  # only the string itself was read
        else:
            raise Ambiguous(
                "a string literal whose braces would be code if it were an interpolated string "
                '(`s!"…{…}…"`); Lean\'s reading depends on the syntax before it',
                pos,
            )
        for t in sub.out:
            self.out.append(t._replace(in_string=True))

    def interpolated_end(self, i: int) -> int:
        """`interpolatedStrFn` from just past the opening quote: `{code}` parts are lexed as code."""
        src, n = self.src, self.n
        opened = i - 1
        while i < n:
            c = src[i]
            if c == '"':
                return i + 1
            if c == "\\":
                i = self.escape(i + 1, interp=True, gaps=True)
            elif c == "{":
                if self.nest >= _MAX_NEST:
                    raise Ambiguous("interpolated strings nest too deeply to read", i)
                self.nest += 1
                i = self.code(i + 1, interp=True) + 1
                self.nest -= 1
            else:
                i += 1
        raise Unterminated("unterminated string literal", opened)


def tokenize(src: str) -> list[Token]:
    """Lean tokens of `src` (comments dropped; strings and chars as single tokens); `LexError` if the text
    is not lexically Lean or its reading would depend on Lean's token table."""
    out: list[Token] = []
    _Lexer(src, len(src), out, 0, [4 * len(src) + 65_536]).code(0, interp=False)
    out.sort(key=lambda t: t.start)  # a string's code parts were read before the string token itself
    return out


def line_of(src: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return src.count("\n", 0, offset) + 1


__all__ = [
    "Ambiguous",
    "Kind",
    "LexError",
    "Token",
    "Unterminated",
    "is_id_first",
    "line_of",
    "make_token",
    "tokenize",
]
