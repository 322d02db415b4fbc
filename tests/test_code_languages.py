"""The code scorer in C, C++, Java, JavaScript, Go and Rust, on real toolchains in real sandboxes.

Each language runs on the process backend (bubblewrap with the host's toolchains; a language whose
toolchain the host lacks is skipped, saying which program is missing), on Docker and on the layered
backend (its runner image, which CI builds). Compiles are slow on small machines, so each test sends its
few submissions at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from _backends import BACKENDS, language_skip
from _code_language_programs import BROKEN, CLASSIC, HOSTILE, HOSTILE_MODES, TESTS, wrong

from veriward._sync import SyncEngine
from veriward.errors import RequestError
from veriward.models import ScoreResult
from veriward.sandbox import ProcessSandbox
from veriward.settings import Settings
from veriward.verifiers.base import Outcome
from veriward.verifiers.code._driver import Driver
from veriward.verifiers.code._extract import extract_code
from veriward.verifiers.code._languages import LANGUAGES, image_for, missing_host_tools
from veriward.verifiers.code._reference import parse_reference

LANGS = sorted(n for n in LANGUAGES if n != "python")  # the compiled and other languages (Python: elsewhere)


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Iterator[tuple[str, SyncEngine]]:
    backend = request.param
    eng = SyncEngine(Settings(sandbox=backend, sandbox_jobs=4, sandbox_warm=0))
    yield backend, eng
    eng.close()


def _usable(backend: str, language: str) -> None:
    why = language_skip(backend, language)
    if why:
        pytest.skip(why)


def _score(eng: SyncEngine, requests: list[dict[str, Any]]) -> list[ScoreResult]:
    return eng.score_batch([{"verifier": "code", "timeout_s": 120, **r} for r in requests])


# What each compiler's first lines say about the BROKEN program.
COMPILER_SAYS = {
    "c": "error: expected",
    "cpp": "error: conversion from",
    "java": "error: incompatible types",
    "javascript": "SyntaxError",
    "go": "x declared but not used",
    "rust": "mismatched types",
}


def _fenced(language: str, program: str) -> str:
    return f"Here is my solution.\n```{language}\n{program.rstrip()}\n```\n"


def _stdio(language: str, program: str, tests: list[dict[str, str]], **ref: Any) -> dict[str, Any]:
    return {
        "response": _fenced(language, program),
        "reference": {"language": language, "stdio": tests, **ref},
    }


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGS)
def test_classic_problems_correct_wrong_and_broken(engine: tuple[str, SyncEngine], language: str) -> None:
    backend, eng = engine
    _usable(backend, language)
    problems = sorted(TESTS)
    requests = [_stdio(language, CLASSIC[language][p][0], TESTS[p]) for p in problems]
    requests += [_stdio(language, wrong(language, p), TESTS[p]) for p in problems]
    requests.append(_stdio(language, BROKEN[language], TESTS["sum"]))
    results = _score(eng, requests)
    n = len(problems)
    for p, res in zip(problems, results[:n], strict=True):
        assert (res.verdict, res.score) == ("correct", 1.0), (p, res.reason, res.details)
        assert res.details["backend"] == backend
        assert res.details["compile"]["status"] == "ok"
    for p, res in zip(problems, results[n : 2 * n], strict=True):
        assert res.verdict == "incorrect" and res.score < 1.0, (p, res.reason, res.details)
        assert any(t["status"] == "fail" for t in res.details["tests"]), res.details
    broken = results[-1]
    assert (broken.verdict, broken.score, broken.reason) == ("incorrect", 0.0, "compile error"), broken
    assert broken.details["compile"]["status"] == "failed"
    assert COMPILER_SAYS[language] in broken.details["compile"]["output"], broken.details["compile"]
    # the coins DP is the one a greedy or buggy program gets partly right: the score is the fraction
    coins = results[n + problems.index("coins")]
    assert coins.score == pytest.approx(1 / 3), coins.details


class _Listener:
    """A TCP listener on the host's loopback that counts connections a sandboxed program makes."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGS)
