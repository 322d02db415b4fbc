"""`reference.format`: dataset rows as distributed become the scorer's own references (parsed only here).

Rows in each dataset's shipped shape (the local samples where there are some, else rows built to the
dataset's published schema), the names test code takes from the solution, and the 422s a row that does not
fit gets. Running them in real sandboxes is test_code_datasets.py.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import zlib
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED

from veriward.errors import RequestError
from veriward.verifiers.code._reference import parse_reference

CODE = SHARED / "benchmarks" / "code"


def _rows(path: Path) -> list[dict[str, Any]]:
    assert path.exists(), f"{path} is missing (the shared benchmark data)"
    with open(path) as f:
        return [json.loads(line) for line in f]


def test_humaneval_row_keeps_its_prompt_as_trusted_context() -> None:
    row = {
        "task_id": "HumanEval/32",
        "prompt": "def poly(xs, x):\n    return sum(x * i for i in xs)\ndef find_zero(xs):\n    '''doc'''\n",
        "canonical_solution": "    return 0.0\n",
        "test": "def check(candidate):\n    assert abs(poly([1], candidate([1]))) < 10\n",
        "entry_point": "find_zero",
    }
    ref = parse_reference({**row, "format": "humaneval"})
    assert ref.mode == "test_code" and ref.n_tests == 1 and ref.entry_point == "find_zero"
    assert ref.context == row["prompt"] and ref.prelude == row["prompt"]
    assert ref.bind == []  # `poly` is the prompt's, in the checker: never taken from the solution


def test_every_mbpp_row_is_accepted_with_one_test_per_assert() -> None:
    rows = _rows(CODE / "mbpp_sanitized.jsonl")
    assert len(rows) == 427
    for row in rows:
        ref = parse_reference({**row, "format": "mbpp"})
        assert ref.mode == "asserts" and ref.n_tests == len(row["test_list"])
        assert ref.bind, row["task_id"]  # every row's asserts call the solution
    by_id = {r["task_id"]: r for r in rows}
    sum_row = parse_reference({**by_id[126], "format": "mbpp"})
    assert sum_row.bind == ["sum"]  # the row's own function shadows the builtin, as in MBPP's harness
    check_row = parse_reference({**by_id[56], "format": "mbpp"})
    assert "check" in check_row.bind


def test_mbpp_test_imports_and_the_solutions_imports_are_the_checkers() -> None:
    row = {
        "task_id": 1,
        "code": "import math\nfrom heapq import nlargest as nl\ndef area(r):\n    return math.pi * r * r\n",
        "test_list": ["assert math.isclose(area(2), 12.566, rel_tol=0.001)", "assert area(0) == 0"],
        "test_setup_code": "",
        "test_imports": ["import cmath"],
    }
    ref = parse_reference({**row, "format": "mbpp"})
    assert (
        ref.bind == ["area"]
        and "import math" in (ref.context or "")
        and "import cmath" in (ref.context or "")
    )
    no_code = parse_reference({"format": "mbpp", "test_list": row["test_list"]})
    # without the reference solution, `math` is still the checker's own (a standard-library module)
    assert no_code.bind == ["area"] and no_code.imports == ["math"]


def test_kodcode_rows_become_one_test_per_test_function() -> None:
    path = CODE / "kodcode"
    assert path.is_dir(), f"{path} is missing (the shared benchmark data)"
    rows = [r for p in sorted(path.glob("*.json")) for r in json.loads(p.read_text())]
    assert len(rows) == 109
    refused = []
    for row in rows:
        try:
            ref = parse_reference({**row, "format": "kodcode"})
        except RequestError as exc:
            refused.append(str(exc))
            continue
        assert ref.mode == "pytest" and ref.n_tests == row["test_code"].count("\ndef test_") + (
            row["test_code"].startswith("def test_")
        ) + sum(line.startswith("    def test_") for line in row["test_code"].splitlines())
    # Two rows whose test code defines the function under test itself: any response would pass.
    assert len(refused) == 2 and all("never use the solution" in r for r in refused)


def test_pytest_units_classes_and_names() -> None:
    code = (
        "import pytest\nfrom solution import Stack\nfrom typing import List\n\n"
        "def helper(xs: List[int]) -> int:\n    return total(xs)\n\n"
        "def test_a():\n    assert helper([1]) == 1\n\n"
        "class TestStack:\n    def test_push(self):\n        s = Stack()\n        s.push(1)\n"
        "    def helper(self):\n        pass\n\n"
        "@pytest.mark.parametrize('x', [1, 2])\ndef test_b(x: Optional[int]):\n    assert x\n"
    )
    ref = parse_reference({"format": "pytest", "test_code": code})
    assert ref.units == ["test_a", "TestStack::test_push", "test_b"]
    assert ref.bind == ["total"] and ref.imports == ["typing.Optional"]


def test_apps_rows_stdio_and_call_based() -> None:
    rows = _rows(CODE / "apps_sample.jsonl")
    assert len(rows) == 10
    for row in rows:
        ref = parse_reference({**row, "format": "apps"})
        io = json.loads(row["input_output"])
        assert ref.mode == "stdio" and ref.n_tests == len(io["inputs"])
    io = {"inputs": [[1, 2], [[3], 4], [5]], "outputs": [[3], 7, [1, 2, 3]], "fn_name": "f"}
    ref = parse_reference({"input_output": json.dumps(io), "format": "taco"})
    assert ref.mode == "cases" and ref.entry_point == "f" and ref.compare == "python"
    assert ref.cases is not None and [c.also for c in ref.cases] == [[3], [], []]
    lines = {"input_output": {"inputs": [["1", "2"]], "outputs": [["3", "4"]]}}
    stdio = parse_reference({**lines, "format": "apps"}).stdio
    assert stdio is not None and (stdio[0].input, stdio[0].output) == ("1\n2", "3\n4")


def _lcb_private(tests: list[dict[str, Any]]) -> str:
    """LiveCodeBench's shipped form of private tests: base64(zlib(pickle(json text)))."""
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()


