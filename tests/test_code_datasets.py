"""Datasets as users bring them (`reference.format`), on every sandbox backend, through a real server.

Rows from the shared samples (MBPP, KodCode, APPS) and rows in the published shapes of the others
(LiveCodeBench, CodeContests): reference solutions score 1.0 and broken ones (every `return` made
`return None`) less; special judges score problems with many valid answers; pytest-style tests reach the
solution's classes and objects, in-place changes and printed output as pytest tests expect. The full
datasets, beside their own harnesses, are benchmarks/code_datasets.py; HumanEval's 164 are in
test_code_humaneval.py.
"""

from __future__ import annotations

import ast
import base64
import concurrent.futures
import json
import pickle
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _backends import BACKENDS, REASONS, language_skip
from conftest import SHARED, LiveServer

from veriward.errors import RequestError
from veriward.sandbox import DEFAULT_IMAGE, DockerSandbox
from veriward.settings import Settings
from veriward.verifiers.code._languages import image_for
from veriward.verifiers.code._reference import parse_reference

CODE = SHARED / "benchmarks" / "code"


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    srv = LiveServer(Settings(sandbox=request.param, pool_workers=1, sandbox_warm=2, sandbox_jobs=4)).start()
    srv.backend = request.param  # type: ignore[attr-defined]
    yield srv
    srv.stop()


