"""A candidate can only lose, on every sandbox backend, through a real server.

Each candidate-side failure of the issue as a real program: result records the host cannot decode
(written raw by Python, JavaScript and Java programs), lone surrogates in exception text, control-flow
exceptions through the checker's proxy, state shared between the tests of one submission (/tmp,
/dev/shm, /box, System V shared memory, semaphores and message queues, POSIX message queues; Python, C,
C++), a writable /dev, and System V shared memory beyond the memory limit. Every one must score at most
what an honest wrong answer scores, and none may be `error`.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _backends import BACKENDS, language_skip
from conftest import LiveServer

from veriward.settings import Settings


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    srv = LiveServer(Settings(sandbox=request.param, pool_workers=1, sandbox_warm=2, sandbox_jobs=4)).start()
    srv.backend = request.param  # type: ignore[attr-defined]
    yield srv
    srv.stop()


def _needs(server: LiveServer, language: str) -> None:
    why = language_skip(server.backend, language)  # type: ignore[attr-defined]
    if why:
        pytest.skip(why)


def score_all(server: LiveServer, requests: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    with httpx.Client(base_url=server.url, timeout=180) as c, concurrent.futures.ThreadPoolExecutor(4) as ex:
        futs = {
            k: ex.submit(c.post, "/v1/score", json={"verifier": "code", "timeout_s": 60, **r})
            for k, r in requests.items()
        }
        out = {}
        for k, f in futs.items():
            resp = f.result()
            assert resp.status_code == 200, (k, resp.text)
            out[k] = resp.json()
    return out


def _fence(code: str, tag: str = "python") -> str:
    return f"```{tag}\n{code}\n```"


def _no_gain(results: dict[str, dict[str, Any]], floor: float = 0.0) -> None:
    gained = {k: (r["verdict"], r["score"], r["reason"]) for k, r in results.items() if r["score"] > floor}
    errors = {k: r["reason"] for k, r in results.items() if r["verdict"] == "error"}
    assert gained == {} and errors == {}


# -- records the host cannot decode -----------------------------------------------------------------------

RAW_RECORDS = {
    "empty_complex": '{"value":{"t":"complex","v":[]}}',
    "object_tag": '{"value":{"t":"object","v":{"__class__":"X"}}}',
    "untagged_object": '{"value":{"__class__":"X","args":[]}}',
    "big_int_under_tolerance": '{"value":' + "9" * 400 + "}",
    "hex_int_flood": '{"value":{"t":"int","v":"0x' + "f" * 6000 + '"}}',
    "deep_nesting": '{"value":' + "[" * 20000 + "]" * 20000 + "}",
    "surrogate_value": '{"value":"\\ud800"}',
    "claims_to_be_the_checker": '{"status":"pass","excerpt":""}',
    "not_json": "\\xff\\xfe PASS",
}
WRITE_RAW = "import os, sys\nos.write(int(sys.argv[2]), {record!r}.encode() + b'\\n')\nos._exit(0)\n"
CASES_TOL = [{"args": [1], "expected": 2.5}, {"args": [2], "expected": 3.5}]


def test_undecodable_records_from_python_fail_their_tests(server: LiveServer) -> None:
    ref = {"entry_point": "f", "cases": CASES_TOL, "float_tolerance": 1e-6}
    requests = {
        k: {"response": _fence(WRITE_RAW.format(record=r)), "reference": ref} for k, r in RAW_RECORDS.items()
    }
    requests["honest_wrong"] = {"response": _fence("def f(x):\n    return 0.0\n"), "reference": ref}
    results = score_all(server, requests)
    assert results["honest_wrong"]["score"] == 0.0
    _no_gain(results)
    assert all(r["verdict"] == "incorrect" for r in results.values())


JS_BIGINT = "function f(x) { return x === 1 ? 10n ** 400n : 10n ** 5000n; }\nmodule.exports = { f };\n"
JAVA_RAW = (
    "class Solution {\n  static double f(int x) throws Exception {\n"
    "    for (int fd = 3; fd < 40; fd++) {\n"
    '      try (java.io.FileOutputStream o = new java.io.FileOutputStream("/proc/self/fd/" + fd)) {\n'
    '        o.write("{\\"value\\":{\\"t\\":\\"complex\\",\\"v\\":[]}}\\n".getBytes());\n'
    "      } catch (Exception e) { }\n    }\n    Runtime.getRuntime().halt(0);\n    return 0;\n  }\n}\n"
)


@pytest.mark.parametrize(("language", "code"), [("javascript", JS_BIGINT), ("java", JAVA_RAW)])
def test_bigint_and_raw_records_from_other_languages_fail_their_tests(
    server: LiveServer, language: str, code: str
) -> None:
    _needs(server, language)
    ref = {"language": language, "entry_point": "f", "cases": CASES_TOL, "float_tolerance": 1e-6}
    res = score_all(server, {"x": {"response": _fence(code, language), "reference": ref}})["x"]
    assert (res["verdict"], res["score"]) == ("incorrect", 0.0), res


# -- text that would break the response ------------------------------------------------------------------


def test_lone_surrogates_never_fail_the_batch(server: LiveServer) -> None:
    ref = {"entry_point": "f", "cases": [{"args": [1], "expected": 1}]}
    tc = {"entry_point": "f", "test_code": "def check(candidate):\n    assert candidate(1) == 1\n"}
    raise_it = "def f(x):\n    raise ValueError('bad \\ud800 text \\udfff')\n"
    print_it = "import sys\ndef f(x):\n    sys.stderr.write('\\ud800')\n    print('\\udfff')\n    return x\n"
    items = [
        {"verifier": "code", "response": _fence(raise_it), "reference": ref},
        {"verifier": "code", "response": _fence(raise_it), "reference": tc},
        {"verifier": "code", "response": _fence(print_it), "reference": tc},
        {"verifier": "code", "response": _fence("def f(x):\n    return x\n"), "reference": ref},
    ]
    with httpx.Client(base_url=server.url, timeout=120) as c:
        resp = c.post("/v1/score/batch", json={"requests": items})
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert [r["verdict"] for r in results] == ["incorrect", "incorrect", "correct", "correct"]


# -- control flow through the checker's proxy ------------------------------------------------------------

# With a StopIteration from `double`, map() ends early: zip() yields nothing and all() is True.
ZIP_ALL = "assert all(a == 2 * b for a, b in zip(map(double, [1, 2, 3]), [1, 2, 3]))"
LOOP_TEST = (
    "def check(candidate):\n"
    "    for ok in map(lambda x: candidate(x) == 2 * x, [1, 2, 3]):\n        assert ok\n"
    "    assert all(map(candidate, [1, 2]))\n"
)


@pytest.mark.parametrize(
    "exc", ["StopIteration", "StopAsyncIteration", "GeneratorExit", "SystemExit", "KeyboardInterrupt"]
)
def test_control_flow_exceptions_cannot_end_the_tests_loop(server: LiveServer, exc: str) -> None:
    code = f"def double(x):\n    raise {exc}\n"
    wrong = "def double(x):\n    return x\n"
    requests = {
        "test_code": {
            "response": _fence(code),
            "reference": {"entry_point": "double", "test_code": LOOP_TEST},
        },
        "mbpp": {
            "response": _fence(code),
            "reference": {"format": "mbpp", "test_list": [ZIP_ALL]},
        },
        "pytest": {
            "response": _fence(code),
            "reference": {
                "format": "pytest",
                "test_code": f"from solution import double\n\ndef test_loop():\n    {ZIP_ALL}\n",
            },
        },
    }
    for form in list(requests):
        requests[f"{form}/honest_wrong"] = {**requests[form], "response": _fence(wrong)}
    results = score_all(server, requests)
    assert {k: r["score"] for k, r in results.items() if k.endswith("honest_wrong")} == dict.fromkeys(
        ("test_code/honest_wrong", "mbpp/honest_wrong", "pytest/honest_wrong"), 0.0
    )
    _no_gain(results)


# -- isolation between the tests of one submission --------------------------------------------------------

PY_LEAK = r"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
found = [p for p in ("/tmp/mark", "/dev/shm/mark", "/box/mark", "/dev/mqueue/vwmark") if os.path.exists(p)]
probes = {
    "shm": lambda: libc.shmget(4242, 4096, 0o600),
    "sem": lambda: libc.semget(4243, 1, 0o600),
    "msg": lambda: libc.msgget(4244, 0o600),
    "mq": lambda: libc.mq_open(b"/vwmark", os.O_RDONLY),
}
found += [name for name, probe in probes.items() if probe() >= 0]
for p in ("/tmp/mark", "/dev/shm/mark", "/box/mark"):
    try:
        open(p, "w").write("1")
    except OSError:
        pass
libc.shmget(4242, 4096, 0o1600); libc.semget(4243, 1, 0o1600); libc.msgget(4244, 0o1600)
libc.mq_open(b"/vwmark", os.O_CREAT | os.O_RDWR, 0o600, None)
def seen(x=0):
    return " ".join(found) or "clean"
if __name__ == "__main__":
    print(seen())
"""
C_LEAK = r"""
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/sem.h>
#include <sys/msg.h>
int main(void) {
  char out[256] = "";
  const char *paths[] = {"/tmp/mark", "/dev/shm/mark", "/box/mark"};
  for (int i = 0; i < 3; i++) if (access(paths[i], F_OK) == 0) { strcat(out, paths[i]); strcat(out, " "); }
  if (shmget(4242, 4096, 0600) >= 0) strcat(out, "shm ");
  if (semget(4243, 1, 0600) >= 0) strcat(out, "sem ");
  if (msgget(4244, 0600) >= 0) strcat(out, "msg ");
  if (mq_open("/vwmark", O_RDONLY) != (mqd_t)-1) strcat(out, "mq ");
  for (int i = 0; i < 3; i++) { FILE *f = fopen(paths[i], "w"); if (f) { fputs("1", f); fclose(f); } }
  shmget(4242, 4096, IPC_CREAT | 0600); semget(4243, 1, IPC_CREAT | 0600); msgget(4244, IPC_CREAT | 0600);
  mq_open("/vwmark", O_CREAT | O_RDWR, 0600, NULL);
  puts(out[0] ? out : "clean");
  return 0;
}
"""
CLEAN3 = [{"input": "", "output": "clean"}] * 3


