"""The faithfulness pipeline: which REPL answer leads to which verdict, the exact command sequence of a
check (trusted commands sent on their own, never appended to the proof), and audits that cannot be spoofed.

TEST DOUBLES: no Lean toolchain can be installed on this machine. The decision functions are fed the real
REPL's recorded answers (/work/shared/lean/repl-transcripts/); the pipeline runs against
`tests/lean_fake_repl.py`, a real child process answering from a transcript this test writes (in the
recorded answers' shape, and `#print axioms`' wording), and the kernel replay against
`tests/lean_fake_replay.py`, a real child process printing a scripted report. The fake REPL only answers
the exact commands scripted here, so a pipeline that sent anything else (e.g. the audit appended to the
proof) errors.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED
from hypothesis import given, settings
from hypothesis import strategies as st

from veriward.models import Verdict
from veriward.verifiers.lean import _check
from veriward.verifiers.lean._audit import parse_axioms
from veriward.verifiers.lean._check import Plan, check_proof, judge_proof_command, wrap_proof
from veriward.verifiers.lean._repl import (
    Message,
    Pos,
    ReplProcess,
    ReplResponse,
    encode_command,
    parse_response,
    split_stream,
)
from veriward.verifiers.lean._replay import ReplayConfig
from veriward.verifiers.lean._sandbox import JailConfig
from veriward.verifiers.lean._source import parse_statement

TRANSCRIPTS = SHARED / "lean" / "repl-transcripts"
FAKE = Path(__file__).with_name("lean_fake_repl.py")
FAKE_REPLAY = Path(__file__).with_name("lean_fake_replay.py")
needs_transcripts = pytest.mark.skipif(
    not TRANSCRIPTS.is_dir(), reason=f"no REPL transcripts at {TRANSCRIPTS}"
)


def recorded(name: str, index: int) -> ReplResponse:
    chunks = split_stream((TRANSCRIPTS / f"{name}.expected.out").read_text())
    return parse_response(json.loads(chunks[index]))


def info(text: str, severity: str = "info") -> ReplResponse:
    return ReplResponse(env=3, messages=[Message(severity, None, None, text)])


# -- decisions on recorded answers -----------------------------------------------------------------


@needs_transcripts
def test_recorded_sorry_is_incorrect() -> None:
    for name in ("term_sorry", "assumption_proof", "readme"):
        out = judge_proof_command(recorded(name, 0))
        assert out is not None and out.verdict is Verdict.INCORRECT and out.details["failed_check"] == "sorry"


@needs_transcripts
def test_recorded_kernel_error_is_incorrect() -> None:
    out = judge_proof_command(recorded("app_type_mismatch", 0))
    assert out is not None and out.verdict is Verdict.INCORRECT
    assert "(kernel) declaration has metavariables" in out.reason


@needs_transcripts
def test_recorded_repl_refusal_is_an_error_not_a_verdict_on_the_proof() -> None:
    out = judge_proof_command(recorded("unknown_tactic", 1))
    assert out is not None and out.verdict is Verdict.ERROR


@needs_transcripts
def test_recorded_clean_answer_goes_on_to_the_trusted_checks() -> None:
    assert judge_proof_command(recorded("def_eval", 0)) is None


def test_sorry_warning_alone_is_enough() -> None:
    resp = ReplResponse(env=1, messages=[Message("warning", None, None, "declaration uses 'sorry'")])
    out = judge_proof_command(resp)
    assert out is not None and out.verdict is Verdict.INCORRECT


# -- the axiom audit, read strictly ---------------------------------------------------------------

CHK = "veriward_chk_T"
STANDARD = f"'{CHK}' depends on axioms: [propext, Classical.choice, Quot.sound]"


def test_axiom_listing_parses_including_wrapped_lines() -> None:
    assert parse_axioms(info(STANDARD), CHK).axioms == ("propext", "Classical.choice", "Quot.sound")  # type: ignore[union-attr]
    wrapped = parse_axioms(info(f"'{CHK}' depends on axioms: [propext,\n Classical.choice,\n sorryAx]"), CHK)
    assert wrapped is not None and wrapped.disallowed == ["sorryAx"]
    assert parse_axioms(info(f"'{CHK}' does not depend on any axioms"), CHK).axioms == ()  # type: ignore[union-attr]


SPOOFS = {
    "names_no_declaration": "depends on axioms: [propext]",
    "names_another_declaration": "'boom' depends on axioms: [propext]",
    "names_a_prefix_of_chk": f"'{CHK[:-1]}' depends on axioms: [propext]",
    "names_chk_in_a_namespace": f"'Evil.{CHK}' depends on axioms: [propext]",
    "text_before": f"note: {STANDARD}",
    "text_after": f"{STANDARD} (but also boom)",
    "two_listings": f"{STANDARD}\n'{CHK}' depends on axioms: [boom]",
    "other_wording": f"'{CHK}' uses axioms: [propext]",
    "unclosed_list": f"'{CHK}' depends on axioms: [propext, Quot.sound",
    "garbage_item": f"'{CHK}' depends on axioms: [propext, [boom]]",
    "empty_item": f"'{CHK}' depends on axioms: [propext, , Quot.sound]",
}


@pytest.mark.parametrize("name", sorted(SPOOFS))
def test_spoofed_axiom_answers_are_never_read_as_a_pass(name: str) -> None:
    assert parse_axioms(info(SPOOFS[name]), CHK) is None


def test_audit_answer_must_be_one_info_message() -> None:
    assert parse_axioms(info(STANDARD, "warning"), CHK) is None
    two = ReplResponse(env=3, messages=[Message("info", None, None, STANDARD)] * 2)
    assert parse_axioms(two, CHK) is None
    assert parse_axioms(ReplResponse(env=3, error="unknown env"), CHK) is None
    assert parse_axioms(ReplResponse(env=3), CHK) is None


@settings(max_examples=150, deadline=None)
@given(pos=st.integers(0, len(STANDARD)), junk=st.text(min_size=1, max_size=6))
def test_any_edit_of_the_audit_line_is_refused_or_still_exact(pos: int, junk: str) -> None:
    """Insert text anywhere in a valid answer: either the result is still an exact listing whose names are
    all read (and judged), or the reader refuses it; it never reads fewer axioms than are listed."""
    edited = STANDARD[:pos] + junk + STANDARD[pos:]
    got = parse_axioms(info(edited), CHK)
    if got is not None:
        listed = edited.strip()[len(f"'{CHK}' depends on axioms: [") : -1]
        assert list(got.axioms) == [a.strip() for a in listed.split(",")]


# -- the pipeline against a scripted REPL ---------------------------------------------------------

PLAN = Plan("veriward_ref_T", CHK, "VeriwardProofT", "NONCE")
STATEMENT = "theorem two (n : ℕ) (h : n = 2) : n + n = 4"
PROOF = "theorem two (n : ℕ) (h : n = 2) : n + n = 4 := by subst h; rfl"
HEADER = "import Mathlib"


def msg(severity: str, data: str, line: int = 1) -> dict[str, Any]:
    return {"severity": severity, "pos": {"line": line, "column": 0}, "endPos": None, "data": data}


def commands(replay: bool = False) -> list[dict[str, Any]]:
    """The exact sequence a check sends, in order."""
    stmt = parse_statement(STATEMENT)
    seq: list[dict[str, Any]] = [
        {"cmd": HEADER},
        {"cmd": stmt.with_name(PLAN.ref_last) + "\n  := sorry", "env": 0},
    ]
    if replay:
        seq.append({"pickleTo": f"{PLAN.section}-ref.olean", "env": 1})
    seq += [
        {"cmd": wrap_proof(PROOF, PLAN), "env": 1},
        {"cmd": f"end {PLAN.section}", "env": 2},
        {"cmd": "#check @two", "env": 3},
        {"cmd": f"theorem {PLAN.chk_name} : type_of% @{PLAN.ref_last} := @two", "env": 3},
        {"cmd": f"#print axioms {PLAN.chk_name}", "env": 5},
    ]
    if replay:
        seq.append({"pickleTo": f"{PLAN.section}-proof.olean", "env": 5})
    return seq


def answers(replay: bool = False, **override: dict[str, Any]) -> list[dict[str, Any]]:
    base = {
        "header": {"env": 0},
        "ref": {"env": 1, "sorries": [{"goal": "⊢ n + n = 4", "proofState": 0}]},
        "ref_pickle": {"env": 1},
        "user": {"env": 2},
        "close": {"env": 3},
        "check": {"env": 4, "messages": [msg("info", "two : ∀ (n : ℕ), n = 2 → n + n = 4")]},
        "chk": {"env": 5},
        "axioms": {"env": 6, "messages": [msg("info", STANDARD)]},
        "proof_pickle": {"env": 5},
    }
    if not replay:
        del base["ref_pickle"], base["proof_pickle"]
    base.update(override)
    return list(base.values())


def good_report(**override: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "status": "ok",
        "replayed": 3,
        "imports_same": True,
        "ref_found": True,
        "ref_same": True,
        "chk_found": True,
        "chk_kind": "theorem",
        "chk_is_ref": True,
        "axioms": ["propext"],
        "missing": [],
        "decls": [
            {"name": "@REF@", "kind": "theorem", "unsafe": False, "partial": False, "type_consts": ["Eq"]},
            {"name": "two", "kind": "theorem", "unsafe": False, "partial": False, "type_consts": ["Eq"]},
            {"name": "@CHK@", "kind": "theorem", "unsafe": False, "partial": False, "type_consts": ["Eq"]},
        ],
    }
    report.update(override)
    return report


async def run_scripted(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    report: dict[str, Any] | None = None,
    **override: dict[str, Any],
):
    """One check against the scripted REPL; with `report`, the kernel replay prints it."""
    monkeypatch.setattr(_check.Plan, "fresh", classmethod(lambda cls: PLAN))
    replay = report is not None
    (tmp_path / "pipeline.in").write_text("\n\n".join(json.dumps(c) for c in commands(replay)) + "\n")
    (tmp_path / "pipeline.expected.out").write_text(
        "\n\n".join(json.dumps(a) for a in answers(replay, **override))
    )
    log = tmp_path / "sent.jsonl"
    argv = [sys.executable, str(FAKE), str(tmp_path), f"LOG={log}"]
    cfg = None
    if replay:
        (tmp_path / "report.json").write_text(json.dumps(report))
        cfg = ReplayConfig(
            (sys.executable, str(FAKE_REPLAY), f"REPORT={tmp_path / 'report.json'}"), None, JailConfig(None)
        )
    repl = await ReplProcess.spawn(argv, None, HEADER)
    try:
        head = await repl.send({"cmd": HEADER}, time.monotonic() + 20)
        repl.header_env = head.env
        out = await check_proof(repl, parse_statement(STATEMENT), PROOF, time.monotonic() + 20, 0, replay=cfg)
    finally:
        await repl.close()
    sent = [json.loads(line) for line in log.read_text().splitlines()]
    return out, sent


async def test_pipeline_accepts_a_clean_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, sent = await run_scripted(tmp_path, monkeypatch)
    assert out.verdict is Verdict.CORRECT, out.reason
    assert out.details["axioms"] == ["propext", "Classical.choice", "Quot.sound"]
    assert [s["cmd"] for s in sent] == commands()  # exactly these commands, in this order


async def test_command_sequence_with_the_kernel_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, sent = await run_scripted(tmp_path, monkeypatch, good_report())
    assert out.verdict is Verdict.CORRECT, out.reason
    assert out.details["kernel_replay"] == {"replayed": 3, "axioms": ["propext"]}
    cmds = [{k: (Path(v).name if k == "pickleTo" else v) for k, v in s["cmd"].items()} for s in sent]
    assert cmds == commands(replay=True)
    # The reference environment's pickle was moved out of the REPL's reach before the proof was sent.
    proof_sent = next(s for s in sent if s["cmd"].get("cmd", "").startswith("section"))
    assert f"{PLAN.section}-ref.olean" not in proof_sent["tmp"]


@pytest.mark.parametrize(
    ("report", "verdict", "check"),
    [
        (good_report(axioms=["propext", "boom"]), Verdict.INCORRECT, "axioms"),
        (good_report(chk_is_ref=False), Verdict.INCORRECT, "statement_mismatch"),
        (good_report(ref_same=False), Verdict.INCORRECT, "kernel_replay"),
        (good_report(ref_found=False), Verdict.INCORRECT, "kernel_replay"),
        (good_report(imports_same=False), Verdict.INCORRECT, "kernel_replay"),
        (good_report(chk_found=False), Verdict.INCORRECT, "kernel_replay"),
        (good_report(chk_kind="axiom"), Verdict.INCORRECT, "kernel_replay"),
        (
            {"status": "kernel_rejected", "error": "(kernel) declaration type mismatch"},
            Verdict.INCORRECT,
            "kernel_replay",
        ),
        ({"status": "import_failed", "error": "unknown module Mathlib"}, Verdict.ERROR, "kernel_replay"),
        ({"status": "load_failed", "error": "bad pickle"}, Verdict.ERROR, "kernel_replay"),
        (good_report(missing=["Foo.bar"]), Verdict.ERROR, "kernel_replay"),
        (good_report(extra="field"), Verdict.ERROR, "kernel_replay"),
        (good_report(axioms="propext"), Verdict.ERROR, "kernel_replay"),
        (good_report(replayed=True), Verdict.ERROR, "kernel_replay"),
        ({"status": "fine"}, Verdict.ERROR, "kernel_replay"),
    ],
)
async def test_replay_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, report: dict[str, Any], verdict: Verdict, check: str
) -> None:
    out, _ = await run_scripted(tmp_path, monkeypatch, report)
    assert out.verdict is verdict, out.reason
    assert out.details.get("failed_check") == check


DECLS = {
    "axiom": {"kind": "axiom", "type_consts": ["False"]},
    "opaque": {"kind": "opaque", "type_consts": ["Nat"]},
    "unsafe": {"kind": "def", "unsafe": True},
    "partial": {"kind": "def", "partial": True},
    "macro": {"kind": "def", "type_consts": ["Lean.Macro"]},
    "syntax": {"kind": "def", "type_consts": ["Lean.ParserDescr"]},
    "elaborator": {"kind": "def", "type_consts": ["Lean.Elab.Command.CommandElab"]},
    "norm_num_extension": {"kind": "def", "type_consts": ["Mathlib.Meta.NormNum.NormNumExt"]},
    "io_action": {"kind": "def", "type_consts": ["IO", "Unit"]},
}


@pytest.mark.parametrize("name", sorted(DECLS))
async def test_declarations_the_replay_lists_are_judged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    decl = {
        "name": "helper",
        "kind": "def",
        "unsafe": False,
        "partial": False,
        "type_consts": [],
        **DECLS[name],
    }
    report = good_report()
    report["decls"] = [*report["decls"], decl]
    out, _ = await run_scripted(tmp_path, monkeypatch, report)
    assert out.verdict is Verdict.INCORRECT and out.details["failed_check"] == "declarations", out.reason


async def test_honest_auxiliary_declarations_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Auxiliary lemmas of tactics (omega states facts about `Lean.Omega`), matchers and instances."""
    extra = [
        {"name": "two._proof_1", "kind": "theorem", "type_consts": ["Lean.Omega.LinearCombo", "Eq"]},
        {"name": "two.match_1", "kind": "def", "type_consts": ["Nat"]},
        {"name": "instReprFoo", "kind": "def", "type_consts": ["Repr", "Foo"]},
        {"name": "Foo", "kind": "inductive", "type_consts": []},
        {"name": "Foo.mk", "kind": "constructor", "type_consts": ["Foo"]},
        {"name": "Foo.rec", "kind": "recursor", "type_consts": ["Foo"]},
    ]
    report = good_report()
    report["decls"] = [*report["decls"], *({"unsafe": False, "partial": False, **d} for d in extra)]
    out, _ = await run_scripted(tmp_path, monkeypatch, report)
    assert out.verdict is Verdict.CORRECT, out.reason


