"""Code scorer throughput per language: submissions/s through the engine, compile time reported apart.

Each submission is a correct a+b program with three stdin/stdout tests, compiled once in the sandbox.
Beside it, in the same run, the floor: the same compile and the same three runs done bare on the host
(no sandbox, one after another), i.e. what the toolchain alone costs here.

    python benchmarks/code_languages_throughput.py --backend process --n 8
    python benchmarks/code_languages_throughput.py --backend docker --languages c,java
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import Report, add_markdown_arg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _code_language_programs import CLASSIC, SUM_TESTS

from veriward._sync import SyncEngine
from veriward.settings import Settings
from veriward.verifiers.code._languages import LANGUAGES, SANDBOX_PATH


def sandboxed(eng: SyncEngine, language: str, n: int) -> tuple[float, list[float], list[str]]:
    """(submissions/s, compile times, verdicts) for n concurrent submissions."""
    program = CLASSIC[language]["sum"][0]
    # Each submission differs by a comment: identical requests would be scored once (dedup, result cache).
    reqs = [
        {
            "verifier": "code",
            "response": f"```{language}\n{program}// submission {os.urandom(8).hex()}\n```\n",
            "reference": {"language": language, "stdio": SUM_TESTS},
            "timeout_s": 300,
        }
        for _ in range(n)
    ]
    start = time.perf_counter()
    results = eng.score_batch(reqs)
    elapsed = time.perf_counter() - start
    compiles = [float(r.details.get("compile", {}).get("time_s") or 0.0) for r in results]
    return n / elapsed, compiles, [str(r.verdict) for r in results]


def bare(language: str, n: int) -> tuple[float, float]:
    """(submissions/s, mean compile s) compiling and running on the host with no sandbox, sequentially."""
    lang = LANGUAGES[language]
    program = CLASSIC[language]["sum"][0]
    env = {**os.environ, "PATH": SANDBOX_PATH, **lang.env, "HOME": tempfile.gettempdir()}
    compile_s = []
    start = time.perf_counter()
    for _ in range(n):
        with tempfile.TemporaryDirectory() as work:
            files = lang.sources(program)
            for name, text in files.items():
                Path(work, name).write_text(text)
            env["GOCACHE"] = env["GOPATH"] = os.path.join(work, ".go")
            srcs = lang.compiled_sources(files)
            argv = [a for x in lang.compile for a in (srcs if x == "{sources}" else [x])]
            t = time.perf_counter()
            subprocess.run(argv, cwd=work, env=env, check=True, capture_output=True)
            compile_s.append(time.perf_counter() - t)
            stack_kb = min(lang.stack_mb or 8, 256) * 1024 * 7 // 8  # as the runner sizes it for 512 MB
            run = [a.replace("{mem}", "512").replace("{stack_kb}", str(stack_kb)) for a in lang.run]
            for test in SUM_TESTS:
                subprocess.run(
                    run, cwd=work, env=env, input=test["input"].encode(), check=True, capture_output=True
                )
    return n / (time.perf_counter() - start), statistics.mean(compile_s)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="process", choices=("process", "docker", "layered"))
    ap.add_argument("--languages", default=",".join(CLASSIC))  # the compiled and other languages
    ap.add_argument("--n", type=int, default=8, help="submissions per language")
    ap.add_argument("--jobs", type=int, default=4, help="submissions in sandboxes at once")
    add_markdown_arg(ap)
    args = ap.parse_args()
    out = Report("code_languages_throughput.py", args.markdown)
    table: list[tuple[str, ...]] = []
    eng = SyncEngine(Settings(sandbox=args.backend, sandbox_jobs=args.jobs, sandbox_warm=min(2, args.jobs)))
    print(f"backend={args.backend} n={args.n} jobs={args.jobs} cpus={os.cpu_count()}")
    head = ("language", "subs/s", "compile s (median)", "bare subs/s", "bare compile s")
    print(f"{head[0]:11} {head[1]:>7} {head[2]:>19} {head[3]:>12} {head[4]:>15}  verdicts")
    try:
        for language in args.languages.split(","):
            if args.backend == "process" and not all(
                shutil.which(t, path=SANDBOX_PATH) for t in LANGUAGES[language].tools
            ):
                print(f"{language:11} skipped: toolchain missing on this host")
                continue
            sandboxed(eng, language, 1)  # warm-up: sandbox start, image caches
            rate, compiles, verdicts = sandboxed(eng, language, args.n)
            bare_rate, bare_compile = bare(language, max(2, args.n // 2))
            ok = f"{verdicts.count('correct')}/{len(verdicts)} correct"
            med = statistics.median(compiles)
            print(f"{language:11} {rate:7.2f} {med:19.2f} {bare_rate:12.2f} {bare_compile:15.2f}  {ok}")
            table.append(
                (language, f"{rate:.2f}", f"{med:.2f}", f"{bare_rate:.2f}", f"{bare_compile:.2f}", ok)
            )
    finally:
        eng.close()
    out.line(f"Backend {args.backend}, {args.n} submissions a language, {args.jobs} at once.")
    head = (
        "language",
        f"{args.backend} subs/s",
        "compile s",
        "bare subs/s",
        "bare compile s",
        "verdicts",
    )
    out.table(head, table, (False, True, True, True, True, False))
    out.write()


if __name__ == "__main__":
    main()
