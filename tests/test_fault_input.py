"""Hostile JSON in every field of every endpoint, generated: NaN and infinities, lone surrogates, deep
nesting, huge numbers. Each must be a 4xx naming the field (or, in a batch, that item's own `error`), never
a 500, and never fail the other items of its batch. Real server on loopback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import LiveServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veriward._json import find_problem, safe_dumps, sanitize
from veriward.settings import Settings

JSON = {"content-type": "application/json"}
GOOD = {"verifier": "math", "response": r"\boxed{4}", "reference": "4"}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    s = LiveServer(Settings(pool_workers=2, default_timeout_s=3.0)).start()
    yield s
    s.stop()


def _deep(depth: int, leaf: Any = 1) -> str:
    return "[" * depth + json.dumps(leaf) + "]" * depth


surrogate = st.integers(0xD800, 0xDFFF).map(chr)
hostile_str = st.builds(lambda a, s, b: a + s + b, st.text(max_size=5), surrogate, st.text(max_size=5))
# Raw JSON fragments: Python's json writes NaN/Infinity and \\udXXX escapes, which it also reads back.
hostile_json = st.one_of(
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]),
    hostile_str.map(json.dumps),
    st.integers(65, 3000).map(_deep),
    st.builds(lambda k: "{" + json.dumps(k) + ": 1}", hostile_str),
    st.integers(400, 5000).map(lambda n: "9" * n),
)
FIELDS = ["id", "metadata", "reference", "response", "options", "timeout_s", "verifier"]


def _body(fields: dict[str, str]) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in fields.items()) + "}"


def _with(field: str, fragment: str) -> str:
    base = {k: json.dumps(v) for k, v in GOOD.items()}
    if field in ("metadata", "options"):
        base[field] = '{"x": ' + fragment + "}"
    else:
        base[field] = fragment
    return _body(base)


_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@_FUZZ
@given(st.sampled_from(FIELDS), hostile_json)
def test_single_score_never_500(server: LiveServer, field: str, fragment: str) -> None:
    r = httpx.post(server.url + "/v1/score", content=_with(field, fragment), timeout=30, headers=JSON)
    assert r.status_code < 500, (field, fragment[:80], r.text[:300])
    if r.status_code == 200:
        assert r.json()["verdict"] in ("correct", "incorrect", "invalid", "timeout")
    r.json()  # whatever the answer, it is valid JSON text


@_FUZZ
@given(st.sampled_from(FIELDS), hostile_json)
def test_one_hostile_item_never_fails_its_batch(server: LiveServer, field: str, fragment: str) -> None:
    body = (
        '{"requests": [' + json.dumps(GOOD) + ", " + _with(field, fragment) + ", " + json.dumps(GOOD) + "]}"
    )
    r = httpx.post(server.url + "/v1/score/batch", content=body, timeout=30, headers=JSON)
    assert r.status_code < 500, (field, fragment[:80], r.text[:300])
    if r.status_code == 200:
        results = r.json()["results"]
        assert [results[0]["verdict"], results[2]["verdict"]] == ["correct", "correct"]


@_FUZZ
@given(hostile_json)
def test_trainer_and_audit_endpoints_never_500(server: LiveServer, fragment: str) -> None:
    bodies = {
        "/verify": '{"responses_create_params": {}, "response": {"output_text": "4"}, "x": ' + fragment + "}",
        "/get_reward": '{"query": ["q 4"], "prompts": ["q"], "labels": [' + fragment + "]}",
        "/v1/audit": '{"rollouts": [{"request": ' + _with("id", fragment) + ', "reward": 1.0}]}',
    }
    for path, body in bodies.items():
        r = httpx.post(server.url + path, content=body, timeout=60, headers=JSON)
        assert r.status_code < 500, (path, fragment[:80], r.text[:300])
        r.json()


def test_each_hostile_class_is_a_422_naming_its_field(server: LiveServer) -> None:
    cases = {
        "id": json.dumps("a\ud800b"),
        "metadata": _deep(900),
        "timeout_s": "NaN",
        "reference": json.dumps("4\udfff"),
    }
    for field, fragment in cases.items():
        r = httpx.post(server.url + "/v1/score", content=_with(field, fragment), timeout=30, headers=JSON)
        assert r.status_code == 422, (field, r.text[:300])
        assert field in json.dumps(r.json()["detail"]), r.text[:300]


def test_huge_test_code_reference_is_a_clear_4xx_or_verdict(server: LiveServer) -> None:
    code = "def check(candidate):\n    assert candidate(1) == " + "+".join(["1"] * 500_000) + "\n"
    req = {"verifier": "code", "response": "def f(x):\n    return x", "reference": {"entry_point": "f"}}
    req["reference"]["test_code"] = code  # type: ignore[index]
    r = httpx.post(server.url + "/v1/score/batch", json={"requests": [req, GOOD]}, timeout=120)
    assert r.status_code == 200, r.text[:300]
    first, second = r.json()["results"]
    assert second["verdict"] == "correct"
    assert first["verdict"] != "error" or first["reason"].startswith("bad request"), first


@given(
    st.recursive(
        st.none() | st.floats() | st.text() | hostile_str,
        lambda c: st.lists(c) | st.dictionaries(st.text() | hostile_str, c),
    )
)
@settings(max_examples=200, deadline=None)
def test_safe_dumps_always_encodes(value: Any) -> None:
    text = safe_dumps(value).decode("utf-8")
    json.loads(text)
    assert find_problem(sanitize(value), "x") is None
