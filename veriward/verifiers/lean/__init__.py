"""Lean 4 proofs: kernel-checked, statement-faithful, gate-first (see README, Lean scorer)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
import weakref
from dataclasses import dataclass
from typing import Any

from veriward.errors import Overloaded, RequestError
from veriward.settings import Settings, get_settings
from veriward.verifiers.base import Context, Outcome, Verifier
from veriward.verifiers.lean import _dojo
from veriward.verifiers.lean._check import check_proof
from veriward.verifiers.lean._gate import gate_reason, scan
from veriward.verifiers.lean._lexer import LexError, Token, tokenize
from veriward.verifiers.lean._pool import HeaderError, PoolConfig, ReplPool, build_argv
from veriward.verifiers.lean._reference import ReferenceError, check_header, check_statement
from veriward.verifiers.lean._repl import MemoryExceeded, ReplDied, ReplProtocolError
from veriward.verifiers.lean._replay import ReplayConfig, replay_argv, unavailable
from veriward.verifiers.lean._sandbox import JailConfig, bind_sources, lean_env, world_readable
from veriward.verifiers.lean._source import Statement, extract_proof, split_imports

INSTALL_HINT = (
    "install elan (https://github.com/leanprover/elan), build leanprover-community/repl with `lake build` "
    "inside a Lake project that requires Mathlib, then set VERIWARD_LEAN_REPL_CMD (e.g. "
    "'lake env /path/to/repl/.lake/build/bin/repl') and VERIWARD_LEAN_PROJECT_DIR; see README, Lean scorer"
)
# Stop this long before the engine's deadline so that the verdict is ours, not the engine's cut-off.
_MARGIN_S = 0.05
_INLINE_SCAN_CHARS = 32_768


@dataclass(frozen=True)
class LeanReference:
    statement: Statement
    header: str | None


def _parse_lean_reference(reference: Any) -> LeanReference:
    """A reference through the gate (`_reference.py`): 422 naming the field and the reason otherwise."""
    if isinstance(reference, str):
        reference = {"statement": reference}
    if not isinstance(reference, dict):
        raise RequestError("reference must be an object {statement, header?}", field="reference")
    unknown = sorted(set(reference) - {"statement", "header"})
    if unknown:
        raise RequestError(f"unknown reference field(s): {', '.join(unknown)}", field="reference")
    stmt, header = reference.get("statement"), reference.get("header")
    if not isinstance(stmt, str) or not stmt.strip():
        raise RequestError("reference.statement must be a non-empty string", field="reference.statement")
    if header is not None and not isinstance(header, str):
        raise RequestError("reference.header must be a string", field="reference.header")
    try:
        if header is not None:
            check_header(header)
    except ReferenceError as exc:
        raise RequestError(str(exc), field="reference.header") from None
    try:
        return LeanReference(check_statement(stmt), header)
    except ReferenceError as exc:
        raise RequestError(str(exc), field="reference.statement") from None


def jail_config(settings: Settings) -> JailConfig:
    """How REPLs and the replay are confined (VERIWARD_LEAN_SANDBOX, VERIWARD_LEAN_SANDBOX_PATHS)."""
    bwrap = (shutil.which("bwrap") or "bwrap") if settings.lean_sandbox == "bwrap" else None
    return JailConfig(bwrap=bwrap, ro_paths=tuple(p for p in settings.lean_sandbox_paths.split(":") if p))


def replay_config(settings: Settings, cwd: str | None = None) -> ReplayConfig:
    return ReplayConfig(
        argv=replay_argv(repl_argv(settings), build_argv(settings.lean_replay_cmd)),
        cwd=cwd or settings.lean_project_dir,
        jail=jail_config(settings),
        memory_mb=settings.lean_memory_mb,
    )


def repl_argv(settings: Settings) -> tuple[str, ...]:
    return build_argv(settings.lean_repl_cmd)


def missing_toolchain(settings: Settings) -> str | None:
    """Why the configured REPL cannot start here, or None when its executable is there."""
    argv = repl_argv(settings)
    if not argv:
        return "VERIWARD_LEAN_REPL_CMD is empty"
    if settings.lean_sandbox == "bwrap" and shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed: Lean runs only inside it (LEAN_SANDBOX=none: unconfined)"
    exe, cwd = argv[0], settings.lean_project_dir
    if cwd and not os.path.isdir(cwd):
        return f"the Lean project directory {cwd!r} does not exist"
    if os.sep in exe:
        path = exe if os.path.isabs(exe) or not cwd else os.path.join(cwd, exe)
        found = os.access(path, os.X_OK)
    else:
        found = shutil.which(exe) is not None
    return None if found else f"the Lean toolchain is missing: `{exe}` was not found"


_VERSIONS: dict[tuple[str, str | None], str] = {}


def lean_version(settings: Settings) -> str:
    """`lean --version` in the REPL's project (through `lake env` when the REPL runs that way); cached."""
    key = (settings.lean_repl_cmd, settings.lean_project_dir)
    if key not in _VERSIONS:
        argv = repl_argv(settings)
        probe = ["lake", "env", "lean", "--version"] if argv[:1] == ("lake",) else ["lean", "--version"]
        try:
            env = lean_env(JailConfig(bwrap=None), probe)  # not the server's variables
            out = subprocess.run(
                probe,
                cwd=settings.lean_project_dir,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
                env=env,
            )
            _VERSIONS[key] = out.stdout.strip() or "unknown (`lean --version` printed nothing)"
        except (OSError, subprocess.SubprocessError) as exc:
            _VERSIONS[key] = f"unknown ({type(exc).__name__})"
    return _VERSIONS[key]