def test_no_state_reaches_the_next_test(server: LiveServer) -> None:
    checks = "def check(candidate):\n    assert candidate() == 'clean'\n"
    requests = {
        "python/stdio": {"response": _fence(PY_LEAK), "reference": {"stdio": CLEAN3}},
        "python/cases": {
            "response": _fence(PY_LEAK),
            "reference": {"entry_point": "seen", "cases": [{"args": [], "expected": "clean"}] * 3},
        },
        "python/asserts": {
            "response": _fence(PY_LEAK),
            "reference": {"asserts": ["assert seen() == 'clean'"] * 3},
        },
        "python/test_code": {
            "response": _fence(PY_LEAK),
            "reference": {"entry_point": "seen", "test_code": checks},
        },
    }
    for language in ("c", "cpp"):
        if language_skip(server.backend, language):  # type: ignore[attr-defined]
            continue
        requests[f"{language}/stdio"] = {
            "response": _fence(C_LEAK, language),
            "reference": {"language": language, "stdio": CLEAN3},
        }
    results = score_all(server, requests)
    leaked = {
        k: [t["excerpt"] for t in r["details"].get("tests", [])]
        for k, r in results.items()
        if r["score"] != 1.0
    }
    assert leaked == {}, leaked


HIDE = r"""
import os
found = [p for p in ("/tmp/locked/mark", "/tmp/deep") if os.path.lexists(p)]
os.makedirs("/tmp/locked", exist_ok=True)
open("/tmp/locked/mark", "w").write("1")
os.chmod("/tmp/locked", 0)  # unreadable: a careless wipe skips it
os.mkdir("/tmp/deep")
os.chdir("/tmp/deep")
for _ in range(3000):  # deeper than a recursive delete can go, and past PATH_MAX
    os.mkdir("dddd")
    os.chdir("dddd")
print(" ".join(found) or "clean")
"""