async def test_a_replay_report_for_another_nonce_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report line must carry this check's nonce: a line printed for another run is not read."""
    real = _check.parse_replay
    monkeypatch.setattr(_check, "parse_replay", lambda stdout, nonce: real(stdout, "OTHER" + nonce))
    out, _ = await run_scripted(tmp_path, monkeypatch, good_report())
    assert out.verdict is Verdict.ERROR and out.details["failed_check"] == "kernel_replay"


def _err(env: int, text: str, line: int = 1) -> dict[str, Any]:
    return {"env": env, "messages": [msg("error", text, line)]}


def _ax(text: str) -> dict[str, Any]:
    return {"env": 4, "messages": [msg("info", text)]}


INC, ERR = Verdict.INCORRECT, Verdict.ERROR


@pytest.mark.parametrize(
    ("stage", "answer", "verdict", "check"),
    [
        ("ref", _err(1, "unknown identifier 'foo'"), ERR, "reference"),
        ("user", _err(2, "unsolved goals", 3), INC, "lean_errors"),
        ("user", {"env": 2, "sorries": [{"goal": "⊢ False"}]}, INC, "sorry"),
        ("close", _err(3, "invalid 'end'"), INC, "open_scope"),
        ("check", _err(3, "unknown constant 'two'"), INC, "theorem_missing"),
        ("chk", _err(3, "type mismatch"), INC, "statement_mismatch"),
        ("axioms", _ax(STANDARD.replace("Quot.sound", "sorryAx")), INC, "axioms"),
        ("axioms", _ax(STANDARD.replace("propext", "Lean.ofReduceBool")), INC, "axioms"),
        ("axioms", _ax(f"'{CHK}' depends on axioms: [cheat]"), INC, "axioms"),
        ("axioms", _ax("'boom' depends on axioms: [propext]"), ERR, None),
        ("axioms", {"env": 4}, ERR, None),
    ],
)
async def test_pipeline_stage_failures(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stage: str,
    answer: dict[str, Any],
    verdict: Verdict,
    check: str | None,
) -> None:
    out, _ = await run_scripted(tmp_path, monkeypatch, **{stage: answer})
    assert out.verdict is verdict, out.reason
    assert out.details.get("failed_check") == check


