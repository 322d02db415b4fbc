"""A candidate can only lose: whatever a test's process sends, the host-side judge fails that test.

Property tests over generated result records (tagged values with every tag and malformed payloads,
arbitrary JSON, non-JSON text, huge numbers, lone surrogates), fed to the real decoder and verdict code
exactly as the runner's records carry them: the verdict is always `correct` or `incorrect` (never
`error`, never an exception), a malformed value never passes, and the outcome always encodes as UTF-8
JSON. The same classes through real sandboxes are in test_code_candidate_loses.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veriward.sandbox import RunResult
from veriward.verifiers.code import _clean
from veriward.verifiers.code._compare import BadValue, decode, short_repr, values_equal
from veriward.verifiers.code._reference import parse_reference
from veriward.verifiers.code._verdict import outcome

TAGS = [
    "tuple", "set", "frozenset", "dict", "Counter", "OrderedDict", "defaultdict", "deque", "bytes",
    "bytearray", "complex", "int", "Fraction", "Decimal", "ref", "object", "pickle", "", "__class__",
]  # fmt: skip
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["\ud800", "\udfff x", "0x" + "f" * 50, "-0x1", "1e999999", "NaN", "sNaN"])
)
plain = st.recursive(
    scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=5), c, max_size=3)
)


def _tagged(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    tag = st.sampled_from(TAGS) | st.integers() | st.none() | st.lists(st.integers(), max_size=2)
    body = st.fixed_dictionaries({"t": tag, "v": children})
    extra = st.fixed_dictionaries({"t": tag, "v": children, "x": children})
    return body | extra | st.fixed_dictionaries({"t": tag})


values = st.recursive(plain, lambda c: st.lists(c, max_size=4) | _tagged(c), max_leaves=15)
records = st.one_of(
    st.fixed_dictionaries({"value": values}),
    st.fixed_dictionaries({"exc": plain, "msg": plain}),
    st.fixed_dictionaries({"unencodable": plain}),
    st.fixed_dictionaries({"status": plain, "excerpt": plain}),
    st.dictionaries(st.text(max_size=6), values, max_size=3),
    values,
)
result_texts = st.one_of(
    records.map(lambda r: json.dumps(r) + "\n"),
    records.map(lambda r: json.dumps(r) + "\n" + json.dumps(r) + "\n"),
    st.text(max_size=200),
    st.just('{"value": ' + "9" * 5000 + "}\n"),
    st.just('{"value": ' + "[" * 50_000 + "]" * 50_000 + "}\n"),
    st.just('{"value": {"t": "int", "v": "0x' + "f" * 20_000 + '"}}\n'),
)

REFS = {
    "strict": parse_reference({"entry_point": "f", "cases": [{"args": [1], "expected": 3}]}),
    "tolerance": parse_reference(
        {"entry_point": "f", "cases": [{"args": [1], "expected": 2.5}], "float_tolerance": 1e-6}
    ),
    "python": parse_reference(
        {"entry_point": "f", "compare": "python", "cases": [{"args": [], "expected": [1], "also": [1]}]}
    ),
    "nested": parse_reference(
        {"entry_point": "f", "cases": [{"args": [], "expected": {"a": [1, 2.0, None]}}]}
    ),
    "test_code": parse_reference({"entry_point": "f", "test_code": "def check(candidate):\n    pass\n"}),
}


def _run(test_record: dict[str, Any]) -> RunResult:
    lines = [{"ready": True}, test_record, {"done": True}]
    out = "".join(json.dumps(r) + "\n" for r in lines).encode()
    return RunResult(exit_code=0, stdout=out, stderr=b"", wall_s=0.1, backend="process")


def _judge(ref_name: str, result: str, **fields: Any) -> Any:
    rec = {"test": 0, "status": "ran", "exit_code": 0, "result": result, "stdout": "", "stderr": "", **fields}
    return _clean(outcome(_run(rec), REFS[ref_name], 10.0))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(REFS)), result_texts)
def test_any_result_record_is_a_verdict_never_an_error(ref_name: str, result: str) -> None:
    res = _judge(ref_name, result)
    assert res.verdict.value in ("correct", "incorrect"), res
    json.dumps({"reason": res.reason, "details": res.details}, ensure_ascii=False).encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(values)
def test_a_malformed_value_never_passes(value: Any) -> None:
    # If the decoder refuses a value, the test fails; if it accepts one, the comparison decides.
    try:
        got = decode(value)
    except BadValue:
        res = _judge("strict", json.dumps({"value": value}) + "\n")
        assert res.verdict.value == "incorrect" and res.score == 0.0
        return
    short_repr(got)  # a decoded value can always be shown
    for tol in (None, 1e-6):
        for mode in ("strict", "python"):
            values_equal(got, 3, tol, mode)  # type: ignore[arg-type]
            values_equal(got, [1, 2.5, None, {"a": "b"}], tol, mode)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=12), plain, max_size=6))
def test_any_runner_record_fields_are_tolerated(fields: dict[str, Any]) -> None:
    # Even the runner's own fields arriving with odd types (they never do) cannot raise.
    rec = {"test": 0, **fields}
    for name in ("strict", "test_code"):
        res = _clean(outcome(_run(rec), REFS[name], 10.0))
        assert res.verdict.value in ("correct", "incorrect", "timeout"), res


@pytest.mark.parametrize(
    "value",
    [
        {"t": "complex", "v": []},  # an empty complex tag (was IndexError)
        {"t": "complex", "v": [10**400, 0]},  # a complex part beyond float range (was OverflowError)
        {"t": "object", "v": {"__class__": "X"}},  # an object tag (was KeyError)
        {"__class__": "X"},
        {"t": "dict", "v": [[[1, 2], 3]]},  # an unhashable key
        {"t": "set", "v": [[1]]},
        {"t": "Fraction", "v": [1, 0]},  # zero denominator
        {"t": "Decimal", "v": "not a number"},
        {"t": "int", "v": "0xzz"},
        {"t": "bytes", "v": "zz"},
        {"t": "ref", "v": 3},  # a reference means nothing outside the sandbox
    ],
)
def test_the_issues_undecodable_values_fail_the_test(value: Any) -> None:
    res = _judge("strict", json.dumps({"value": value}) + "\n")
    assert (res.verdict.value, res.score) == ("incorrect", 0.0)
    assert "malformed" in res.details["tests"][0]["excerpt"]


def test_huge_ints_are_compared_without_overflow() -> None:
    big = 10**400
    # a 400-digit int where a float is expected, with a tolerance (was OverflowError in float())
    assert _judge("tolerance", json.dumps({"value": big}) + "\n").verdict.value == "incorrect"
    assert not values_equal(big, 2.5, 1e-6) and not values_equal(-big, float("-inf"), 1e-6)
    assert values_equal(big, big, 1e-6) and values_equal(big, big)
    # JavaScript's BigInt and Java's BigInteger beyond 4300 digits travel as hex ints
    huge = 7**9000
    hex_value = {"t": "int", "v": hex(huge)}
    assert decode(hex_value) == huge and "bits" in short_repr(huge)
    assert _judge("strict", json.dumps({"value": hex_value}) + "\n").verdict.value == "incorrect"


def test_lone_surrogates_in_a_candidates_text_still_encode() -> None:
    rec = json.dumps({"exc": "ValueError", "msg": "bad \ud800 \udfff"}) + "\n"
    res = _judge("strict", rec, stderr="Traceback \ud800")
    body = json.dumps({"reason": res.reason, "details": res.details}, ensure_ascii=False).encode("utf-8")
    assert b"\\ud800" in body or b"\\\\ud800" in body
    got = _judge("strict", json.dumps({"value": "\ud800"}) + "\n")
    json.dumps(got.details, ensure_ascii=False).encode("utf-8")


def test_python_comparison_is_pythons_equality_on_plain_values() -> None:
    assert values_equal(2.0, 2, None, "python") and values_equal(True, 1, None, "python")
    assert values_equal((1, 2), [1, 2], None, "python") and not values_equal([1], [2], None, "python")
    assert not values_equal(float("nan"), float("nan"), None, "python")
    assert not values_equal(2.0, 2) and not values_equal(True, 1)  # strict stays strict
