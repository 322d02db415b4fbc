"""The gate's Lean lexer against an independent spec of Lean's lexical rules (`tests/lean_spec_lexer.py`),
on generated token sequences: identifiers from Lean's character ranges, every token of the table, numbers,
strings (plain, raw, interpolated), char literals, comments (line, nested block, doc), joined with spaces,
newlines or nothing at all (so that tokens touch and Lean's longest match decides)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lean_spec_lexer import SpecError, id_first, id_rest, spec_tokens

from veriward.verifiers.lean._lexer import Kind, LexError, tokenize
from veriward.verifiers.lean._tokens import INTERPOLATORS, SYMBOL_TOKENS

# Characters of Lean's identifier classes, sampled across every range (and the ones just outside them).
_RANGES = [
    (0x41, 0x5A), (0x61, 0x7A), (0x391, 0x3A9), (0x3B1, 0x3C9), (0x3CA, 0x3FB), (0x1F00, 0x1FFE),
    (0x2100, 0x214F), (0x1D49C, 0x1D59F), (0xC0, 0xFF), (0x100, 0x17F), (0x2080, 0x2089), (0x2090, 0x209C),
    (0x1D62, 0x1D6A), (0x2C7C, 0x2C7C), (0x30, 0x39),
]  # fmt: skip
_EDGES = "λΠΣ×÷ˣᵀᶜ⁻¹²ℝℕℤℚℂ𝔽𝓝∑∏'!?_"
ID_CHARS = st.one_of(
    *(st.integers(a, b).map(chr) for a, b in _RANGES),
    st.sampled_from(_EDGES),
)
FIRST = ID_CHARS.filter(id_first)
REST = ID_CHARS.filter(id_rest)
PLAIN_PART = st.builds(lambda a, b: a + b, FIRST, st.text(REST, max_size=6))
ESCAPED_PART = st.text(
    st.characters(blacklist_characters="»\x00", blacklist_categories=("Cs",)), max_size=6
).map(lambda t: f"«{t}»")
IDENT = st.lists(st.one_of(PLAIN_PART, ESCAPED_PART), min_size=1, max_size=3).map(".".join)
NUMBER = st.one_of(
    st.integers(0, 10**12).map(str),
    st.integers(0, 10**6).map(lambda n: f"{n:_}"),
    st.integers(0, 2**40).map(hex),
    st.integers(0, 2**20).map(bin),
    st.integers(0, 8**6).map(lambda n: "0o" + oct(n)[2:]),
    st.builds(lambda a, b, e: f"{a}.{b}e{e}", st.integers(0, 999), st.integers(0, 999), st.integers(-9, 9)),
)
STR_BODY = st.text(st.characters(blacklist_characters='"\\{}\x00', blacklist_categories=("Cs",)), max_size=8)
ESCAPE = st.sampled_from(["\\n", "\\t", '\\"', "\\\\", "\\'", "\\x41", "\\u00e9", "\\r"])
STRING = st.lists(st.one_of(STR_BODY, ESCAPE), max_size=4).map(lambda xs: '"' + "".join(xs) + '"')
RAW = st.builds(lambda h, b: "r" + "#" * h + '"' + b + '"' + "#" * h, st.integers(0, 3), STR_BODY)
CHAR = st.one_of(st.characters(blacklist_characters="'\\\n\x00", blacklist_categories=("Cs",)), ESCAPE).map(
    lambda c: f"'{c}'"
)
TOKEN = st.sampled_from(sorted(SYMBOL_TOKENS - {"/--", "/-!"}))
COMMENT_TEXT = st.text(st.characters(blacklist_characters="-/\x00", blacklist_categories=("Cs",)), max_size=8)
LINE_COMMENT = COMMENT_TEXT.filter(lambda t: "\n" not in t).map(lambda t: f"--{t}\n")
BLOCK = st.recursive(
    COMMENT_TEXT.map(lambda t: f"/- {t}-/"),
    lambda inner: st.tuples(COMMENT_TEXT, inner, COMMENT_TEXT).map(lambda p: f"/- {p[0]}{p[1]}{p[2]}-/"),
    max_leaves=3,
)
DOC = COMMENT_TEXT.map(lambda t: f"/-- {t} -/")
LEXEME = st.one_of(
    IDENT.map(lambda t: ("ident", t)),
    NUMBER.map(lambda t: ("number", t)),
    STRING.map(lambda t: ("string", t)),
    RAW.map(lambda t: ("string", t)),
    CHAR.map(lambda t: ("char", t)),
    TOKEN.map(lambda t: ("symbol", t)),
    st.one_of(LINE_COMMENT, BLOCK, DOC).map(lambda t: ("comment", t)),
)


def gate(src: str) -> list[tuple[str, str]] | None:
    try:
        return [(t.kind.value, t.text) for t in tokenize(src)]
    except LexError:
        return None


def spec(src: str) -> list[tuple[str, str]] | str:
    try:
        return spec_tokens(src)
    except SpecError as exc:
        return str(exc)


def expected(lexemes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for kind, text in lexemes:
        if kind == "comment":
            continue
        if kind == "symbol" and (text[0] == "«" or id_first(text[0])) and all(map(id_rest, text)):
            kind = "symbol"
        out.append((kind, text))
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LEXEME, max_size=12))
def test_spaced_sequences_lex_to_exactly_what_was_generated(lexemes: list[tuple[str, str]]) -> None:
    src = " ".join(t for _, t in lexemes) + " "
    assert gate(src) == expected(lexemes), src
    assert gate(src) == spec(src)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(LEXEME, st.sampled_from(["", "", " ", "\n"])), max_size=12))
def test_touching_sequences_lex_as_the_spec_says(parts: list[tuple[tuple[str, str], str]]) -> None:
    """Tokens glued together: Lean's longest match, identifier continuation and comment detection decide."""
    src = "".join(text + sep for (_, text), sep in parts)
    _agree(src)


