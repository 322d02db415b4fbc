"""References go through the same gate as proofs: a header of imports, `open`, allowlisted `set_option` and
`universe` lines only, a statement that is one theorem; anything else is a 422 with the reason."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veriward.errors import RequestError
from veriward.verifiers.lean import LeanVerifier
from veriward.verifiers.lean._reference import ReferenceError, check_header, check_statement

ALLOWED_LINES = [
    "import Mathlib",
    "import Mathlib.Tactic\nimport Aesop",
    "open BigOperators Real Nat Topology Rat",
    "open scoped BigOperators",
    "open Finset (sum_range_succ card)",
    "open Nat hiding add_comm",
    "set_option maxHeartbeats 400000",
    "set_option maxRecDepth 10000",
    "set_option autoImplicit false",
    "set_option pp.all true",
    "set_option linter.unusedVariables false",
    "universe u v",
    "-- a comment\n/- and a /- nested -/ block -/",
]

# What a hostile dataset row could put into the header: each would run or change something before the proof.
INJECTED = [
    "macro_rules | `(tactic| decide) => `(tactic| trivial)",
    '#eval IO.println "pwned"',
    "#exit",
    'run_cmd Lean.logInfo "x"',
    "axiom boom : False",
    "theorem boom : False := sorry",
    "def f := 1",
    "instance : Inhabited False := ⟨sorry⟩",
    "attribute [simp] Nat.add_comm",
    "set_option debug.skipKernelTC true",
    "set_option trace.Meta.synthInstance true",
    "set_option maxHeartbeats 400000 in",
    "open Nat in",
    'notation "ℕ" => Unit',
    "namespace Foo",
    'elab "x" : term => pure (Lean.mkConst ``True)',
    "import Mathlib /- never closed",
    'syntax "x" : term',
    "local instance : Fact False := ⟨sorry⟩",
    "variable (h : False)",
]


@pytest.mark.parametrize("line", ALLOWED_LINES)
def test_allowed_header_lines(line: str) -> None:
    check_header(line)


@pytest.mark.parametrize("line", INJECTED)
def test_injected_header_commands_are_refused(line: str) -> None:
    with pytest.raises(ReferenceError):
        check_header("import Mathlib\n" + line)


@settings(max_examples=150, deadline=None)
@given(
    before=st.lists(st.sampled_from(ALLOWED_LINES[2:]), max_size=4),
    bad=st.sampled_from(INJECTED),
    after=st.lists(st.sampled_from(ALLOWED_LINES[2:]), max_size=4),
)
def test_an_injected_command_anywhere_in_a_header_is_refused(
    before: list[str], bad: str, after: list[str]
) -> None:
    with pytest.raises(ReferenceError):
        check_header("\n".join(["import Mathlib", *before, bad, *after]))


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(st.sampled_from(ALLOWED_LINES[2:]), max_size=6))
def test_headers_of_allowed_lines_pass(lines: list[str]) -> None:
    assert check_header("\n".join(["import Mathlib", *lines])) == ["Mathlib"]


STATEMENTS = [
    "theorem t : 1 + 1 = 2",
    "theorem t : 1 + 1 = 2 := by sorry",  # datasets ship statements with a placeholder proof: cut
    "/-- doc -/\ntheorem mathd_algebra_10 (x : ℝ) (h₀ : x ≠ 0) : x / x = 1 := by\n  sorry",
    "lemma Nat.foo (n : ℕ) (k : ℕ := 3) : n + k = k + n",
    "theorem t (s : Finset ℕ) : ∑ i ∈ s, i = ∑ i ∈ s, i",
    "theorem t : (open Real in π) > 3",
    "theorem t (f : ℕ → ℕ) (h : ∀ x, f x = #[1, 2].size) : f 0 = 2",
    "open Real in\ntheorem t : π > 3",  # scoped to the declaration
    "open Real Nat in\nset_option maxHeartbeats 400000 in\ntheorem t : True",
]

BAD_STATEMENTS = [
    "theorem t : True\naxiom boom : False",
    "theorem t : True\ndef f : ℕ := 1",
    "theorem t : True\n#exit",
    "theorem t : True\nmacro_rules | `(tactic| rfl) => `(tactic| trivial)",
    "@[simp] theorem t : True",
    "axiom t : True",
    "def t : True := trivial",
    "theorem t (h : sorry) : True",
    "theorem t : (by native_decide : 2 + 2 = 4) = rfl",
    "theorem t : True\nend Foo",
    "theorem t : True\nattribute [simp] t",
    "private theorem t : True",
    "theorem t : True\ninstance : Inhabited False := sorry",
    'theorem t : True\n#eval IO.println "x"',
    "theorem t : Lean.ofReduceBool a b c",
    "axiom boom : False\ntheorem t : 1 = 2",  # a prefix declaring an axiom
    "open Real\ntheorem t : True",  # not scoped
    "set_option debug.skipKernelTC true in\ntheorem t : True",
    "set_option trace.Meta.synthInstance true in\ntheorem t : True",
    "noncomputable theorem t : True",
]


@pytest.mark.parametrize("text", STATEMENTS)
def test_statements_that_are_one_theorem_pass(text: str) -> None:
    check_statement(text)


@pytest.mark.parametrize("text", BAD_STATEMENTS)
def test_statements_that_declare_or_run_anything_else_are_refused(text: str) -> None:
    with pytest.raises(ReferenceError):
        check_statement(text)


@pytest.mark.parametrize("text", BAD_STATEMENTS)
def test_a_bad_statement_is_a_422_naming_the_field(text: str) -> None:
    with pytest.raises(RequestError) as info:
        LeanVerifier().parse_reference({"statement": text})
    assert info.value.field == "reference.statement" and str(info.value)


@pytest.mark.parametrize("line", INJECTED)
def test_a_bad_header_is_a_422_naming_the_field(line: str) -> None:
    with pytest.raises(RequestError) as info:
        LeanVerifier().parse_reference({"statement": "theorem t : True", "header": f"import Mathlib\n{line}"})
    assert info.value.field == "reference.header" and "reference.header" in str(info.value)