def test_bombs_and_network_are_contained(engine: tuple[str, SyncEngine], language: str) -> None:
    backend, eng = engine
    _usable(backend, language)
    listener = _Listener()
    try:
        want = {"net": "connected\n", "ok": "ok\n"}
        tests = [{"input": f"{m} {listener.port}\n", "output": want.get(m, "done\n")} for m in HOSTILE_MODES]
        limit = 2 if language == "java" else 1  # CPU seconds; the JVM's start-up alone takes ~0.3-0.5
        req = _stdio(language, HOSTILE[language], tests, time_limit_s=limit, memory_limit_mb=256)
        (res,) = _score(eng, [req])
    finally:
        listener.close()
    assert res.details.get("compile", {}).get("status") == "ok", res
    statuses = dict(zip(HOSTILE_MODES, (t["status"] for t in res.details["tests"]), strict=True))
    # Only the harmless test passes: every attack failed, and each cost only its own test.
    assert res.verdict == "incorrect" and res.score == pytest.approx(1 / len(HOSTILE_MODES)), res.details
    assert statuses["ok"] == "pass", res.details
    assert statuses["loop"] == "timeout", res.details
    assert all(s != "pass" for m, s in statuses.items() if m != "ok"), res.details
    assert listener.accepted == 0
    assert res.details["wall_s"] < 60


# A callee that reads its caller's frame: no compiler can turn this recursion into a loop.
DEEP_C = """#include <stdio.h>
static long depth(long n, volatile char *up) {
  volatile char buf[96]; buf[0] = up[0]; return n == 0 ? 0 : 1 + depth(n - 1, buf);
}
int main(void) { long n; char z = 0; if (scanf("%ld", &n) != 1) return 1; printf("%ld\\n", depth(n, &z)); }
"""
DEEP_JS = """function depth(n) { return n === 0 ? 0 : 1 + depth(n - 1); }
console.log(depth(Number(require('fs').readFileSync(0, 'utf8'))));
"""


@pytest.mark.slow
@pytest.mark.parametrize(("language", "program"), [("c", DEEP_C), ("javascript", DEEP_JS)])
def test_deep_recursion_gets_a_big_stack(engine: tuple[str, SyncEngine], language: str, program: str) -> None:
    backend, eng = engine
    _usable(backend, language)
    # both crash with the usual 8 MB stack (C: ~130 B a frame; node: its default --stack-size)
    n = 300000 if language == "c" else 100000
    (res,) = _score(eng, [_stdio(language, program, [{"input": f"{n}\n", "output": f"{n}\n"}])])
    assert res.verdict == "correct", res.details


JS_FUNCS = """
function sortList(a) { return [...a].sort((x, y) => x - y); }
function sortLex(a) { return [...a].sort(); }
function minCoins(coins, amount) {
  const dp = new Array(amount + 1).fill(-1); dp[0] = 0;
  for (let x = 1; x <= amount; x++) for (const y of coins)
    if (y <= x && dp[x - y] >= 0 && (dp[x] < 0 || dp[x - y] + 1 < dp[x])) dp[x] = dp[x - y] + 1;
  return dp[amount];
}
function half(x) { return x / 2; }
async function later(x) { return x + 1; }
function counts(s) { const m = new Map(); for (const c of s) m.set(c, (m.get(c) || 0) + 1); return m; }
function leak() { return () => 1; }
"""

JAVA_FUNCS = """
import java.util.*;
class Solution {
  public static int[] sortList(int[] a) { int[] b = a.clone(); Arrays.sort(b); return b; }
  public static List<Integer> sortWrong(List<Integer> a) { return new ArrayList<>(a); }
  public int minCoins(int[] coins, int amount) {
    int[] dp = new int[amount + 1]; Arrays.fill(dp, -1); dp[0] = 0;
    for (int x = 1; x <= amount; x++) for (int y : coins)
      if (y <= x && dp[x - y] >= 0 && (dp[x] < 0 || dp[x - y] + 1 < dp[x])) dp[x] = dp[x - y] + 1;
    return dp[amount];
  }
  public static double half(int x) { return x / 2.0; }
  public static Map<String, Long> counts(String s) {
    Map<String, Long> m = new TreeMap<>();
    for (char c : s.toCharArray()) m.merge(String.valueOf(c), 1L, Long::sum);
    return m;
  }
}
"""

