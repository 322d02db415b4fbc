"""Load and chaos runs against a real `veriward serve` on 127.0.0.1.

    python benchmarks/load.py math [--n 600 --concurrency 32]
    python benchmarks/load.py mixed [--n 2000 --concurrency 64]   # half code: needs Docker
    python benchmarks/load.py chaos --i-may-restart-dockerd [--n 160 --concurrency 8]
    python benchmarks/load.py chaos --kill-only    # kills its own containers, leaves dockerd alone

`math`: n math requests (half correct, half incorrect, each verdict checked), `--concurrency` in flight;
p50/p99 latency and req/s, beside two floors measured in the same run: `GET /healthz` through the same
client at the same concurrency (the HTTP floor), and the same requests through the library engine in
this process (no HTTP).

`mixed`: n single requests, half code (Docker sandbox) and half math, through veriward's AsyncClient at
`--concurrency` in flight; every verdict is checked (no `timeout` or `error` from queueing; 429s with
Retry-After are retried and counted); p50/p99, /healthz latency during the run, and the HTTP floor.

`chaos`: code requests (half right programs, half wrong, each running ~0.3 s) through a server whose
sandbox is Docker; mid-run all of the server's containers are killed, later dockerd itself is restarted.
Every verdict must be right or `error` (never a right program scored wrong or the reverse), and the
same server process must score a fresh wave correctly once dockerd is back. Restarting dockerd stops
every container on the host: run it only when nothing else uses Docker.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from _report import Report, add_markdown_arg
from _server import free_port, wait_healthy


@contextmanager
def server(**env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`veriward serve` in a subprocess on a free loopback port, stopped (SIGTERM) afterwards."""
    port = free_port()
    full_env = {**os.environ, "VERIWARD_LOG_LEVEL": "warning", **env}
    proc = subprocess.Popen(
        [sys.executable, "-m", "veriward", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, url)
        yield url, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()


async def fire(
    url: str, method: str, path: str, bodies: list[Any], concurrency: int
) -> tuple[list[httpx.Response | Exception], list[float], float]:
    """Send every body with at most `concurrency` in flight: responses, latencies (s), wall time (s)."""
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def one(body: Any) -> httpx.Response | Exception:
            async with sem:
                t = time.perf_counter()
                try:
                    r = await client.request(method, path, json=body)
                except httpx.HTTPError as exc:
                    return exc
                latencies.append(time.perf_counter() - t)
                return r

        start = time.perf_counter()
        out = await asyncio.gather(*(one(b) for b in bodies))
    return list(out), latencies, time.perf_counter() - start


def _pct(xs: list[float], q: int) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1] * 1000 if len(xs) > 1 else 0.0


def _row(name: str, n: int, lat: list[float], wall: float) -> tuple[str, ...]:
    rate = n / wall
    return (
        name,
        str(n),
        f"{_pct(lat, 50):.0f}",
        f"{_pct(lat, 99):,.0f}",
        f"{rate:,.0f}" if rate >= 10 else f"{rate:.1f}",
    )


def _table(out: Report, rows: list[tuple[str, ...]]) -> None:
    out.table(("path", "n", "p50 ms", "p99 ms", "req/s"), rows, (False, True, True, True, True))


# -- math -----------------------------------------------------------------------------------------


def math_items(n: int) -> list[tuple[dict[str, Any], str]]:
    items = []
    for i in range(n):
        ref = str(i) if i % 2 == 0 else str(i + 1)
        body = {"verifier": "math", "response": rf"so the answer is \boxed{{{i}}}", "reference": ref}
        items.append((body, "correct" if i % 2 == 0 else "incorrect"))
    return items


async def _library_floor(bodies: list[dict[str, Any]], concurrency: int) -> tuple[list[float], float]:
    from veriward.engine import Engine

    sem = asyncio.Semaphore(concurrency)
    async with Engine() as engine:
        await engine.score(bodies[0])  # warm
        lat: list[float] = []

        async def one(b: dict[str, Any]) -> None:
            async with sem:
                t = time.perf_counter()
                await engine.score(b)
                lat.append(time.perf_counter() - t)

        start = time.perf_counter()
        await asyncio.gather(*(one(b) for b in bodies))
        return lat, time.perf_counter() - start


