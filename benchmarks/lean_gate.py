"""The Lean gate beside the gate it replaces (commit 3dfe1be), in the same run: what each refuses on the
cheat catalogue and the audit corpus, what each wrongly refuses among honest look-alikes, how the new lexer
agrees with the independent spec (tests/lean_spec_lexer.py) on outside Lean text, and throughput.

    python benchmarks/lean_gate.py [--mb 1]

Outside Lean text: the commands of the Lean REPL's own test suite (shared/lean/repl-transcripts) and the
.lean files shipped in the lean-dojo-v2 wheel on PyPI (downloaded with pip when not cached).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from _report import Report, add_markdown_arg  # noqa: E402
from lean_spec_lexer import SpecError, spec_tokens  # noqa: E402
from test_lean_gate import CHEATS, HONEST  # noqa: E402

from veriward.audit import load_corpus  # noqa: E402
from veriward.verifiers.lean._gate import scan  # noqa: E402
from veriward.verifiers.lean._lexer import LexError, tokenize  # noqa: E402
from veriward.verifiers.lean._repl import split_stream  # noqa: E402
from veriward.verifiers.lean._source import extract_proof  # noqa: E402

OLD_COMMIT = "3dfe1be"
TRANSCRIPTS = ROOT.parent / "shared" / "lean" / "repl-transcripts"


def old_gate() -> ModuleType | None:
    try:
        src = subprocess.run(
            ["git", "show", f"{OLD_COMMIT}:veriward/verifiers/lean/_gate.py"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp()) / "old_gate.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("old_gate", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["old_gate"] = mod
    spec.loader.exec_module(mod)
    return mod


def outside_texts() -> dict[str, str]:
    texts: dict[str, str] = {}
    for inp in sorted(TRANSCRIPTS.glob("*.in")):
        for k, chunk in enumerate(split_stream(inp.read_text())):
            cmd = json.loads(chunk).get("cmd")
            if isinstance(cmd, str):
                texts[f"repl-tests/{inp.stem}#{k}"] = cmd
    for lean in sorted(TRANSCRIPTS.glob("*.lean")):
        texts[f"repl-tests/{lean.name}"] = lean.read_text()
    cache = Path(tempfile.gettempdir()) / "veriward-bench-ldv2"
    wheels = list(cache.glob("lean_dojo_v2-*.whl"))
    if not wheels:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "lean-dojo-v2==1.0.9",
            "--no-deps",
            "-q",
            "-d",
            str(cache),
        ]
        subprocess.run(cmd, capture_output=True, check=False, timeout=300)
        wheels = list(cache.glob("lean_dojo_v2-*.whl"))
    for wheel in wheels[:1]:
        with zipfile.ZipFile(wheel) as z:
            for name in z.namelist():
                if name.endswith(".lean"):
                    texts[f"lean-dojo-v2/{name}"] = z.read(name).decode()
    return texts


def agreement(texts: dict[str, str]) -> tuple[int, int, int, int]:
    """(texts, both lexed and agreed, both refused, disagreed) of the gate's lexer and the spec."""
    agreed = refused = differ = 0
    for text in texts.values():
        try:
            mine: list[tuple[str, str]] | None = [(t.kind.value, t.text) for t in tokenize(text)]
        except LexError:
            mine = None
        try:
            theirs: list[tuple[str, str]] | None = spec_tokens(text)
        except SpecError:
            theirs = None
        if mine is None and theirs is None:
            refused += 1
        elif mine == theirs:
            agreed += 1
        else:
            differ += 1
    return len(texts), agreed, refused, differ


def best_of(fn: object, arg: str, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn(arg)  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=1.0, help="size of the throughput text")
    add_markdown_arg(ap)
    args = ap.parse_args()
    out = Report("lean_gate.py", args.markdown)
    old = old_gate()
    corpus = [extract_proof(p.request["response"]) for p in load_corpus(["lean"]) if p.kind == "hack"]
    gates = [("this gate", scan), *([(f"gate at {OLD_COMMIT}", old.scan)] if old else [])]
    rows = []
    for name, gate in gates:
        cheats = sum(bool(gate(t)) for t in CHEATS.values())
        hacks = sum(bool(gate(t)) for t in corpus)
        honest = sum(bool(gate(t)) for t in HONEST.values())
        rows.append((name, f"{cheats}/{len(CHEATS)}", f"{hacks}/{len(corpus)}", f"{honest}/{len(HONEST)}"))
    head = (
        "gate",
        "cheat catalogue refused",
        "audit-corpus Lean hacks refused at the gate",
        "honest refused",
    )
    out.table(head, rows, (False, True, True, True))
    texts = outside_texts()
    n, agreed, refused, differ = agreement(texts)
    flagged = sum(bool(scan(t)) for t in texts.values())
    out.line(
        f"Outside Lean text: {n} texts; lexer and spec agree on {agreed}, both refuse {refused}, differ on "
        f"{differ}; the gate refuses {flagged} of them (meta code, sorry)."
    )
    unit = (
        "theorem mathd (a b : ℝ) (h₀ : 0 < a ∧ 0 < b) : a * b ≤ (a ^ 2 + b ^ 2) / 2 := by\n"
        "  -- AM-GM /- nested -/ remark\n  nlinarith [sq_nonneg (a - b), h₀.1, h₀.2] -- done\n"
    )
    big = unit * int(args.mb * 1_000_000 / len(unit.encode()))
    out.line(f"Throughput on {len(big.encode()) / 1e6:.2f} MB of Mathlib-style proof text (best of 3):")
    rows = []
    for name, gate in gates:
        secs = best_of(gate, big)
        rows.append((name, f"{secs:.3f}", f"{len(big.encode()) / 1e6 / secs:.1f}"))
    out.table(("gate", "seconds", "MB/s"), rows, (False, True, True))
    out.write()


if __name__ == "__main__":
    main()
