"""The text gate: every forbidden construct is found as a Lean token, in every spelling and behind every
lexical trick that once made the gate and Lean read a text differently; honest look-alikes pass."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_lean_lexer import IDENT

from veriward.verifiers.lean._gate import scan
from veriward.verifiers.lean._lexer import tokenize
from veriward.verifiers.lean._source import SourceError, extract_proof, parse_statement, split_imports
from veriward.verifiers.lean._tokens import INTERPOLATORS, SYMBOL_TOKENS

# The payload an attacker needs Lean to read while the gate does not: rewrite what the audit prints, add an
# axiom. Each class below hides it a different way.
PAYLOAD = "macro_rules | `(#print axioms $x) => `(#check $x)\naxiom boom : False"
ATTACK = f"{PAYLOAD}\ntheorem t : 1 = 2 := boom.elim"

# One cheat per class the gate must refuse, each hidden in an otherwise plausible proof.
CHEATS: dict[str, str] = {
    "sorry": "theorem t (n : ℕ) : n + 0 = n := by\n  simp\n  sorry",
    "sorry_in_term": "theorem t : 2 + 2 = 5 := (sorry : 2 + 2 = 5)",
    "sorry_in_decreasing_by": "def g : ℕ → ℕ\n  | 0 => 0\n  | n + 1 => g n\ndecreasing_by sorry",
    "admit": "theorem t : False := by admit",
    "sorryAx": "theorem t : False := sorryAx False true",
    "sorryAx_escaped": "theorem t : False := «sorryAx» False true",
    "axiom": "axiom cheat : False\ntheorem t : 1 = 2 := cheat.elim",
    "native_decide": "theorem t : 2 ^ 64 % 7 = 2 := by native_decide",
    "decide_plus_native": "theorem t : 2 ^ 64 % 7 = 2 := by decide +native",
    "decide_plus_native_escaped": "theorem t : 2 ^ 64 % 7 = 2 := by decide +«native»",
    "decide_config_native": "theorem t : 2 ^ 64 % 7 = 2 := by decide (config := { native := true })",
    "ofReduceBool": "theorem t : True := Lean.ofReduceBool _ _ rfl ▸ trivial",
    "ofReduceBool_escaped": "theorem t : True := Lean.«ofReduceBool» _ _ rfl ▸ trivial",
    "reduceBool_after_open": "open Lean in\ntheorem t : reduceBool true = true := rfl",
    "implemented_by": "@[implemented_by fast] def slow (n : ℕ) : ℕ := n\ntheorem t : True := trivial",
    "implemented_by_escaped": "@[«implemented_by» fast] def slow (n : ℕ) : ℕ := n",
    "extern": '@[extern "c_add"] def add (a b : ℕ) : ℕ := a + b',
    "csimp": "@[csimp] theorem bad : @id = @id := rfl",
    "csimp_escaped_attribute_command": "attribute [«csimp»] bad",
    "unsafe": "unsafe def loop : ℕ := loop\ntheorem t : True := trivial",
    "partial": "partial def spin (n : ℕ) : ℕ := spin n",
    "debug_skipKernelTC": "set_option debug.skipKernelTC true in\ntheorem t : False := by simp",
    "debug_escaped": "set_option «debug».skipKernelTC true in\ntheorem t : False := by simp",
    "debug_other": "set_option debug.byAsSorry true\ntheorem t : False := by simp",
    "exit": "theorem t : False := by\n  simp\n#exit",
    "run_cmd": 'run_cmd Lean.logInfo "x"',
    "eval": "#eval Lean.Environment.addDecl",
    "initialize": "initialize pure ()",
    "elab": 'elab "#print" "axioms" x:ident : command => pure ()',
    "macro": 'macro "trivial_proof" : tactic => `(tactic| simp)',
    "syntax": 'syntax "my_kw" : term',
    "macro_rules": "macro_rules | `(tactic| decide) => `(tactic| simp)",
    "notation": 'local notation "ℕ" => Unit',
    "infix": 'infixl:65 " + " => HMul.hMul',
    "meta_attribute": (
        "@[command_elab Lean.Parser.Command.printAxioms]\n"
        "def f : Lean.Elab.Command.CommandElab := fun _ => pure ()"
    ),
    "parser_attribute": "@[command_parser] def p : Lean.Parser.Parser := Lean.Parser.skip",
    "norm_num_extension": "@[norm_num _ + _] def evalAdd : Mathlib.Meta.NormNum.NormNumExt := sorry_free",
    "positivity_extension": "@[positivity _ ^ _] def evalPow : Mathlib.Meta.Positivity.PositivityExt := ext",
    "guard_msgs": "/-- error: x -/\n#guard_msgs in\ntheorem t : False := by simp",
    "sorry_after_comment_opener_in_string": 'def s := "/-"\ntheorem t : False := sorry -- -/',
    "sorry_after_quote_char": "def c := '\"'\ntheorem t : False := sorry -- \"",
    "run_tac_in_interpolated_string": (
        'theorem t : False := by\n  have := s!"{(by run_tac pure () : True)}"\n  simp'
    ),
    "sorry_in_spaced_interpolation": 'def m := s! "{(sorry : Nat)}"',
    "sorry_in_m_interpolation": 'def m := m! "{(sorry : Nat)}"',
    "sorry_in_throwError": 'def e : Lean.MetaM Unit := throwError "{(sorry : Nat)}"',
    "sorry_in_nested_interpolation": 'def m := s!"a{s!"b{(sorry : Nat)}"}c"',
    "deeply_nested_interpolation": "def x := " + 's!"{' * 5000 + "0" + '}"' * 5000,
    "unterminated_comment": "theorem t : 1 = 1 := rfl\n/- the end is never reached",
    # Lexical desyncs that once hid code from the gate: it read a comment, a string or a char literal where
    # Lean reads code (the payload sits where the old gate saw a comment or a string).
    "arrow_then_minus": "example : True := by\n  have h <--1 axiom boom : False\n  trivial",
    "subtype_then_minus": "def S := {x : ℕ //-1 < x} axiom boom : False -/",
    "letterlike_then_quote": 'example := x⅀\'"\' y " axiom boom : False -- "',  # ⅀ is letter-like for Lean
    "image_token_then_quote": "example := f '' '\"' axiom boom : False -- \"",  # `''` is a Mathlib token
    "units_token_then_quote": "example (u : Mˣ'\"') axiom boom : False -- \"",  # ˣ ends an identifier
}

HONEST: dict[str, str] = {
    "sorry_in_comment_and_string": (
        "-- no sorry here\n/- nor /- nested sorry -/ here, admit it -/\n"
        'theorem t : "sorry".length = 5 := by decide'
    ),
    "sorry_free_name": "theorem sorry_free (n : ℕ) : n = n := rfl\ntheorem admit_nothing : True := trivial",
    "primes_and_image": "theorem t (f : ℕ → ℕ) (s : Set ℕ) (h' : f '' s = s) : f '' s = s := h'",
    "preimage_and_units": (
        "theorem t (f : ℕ → ℕ) (M : Type) [Monoid M] (u : Mˣ) : f ⁻¹' Set.univ = Set.univ := rfl"
    ),
    "char_literals": "theorem t : 'a' ≠ '\\'' := by decide",
    "mathlib_style": (
        "set_option maxHeartbeats 400000 in\n"
        "open Real Nat in\n"
        "theorem mathd (a b : ℝ) (h₀ : 0 < a ∧ 0 < b) : a * b ≤ (a ^ 2 + b ^ 2) / 2 := by\n"
        "  nlinarith [sq_nonneg (a - b), h₀.1, h₀.2, mul_pos h₀.1 h₀.2]"
    ),
    "decide_and_omega": (
        "theorem t (n : ℕ) (h : n % 2 = 1) : n ≠ 0 := by omega\nexample : 10 < 20 := by decide"
    ),
    "local_instance_and_attributes": (
        "attribute [local instance] Classical.propDecidable\n"
        "@[simp] lemma helper (x : ℕ) : x + 0 = x := rfl\n"
        "theorem t : True := by simp"
    ),
    "aesop_unsafe_rule": "@[aesop unsafe 50% apply] lemma l (p : Prop) (h : p) : p := h",
    "interpolated_string_text": 'def greet (n : ℕ) : String := s!"no sorry, {n} admits {"{"}"',
    "identifiers_that_look_like_keywords": (
        "theorem t (tactic native extern_ok : ℕ) (h : tactic = native) : native = tactic := h.symm"
    ),
    "debug_as_a_variable": "theorem t (debug : ℕ × ℕ) (h : debug.fst = 1) : debug.1 = 1 := h",
    "unicode_identifiers": "theorem t (ℏ 𝒜 α₁ Ω' θ_max : ℝ) (h : ℏ = 𝒜) : 𝒜 = ℏ := h.symm",
    "dotted_names": "theorem t (s : Finset ℕ) : s.card = Finset.card s := rfl\n#check Nat.Prime.two_le",
    "type_star_and_nnreal": "theorem t {α : Type*} (x : ℝ≥0) : x = x := rfl",
    "arrow_with_space": "example : True := by\n  obtain ⟨h⟩ : Nonempty True := ⟨trivial⟩\n  exact h",
}


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_cheat_is_refused(name: str) -> None:
    findings = scan(CHEATS[name])
    assert findings, f"{name} passed the gate"
    assert all(f.reason for f in findings)


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_proof_passes(name: str) -> None:
    assert scan(HONEST[name]) == []


# -- generated members of each class -------------------------------------------------------------

CONSTANTS = ["sorryAx", "ofReduceBool", "ofReduceNat", "trustCompiler", "reduceBool", "reduceNat"]
SPELLINGS = [
    "{c}",
    "Lean.{c}",
    "«{c}»",
    "Lean.«{c}»",
    "_root_.Lean.{c}",
    "«Lean».{c}",
    "@Lean.{c}",
    "`Lean.{c}",
]


@pytest.mark.parametrize("const", CONSTANTS)
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_refused_constants_in_every_spelling(const: str, spelling: str) -> None:
    name = spelling.format(c=const)
    for ctx in (
        "theorem t : True := {} _ _ rfl ▸ trivial",
        "open Lean in\nexample := {}",
        "export Lean ({})",
    ):
        assert scan(ctx.format(name)), ctx.format(name)


@pytest.mark.parametrize(
    "attr", ["implemented_by", "extern", "csimp", "norm_num", "positivity", "command_elab"]
)
@pytest.mark.parametrize(
    "form", ["@[{a} x] def f := 1", "@[«{a}» x] def f := 1", "attribute [{a}] f", "@[simp, {a} y] def f := 1"]
)
def test_meta_and_compiler_attributes_in_every_form(attr: str, form: str) -> None:
    assert scan(form.format(a=attr))


@pytest.mark.parametrize("prefix", [*sorted(INTERPOLATORS), "throwErrorAt stx", "trace[Meta.debug]"])
@pytest.mark.parametrize("gap", ["", " ", "  /- c -/ "])
@pytest.mark.parametrize("payload", ["(sorry : Nat)", "(by native_decide : True)", "Lean.ofReduceBool"])
def test_code_in_every_interpolated_string_is_gated(prefix: str, gap: str, payload: str) -> None:
    assert scan(f'def x := {prefix}{gap}"a {{{payload}}} b"'), (prefix, gap, payload)


@pytest.mark.parametrize(
    "option",
    ["debug.skipKernelTC", "«debug».skipKernelTC", "debug.«skipKernelTC»", "compiler.extract_closed"],
)
@pytest.mark.parametrize(
    "where",
    [
        "set_option {o} true in\ntheorem t : True := trivial",
        "example : True := by\n  set_option {o} true in trivial",
    ],
)
def test_debug_options_in_every_spelling(option: str, where: str) -> None:
    assert scan(where.format(o=option))


# Symbol tokens after which a glued `--` / `/-` is ambiguous; and the payload must never slip through.
GLUE_TOKENS = sorted(t for t in SYMBOL_TOKENS if t not in {"/--", "/-!"})


@settings(max_examples=300, deadline=None)
@given(
    tok=st.sampled_from(GLUE_TOKENS),
    after=st.sampled_from(["--", "/-", "-1", "- 1", "-x", "//-", "<--"]),
    sep=st.sampled_from(["", " "]),
)
def test_comment_openers_touching_any_token_never_hide_code(tok: str, after: str, sep: str) -> None:
    """Whatever Lean's longest match makes of `TOKEN--…`, code after it on the line is seen or the text is
    refused: `<--1` lexes as `<-`, `-`, `1` like Lean, and a comment opener glued to a symbol is refused.
    (With a space before `--` or `/-` it is a comment for Lean too.)"""
    if (sep and after in ("--", "/-")) or (tok + sep + after).startswith(("--", "/-")):
        return  # a comment for Lean too
    assert scan(f"example := a {tok}{sep}{after} axiom boom : False -/"), (tok, sep, after)


@settings(max_examples=200, deadline=None)
@given(name=IDENT, kw=st.sampled_from(["sorry", "admit", "axiom", "native_decide", "macro_rules", "unsafe"]))
def test_identifiers_from_leans_ranges_never_hide_a_keyword(name: str, kw: str) -> None:
    """A keyword after any identifier Lean accepts (letter-like and Latin ranges, subscripts, «escapes»)
    is found; the identifier itself, honest, is not refused."""
    assert scan(f"example := {name} {kw}"), (name, kw)
    bare = scan(f"theorem t ({name} : ℕ) : {name} = {name} := rfl")
    assert bare == [] or any(p in name for p in ("sorry", "admit", "axiom", "native", "macro", "unsafe", "«"))


@settings(max_examples=150, deadline=None)
@given(name=IDENT)
def test_honest_mathlib_style_look_alikes_pass(name: str) -> None:
    if any(scan(f"#check {name}")):
        return  # the generated name happens to be a refused word; other tests cover those
    proof = (
        f"theorem t ({name} : ℕ × ℕ) (f : ℕ → ℕ) (s : Set ℕ) (h : {name}.fst = 1) :\n"
        f"    {name}.1 = 1 ∧ f '' s = f '' s := by\n"
        '  -- a comment with sorry, /- and " in it\n'
        f"  exact ⟨h, rfl⟩"
    )
    assert scan(proof) == [], proof


def test_findings_name_the_token_and_line() -> None:
    (f,) = scan("theorem t : True := by\n  trivial\n  -- ok\n  exact (sorry)")
    assert (f.token, f.line) == ("sorry", 4)
    assert "unproved" in f.reason
    (g,) = scan("theorem t : True := trivial\n\n(x)--glued")
    assert g.line == 3 and "glued" in g.reason


def test_tokens_keep_strings_and_chars_drop_comments() -> None:
    toks = [t.text for t in tokenize('a /- b /- c -/ d -/ "e \\" f" \'g\' -- h\n«i j».k x.1')]
    assert toks == ["a", '"e \\" f"', "'g'", "«i j».k", "x", ".", "1"]


def test_extract_proof_takes_the_last_lean_block() -> None:
    resp = (
        "Plan:\n```lean\ntheorem a : True := sorry\n```\nFinal:\n```lean4\ntheorem a : True := trivial\n```"
    )
    assert extract_proof(resp).strip() == "theorem a : True := trivial"
    assert extract_proof("theorem a : True := trivial") == "theorem a : True := trivial"
    assert extract_proof("```\nx\n```").strip() == "x"
    assert extract_proof("So:\n```lean\ntheorem a : True := triv").strip() == "theorem a : True := triv"


def test_statement_is_split_at_its_name_and_first_top_level_assign() -> None:
    s = parse_statement("/-- doc -/\ntheorem Nat.foo (n : ℕ) (k : ℕ := 3) : n + k = k + n := by sorry")
    assert s.name == "Nat.foo"
    assert s.signature == " (n : ℕ) (k : ℕ := 3) : n + k = k + n"
    assert s.with_name("ref1") == "/-- doc -/\ntheorem Nat.ref1 (n : ℕ) (k : ℕ := 3) : n + k = k + n"
    assert parse_statement("theorem A.«b.c».d : True").renamed("r") == "A.«b.c».r"
    assert parse_statement("lemma bar : True").signature == " : True"


@pytest.mark.parametrize(
    "bad", ["def f : ℕ := 1", "theorem", "theorem t (n : ℕ : n = n", "theorem t := rfl", "theorem t : /- x"]
)
def test_unusable_statements_are_refused(bad: str) -> None:
    with pytest.raises(SourceError):
        parse_statement(bad)


def test_split_imports() -> None:
    mods, rest = split_imports(
        "-- c\nimport Mathlib\nimport Mathlib.Tactic\nopen Real\ntheorem t : True := trivial"
    )
    assert mods == ["Mathlib", "Mathlib.Tactic"]
    assert rest.strip().startswith("open Real")


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("theorem t : False := «sorryAx» _ false", "sorry"),
        ("open Lean in\nexample := reduceBool true", "native-decide"),
        ("example : 2 = 2 := by decide +native", "native-decide"),
        ("example : 2 = 2 := by decide (config := {native := true})", "native-decide"),
        ("set_option «debug».skipKernelTC true", "debug-option"),
        ('def m := s! "{(sorry : Nat)}"', "sorry"),
        ("example := (x)--glued", "lexical-desync"),
    ],
)
def test_audit_patterns_read_lean_as_the_gate_does(text: str, pattern: str) -> None:
    from veriward.audit._patterns import flags

    assert pattern in flags("lean", text, None, {})


def test_audit_patterns_leave_honest_look_alikes_alone() -> None:
    from veriward.audit._patterns import flags

    for name in ("debug_as_a_variable", "sorry_in_comment_and_string", "primes_and_image", "sorry_free_name"):
        assert flags("lean", HONEST[name], None, {}) == [], name
