"""An independent, deliberately plain spec of Lean's lexical rules, for checking the gate's lexer.

Written apart from `veriward/verifiers/lean/_lexer.py` (no regular expressions, no shared code but the
token table, which is data): character classes transcribed from Lean's `Init/Meta/Defs.lean`
(`isLetterLike`, `isSubScriptAlnum`, `isIdFirst`, `isIdRest`), the order of `tokenFnAux`, `whitespace` and
`finishCommentBlock` from `Lean/Parser/Basic.lean`, and the gate's conservative rules (a comment opener or
char literal glued to a symbol is refused; a plain string with braces is also read as an interpolation).
It returns `(kind, text)` pairs, or raises `SpecError`.
"""

from __future__ import annotations

from veriward.verifiers.lean._tokens import INTERPOLATORS, SYMBOL_TOKENS


class SpecError(Exception):
    pass


def letter_like(c: str) -> bool:
    v = ord(c)
    return (
        (0x3B1 <= v <= 0x3C9 and v != 0x3BB)
        or (0x391 <= v <= 0x3A9 and v != 0x3A0 and v != 0x3A3)
        or (0x3CA <= v <= 0x3FB)
        or (0x1F00 <= v <= 0x1FFE)
        or (0x2100 <= v <= 0x214F)
        or (0x1D49C <= v <= 0x1D59F)
        or (0x00C0 <= v <= 0x00FF and v != 0x00D7 and v != 0x00F7)
        or (0x0100 <= v <= 0x017F)
    )


def subscript(c: str) -> bool:
    v = ord(c)
    return 0x2080 <= v <= 0x2089 or 0x2090 <= v <= 0x209C or 0x1D62 <= v <= 0x1D6A or v == 0x2C7C


def ascii_alpha(c: str) -> bool:
    return "a" <= c <= "z" or "A" <= c <= "Z"


def id_first(c: str) -> bool:
    return ascii_alpha(c) or c == "_" or letter_like(c)


def id_rest(c: str) -> bool:
    return ascii_alpha(c) or "0" <= c <= "9" or c in "_'!?" or letter_like(c) or subscript(c)