SORT_CASES = [
    {"args": [[3, 1, 2]], "expected": [1, 2, 3]},
    {"args": [[10, 9, 1]], "expected": [1, 9, 10]},
    {"args": [[]], "expected": []},
]
COIN_CASES = [
    {"args": [[1, 3, 4], 6], "expected": 2},
    {"args": [[2], 3], "expected": -1},
]


def _cases(language: str, program: str, entry: str, cases: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "response": _fenced(language, program),
        "reference": {"language": language, "entry_point": entry, "cases": cases},
    }


def _statuses(res: ScoreResult) -> list[str]:
    return [t["status"] for t in res.details["tests"]]


@pytest.mark.slow
def test_javascript_function_cases(engine: tuple[str, SyncEngine]) -> None:
    backend, eng = engine
    _usable(backend, "javascript")
    js = "javascript"
    results = _score(
        eng,
        [
            _cases(js, JS_FUNCS, "sortList", SORT_CASES),
            _cases(js, JS_FUNCS, "sortLex", SORT_CASES),  # the classic bug: sorts numbers as strings
            _cases(js, JS_FUNCS, "minCoins", COIN_CASES),
            # one number type: 2 is 2.0, but never "2" or true
            _cases(
                js,
                JS_FUNCS,
                "half",
                [
                    {"args": [4], "expected": 2.0},
                    {"args": [3], "expected": 1.5},
                    {"args": [4], "expected": "2"},
                    {"args": [2], "expected": True},
                ],
            ),
            _cases(js, JS_FUNCS, "later", [{"args": [1], "expected": 2}]),
            _cases(js, JS_FUNCS, "counts", [{"args": ["aba"], "expected": {"a": 2, "b": 1}}]),
            _cases(js, JS_FUNCS, "leak", [{"args": [], "expected": None}]),
            _cases(js, "function f( {", "f", [{"args": [], "expected": 1}]),
        ],
    )
    good, lex, coins, half, later, counts, leak, broken = results
    assert (good.verdict, coins.verdict, later.verdict, counts.verdict) == ("correct",) * 4, results
    assert _statuses(lex) == ["pass", "fail", "pass"]
    assert _statuses(half) == ["pass", "pass", "fail", "fail"]
    assert leak.score == 0.0 and _statuses(leak) == ["error"]
    assert "cannot return a value of type" in leak.details["tests"][0]["excerpt"]
    assert (broken.verdict, broken.reason) == ("incorrect", "compile error")
    assert "SyntaxError" in broken.details["compile"]["output"]


@pytest.mark.slow
def test_java_function_cases(engine: tuple[str, SyncEngine]) -> None:
    backend, eng = engine
    _usable(backend, "java")
    results = _score(
        eng,
        [
            _cases("java", JAVA_FUNCS, "sortList", SORT_CASES),
            _cases("java", JAVA_FUNCS, "sortWrong", SORT_CASES),
            _cases("java", JAVA_FUNCS, "minCoins", [*COIN_CASES, {"args": [[1], "x"], "expected": 1}]),
            # type-strict: a double is never the integer 2
            _cases(
                "java", JAVA_FUNCS, "half", [{"args": [4], "expected": 2.0}, {"args": [4], "expected": 2}]
            ),
            _cases("java", JAVA_FUNCS, "counts", [{"args": ["aba"], "expected": {"a": 2, "b": 1}}]),
        ],
    )
    good, bad, coins, half, counts = results
    assert (good.verdict, counts.verdict) == ("correct", "correct"), results
    assert _statuses(bad) == ["fail", "fail", "pass"]
    assert _statuses(coins) == ["pass", "pass", "error"]  # "x" cannot be an int: an error, not a crash
    assert _statuses(half) == ["pass", "fail"]


# -- no sandbox needed ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ({"language": "c", "entry_point": "f", "cases": [{"args": [], "expected": 1}]}, "use `stdio` for c"),
        ({"language": "java", "entry_point": "f", "test_code": "def check(c): pass"}, "Python only"),
        (
            {
                "language": "javascript",
                "entry_point": "f",
                "cases": [{"args": [], "kwargs": {"a": 1}, "expected": 1}],
            },
            "`kwargs` are Python only",
        ),
        ({"language": "cobol", "stdio": [{"input": "", "output": ""}]}, "not supported"),
    ],
)
def test_references_a_language_cannot_run_are_rejected(reference: dict[str, Any], message: str) -> None:
    with pytest.raises(RequestError, match=message):
        parse_reference(reference)