def test_livecodebench_public_and_compressed_private_tests() -> None:
    public = [{"input": "1 2\n", "output": "3\n", "testtype": "stdin"}]
    private = [{"input": "5 5\n", "output": "10\n", "testtype": "stdin"}] * 3
    row = {
        "question_title": "a+b",
        "public_test_cases": json.dumps(public),
        "private_test_cases": _lcb_private(private),
        "metadata": "{}",
        "format": "livecodebench",
    }
    ref = parse_reference(row)
    assert (
        ref.mode == "stdio" and ref.n_tests == 4 and ref.stdio is not None and ref.stdio[3].output == "10\n"
    )
    functional = [{"input": "[1, 2]\n3", "output": "[1, 2, 3]", "testtype": "functional"}]
    row_f = {
        "public_test_cases": json.dumps(functional),
        "private_test_cases": _lcb_private(functional),
        "metadata": json.dumps({"func_name": "appendIt"}),
        "starter_code": "class Solution:\n    def appendIt(self, xs, x):\n        ",
        "format": "livecodebench",
    }
    ref_f = parse_reference(row_f)
    assert ref_f.mode == "cases" and ref_f.entry_point == "appendIt" and ref_f.cases is not None
    assert ref_f.cases[0].args == [[1, 2], 3] and ref_f.cases[0].expected == [1, 2, 3]


class _Exploit:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("touch /tmp/veriward-pwned-by-pickle",))


def test_a_pickle_that_would_run_code_is_refused_without_running() -> None:
    blob = base64.b64encode(zlib.compress(pickle.dumps(_Exploit()))).decode()
    row = {"public_test_cases": "[]", "private_test_cases": blob, "format": "livecodebench"}
    with pytest.raises(RequestError, match="private_test_cases"):
        parse_reference(row)
    assert not os.path.exists("/tmp/veriward-pwned-by-pickle")
    bomb = base64.b64encode(zlib.compress(b"\0" * (80 << 20))).decode()
    with pytest.raises(RequestError, match="inflates to more than"):
        parse_reference({"public_test_cases": "[]", "private_test_cases": bomb, "format": "livecodebench"})


def test_codecontests_groups_of_tests() -> None:
    row = {
        "name": "1000_A",
        "public_tests": {"input": ["1\n"], "output": ["2\n"]},
        "private_tests": {"input": ["2\n", "3\n"], "output": ["4\n", "6\n"]},
        "generated_tests": {"input": [], "output": []},
        "format": "codecontests",
        "language": "cpp",
        "time_limit_s": 2,
    }
    ref = parse_reference(row)
    assert ref.mode == "stdio" and ref.n_tests == 3 and ref.language == "cpp" and ref.time_limit_s == 2


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"format": "nope"}, "reference.format"),
        ({"format": "humaneval", "prompt": "x"}, "reference.entry_point"),
        ({"format": "mbpp", "test_list": "assert f(1)"}, "reference.test_list"),
        ({"format": "mbpp", "test_list": ["assert f(("]}, "reference"),
        ({"format": "apps", "input_output": "{not json"}, "reference.input_output"),
        ({"format": "apps", "input_output": {"inputs": [1], "outputs": []}}, "reference.input_output"),
        ({"format": "apps", "input_output": {"inputs": [], "outputs": []}}, "reference.input_output"),
        ({"format": "codecontests", "public_tests": {"input": ["1"]}}, "reference.public_tests"),
        ({"format": "livecodebench", "public_test_cases": '[{"input": 1}]'}, "reference.public_test_cases"),
        ({"format": "kodcode", "test_code": "def helper():\n    pass\n"}, "reference"),
        ({"format": "kodcode", "test_code": "def test_x():\n    assert 1 == 1\n"}, "reference"),
        ({"format": "mbpp", "test_list": ["assert f(1) == 2"], "language": "cpp"}, "reference"),
        (
            {"format": "humaneval", "prompt": "", "test": "", "entry_point": "f", "time_limit_s": 0},
            "reference.time_limit_s",
        ),
    ],
)
def test_rows_that_do_not_fit_are_request_errors(row: dict[str, Any], field: str) -> None:
    with pytest.raises(RequestError) as exc:
        parse_reference(row)
    assert exc.value.field == field, exc.value


def test_checkers_are_validated() -> None:
    stdio = [{"input": "", "output": "1"}]
    ok = parse_reference({"stdio": stdio, "checker": {"source": "def check(i, o, e):\n    return True\n"}})
    assert ok.checker is not None and ok.checker.style == "function"
    for bad in (
        {"source": "def nope(i, o, e): pass"},
        {"source": "def check(:"},
        {"source": "x", "style": "other"},
        {"source": "x", "language": "cpp"},
    ):
        with pytest.raises(RequestError):
            parse_reference({"stdio": stdio, "checker": bad})
    with pytest.raises(RequestError, match="judges"):
        parse_reference({"entry_point": "f", "test_code": "def check(c): pass", "checker": {"source": "x"}})