TRICKY = st.sampled_from(
    ["-", "--", "/", "/-", "-/", "<-", "//", "'", "''", '"', "{", "}", "«", "»", "#", "r", "!", "s!", "m!",
     ".", "a", "x", "1", "e", "ˣ", "ℏ", " ", "\n", "\\", "`", "::", ":=", "⁻¹'", "∑'", "@[", "sorry", "Σ'"]
)  # fmt: skip


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TRICKY, max_size=24))
def test_character_soup_lexes_as_the_spec_says(pieces: list[str]) -> None:
    _agree("".join(pieces))


def _agree(src: str) -> None:
    mine, theirs = gate(src), spec(src)
    if isinstance(theirs, list):
        assert mine == theirs, src
    elif mine is not None:
        # The gate's one documented relaxation: a plain string whose interpolated reading fails the way Lean's
        # would is kept plain (the spec refuses every disagreement of the two readings).
        assert theirs == "ambiguous braces", (src, theirs, mine)


@pytest.mark.parametrize(
    ("src", "tokens"),
    [
        ("a <--1", ["a", "<-", "-", "1"]),  # longest match before comment detection
        ("{x // -1}", ["{", "x", "//", "-", "1", "}"]),
        ("f '' s", ["f", "''", "s"]),  # Mathlib's image token, not a char literal
        ("Mˣ", ["M", "ˣ"]),  # ˣ is not an identifier character in Lean
        ("ℏx⅀ ₀", ["ℏx⅀", "₀"]),  # the Letterlike block; a subscript cannot start a name
        ("x.1.2", ["x", ".", "1.2"]),
        ("h.«a b».c", ["h.«a b».c"]),
        ("2.5e-3 0x1F 1_000", ["2.5e-3", "0x1F", "1_000"]),
        ('r##"a"#b"## c', ['r##"a"#b"##', "c"]),
        ("'a' '\\'' ''", ["'a'", "'\\''", "''"]),
        ("['a', 'b']", ["[", "'a'", ",", "'b'", "]"]),  # brackets and commas may touch a char literal
        ("/-- doc /- nested -/ -/ x", ["x"]),
        ("/--/ x -/ y", ["y"]),  # the body of `/--` starts after its third character
        ("#eval #[1]", ["#eval", "#[", "1", "]"]),
        ("Type* ℝ≥0", ["Type*", "ℝ≥0"]),
    ],
)
def test_lean_rules_by_example(src: str, tokens: list[str]) -> None:
    assert [t.text for t in tokenize(src)] == tokens


@pytest.mark.parametrize(
    "src",
    [
        "x --c",  # a comment after an identifier is fine
        "1--c",
        '"a"--c',
    ],
)
def test_comments_after_non_symbols_are_comments(src: str) -> None:
    assert [t.text for t in tokenize(src)] == [src.split("--")[0].strip()]


@pytest.mark.parametrize("src", ["(x)--c", ")/-c-/", "⟨a⟩--x", "+/-x-/", "a ≤--x", "x ≤'a'", "∘'x' 'y"])
def test_comments_and_chars_glued_to_symbols_are_refused(src: str) -> None:
    with pytest.raises(LexError):
        tokenize(src)


@pytest.mark.parametrize("prefix", sorted(INTERPOLATORS))
@pytest.mark.parametrize("gap", ["", " ", "\n  ", " /- c -/ ", " -- c\n "])
def test_interpolated_strings_after_every_prefix_are_code(prefix: str, gap: str) -> None:
    toks = tokenize(f'{prefix}{gap}"a {{sorry}} b"')
    assert [t.text for t in toks if t.kind is Kind.IDENT][-1] == "sorry"


def test_strings_with_braces_are_read_both_ways() -> None:
    toks = tokenize('trace[cls] "{sorry}"')  # an interpolation after `]`: its code is scanned
    assert any(t.text == "sorry" and t.in_string for t in toks)
    with pytest.raises(LexError):  # the two readings end at different quotes
        tokenize('f "{" x "}" -- "')
    assert [t.text for t in tokenize('"{" ++ s')] == ['"{"', "++", "s"]  # Lean would stop if it were one


def test_deep_nesting_is_refused_not_a_crash() -> None:
    with pytest.raises(LexError):
        tokenize('s!"{' * 5000 + "0" + '}"' * 5000)
