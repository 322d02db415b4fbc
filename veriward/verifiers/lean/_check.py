"""The faithfulness pipeline run on a leased REPL whose header environment `E0` is loaded.

1. `ref` = E0 + the reference statement under a fresh random name, proof `sorry`: the statement is
   elaborated in a clean environment of the header, before any of the proof's text exists. With the
   kernel replay on, this environment is pickled now and the file moved out of the REPL's reach.
2. `user` = ref + `section FRESH` + the proof. Lean's errors and the REPL's `sorries` reject the proof.
3. Trusted commands, each sent on its own (never appended to the proof's text):
   `end FRESH` (whatever the proof opened, namespaces, variables, `include`s, options, local instances
   and notations, is closed again; a scope the proof left open makes this fail, and `#exit` cannot
   swallow it because it is a separate command);
   `#check @NAME` (the theorem exists under that name, resolved as in the header);
   `theorem CHK : type_of% @REF := @NAME` (the kernel accepts the proof's theorem as a proof of the
   reference type: the types are equal up to definitional unfolding);
   `#print axioms CHK` (read strictly: one message, about CHK, listing only the standard axioms).
4. The kernel replay (`_replay.py`): the final environment is pickled and every constant the proof added is
   re-checked by the kernel in a fresh process that never saw the proof's syntax; its report (CHK's type is
   REF's, its axioms, the kinds of the added declarations) is read strictly (`_audit.py`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from veriward.models import Verdict
from veriward.verifiers.base import Outcome
from veriward.verifiers.lean._audit import ALLOWED_AXIOMS, decl_problem, parse_axioms, parse_replay
from veriward.verifiers.lean._repl import Message, ReplProcess, ReplResponse
from veriward.verifiers.lean._replay import ReplayConfig, run_replay
from veriward.verifiers.lean._source import Statement

_SORRY_WARNING = ("declaration uses 'sorry'", "declaration uses `sorry`")
_MAX_MESSAGES = 20
Send = Callable[[dict[str, Any]], Awaitable[ReplResponse]]


@dataclass
class Plan:
    """The fresh names one check uses; random so that a proof cannot refer to them in advance."""

    ref_last: str
    chk_name: str
    section: str
    nonce: str = ""

    @classmethod
    def fresh(cls) -> Plan:
        tag = secrets.token_hex(8)
        return cls(f"veriward_ref_{tag}", f"veriward_chk_{tag}", f"VeriwardProof{tag}", secrets.token_hex(16))


def wrap_proof(body: str, plan: Plan) -> str:
    """The proof opened inside a fresh named section; messages' line numbers are one more than in `body`."""
    return f"section {plan.section}\n{body}"


def messages_detail(messages: list[Message], line_offset: int = 0) -> list[dict[str, Any]]:
    return [m.as_dict(line_offset) for m in messages[:_MAX_MESSAGES]]


def judge_proof_command(resp: ReplResponse, line_offset: int = 1) -> Outcome | None:
    """The verdict on the proof's own command, or None when it may go on to the trusted checks.

    `line_offset` turns the command's line numbers into the response's (the section line, imports).
    """
    detail = messages_detail(resp.messages, line_offset)
    if resp.error is not None:
        return Outcome.error(f"the Lean REPL refused the command: {resp.error[:300]}", messages=detail)
    errors = resp.errors
    if errors:
        first = errors[0]
        line = f" at line {max(0, first.pos.line - line_offset)}" if first.pos else ""
        text = first.data.splitlines()[0][:300] if first.data else ""
        return Outcome.incorrect(
            f"Lean reported {len(errors)} error(s){line}: {text}", failed_check="lean_errors", messages=detail
        )
    sorry_warnings = [m for m in resp.messages if any(w in m.data for w in _SORRY_WARNING)]
    if resp.sorries or sorry_warnings:
        return Outcome.incorrect(
            "the proof contains `sorry` (an unproved goal)",
            failed_check="sorry",
            sorries=[s.goal for s in resp.sorries[:_MAX_MESSAGES]],
            messages=detail,
        )
    if resp.env is None:
        return Outcome.error("the Lean REPL returned no environment for the proof", messages=detail)
    return None


