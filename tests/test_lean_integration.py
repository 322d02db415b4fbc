"""Against a real Lean REPL: honest proofs accepted, every faithfulness rule enforced by Lean itself.

Runs only where the REPL configured by VERIWARD_LEAN_REPL_CMD / VERIWARD_LEAN_PROJECT_DIR (default: `repl`
on PATH) exists; skipped otherwise. Proofs use core Lean only (header VERIWARD_LEAN_TEST_HEADER, default
empty) so that any REPL build works. The defence-in-depth cases call the pipeline directly, bypassing the
text gate, to show that Lean's own answers reject them too.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from veriward.engine import Engine
from veriward.models import Verdict
from veriward.settings import Settings
from veriward.verifiers.lean import _dojo, jail_config, missing_toolchain, replay_config
from veriward.verifiers.lean._check import check_proof
from veriward.verifiers.lean._pool import PoolConfig, ReplPool, build_argv
from veriward.verifiers.lean._source import parse_statement

SETTINGS = Settings(pool_workers=1)
MISSING = missing_toolchain(SETTINGS)
HEADER = os.environ.get("VERIWARD_LEAN_TEST_HEADER", "")
STATEMENT = "theorem big : 2 ^ 20 % 7 = 4"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(MISSING is not None, reason=f"no Lean REPL here ({MISSING}); see README, Lean scorer"),
]


async def score(response: str, statement: str = STATEMENT) -> tuple[Verdict, dict]:
    async with Engine(SETTINGS) as engine:
        ref = {"statement": statement, "header": HEADER}
        result = await engine.score(
            {"verifier": "lean", "response": response, "reference": ref, "timeout_s": 120}
        )
    return result.verdict, result.details


async def test_honest_proof_is_correct() -> None:
    verdict, details = await score("theorem big : 2 ^ 20 % 7 = 4 := by decide")
    assert verdict is Verdict.CORRECT, details
    assert set(details["axioms"]) <= {"propext", "Quot.sound", "Classical.choice"}
    # The kernel replay (VeriwardReplay.lean) elaborated with this Lean and re-checked the proof.
    assert isinstance(details["kernel_replay"], dict) and details["kernel_replay"]["replayed"] >= 2, details


async def test_binder_names_may_differ() -> None:
    stmt = "theorem two (n : Nat) (h : n = 2) : n + n = 4"
    verdict, details = await score("theorem two (m : Nat) (hm : m = 2) : m + m = 4 := by subst hm; rfl", stmt)
    assert verdict is Verdict.CORRECT, details


async def test_wrong_proof_is_incorrect() -> None:
    verdict, details = await score("theorem big : 2 ^ 20 % 7 = 4 := rfl_wrong")
    assert verdict is Verdict.INCORRECT and details["failed_check"] == "lean_errors"


async def test_other_statement_is_incorrect() -> None:
    verdict, details = await score("theorem big : 2 ^ 20 % 7 < 7 := by decide")
    assert verdict is Verdict.INCORRECT and details["failed_check"] == "statement_mismatch"


async def test_renamed_theorem_is_incorrect() -> None:
    verdict, details = await score("theorem big' : 2 ^ 20 % 7 = 4 := by decide")
    assert verdict is Verdict.INCORRECT and details["failed_check"] == "theorem_missing"


DEFENCE_IN_DEPTH = {
    "axiom": "axiom cheat : False\ntheorem big : 2 ^ 20 % 7 = 4 := cheat.elim",
    "native_decide": "theorem big : 2 ^ 20 % 7 = 4 := by native_decide",
    "sorry": "theorem big : 2 ^ 20 % 7 = 4 := sorry",
    "variable_include": "variable (h : False)\ninclude h\ntheorem big : 2 ^ 20 % 7 = 4 := h.elim",
    "open_namespace": "namespace Sneaky\ntheorem big : 2 ^ 20 % 7 = 4 := by decide",
    "redefined_audit": (
        'macro "#print" "axioms" x:ident : command => `(#check $x)\n'
        "axiom cheat : False\ntheorem big : 2 ^ 20 % 7 = 4 := cheat.elim"
    ),
    "exit_before_end": "axiom cheat : False\ntheorem big : 2 ^ 20 % 7 = 4 := cheat.elim\n#exit",
}


@pytest.mark.parametrize("name", sorted(DEFENCE_IN_DEPTH))
async def test_lean_itself_rejects_cheats_the_gate_also_refuses(name: str) -> None:
    cfg = PoolConfig(
        argv=build_argv(SETTINGS.lean_repl_cmd),
        cwd=SETTINGS.lean_project_dir,
        size=1,
        jail=jail_config(SETTINGS),
    )
    pool = ReplPool(cfg)
    try:
        deadline = time.monotonic() + 120
        async with pool.lease(HEADER, deadline) as repl:
            out = await check_proof(
                repl,
                parse_statement(STATEMENT),
                DEFENCE_IN_DEPTH[name],
                deadline,
                0,
                replay=replay_config(SETTINGS),
            )
    finally:
        await pool.close()
    assert out.verdict is not Verdict.CORRECT, (name, out)


@pytest.mark.skipif(
    not (_dojo.available() and os.environ.get("VERIWARD_TEST_LEANDOJO")),
    reason='needs lean_dojo_v2 installed and VERIWARD_TEST_LEANDOJO=\'{"reference": {...}, "proof": "..."}\'',
)
async def test_lean_dojo_reference() -> None:
    case = json.loads(os.environ["VERIWARD_TEST_LEANDOJO"])
    settings = SETTINGS.model_copy(update={"lean_dojo_repos": case["reference"]["repo"]})
    async with Engine(settings) as engine:
        result = await engine.score(
            {"verifier": "lean", "response": case["proof"], "reference": case["reference"], "timeout_s": 60}
        )
    assert result.verdict is Verdict.CORRECT, result.reason
