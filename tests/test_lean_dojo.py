"""The optional LeanDojo path (lean-dojo-v2): references name only operator-allowed repositories, pinned
commits and plain paths; the goal handed to the pipeline; a real run only where lean-dojo-v2 and a Lean
toolchain exist (tests/test_lean_integration.py)."""

from __future__ import annotations

import pytest

from veriward.errors import RequestError
from veriward.settings import Settings
from veriward.verifiers.base import Context
from veriward.verifiers.lean import _dojo

REPO = "https://github.com/o/r"
ALLOWED = _dojo.allowed_repos(Settings(lean_dojo_repos=f"{REPO}.git, https://github.com/other/x"))


def ref(**kw: str) -> dict[str, str]:
    return {"repo": REPO, "commit": "abc1234", "file": "R/A.lean", "theorem": "Foo.bar", **kw}


def test_allowed_reference_is_parsed() -> None:
    assert _dojo.parse_reference(ref(), ALLOWED) == _dojo.DojoReference(
        REPO, "abc1234", "R/A.lean", "Foo.bar"
    )
    assert _dojo.parse_reference(ref(repo=REPO + "/"), ALLOWED).repo == REPO + "/"  # same repository


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"repo": "https://github.com/o/r2"}, "reference.repo"),
        ({"repo": "git@github.com:o/r"}, "reference.repo"),
        ({"repo": "/home/me/project"}, "reference.repo"),
        ({"commit": "main"}, "reference.commit"),
        ({"commit": "abc; curl x | sh"}, "reference.commit"),
        ({"file": "/etc/passwd.lean"}, "reference.file"),
        ({"file": "A/../../x.lean"}, "reference.file"),
        ({"file": "A.olean"}, "reference.file"),
        ({"theorem": "foo bar"}, "reference.theorem"),
        ({"theorem": "foo := by sorry"}, "reference.theorem"),
        ({"commit": " "}, "reference"),
        ({"statement": "x"}, "reference"),
    ],
)
def test_references_naming_anything_else_are_422(override: dict[str, str], field: str) -> None:
    with pytest.raises(RequestError) as info:
        _dojo.parse_reference(ref(**override), ALLOWED)
    assert info.value.field == field


def test_nothing_is_allowed_unless_the_operator_lists_it() -> None:
    with pytest.raises(RequestError, match="VERIWARD_LEAN_DOJO_REPOS"):
        _dojo.parse_reference(ref(), _dojo.allowed_repos(Settings()))


def test_the_goal_is_the_repository_theorem_proved_by_the_tactics() -> None:
    statement, header, body = _dojo.goal_of(_dojo.parse_reference(ref(), ALLOWED), "intro x\nsimp")
    assert header == "import R.A\nopen Foo"
    assert statement.with_name("veriward_ref_1") == "theorem veriward_ref_1 : type_of% @Foo.bar"
    assert body == "theorem veriward_dojo_goal : type_of% @Foo.bar := by\n  intro x\n  simp"


def test_tactic_script_of_a_whole_theorem_or_a_by_block() -> None:
    assert _dojo.tactic_script("theorem foo : 1 = 1 := by\n  rfl") == "rfl"
    assert _dojo.tactic_script("by\n  simp\n  rfl") == "simp\n  rfl"
    assert _dojo.tactic_script("rw [add_comm]") == "rw [add_comm]"


async def test_missing_extra_is_an_error_not_a_verdict() -> None:
    if _dojo.available():
        pytest.skip("lean_dojo_v2 is installed here")

    async def never(*args: object, **kw: object) -> None:
        raise AssertionError("the pipeline must not run without the extra")

    ctx = Context(deadline=1e12, settings=Settings())
    out = await _dojo.check(_dojo.DojoReference(REPO, "abc1234", "A.lean", "t"), "by simp", ctx, never)
    assert out.verdict.value == "error" and "lean-dojo" in out.reason