def test_every_language_has_stdio_and_js_java_have_cases() -> None:
    assert set(LANGUAGES) == {"python", "c", "cpp", "java", "javascript", "go", "rust"}
    assert {n for n, x in LANGUAGES.items() if x.supports_cases} == {"python", "java", "javascript"}
    for name in LANGUAGES:
        parse_reference({"language": name, "stdio": [{"input": "1 2", "output": "3"}]})


def test_code_block_of_the_language_is_extracted() -> None:
    response = "```python\nprint(1)\n```\ntext\n```c++\nint main(){}\n```\n```\nplain\n```"
    assert extract_code(response, "cpp") == "plain\n"
    assert extract_code("```cpp\nint main(){}\n```\n```rust\nfn main(){}\n```", "cpp") == "int main(){}\n"
    assert extract_code("```js\nconsole.log(1)\n```", "javascript") == "console.log(1)\n"


def test_images_are_named_after_the_python_image() -> None:
    assert image_for("go", "veriward-sandbox-python:latest") == "veriward-sandbox-go:latest"
    assert image_for("cpp", "reg.example/veriward-sandbox-python:v2") == "reg.example/veriward-sandbox-gcc:v2"
    assert image_for("c", "other:1") == "veriward-sandbox-gcc:latest"
    assert image_for("python", "x:1") == "x:1"


def _score_with(lang: Any, code: str, reference: dict[str, Any]) -> Outcome:
    """Score through the driver of a modified language on the process backend."""
    ref = parse_reference(reference)

    async def run() -> Outcome:
        sandbox = ProcessSandbox(max_jobs=1)
        await sandbox.start()
        try:
            driver = Driver(lang)
            run, wall = await driver.run(sandbox, code, ref, 30.0)
            return driver.outcome(run, ref, wall)
        finally:
            await sandbox.close()

    return asyncio.run(run())


def test_a_compiler_over_its_cpu_limit_is_incorrect_not_an_error() -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    spin = dataclasses.replace(LANGUAGES["c"], compile=("sh", "-c", "while :; do :; done"), compile_time_s=1)
    out = _score_with(spin, "int main(){}", {"language": "c", "stdio": [{"input": "", "output": ""}]})
    assert (out.verdict, out.score) == ("incorrect", 0.0), out
    assert out.reason == "compilation exceeded its 1 CPU-second limit"
    assert out.details["compile"]["status"] == "timeout"


def test_a_missing_toolchain_is_named_and_scored_as_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    compile_argv = ("no-such-cc", "{sources}")
    fake = dataclasses.replace(LANGUAGES["c"], tools=("sh", "no-such-cc"), compile=compile_argv)
    monkeypatch.setitem(LANGUAGES, "c", fake)
    assert missing_host_tools("c") == ["no-such-cc"]
    out = _score_with(fake, "int main(){}", {"language": "c", "stdio": [{"input": "", "output": "1"}]})
    assert out.verdict == "error" and "toolchain is missing" in out.reason and "no-such-cc" in out.reason, out


def test_a_c_program_through_the_http_server(make_server: Any) -> None:
    if missing_host_tools("c"):
        pytest.skip(f"the host has no C toolchain for the process backend: missing {missing_host_tools('c')}")
    server = make_server(sandbox="process")
    program, _ = CLASSIC["c"]["sum"]
    body = {"verifier": "code", "timeout_s": 60, **_stdio("c", program, TESTS["sum"])}
    broken = {"verifier": "code", "timeout_s": 60, **_stdio("c", BROKEN["c"], TESTS["sum"])}
    c_cases = {"language": "c", "entry_point": "f", "cases": [{"args": [1], "expected": 1}]}
    bad_ref = {"verifier": "code", "response": "x", "reference": c_cases}
    with server.client() as http:
        ok, fails, rejected = (http.post("/v1/score", json=b) for b in (body, broken, bad_ref))
    assert ok.status_code == 200 and ok.json()["verdict"] == "correct", ok.text
    assert fails.json()["verdict"] == "incorrect" and fails.json()["reason"] == "compile error", fails.text
    assert rejected.status_code == 422 and "use `stdio` for c" in rejected.text, rejected.text