async def test_a_repl_that_cannot_pickle_is_an_error_with_the_remedy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, _ = await run_scripted(
        tmp_path, monkeypatch, good_report(), ref_pickle={"message": "unknown command"}
    )
    assert out.verdict is Verdict.ERROR and "VERIWARD_LEAN_KERNEL_REPLAY" in out.reason


async def test_pipeline_never_accepts_unknown_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A REPL that does not know a command (here: every trusted one) can only lead to error/incorrect."""
    monkeypatch.setattr(_check.Plan, "fresh", classmethod(lambda cls: PLAN))
    (tmp_path / "x.in").write_text(json.dumps({"cmd": HEADER}) + "\n")
    (tmp_path / "x.expected.out").write_text(json.dumps({"env": 0}) + "\n")
    repl = await ReplProcess.spawn([sys.executable, str(FAKE), str(tmp_path)], None, HEADER)
    try:
        repl.header_env = 0
        out = await check_proof(repl, parse_statement(STATEMENT), PROOF, time.monotonic() + 20, 0)
    finally:
        await repl.close()
    assert out.verdict is Verdict.ERROR


def test_proof_is_opened_in_a_section_the_pipeline_closes_apart() -> None:
    body = "namespace Foo\nvariable (h : False)\ntheorem t : 1 = 1 := rfl\nend Foo\n#exit"
    lines = wrap_proof(body, PLAN).splitlines()
    assert lines == ["section VeriwardProofT", *body.splitlines()]
    assert {"cmd": f"end {PLAN.section}", "env": 2} in commands()  # sent as a command of its own


def test_fresh_plans_are_unpredictable() -> None:
    a, b = Plan.fresh(), Plan.fresh()
    assert a.ref_last != b.ref_last and len(a.ref_last) > 20 and a.nonce != b.nonce and len(a.nonce) == 32


def test_message_lines_are_in_the_responses_numbering() -> None:
    """The proof's command starts with the section line; the response may have had import lines."""
    resp = ReplResponse(env=2, messages=[Message("error", Pos(3, 2), None, "unsolved goals")])
    out = judge_proof_command(resp)  # no imports skipped: command line 3 is proof line 2
    assert out is not None and out.details["messages"][0]["line"] == 2 and "at line 2" in out.reason
    out = judge_proof_command(resp, line_offset=1 - 2)  # two import lines were cut off the response
    assert out is not None and out.details["messages"][0]["line"] == 4


def test_lone_surrogates_cannot_break_the_wire() -> None:
    assert encode_command({"cmd": "theorem t : True := \ud800"}).endswith(b"\n\n")


def test_the_replay_program_ships_with_the_package() -> None:
    from veriward.verifiers.lean._replay import script_text

    text = script_text()
    assert "Lean.Environment.replay" in text or "env.replay" in text
    assert 'IO.println s!"veriward-replay {nonce}' in text  # the one line `parse_replay` reads