def score_all(server: LiveServer, requests: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    with httpx.Client(base_url=server.url, timeout=300) as c, concurrent.futures.ThreadPoolExecutor(4) as ex:
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


class _NoneReturns(ast.NodeTransformer):
    def visit_Return(self, node: ast.Return) -> ast.Return:
        return ast.copy_location(ast.Return(value=ast.Constant(None)), node)


def broken(code: str) -> str:
    return ast.unparse(ast.fix_missing_locations(_NoneReturns().visit(ast.parse(code))))


def _pairs(rows: list[tuple[str, dict[str, Any], str]]) -> dict[str, dict[str, Any]]:
    """The reference solution and its broken twin of each (id, reference, solution)."""
    out = {}
    for ident, ref, solution in rows:
        out[f"{ident}/ref"] = {"response": _fence(solution), "reference": ref}
        out[f"{ident}/broken"] = {"response": _fence(broken(solution)), "reference": ref}
    return out


def _check_pairs(results: dict[str, dict[str, Any]]) -> None:
    refs = {
        k: (r["score"], r["reason"]) for k, r in results.items() if k.endswith("/ref") and r["score"] != 1.0
    }
    kept = {k: r["reason"] for k, r in results.items() if k.endswith("/broken") and r["score"] >= 1.0}
    errors = {k: r["reason"] for k, r in results.items() if r["verdict"] == "error"}
    assert (refs, kept, errors) == ({}, {}, {})


def _jsonl(name: str) -> list[dict[str, Any]]:
    path = CODE / name
    assert path.exists(), f"{path} is missing (the shared benchmark data)"
    with open(path) as f:
        return [json.loads(line) for line in f]


# MBPP rows that once failed: a returned Counter (88), a function named like a builtin (126), a function
# named `check` (56), set comparisons (2), floats (17).
MBPP_IDS = {2, 17, 56, 88, 126, 3, 4, 6, 7, 8, 9, 11, 12, 14, 16, 18, 19, 20, 57, 58, 59, 61, 62, 63}


def test_mbpp_rows_as_distributed(server: LiveServer) -> None:
    rows = [r for r in _jsonl("mbpp_sanitized.jsonl") if r["task_id"] in MBPP_IDS]
    assert len(rows) == len(MBPP_IDS)
    _check_pairs(
        score_all(
            server, _pairs([(f"MBPP/{r['task_id']}", {**r, "format": "mbpp"}, r["code"]) for r in rows])
        )
    )


def _kodcode_rows() -> list[dict[str, Any]]:
    """KodCode's rows, but the two whose tests never use the solution (a 422, see test_code_formats)."""
    path = CODE / "kodcode"
    assert path.is_dir(), f"{path} is missing (the shared benchmark data)"
    rows = [r for p in sorted(path.glob("*.json")) for r in json.loads(p.read_text())]
    return [r for r in rows if _accepted({**r, "format": "kodcode"})]


def _accepted(reference: dict[str, Any]) -> bool:
    try:
        parse_reference(reference)
    except RequestError:
        return False
    return True


# Rows whose tests build the solution's objects (a linked list, a stack, trees), capture what it prints,
# check an in-place sort, or call its functions without importing them.
KODCODE_MARKERS = (
    "LinkedList",
    "MyStack",
    "TreeNode",
    "redirect_stdout",
    "RangeFreqQuery",
    "ListNode",
    "bubble_sort",
)


def test_kodcode_rows_as_distributed(server: LiveServer) -> None:
    rows = [r for r in _kodcode_rows() if any(m in r["test_code"] for m in KODCODE_MARKERS)][:12]
    rows += [r for r in _kodcode_rows() if "from solution import" not in r["test_code"]][:2]
    assert len(rows) >= 12
    items = [(f"KodCode/{k}", {**r, "format": "kodcode"}, r["response"]) for k, r in enumerate(rows)]
    items = [(i, ref, sol) for i, ref, sol in items if broken(sol) != ast.unparse(ast.parse(sol))]
    _check_pairs(score_all(server, _pairs(items)))


PYTEST_FEATURES = """
import pytest
from solution import *

def test_objects_and_attributes():
    head = Node(1, Node(2))
    head.nxt.nxt = Node(3)
    assert total(head) == 6 and head.nxt.v == 2 and str(head) == "Node(1)"

def test_in_place_change():
    xs = [3, 1, 2]
    assert sort_in_place(xs) is None
    assert xs == [1, 2, 3]

def test_generators_and_iteration():
    assert list(evens(6)) == [0, 2, 4]
    assert 4 in evens(6) and len(Bag([1, 2])) == 2 and list(Bag([1, 2])) == [1, 2]
    assert evens(6) != [0, 2, 4]

def test_printed_output(capsys):
    shout("hi")
    assert capsys.readouterr().out == "HI\\n"

def test_standard_input(monkeypatch, capsys):
    import io
    monkeypatch.setattr("sys.stdin", io.StringIO("3 4\\n5 6\\n"))
    main()
    main()
    assert capsys.readouterr().out == "7\\n11\\n"

def test_exceptions():
    with pytest.raises(ValueError, match="negative"):
        root(-1)
    with pytest.raises(KeyError):
        lookup({}, "k")

@pytest.mark.parametrize("n", [1, 2, 3])
def test_parametrized(n):
    assert root(n * n) == n

class TestGrouped:
    def test_method(self):
        assert root(16) == 4
"""
PYTEST_SOLUTION = """
class Node:
    def __init__(self, v, nxt=None):
        self.v, self.nxt = v, nxt
    def __repr__(self):
        return f"Node({self.v})"
def total(n):
    s = 0
    while n:
        s, n = s + n.v, n.nxt
    return s
def sort_in_place(xs):
    xs.sort()
def evens(n):
    return (i for i in range(n) if i % 2 == 0)
class Bag:
    def __init__(self, xs):
        self.xs = list(xs)
    def __len__(self):
        return len(self.xs)
    def __iter__(self):
        return iter(self.xs)
def shout(s):
    print(s.upper())
class NegativeError(ValueError):
    pass
def root(x):
    if x < 0:
        raise NegativeError("negative input")
    return int(x ** 0.5)
def lookup(d, k):
    return d[k]
def main():
    a, b = map(int, input().split())
    print(a + b)
"""


def test_pytest_tests_reach_the_solution_as_pytest_would(server: LiveServer) -> None:
    ref = {"format": "pytest", "test_code": PYTEST_FEATURES}
    wrong = PYTEST_SOLUTION.replace("xs.sort()", "xs.reverse()").replace("s.upper()", "s")
    results = score_all(
        server,
        {
            "right": {"response": _fence(PYTEST_SOLUTION), "reference": ref},
            "wrong": {"response": _fence(wrong), "reference": ref},
        },
    )
    right, bad = results["right"], results["wrong"]
    assert right["score"] == 1.0 and right["details"]["total"] == 8, right["details"]["tests"]
    statuses = [t["status"] for t in bad["details"]["tests"]]
    assert statuses == ["pass", "fail", "pass", "fail", "pass", "pass", "pass", "pass"], bad["details"][
        "tests"
    ]


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
    got = output.split()
    if expected.split()[0] == "No":
        return got == ["No"]
    if not got or got[0] != "Yes" or len(got) != k + 1:
        return False
    chosen = list(map(int, got[1:]))
    return not Counter(chosen) - Counter(map(int, second.split())) and len({x % m for x in chosen}) == 1
"""
TESTLIB_771 = """
import sys
from collections import Counter
inp, out, ans = (open(p).read() for p in sys.argv[1:4])
first, second = inp.split("\\n")[:2]
n, k, m = map(int, first.split())
got = out.split()
if ans.split()[0] == "No":
    sys.exit(0 if got == ["No"] else 1)
ok = got[:1] == ["Yes"] and len(got) == k + 1
chosen = list(map(int, got[1:])) if ok else []
ok = ok and not Counter(chosen) - Counter(map(int, second.split())) and len({x % m for x in chosen}) == 1
sys.exit(0 if ok else 1)
"""


def test_apps_sample_runs_and_a_checker_scores_many_valid_answers(server: LiveServer) -> None:
    rows = _jsonl("apps_sample.jsonl")
    requests = {
        f"wrong/{r['problem_id']}": {"response": _fence("print(0)"), "reference": {**r, "format": "apps"}}
        for r in rows
    }
    row = next(r for r in rows if r["problem_id"] == 771)
    fn = {"source": CHECKER_771}
    prog = {"source": TESTLIB_771, "style": "testlib"}
    off_by_one = SOLUTION_771.replace("[:k]", "[:k - 1]")
    for name, checker, code in (
        ("plain", None, SOLUTION_771),
        ("function", fn, SOLUTION_771),
        ("testlib", prog, SOLUTION_771),
        ("function/wrong", fn, off_by_one),
        ("testlib/wrong", prog, off_by_one),
    ):
        ref = {**row, "format": "apps", **({"checker": checker} if checker else {})}
        requests[f"771/{name}"] = {"response": _fence(code), "reference": ref}
    res = score_all(server, requests)
    assert {r["verdict"] for k, r in res.items() if k.startswith("wrong/")} == {"incorrect"}
    assert sum(r["details"]["total"] for k, r in res.items() if k.startswith("wrong/")) == 213
    assert 0 < res["771/plain"]["score"] < 1.0  # the expected outputs are one valid answer of many
    assert res["771/function"]["score"] == 1.0 and res["771/testlib"]["score"] == 1.0
    assert res["771/function/wrong"]["score"] < 0.5 and res["771/testlib/wrong"]["score"] < 0.5


def test_checker_failures_fail_tests_never_the_verdict(server: LiveServer) -> None:
    stdio = [{"input": "1\n", "output": "2"}, {"input": "2\n", "output": "4"}]
    program = _fence("print(int(input()) * 2)")
    checkers = {
        "raises": "def check(i, o, e):\n    raise RuntimeError('checker bug')\n",
        "returns_none": "def check(i, o, e):\n    pass\n",
        "out_of_range": "def check(i, o, e):\n    return 7\n",
        "hangs": "def check(i, o, e):\n    while True:\n        pass\n",
        "partial": "def check(i, o, e):\n    return 0.5\n",
    }
    requests = {
        k: {"response": program, "reference": {"stdio": stdio, "checker": {"source": src, "time_limit_s": 1}}}
        for k, src in checkers.items()
    }
    cases = [{"args": [3], "expected": [1, 2]}, {"args": [4], "expected": [1, 3]}]
    two_sum = (
        "def check(args, got, expected):\n    return sorted(got) == sorted(expected) or sum(got) == args[0]\n"
    )
    requests["cases"] = {
        "response": _fence("def pair(n):\n    return [n - 1, 1]\n"),
        "reference": {"entry_point": "pair", "cases": cases, "checker": {"source": two_sum}},
    }
    res = score_all(server, requests)
    assert {k: (r["verdict"], r["score"]) for k, r in res.items()} == {
        "raises": ("incorrect", 0.0),
        "returns_none": ("incorrect", 0.0),
        "out_of_range": ("incorrect", 0.0),
        "hangs": ("incorrect", 0.0),
        "partial": ("incorrect", 0.5),
        "cases": ("correct", 1.0),
    }


def _lcb_private(tests: list[dict[str, Any]]) -> str:
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()


def test_livecodebench_and_codecontests_rows(server: LiveServer) -> None:
    functional = [
        {"input": "[2, 7, 11, 15]\n9", "output": "[0, 1]", "testtype": "functional"},
        {"input": "[3, 2, 4]\n6", "output": "[1, 2]", "testtype": "functional"},
    ]
    lcb = {
        "question_title": "two sum",
        "starter_code": "class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n",
        "public_test_cases": json.dumps(functional[:1]),
        "private_test_cases": _lcb_private(functional[1:]),
        "metadata": json.dumps({"func_name": "twoSum"}),
        "format": "livecodebench",
    }
    solution = (
        "from typing import List\nclass Solution:\n"
        "    def twoSum(self, nums: List[int], target: int) -> List[int]:\n"
        "        seen = {}\n        for i, x in enumerate(nums):\n            if target - x in seen:\n"
        "                return (seen[target - x], i)\n            seen[x] = i\n"
    )
    cc = {
        "name": "sum",
        "public_tests": {"input": ["1 2\n"], "output": ["3\n"]},
        "private_tests": {"input": ["5 7\n"], "output": ["12\n"]},
        "generated_tests": {"input": ["-1 1\n"], "output": ["0\n"]},
        "format": "codecontests",
    }
    requests = {
        **_pairs([("lcb", lcb, solution)]),
        "cc/python/ref": {
            "response": _fence("a, b = map(int, input().split())\nprint(a + b)"),
            "reference": cc,
        },
    }
    if not language_skip(server.backend, "cpp"):  # type: ignore[attr-defined]
        cpp = (
            "#include <iostream>\nint main() { long a, b; std::cin >> a >> b; std::cout << a + b << '\\n'; }"
        )
        requests["cc/cpp/ref"] = {"response": _fence(cpp, "cpp"), "reference": {**cc, "language": "cpp"}}
    _check_pairs(score_all(server, requests))


@pytest.mark.docker
@pytest.mark.skipif(REASONS["docker"] is not None, reason="no docker")
def test_a_sandbox_without_pytest_is_an_error_not_a_zero(make_server: Any) -> None:
    # The node image has python3 but no pytest: infrastructure, so `error` (a trainer drops it), while the
    # same image still runs tests that need no pytest.
    image = image_for("javascript", DEFAULT_IMAGE)
    if DockerSandbox(image).check() is not None:
        pytest.skip(f"{image} is not built")
    srv = make_server(sandbox="docker", sandbox_image=image, pool_workers=1, sandbox_warm=0)
    test = "from solution import f\n\ndef test_f():\n    assert f() == 1\n"
    res = score_all(
        srv,
        {
            "pytest": {
                "response": _fence("def f():\n    return 1\n"),
                "reference": {"format": "pytest", "test_code": test},
            },
            "asserts": {
                "response": _fence("def f():\n    return 1\n"),
                "reference": {"asserts": ["assert f() == 1"]},
            },
        },
    )
    assert res["pytest"]["verdict"] == "error" and "pytest is not installed" in res["pytest"]["reason"]
    assert res["asserts"]["verdict"] == "correct"