class Spec:
    def __init__(self, s: str, end: int | None = None, depth: int = 0) -> None:
        self.s, self.end, self.depth = s, len(s) if end is None else end, depth
        self.out: list[tuple[str, str, int]] = []

    def at(self, i: int) -> str:
        return self.s[i] if i < self.end else "\0"

    def comment_end(self, i: int) -> int:
        nesting = 1
        while i < self.end:
            c = self.s[i]
            i += 1
            if c == "-" and self.at(i) == "/":
                i += 1
                nesting -= 1
                if nesting == 0:
                    return i
            elif c == "/" and self.at(i) == "-":
                i += 1
                nesting += 1
        raise SpecError("unterminated comment")

    def blanks(self, i: int) -> int:
        while i < self.end:
            c = self.s[i]
            if c in " \t\r\n":
                i += 1
            elif c == "-" and self.at(i + 1) == "-":
                while i < self.end and self.s[i] != "\n":
                    i += 1
            elif c == "/" and self.at(i + 1) == "-":
                i = self.comment_end(i + 3 if self.at(i + 2) in "-!" else i + 2)
            else:
                return i
        return i

    def run(self, i: int = 0, in_interp: bool = False) -> int:
        braces = 0
        last: tuple[str, str, int] | None = None
        while True:
            i = self.blanks(i)
            if i >= self.end:
                if in_interp:
                    raise SpecError("unterminated interpolation")
                return i
            if in_interp and braces == 0 and self.s[i] == "}":
                return i
            kind, j = self.lexeme(i, last)
            text = self.s[i:j]
            last = (kind, text, j)
            self.out.append((kind, text, i))
            if kind == "symbol":
                braces += text.count("{") - text.count("}")
                if braces < 0 and in_interp:
                    raise SpecError("unbalanced braces")
                if self.at(j) in "-/" and self.at(j + 1) == "-":
                    raise SpecError("comment glued to a symbol")
            i = j

    def lexeme(self, i: int, last: tuple[str, str, int] | None) -> tuple[str, int]:
        c = self.s[i]
        glued = last is not None and last[0] == "symbol" and last[2] == i
        if c == '"':
            if glued and "'" in last[1]:  # type: ignore[index]
                raise SpecError("string glued")
            if last is not None and last[1] in INTERPOLATORS:
                return "string", self.interp(i + 1)
            j = self.plain(i + 1)
            if "{" in self.s[i:j]:
                self.both_ways(i, j)
            return "string", j
        if c == "'" and self.at(i + 1) != "'":
            if glued and last[1] not in ["(", "[", "{", "⟨", "⦃", "⟦", ",", ";", "![", "#["]:  # type: ignore[index]
                raise SpecError("char glued")
            k = i + 1
            if k >= self.end:
                raise SpecError("eoi")
            k = self.escape(k + 1, False, False) if self.s[k] == "\\" else k + 1
            if self.at(k) != "'":
                raise SpecError("char")
            return "char", k + 1
        if "0" <= c <= "9":
            return "number", self.number(i)
        if c == "`" and (id_first(self.at(i + 1)) or self.at(i + 1) == "«"):
            return "name", self.ident(i + 1)
        if c == "r":
            k = i + 1
            while self.at(k) == "#":
                k += 1
            if self.at(k) == '"':
                close = '"' + "#" * (k - i - 1)
                m = k + 1
                while m < self.end:
                    if self.s.startswith(close, m) and m + len(close) <= self.end:
                        return "string", m + len(close)
                    m += 1
                raise SpecError("raw")
        best = ""
        for t in SYMBOL_TOKENS:
            if len(t) > len(best) and self.s.startswith(t, i) and i + len(t) <= self.end:
                best = t
        if c == "#" and id_first(self.at(i + 1)):
            k = i + 1
            while k < self.end and id_rest(self.s[k]):
                k += 1
            return "symbol", max(k, i + len(best))
        if c == "«" or id_first(c):
            k = self.ident(i)
            if best and len(best) >= k - i:
                return "symbol", i + len(best)
            return "ident", k
        return "symbol", i + (len(best) or 1)

    def ident(self, i: int) -> int:
        while True:
            if self.at(i) == "«":
                k = i + 1
                while k < self.end and self.s[k] != "»":
                    k += 1
                if k >= self.end:
                    raise SpecError("escape")
                i = k + 1
            else:
                i += 1
                while i < self.end and id_rest(self.s[i]):
                    i += 1
            if self.at(i) == "." and i + 1 < self.end and (id_first(self.s[i + 1]) or self.s[i + 1] == "«"):
                i += 1
            else:
                return i

    def escape(self, i: int, braces: bool, gap: bool) -> int:
        if i >= self.end:
            raise SpecError("escape at end")
        c = self.s[i]
        if c in "\\\"'rnt" or (braces and c == "{"):
            return i + 1
        if c in "xu":
            n = 2 if c == "x" else 4
            for k in range(i + 1, i + 1 + n):
                if k >= self.end or self.s[k] not in "0123456789abcdefABCDEF":
                    raise SpecError("hex")
            return i + 1 + n
        if gap and c == "\n":
            seen = False
            while i < self.end and self.s[i] in " \t\r\n":
                if self.s[i] == "\n":
                    if seen:
                        raise SpecError("gap")
                    seen = True
                i += 1
            return i
        raise SpecError("escape")

    def plain(self, i: int) -> int:
        while i < self.end:
            if self.s[i] == '"':
                return i + 1
            i = self.escape(i + 1, False, True) if self.s[i] == "\\" else i + 1
        raise SpecError("string")

    def interp(self, i: int) -> int:
        while i < self.end:
            c = self.s[i]
            if c == '"':
                return i + 1
            if c == "\\":
                i = self.escape(i + 1, True, True)
            elif c == "{":
                if self.depth > 20:
                    raise SpecError("deep")
                inner = Spec(self.s, self.end, self.depth + 1)
                i = inner.run(i + 1, in_interp=True) + 1
                self.out.extend(inner.out)
            else:
                i += 1
        raise SpecError("string")

    def both_ways(self, i: int, j: int) -> None:
        """Only the unambiguous cases: the interpolated reading must end at `j` (else this spec refuses,
        which may be stricter than the gate, whose refined rule the property test does not compare)."""
        other = Spec(self.s, j, self.depth + 1)
        try:
            end = other.interp(i + 1)
        except SpecError:
            end = -1
        if end != j:
            raise SpecError("ambiguous braces")
        self.out.extend(other.out)

    def number(self, i: int) -> int:
        def digits(k: int, ok: str, need: bool) -> int:
            while k < self.end and (self.s[k] == "_" or self.s[k] in ok):
                need = self.s[k] == "_"
                k += 1
            if need:
                raise SpecError("digits")
            return k

        dec = "0123456789"
        if self.s[i] == "0" and self.at(i + 1) in "bB":
            return digits(i + 2, "01", True)
        if self.s[i] == "0" and self.at(i + 1) in "oO":
            return digits(i + 2, "01234567", True)
        if self.s[i] == "0" and self.at(i + 1) in "xX":
            return digits(i + 2, "0123456789abcdefABCDEF", True)
        k = digits(i + 1, dec, False)
        if self.at(k) == ".":
            k += 1
            if self.at(k) in dec and k < self.end:
                k = digits(k, dec, False)
        if self.at(k) in "eE" and k < self.end:
            k += 1
            if self.at(k) in "+-" and k < self.end:
                k += 1
            if not (k < self.end and self.s[k] in dec):
                raise SpecError("exponent")
            k = digits(k, dec, False)
        return k


def spec_tokens(src: str) -> list[tuple[str, str]]:
    spec = Spec(src)
    spec.run()
    return [(k, t) for k, t, _ in sorted(spec.out, key=lambda x: x[2])]