def judge_axioms(resp: ReplResponse, chk_name: str, base: dict[str, Any]) -> Outcome:
    """The verdict from `#print axioms CHK`, read strictly: anything but its exact wording is `error`."""
    audit = parse_axioms(resp, chk_name)
    if audit is None:
        shown = (
            resp.error or "; ".join(f"{m.severity}: {m.data[:200]}" for m in resp.messages[:3]) or "nothing"
        )
        return Outcome.error(
            f"the axiom audit of `{chk_name}` printed no exact answer: {shown[:400]}", **base
        )
    axioms = list(audit.axioms)
    if audit.disallowed:
        return Outcome.incorrect(
            f"the proof depends on disallowed axioms: {', '.join(sorted(set(audit.disallowed)))}",
            failed_check="axioms",
            axioms=axioms,
            **base,
        )
    return Outcome.correct(
        "Lean's kernel accepted the proof of the reference statement", axioms=axioms, **base
    )


async def check_proof(
    repl: ReplProcess,
    statement: Statement,
    body: str,
    deadline: float,
    memory_mb: float,
    skipped_lines: int = 0,
    replay: ReplayConfig | None = None,
) -> Outcome:
    """Run steps 1-4 of the module docstring on `repl` (whose header environment is loaded).

    `skipped_lines`: how many lines (import lines) were cut off the response before `body`.
    `replay`: the kernel replay's configuration, or None to skip step 4.
    """
    plan = Plan.fresh()
    line_offset = 1 - skipped_lines  # + the section line, - the import lines cut off the response

    async def send(cmd: dict[str, Any]) -> ReplResponse:
        return await repl.send(cmd, deadline, memory_mb)

    # On its own line: the statement may end in a line comment.
    ref = await send({"cmd": statement.with_name(plan.ref_last) + "\n  := sorry", "env": repl.header_env})
    if ref.error is not None or ref.errors or ref.env is None:
        why = ref.error or (ref.errors[0].data if ref.errors else "no environment returned")
        return Outcome.error(
            f"the reference statement does not elaborate in its header: {why[:300]}",
            failed_check="reference",
            messages=messages_detail(ref.messages),
        )
    keep = tempfile.mkdtemp(prefix="veriward-lean-keep-")  # out of the REPL's reach
    try:
        ref_pickle = None
        if replay is not None:
            ref_pickle = await _pickle(send, repl, ref.env, plan, "ref", keep)
            if isinstance(ref_pickle, Outcome):
                return ref_pickle
        user = await send({"cmd": wrap_proof(body, plan), "env": ref.env})
        verdict = judge_proof_command(user, line_offset)
        if verdict is not None:
            return verdict
        base: dict[str, Any] = {
            "messages": messages_detail(user.messages, line_offset),
            "theorem": statement.name,
        }
        assert user.env is not None  # judge_proof_command returns a verdict otherwise
        outcome, final_env = await _trusted_checks(send, statement, plan, user.env, base)
        if outcome.verdict is not Verdict.CORRECT or replay is None or ref_pickle is None:
            return outcome
        proof_pickle = await _pickle(send, repl, final_env, plan, "proof", keep)
        if isinstance(proof_pickle, Outcome):
            return proof_pickle
        assert isinstance(ref_pickle, str)
        run = await run_replay(
            replay, ref_pickle, proof_pickle, plan.ref_last, plan.chk_name, plan.nonce, deadline
        )
        return judge_replay(parse_replay(run.stdout, plan.nonce), plan, outcome, run.stderr)
    finally:
        shutil.rmtree(keep, ignore_errors=True)


async def _pickle(send: Send, repl: ReplProcess, env: int, plan: Plan, name: str, keep: str) -> str | Outcome:
    """Have the REPL pickle environment `env`; move the file to `keep` at once. Its path, or an error."""
    fname = f"{plan.section}-{name}.olean"
    resp = await send({"pickleTo": f"{repl.jail.tmp_inside}/{fname}", "env": env})
    host = os.path.join(repl.jail.tmp_host, fname)
    if resp.error is not None or resp.env != env or resp.messages or not os.path.isfile(host):
        why = resp.error or ("no file written" if not os.path.isfile(host) else "an unexpected answer")
        return Outcome.error(
            f"the Lean REPL could not pickle its environment for the kernel replay ({why[:300]}); "
            "set VERIWARD_LEAN_KERNEL_REPLAY=off only if this REPL cannot pickle",
            failed_check="kernel_replay",
        )
    dst = os.path.join(keep, fname)
    shutil.move(host, dst)
    return dst


