"""The parts of the code scorer that run outside the sandbox: extraction, reference checks, comparisons."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from veriward.errors import RequestError
from veriward.verifiers.code._compare import BadValue, decode, parse_record, stdio_equal, strict_equal
from veriward.verifiers.code._driver import runner_source
from veriward.verifiers.code._extract import extract_code
from veriward.verifiers.code._languages import PYTHON
from veriward.verifiers.code._reference import parse_reference


def test_last_python_or_plain_fence_wins() -> None:
    text = "first\n```python\nA = 1\n```\nthen\n```\nB = 2\n```\nand\n```js\nC = 3\n```\n"
    assert extract_code(text) == "B = 2\n"
    assert extract_code("```py\nX = 1\n```") == "X = 1\n"
    assert extract_code("def f():\n    return 1\n") == "def f():\n    return 1\n"


@pytest.mark.parametrize(
    ("got", "want", "ok"),
    [
        (3, 3, True),
        (3.0, 3, False),
        (True, 1, False),
        (1, True, False),
        (3, 3.0, False),
        ("3", 3, False),
        (float("nan"), float("nan"), False),
        ([1, 2], [1, 2], True),
        ((1, 2), [1, 2], True),
        ({1, 2}, [1, 2], False),
        ({"a": 1}, {"a": 1}, True),
        ({"a": 1, "b": 2}, {"a": 1}, False),
        (None, None, True),
        (0, None, False),
        ([1, [2, 3.5]], [1, [2, 3.5]], True),
    ],
)
def test_strict_equal_is_type_strict(got: object, want: object, ok: bool) -> None:
    assert strict_equal(got, want) is ok


def test_float_tolerance_is_opt_in() -> None:
    assert not strict_equal(0.1 + 0.2, 0.3)
    assert strict_equal(0.1 + 0.2, 0.3, 1e-9)
    assert strict_equal(2, 2.0000000001, 1e-6) and not strict_equal(True, 1.0, 1e-6)
    assert not strict_equal(math.nan, math.nan, 1.0)


def test_stdio_compare_is_token_wise() -> None:
    assert stdio_equal("1 2\n3\n\n", "1  2   \n3")
    assert not stdio_equal("1 2 3", "1 2\n3")
    assert not stdio_equal("12", "1 2")
    assert stdio_equal("0.3000001\n", "0.3", 1e-5) and not stdio_equal("0.3000001\n", "0.3")
    assert not stdio_equal("", "0")


def test_decode_rejects_anything_but_tagged_builtins() -> None:
    assert decode({"t": "tuple", "v": [1, {"t": "set", "v": [2]}]}) == (1, {2})
    assert decode({"t": "dict", "v": [[{"t": "tuple", "v": [1]}, "x"]]}) == {(1,): "x"}
    for bad in ({"t": "pickle", "v": "gASV"}, {"a": 1}, {"t": "tuple", "v": [1], "extra": 0}):
        with pytest.raises(BadValue):
            decode(bad)


def test_parse_record_needs_exactly_one_json_object() -> None:
    assert parse_record('{"value": 1}\n') == {"value": 1}
    assert parse_record('{"value": 1}\n{"value": 2}\n') is None
    assert parse_record("OK\n") is None and parse_record("") is None


def test_runner_encoding_sends_data_never_methods() -> None:
    # The runner's encoder, run as the sandbox runs it (a separate interpreter): a subclass of a builtin
    # travels as the builtin it stores (its lying __eq__ stays behind); a generator or object is refused.
    probe = (
        "import json\n"
        "class I(int):\n    def __eq__(self, o): return True\n    def __index__(self): return 99\n"
        "out = [json.dumps(encode([1, 2.5, (3, 'x'), {'k': None}, {4}, b'\\x00', 1j, True, I(3)]))]\n"
        "for v in ((x for x in []), object()):\n"
        "    try:\n        encode(v); out.append('ENCODED')\n"
        "    except Unencodable as e:\n        out.append(str(e))\n"
        "print(json.dumps(out))\n"
    )
    src = runner_source(PYTHON).split('if __name__ == "__main__":')[0] + probe
    res = subprocess.run([sys.executable, "-I", "-c", src], capture_output=True, text=True, check=True)
    first, *refused = json.loads(res.stdout)
    got = decode(json.loads(first))
    assert got == [1, 2.5, (3, "x"), {"k": None}, {4}, b"\x00", 1j, True, 3] and type(got[-1]) is int
    assert len(refused) == 2 and "ENCODED" not in refused and "generator" in refused[0]


@pytest.mark.parametrize(
    ("reference", "where"),
    [
        ("not an object", "reference"),
        ({"language": "python", "entry_point": "f"}, "reference"),
        ({"entry_point": "f", "cases": [], "stdio": []}, "reference.cases"),
        ({"cases": [{"args": [1], "expected": 1}]}, "reference"),
        ({"entry_point": "f", "cases": [{"args": [1]}]}, "reference.cases.0.expected"),
        ({"language": "cobol", "stdio": [{"input": "", "output": ""}]}, "reference"),
        ({"entry_point": "f", "test_code": "def nope(c): pass"}, "reference"),
        ({"entry_point": "f", "test_code": "def check(c):\n  assert ("}, "reference"),
        ({"stdio": [{"input": "", "output": "1"}], "time_limit_s": 0}, "reference.time_limit_s"),
    ],
)
def test_bad_references_are_request_errors(reference: object, where: str) -> None:
    with pytest.raises(RequestError) as exc:
        parse_reference(reference)
    assert exc.value.field == where


def test_good_reference_forms() -> None:
    cases = parse_reference({"entry_point": "f", "cases": [{"args": [1], "expected": 2}]})
    assert cases.mode == "cases" and cases.n_tests == 1
    stdio = parse_reference({"stdio": [{"input": "1", "output": "1"}, {"output": "2"}]})
    assert stdio.mode == "stdio" and stdio.n_tests == 2
    tc = parse_reference(
        {"entry_point": "f", "test_code": "def check(candidate):\n    assert candidate(1)\n"}
    )
    assert tc.mode == "test_code" and tc.n_tests == 1