def test_state_the_candidate_hides_is_wiped_too(server: LiveServer) -> None:
    res = score_all(server, {"x": {"response": _fence(HIDE), "reference": {"stdio": CLEAN3}}})["x"]
    assert res["score"] == 1.0, res["details"]


def test_dev_is_not_writable_beyond_a_small_shm(server: LiveServer) -> None:
    probe = r"""
import os
out = []
for p in ("/dev/x", "/dev/pts/x", "/dev/null2"):
    try:
        open(p, "w"); out.append("wrote " + p)
    except OSError:
        pass
try:
    with open("/dev/shm/big", "wb") as f:
        f.write(b"x" * (4 << 20))
    out.append("4 MiB in /dev/shm")
except OSError:
    pass
print(" ".join(out) or "read-only")
"""
    res = score_all(
        server,
        {"x": {"response": _fence(probe), "reference": {"stdio": [{"input": "", "output": "read-only"}]}}},
    )
    assert res["x"]["score"] == 1.0, res["x"]["details"]


def test_system_v_memory_counts_against_the_memory_limit(server: LiveServer) -> None:
    hold = r"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
held = 0
for _ in range(12):
    sid = libc.shmget(0, 64 << 20, 0o1600)
    if sid < 0:
        break
    addr = libc.shmat(sid, None, 0)
    ctypes.memset(addr, 1, 64 << 20)
    libc.shmdt(ctypes.c_void_p(addr))
    held += 64
print(held)
"""
    ref = {"stdio": [{"input": "", "output": "768"}, {"input": "", "output": "768"}], "memory_limit_mb": 512}
    res = score_all(server, {"x": {"response": _fence(hold), "reference": ref}})["x"]
    assert (res["verdict"], res["score"]) == ("incorrect", 0.0), res
    assert all("System V shared memory" in t["excerpt"] for t in res["details"]["tests"]), res