async def _trusted_checks(
    send: Send, statement: Statement, plan: Plan, env: int, base: dict[str, Any]
) -> tuple[Outcome, int]:
    """Step 3 of the module docstring, from the environment the proof's command returned; the verdict
    and the environment after CHK."""
    closed = await send({"cmd": f"end {plan.section}", "env": env})
    if closed.error is not None or closed.errors or closed.env is None:
        return Outcome.incorrect(
            "the proof leaves a namespace or section open", failed_check="open_scope", **base
        ), env
    # The proof's scopes are closed again, so names resolve as in the header, where the reference lives.
    found = await send({"cmd": f"#check @{statement.name}", "env": closed.env})
    if found.error is not None or found.errors:
        missing = f"the proof does not declare a theorem named `{statement.name}`"
        return Outcome.incorrect(missing, failed_check="theorem_missing", **base), env
    ref_type = f"type_of% @{statement.renamed(plan.ref_last)}"
    chk = await send({"cmd": f"theorem {plan.chk_name} : {ref_type} := @{statement.name}", "env": closed.env})
    if chk.error is not None or chk.errors or chk.env is None:
        why = chk.error or (chk.errors[0].data if chk.errors else "")
        return Outcome.incorrect(
            f"`{statement.name}` does not have the reference statement's type",
            failed_check="statement_mismatch",
            mismatch=why[:2000],
            **base,
        ), env
    audit = await send({"cmd": f"#print axioms {plan.chk_name}", "env": chk.env})
    return judge_axioms(audit, plan.chk_name, base), chk.env


def judge_replay(report: Any, plan: Plan, passed: Outcome, stderr: str = "") -> Outcome:
    """The verdict after the kernel replay of a proof the REPL's checks passed (`passed`)."""
    base = dict(passed.details)
    if report is None:
        tail = stderr.strip().splitlines()[-3:]
        return Outcome.error(
            "the kernel replay printed no readable report (does VeriwardReplay.lean elaborate with this "
            f"Lean?): {' / '.join(tail)[:400] or 'no output'}",
            failed_check="kernel_replay",
            **base,
        )
    if report.status in ("load_failed", "import_failed"):
        return Outcome.error(
            f"the kernel replay could not run: {report.error[:400]}", failed_check="kernel_replay", **base
        )
    if report.status == "kernel_rejected":
        return Outcome.incorrect(
            f"the kernel rejected a declaration on replay: {report.error[:400]}",
            failed_check="kernel_replay",
            **base,
        )
    problem = _replay_problem(report, plan)
    if problem is not None:
        failed, why = problem
        return Outcome.incorrect(f"kernel replay: {why}", failed_check=failed, **base)
    if report.missing:
        return Outcome.error(
            f"the kernel replay could not follow {', '.join(report.missing[:5])}",
            failed_check="kernel_replay",
            **base,
        )
    base["kernel_replay"] = {"replayed": report.replayed, "axioms": list(report.axioms)}
    return Outcome.correct(
        "Lean's kernel accepted the proof of the reference statement, also on replay", **base
    )


def _replay_problem(report: Any, plan: Plan) -> tuple[str, str] | None:
    if not (report.ref_found and report.ref_same and report.imports_same):
        return "kernel_replay", "the reference statement or the imports changed after the proof was read"
    if not report.chk_found or report.chk_kind != "theorem":
        return "kernel_replay", "the audited theorem is missing from the environment"
    if not report.chk_is_ref:
        return "statement_mismatch", "the audited theorem's type is not the reference statement's"
    bad = sorted({a for a in report.axioms if a not in ALLOWED_AXIOMS})
    if bad:
        return "axioms", f"the proof depends on disallowed axioms: {', '.join(bad)}"
    for d in report.decls:
        if d.name == plan.chk_name or d.name.rsplit(".", 1)[-1] == plan.ref_last:
            continue
        why = decl_problem(d)
        if why is not None:
            return "declarations", why
    return None


__all__ = ["Plan", "check_proof", "judge_axioms", "judge_proof_command", "judge_replay", "wrap_proof"]
