"""The kernel replay in a fresh process: `lean --run VeriwardReplay.lean` on the REPL's pickles, jailed.

The REPL pickles two environments (`{"pickleTo": …}`): right after the reference statement is declared,
before the proof exists, and after the trusted commands. The first is moved out of the REPL's reach at
once. The replay program (package data, `lean/VeriwardReplay.lean`) imports the modules afresh, re-checks
every constant the proof added with the kernel (`Lean.Environment.replay`), and prints one line of facts
that `_audit.parse_replay` reads strictly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import time
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from veriward.verifiers.lean._repl import MemoryExceeded, group_rss_mb
from veriward.verifiers.lean._sandbox import JailConfig, open_jail

SCRIPT_NAME = "VeriwardReplay.lean"
_OUTPUT_LIMIT = 8 * 1024 * 1024
ReplayMode = Literal["auto", "on", "off"]


@dataclass(frozen=True)
class ReplayConfig:
    argv: tuple[str, ...]  # runs a Lean file: `lake env lean` or `lean`
    cwd: str | None  # the Lake project, so that the pickled imports resolve
    jail: JailConfig
    memory_mb: int = 8192


@dataclass(frozen=True)
class ReplayRun:
    stdout: str
    stderr: str
    returncode: int | None


def replay_argv(repl_argv: tuple[str, ...], override: tuple[str, ...]) -> tuple[str, ...]:
    """`lean` as the REPL reaches it: through `lake env` when the REPL runs that way."""
    if override:
        return override
    return ("lake", "env", "lean") if repl_argv[:2] == ("lake", "env") else ("lean",)


def unavailable(cfg: ReplayConfig) -> str | None:
    """Why the replay cannot run here, or None."""
    exe = cfg.argv[0] if cfg.argv else ""
    return None if exe and shutil.which(exe) else f"`{exe or 'lean'}` for the kernel replay was not found"


def script_text() -> str:
    return (
        resources.files("veriward.verifiers.lean").joinpath("lean", SCRIPT_NAME).read_text(encoding="utf-8")
    )


async def run_replay(
    cfg: ReplayConfig,
    ref_pickle: str,
    proof_pickle: str,
    ref_last: str,
    chk_last: str,
    nonce: str,
    deadline: float,
) -> ReplayRun:
    """Run the replay on two host pickle files (moved into its jail); `TimeoutError` past the deadline,
    `MemoryExceeded` past the memory limit. The process group is killed in every case."""
    with open_jail(cfg.jail, cfg.argv, cfg.cwd) as jail:
        ref = jail.hand_in(ref_pickle, "ref.olean")
        proof = jail.hand_in(proof_pickle, "proof.olean")
        with open(f"{jail.tmp_host}/{SCRIPT_NAME}", "w", encoding="utf-8") as f:
            f.write(script_text())
        script = f"{jail.tmp_inside}/{SCRIPT_NAME}"
        argv = [*cfg.argv, "--run", script, ref, proof, ref_last, chk_last, nonce]
        proc = await asyncio.create_subprocess_exec(
            *jail.command(argv),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            **jail.popen_kwargs(),
        )
        try:
            return await _wait(proc, cfg.memory_mb, deadline)
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(proc.wait(), timeout=5)


async def _wait(proc: asyncio.subprocess.Process, memory_mb: int, deadline: float) -> ReplayRun:
    comm = asyncio.ensure_future(proc.communicate())
    watch = asyncio.ensure_future(_watch(proc.pid, memory_mb))
    try:
        done, _ = await asyncio.wait(
            {comm, watch}, timeout=max(0.0, deadline - time.monotonic()), return_when=asyncio.FIRST_COMPLETED
        )
        if comm in done:
            out, err = comm.result()
            return ReplayRun(
                out[:_OUTPUT_LIMIT].decode(errors="replace"),
                err[-4096:].decode(errors="replace"),
                proc.returncode,
            )
        if watch in done:
            raise MemoryExceeded(f"the kernel replay exceeded its {memory_mb} MB memory limit")
        raise TimeoutError("the kernel replay did not finish within the budget")
    finally:
        for t in (comm, watch):
            if not t.done():
                t.cancel()


async def _watch(pgid: int, limit_mb: int) -> None:
    while group_rss_mb(pgid) <= limit_mb:
        await asyncio.sleep(0.2)


__all__ = [
    "SCRIPT_NAME",
    "ReplayConfig",
    "ReplayMode",
    "ReplayRun",
    "replay_argv",
    "run_replay",
    "unavailable",
]