class LeanVerifier(Verifier):
    name = "lean"
    description = (
        "Lean 4 proofs checked by Lean's kernel: no sorry, the exact reference statement (elaborated apart), "
        "only the standard axioms; forbidden constructs are refused before Lean runs."
    )
    reference_help = (
        '{"statement": "theorem NAME (binders) : type", "header": "import Mathlib\\n..."?} '
        "(header defaults to VERIWARD_LEAN_DEFAULT_HEADER); with the lean-dojo extra also "
        '{"repo", "commit", "file", "theorem"} of a traced LeanDojo repository'
    )
    pooled = False

    def __init__(self) -> None:
        # One pool (and its settings) per event loop: each engine runs on its own loop.
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str | None, ReplPool]] = (
            weakref.WeakKeyDictionary()
        )
        self._settings: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Settings] = (
            weakref.WeakKeyDictionary()
        )

    def parse_reference(self, reference: Any) -> Any:
        if isinstance(reference, dict) and set(reference) & set(_dojo.FIELDS):
            return _dojo.parse_reference(reference, _dojo.allowed_repos(self._current_settings()))
        return _parse_lean_reference(reference)

    def concurrency(self, settings: Settings) -> int | None:
        return settings.lean_pool_size

    def _current_settings(self) -> Settings:
        loop = _running_loop()
        return self._settings.get(loop, get_settings()) if loop else get_settings()

    def info(self) -> dict[str, Any]:
        s = self._current_settings()
        missing = missing_toolchain(s)
        replay = replay_config(s)
        out: dict[str, Any] = {
            "repl_cmd": s.lean_repl_cmd,
            "project_dir": s.lean_project_dir,
            "toolchain": "missing" if missing else "found",
            "lean_version": f"missing: {missing}" if missing else lean_version(s),
            "sandbox": _sandbox_info(s),
            "kernel_replay": s.lean_kernel_replay
            if s.lean_kernel_replay == "off"
            else f"{s.lean_kernel_replay}: " + (unavailable(replay) or " ".join(replay.argv)),
            "lean_dojo": _dojo.available(),
        }
        if missing:
            out["install"] = INSTALL_HINT
        loop = _running_loop()
        pools = self._pools.get(loop, {}) if loop else {}
        if s.lean_project_dir in pools:
            out["pool"] = pools[s.lean_project_dir].stats()
        return out

    async def startup(self, settings: Settings) -> None:
        self._settings[asyncio.get_running_loop()] = settings
        self._pool_for(settings)
        if missing_toolchain(settings) is None:
            await asyncio.to_thread(lean_version, settings)  # cached, so /v1/verifiers never waits on it

    async def shutdown(self) -> None:
        self._settings.pop(asyncio.get_running_loop(), None)
        pools = self._pools.pop(asyncio.get_running_loop(), {})
        for pool in pools.values():
            await pool.close()

    def _pool_for(self, settings: Settings, cwd: str | None = None) -> ReplPool:
        """The loop's pool of REPLs running in `cwd` (default: the configured Lake project)."""
        cwd = cwd or settings.lean_project_dir
        pools = self._pools.setdefault(asyncio.get_running_loop(), {})
        if cwd not in pools:
            pools[cwd] = ReplPool(
                PoolConfig(
                    argv=repl_argv(settings),
                    cwd=cwd,
                    size=settings.lean_pool_size,
                    max_proofs=settings.lean_max_proofs_per_repl,
                    memory_mb=settings.lean_memory_mb,
                    queue_size=settings.lean_queue_size,
                    header_timeout_s=settings.lean_header_timeout_s,
                    jail=jail_config(settings),
                )
            )
        return pools[cwd]

    async def acheck(self, response: str, reference: Any, options: Any, ctx: Context) -> Outcome:
        code = extract_proof(response)
        # Large texts are lexed in a thread so that one huge response cannot stall the event loop.
        findings = scan(code) if len(code) < _INLINE_SCAN_CHARS else await asyncio.to_thread(scan, code)
        if findings:
            return Outcome.incorrect(
                gate_reason(findings),
                failed_check="gate",
                forbidden=[{"token": f.token, "line": f.line, "reason": f.reason} for f in findings[:20]],
            )
        if isinstance(reference, _dojo.DojoReference):
            return await _dojo.check(reference, code, ctx, self._run)
        header = reference.header if reference.header is not None else ctx.settings.lean_default_header
        imports, body = split_imports(code)
        extra = [m for m in imports if m not in split_imports(header)[0]]
        if extra:
            return Outcome.incorrect(
                f"the proof imports {', '.join(extra)}, which the reference header does not",
                failed_check="imports",
            )
        missing = missing_toolchain(ctx.settings)
        if missing:
            return Outcome.error(f"{missing}; {INSTALL_HINT}", failed_check="toolchain")
        skipped = code.count("\n") - body.count("\n")
        return await self._run(reference.statement, header, body, skipped, ctx)

    async def _run(
        self,
        statement: Statement,
        header: str,
        body: str,
        skipped_lines: int,
        ctx: Context,
        cwd: str | None = None,
    ) -> Outcome:
        s = ctx.settings
        pool = self._pool_for(s, cwd)
        deadline = ctx.deadline - _MARGIN_S
        replay: ReplayConfig | None = None
        if s.lean_kernel_replay != "off":
            replay = replay_config(s, cwd)
            why = unavailable(replay)
            if why is not None and s.lean_kernel_replay == "on":
                return Outcome.error(f"{why} (VERIWARD_LEAN_KERNEL_REPLAY=on)", failed_check="kernel_replay")
            replay = None if why is not None else replay
        t0 = time.monotonic()
        try:
            async with pool.lease(header, deadline) as repl:
                outcome = await check_proof(
                    repl, statement, body, deadline, s.lean_memory_mb, skipped_lines, replay=replay
                )
        except Overloaded as exc:
            return Outcome.error(str(exc), overloaded=True, failed_check="queue")
        except TimeoutError:
            return Outcome.timeout(f"Lean did not finish within the budget ({time.monotonic() - t0:.1f} s)")
        except MemoryExceeded as exc:
            return Outcome.error(f"{exc}; the proof was not decided", failed_check="memory")
        except HeaderError as exc:
            return Outcome.error(str(exc), failed_check="header")
        except (ReplDied, ReplProtocolError, OSError) as exc:
            return Outcome.error(f"the Lean REPL failed: {type(exc).__name__}: {str(exc)[:300]}")
        outcome.details.setdefault("lean_ms", round((time.monotonic() - t0) * 1000, 1))
        if replay is None and outcome.verdict.value == "correct":
            outcome.details.setdefault("kernel_replay", "skipped: " + (s.lean_kernel_replay or "off"))
        return outcome


def _sandbox_info(settings: Settings) -> str:
    cfg = jail_config(settings)
    if not cfg.bwrap:
        return "none (unconfined: VERIWARD_LEAN_SANDBOX=none)"
    if os.geteuid() != 0:
        return "bwrap"
    argv = repl_argv(settings)
    binds = bind_sources(cfg, argv, settings.lean_project_dir, lean_env(cfg, argv))
    unreadable = next((b for b in binds if not world_readable(b)), None)
    if unreadable:
        return f"bwrap, as root inside its user namespace: {unreadable} is not readable by other users"
    return "bwrap"


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


__all__ = [
    "INSTALL_HINT",
    "LeanVerifier",
    "LexError",
    "Token",
    "jail_config",
    "lean_version",
    "missing_toolchain",
    "replay_config",
    "tokenize",
]