def run_math(n: int, concurrency: int, out: Report) -> int:
    items = math_items(n)
    bodies = [b for b, _ in items]
    with server() as (url, _):
        asyncio.run(fire(url, "POST", "/v1/score", bodies[:64], concurrency))  # warm-up
        # The floor is measured before and after, so that load from other processes falls on both alike.
        h1, h1_lat, h1_wall = asyncio.run(fire(url, "GET", "/healthz", [None] * (n // 2), concurrency))
        got, lat, wall = asyncio.run(fire(url, "POST", "/v1/score", bodies, concurrency))
        h2, h2_lat, h2_wall = asyncio.run(fire(url, "GET", "/healthz", [None] * (n - n // 2), concurrency))
    health, h_lat, h_wall = h1 + h2, h1_lat + h2_lat, h1_wall + h2_wall
    lib_lat, lib_wall = asyncio.run(_library_floor(bodies, concurrency))
    wrong = [
        i
        for i, (r, (_, want)) in enumerate(zip(got, items, strict=True))
        if isinstance(r, Exception) or r.status_code != 200 or r.json()["verdict"] != want
    ]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    out.line(
        f"Math load: {n} requests, {concurrency} in flight, {os.cpu_count()} cores, load average {load}."
    )
    rows = [
        _row("`POST /v1/score` (math)", n, lat, wall),
        _row("floor: `GET /healthz`, same client", n, h_lat, h_wall),
        _row("floor: library engine, no HTTP", n, lib_lat, lib_wall),
    ]
    _table(out, rows)
    bad_health = sum(1 for r in health if isinstance(r, Exception) or r.status_code != 200)
    out.line(f"Right verdicts: {n - len(wrong)}/{n}; failed health probes: {bad_health}.")
    out.write()
    return 0 if not wrong and not bad_health else 1


# -- mixed: single code and math requests through the project's async client ----------------------


def mixed_items(n: int) -> list[tuple[dict[str, Any], str]]:
    """Half code (a right or wrong program, real sandbox), half math; a quarter of each is right."""
    items = []
    for i in range(n):
        right = i % 4 < 2
        if i % 2 == 0:
            body = f"def f(x):\n    return x + {1 if right else 2}\n"
            ref = {"language": "python", "entry_point": "f", "cases": [{"args": [i], "expected": i + 1}]}
            req = {"verifier": "code", "response": f"```python\n{body}```", "reference": ref}
        else:
            req = {"verifier": "math", "response": rf"\boxed{{{i if right else i + 1}}}", "reference": str(i)}
        items.append((req, "correct" if right else "incorrect"))
    return items


def _overloaded(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(
        float(line.split()[-1]) for line in text.splitlines() if line.startswith("veriward_overloaded_total")
    )


async def _mixed_wave(url: str, items: list[tuple[dict[str, Any], str]], concurrency: int) -> Any:
    from veriward.client import AsyncClient

    sem = asyncio.Semaphore(concurrency)
    health: list[float] = []
    stop = asyncio.Event()

    async def probe() -> None:
        async with httpx.AsyncClient(base_url=url) as c:
            while not stop.is_set():
                t = time.perf_counter()
                await c.get("/healthz")
                health.append(time.perf_counter() - t)
                await asyncio.sleep(0.1)

    async with AsyncClient(url, max_concurrency=concurrency, deadline_s=900, max_attempts=100) as client:

        async def one(req: dict[str, Any]) -> tuple[Any, float]:
            async with sem:
                t = time.perf_counter()
                res = await client.score(**req)
                return res, time.perf_counter() - t

        prober = asyncio.create_task(probe())
        start = time.perf_counter()
        out = await asyncio.gather(*(one(r) for r, _ in items))
        wall = time.perf_counter() - start
        stop.set()
        await prober
    return out, wall, health


def run_mixed(n: int, concurrency: int, out: Report) -> int:
    items = mixed_items(n)
    with server(VERIWARD_SANDBOX="docker") as (url, _):
        asyncio.run(_mixed_wave(url, items[:32], 8))  # warm-up: containers, workers
        before = _overloaded(url)
        got, wall, health = asyncio.run(_mixed_wave(url, items, concurrency))
        refused = _overloaded(url) - before
        _, h_lat, h_wall = asyncio.run(fire(url, "GET", "/healthz", [None] * 500, concurrency))
    lat = [s for _, s in got]
    verdicts = [r.verdict.value for r, _ in got]
    wrong = [
        (r.verdict.value, want, r.reason)
        for (r, _), (_, want) in zip(got, items, strict=True)
        if r.verdict.value != want
    ]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    out.line(
        f"Mixed load: {n} single requests (half code, Docker sandbox), {concurrency} in flight, "
        f"load average {load}."
    )
    rows = [
        _row("`POST /v1/score` (code + math)", n, lat, wall),
        _row("floor: `GET /healthz`, same client", 500, h_lat, h_wall),
    ]
    _table(out, rows)
    out.line(
        f"`/healthz` during the run: p50 {_pct(health, 50):.1f} ms, p99 {_pct(health, 99):.1f} ms, "
        f"max {max(health) * 1000:.1f} ms. 429 answers (retried by the client after Retry-After): "
        f"{refused:g}. Timeout {verdicts.count('timeout')}, error {verdicts.count('error')}, wrong verdicts "
        f"{len(wrong)}."
    )
    out.write()
    for w in wrong[:10]:
        print("  wrong:", w)
    return 0 if not wrong else 1


# -- chaos --------------------------------------------------------------------------------------


def code_items(n: int, tag: str) -> list[tuple[dict[str, Any], bool]]:
    items = []
    for i in range(n):
        good = i % 2 == 0
        body = f"import time\ndef f(x):\n    time.sleep(0.3)\n    return x + {1 if good else 2}\n"
        req = {
            "verifier": "code",
            "id": f"{tag}-{i}",
            "response": f"```python\n{body}```",
            "reference": {
                "language": "python",
                "entry_point": "f",
                "cases": [{"args": [i], "expected": i + 1}],
            },
            "timeout_s": 60,
        }
        items.append((req, good))
    return items


def _docker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=60)


def kill_containers(server_pid: int) -> int:
    """`docker kill` every running container of this server (found by its pid label): how many."""
    ps = _docker("ps", "-q", "--filter", f"label=veriward.sandbox.pid={server_pid}")
    ids = ps.stdout.split()
    if ids:
        _docker("kill", *ids)
    return len(ids)


def restart_dockerd() -> float:
    """SIGTERM dockerd, start it again with the same command line; seconds until `docker info` works."""
    pid = int(
        subprocess.run(["pidof", "dockerd"], capture_output=True, text=True, check=True).stdout.split()[0]
    )
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        argv = [a.decode() for a in f.read().split(b"\0") if a]
    try:  # keep logging where the running daemon logs
        log_path = os.readlink(f"/proc/{pid}/fd/2")
    except OSError:
        log_path = "/tmp/veriward-dockerd.log"
    if not log_path.startswith("/"):
        log_path = "/tmp/veriward-dockerd.log"
    start = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    while os.path.exists(f"/proc/{pid}"):
        time.sleep(0.1)
    with open(log_path, "ab") as log:
        subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    while _docker("info").returncode != 0:
        time.sleep(0.25)
    return time.monotonic() - start


def judge(
    items: list[tuple[dict[str, Any], bool]], out: list[Any], reasons: set[str] | None = None
) -> tuple[int, int, list[str]]:
    """(right, error, wrong ids): a right program must be correct or error, a wrong one incorrect or error."""
    right = errors = 0
    wrong: list[str] = []
    for (req, good), r in zip(items, out, strict=True):
        verdict = (
            r.json()["verdict"] if not isinstance(r, Exception) and r.status_code == 200 else "http-fail"
        )
        if verdict == ("correct" if good else "incorrect"):
            right += 1
        elif verdict in ("error", "http-fail"):
            errors += 1
            if reasons is not None:
                reasons.add(r.json()["reason"][:120] if verdict == "error" else repr(r)[:120])
        else:
            wrong.append(f"{req['id']}:{verdict}: {r.json()['reason'][:160]}")
    return right, errors, wrong


async def _chaos_wave(
    url: str, pid: int, n: int, concurrency: int, restart: bool
) -> tuple[list[Any], int, float | None]:
    items = code_items(n, "chaos")
    load = fire(url, "POST", "/v1/score", [b for b, _ in items], concurrency)

    async def chaos() -> tuple[int, float | None]:
        await asyncio.sleep(3)
        killed = await asyncio.to_thread(kill_containers, pid)
        await asyncio.sleep(3)
        return killed, (await asyncio.to_thread(restart_dockerd)) if restart else None

    (out, _, _), (killed, restart_s) = await asyncio.gather(load, chaos())
    return out, killed, restart_s


def run_chaos(n: int, concurrency: int, restart: bool) -> int:
    with server(VERIWARD_SANDBOX="docker", VERIWARD_SANDBOX_JOBS=str(concurrency)) as (url, proc):
        warm = code_items(8, "warm")
        out, _, _ = asyncio.run(fire(url, "POST", "/v1/score", [b for b, _ in warm], concurrency))
        assert judge(warm, out)[0] == 8, "the code scorer does not work before any chaos"
        chaos_out, killed, restart_s = asyncio.run(_chaos_wave(url, proc.pid, n, concurrency, restart))
        reasons: set[str] = set()
        right, errors, wrong = judge(code_items(n, "chaos"), chaos_out, reasons)
        print(f"chaos: {n} code requests, {concurrency} in flight; docker kill of its {killed} containers")
        print(
            f"  restarted dockerd ({restart_s:.1f} s until it answered)"
            if restart_s
            else "  (dockerd left alone)"
        )
        print(f"  during chaos: {right} right, {errors} error, {len(wrong)} WRONG {wrong[:5]}")
        for reason in sorted(reasons)[:8]:
            print(f"    error: {reason}")
        recovered_after, after, waves = None, (0, 0, ["not run"]), 0
        t0 = time.monotonic()
        while waves < 12:  # the same server process, no restart: how soon is it whole again?
            waves += 1
            fresh = code_items(16, "after")
            out, _, _ = asyncio.run(fire(url, "POST", "/v1/score", [b for b, _ in fresh], concurrency))
            after = judge(fresh, out)
            if after[0] == 16:
                recovered_after = time.monotonic() - t0
                break
            time.sleep(5)
        alive = proc.poll() is None
    print(f"  after: {after[0]}/16 right, {after[1]} error, wrong {after[2][:5]}; server pid alive: {alive}")
    if recovered_after is not None:
        print(
            f"  recovered without a server restart: wave {waves} (16 requests) all right, "
            f"{recovered_after:.1f} s after the chaos wave"
        )
    else:
        print("  NOT recovered after 12 waves")
    return 0 if not wrong and recovered_after is not None and alive else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["math", "mixed", "chaos"])
    p.add_argument("--n", type=int, default=None)
    p.add_argument("--concurrency", type=int, default=None)
    p.add_argument("--i-may-restart-dockerd", action="store_true", help="required for chaos")
    p.add_argument("--kill-only", action="store_true", help="chaos without the dockerd restart")
    add_markdown_arg(p)
    args = p.parse_args()
    out = Report("load.py", args.markdown)
    if args.mode == "math":
        return run_math(args.n or 600, args.concurrency or 32, out)
    if args.mode == "mixed":
        return run_mixed(args.n or 2000, args.concurrency or 64, out)
    if args.markdown:
        p.error("--markdown is for the math and mixed modes (chaos prints its phases only)")
    if not args.i_may_restart_dockerd and not args.kill_only:
        p.error(
            "chaos restarts dockerd (stopping every container on this host); pass --i-may-restart-dockerd"
        )
    return run_chaos(args.n or 160, args.concurrency or 8, restart=not args.kill_only)


if __name__ == "__main__":
    sys.exit(main())
