"""Per-proof latency of the Lean REPL pool: warm REPLs keyed by header, beside a cold start per proof
(the same pool with `max_proofs=1`, so every proof spawns a REPL and loads its header), each unconfined and
inside the bubblewrap jail the server uses (VERIWARD_LEAN_SANDBOX=bwrap), in the same run.

    python benchmarks/lean_pool.py [--n 40]

With a Lean REPL configured (VERIWARD_LEAN_REPL_CMD / VERIWARD_LEAN_PROJECT_DIR, header from
VERIWARD_LEAN_TEST_HEADER, default none) each proof goes through the whole faithfulness pipeline. Without
one, the REPL is tests/lean_fake_repl.py replaying the recorded transcripts (under the system Python, which
the jail can bind): the figures then measure only the process, jail and protocol overhead veriward adds
around Lean, not Lean.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

from _report import Report, add_markdown_arg

from veriward.models import Verdict
from veriward.settings import Settings
from veriward.verifiers.lean import jail_config, missing_toolchain
from veriward.verifiers.lean._check import check_proof
from veriward.verifiers.lean._pool import PoolConfig, ReplPool, build_argv
from veriward.verifiers.lean._sandbox import JailConfig
from veriward.verifiers.lean._source import parse_statement

ROOT = Path(__file__).resolve().parents[1]
TRANSCRIPTS = ROOT.parent / "shared" / "lean" / "repl-transcripts"
STATEMENT = "theorem big : 2 ^ 20 % 7 = 4"
PROOF = "theorem big : 2 ^ 20 % 7 = 4 := by decide"


def backend(settings: Settings) -> tuple[tuple[str, ...], str | None, str, bool]:
    """(argv, cwd, header, real Lean?)"""
    if missing_toolchain(settings) is None:
        return (
            build_argv(settings.lean_repl_cmd),
            settings.lean_project_dir,
            os.environ.get("VERIWARD_LEAN_TEST_HEADER", ""),
            True,
        )
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    fake = (python, "-I", str(ROOT / "tests" / "lean_fake_repl.py"), str(TRANSCRIPTS))
    return fake, None, "def f := 37", False


async def one(pool: ReplPool, header: str, real: bool) -> None:
    deadline = time.monotonic() + 300
    async with pool.lease(header, deadline) as repl:
        if real:
            out = await check_proof(repl, parse_statement(STATEMENT), PROOF, deadline, 0)
            assert out.verdict is Verdict.CORRECT, out.reason
        else:
            r = await repl.send({"cmd": "#check (rfl : f = 37)", "env": repl.header_env}, deadline)
            assert r.messages and r.messages[0].data == "rfl : f = f", r


async def run(
    n: int, max_proofs: int, argv: tuple[str, ...], cwd: str | None, header: str, real: bool, jail: JailConfig
) -> float:
    pool = ReplPool(PoolConfig(argv=argv, cwd=cwd, size=1, max_proofs=max_proofs, jail=jail))
    try:
        t0 = time.perf_counter()
        for _ in range(n):
            await one(pool, header, real)
        return time.perf_counter() - t0
    finally:
        await pool.close()


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="proofs per mode")
    add_markdown_arg(ap)
    args = ap.parse_args()
    n = args.n
    out = Report("lean_pool.py", args.markdown)
    settings = Settings()
    argv, cwd, header, real = backend(settings)
    out.line(
        f"REPL: {'Lean' if real else 'transcript replay (no Lean here): overhead only'}; {n} proofs a mode"
    )
    bwrap = jail_config(settings.model_copy(update={"lean_sandbox": "bwrap"}))
    bwrap = JailConfig(bwrap.bwrap, (str(ROOT / "tests"), str(TRANSCRIPTS), *bwrap.ro_paths))
    none = JailConfig(bwrap=None)
    rows = []
    for label, max_proofs in (("warm pool (header loaded once)", 0), ("cold start per proof", 1)):
        for jail_name, jail in (("unconfined", none), ("bubblewrap jail", bwrap)):
            rows.append((f"{label}, {jail_name}", await run(n, max_proofs, argv, cwd, header, real, jail)))
    table = [(name, f"{secs:.2f}", f"{1000 * secs / n:.1f}", f"{n / secs:.1f}") for name, secs in rows]
    out.table(("mode", "seconds", "ms/proof", "proofs/s"), table, (False, True, True, True))
    warm_cost, cold_cost = (1000 * (rows[i + 1][1] - rows[i][1]) / n for i in (0, 2))
    out.line(
        f"Cold / warm (unconfined): {rows[2][1] / rows[0][1]:.1f}x; jail cost per proof: warm "
        f"{warm_cost:+.1f} ms, cold {cold_cost:+.1f} ms."
    )
    out.write()


if __name__ == "__main__":
    asyncio.run(main())
