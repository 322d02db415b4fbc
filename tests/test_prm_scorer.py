"""PRM step grader end to end through a real server: symbolic backend in the worker pool, the gold-answer
check by the math scorer, options and errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

SOLUTION = (
    "Sue starts with 18 pink flamingos.\n\n"
    "One third are taken back: \\(\\frac{1}{3} \\times 18 = 6\\), leaving \\(18 - 6 = 12\\).\n\n"
    "On Sunday 18 more are added: \\(12 + 18 = 31\\).\n\n"
    "The difference is \\(30 - 6 = 24\\), so the answer is \\(\\boxed{24}\\)."
)


def _score(client: httpx.Client, response: str, reference: Any = None, **options: Any) -> dict[str, Any]:
    body = {"verifier": "prm", "response": response, "reference": reference, "options": options}
    r = client.post("/v1/score", json=body)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def test_false_calculation_is_the_first_error(client: httpx.Client) -> None:
    out = _score(client, SOLUTION)
    assert out["verdict"] == "incorrect"
    d = out["details"]
    assert d["first_error_step"] == 2
    assert [s["index"] for s in d["steps"]] == [0, 1, 2, 3]
    assert [s["score"] for s in d["steps"]] == [0.5, 1.0, 0.0, 1.0]
    assert [s["verdict"] for s in d["steps"]] == ["neutral", "verified", "false", "verified"]
    assert {c["claim"]: c["result"] for c in d["steps"][1]["checks"]} == {
        "1/3 * 18 = 6": "true",
        "18 - 6 = 12": "true",
    }
    assert d["steps"][2]["checks"] == [{"claim": "12 + 18 = 31", "result": "false"}]
    assert out["score"] == 0.0  # min


@pytest.mark.parametrize("aggregation", ["min", "mean", "product", "last"])
def test_aggregations_over_presplit_steps(client: httpx.Client, aggregation: str) -> None:
    """Verified arithmetic says a step is right, not that it is needed, so it never lifts a reward: with
    the symbolic backend alone every aggregation sits at the lowest step (here the unchecked 0.5)."""
    steps = ["Let us add the numbers.", "We get \\(2 + 3 = 5\\).", "Doubling, \\(5 \\times 2 = 10\\)."]
    out = _score(client, "ignored when steps are given", steps=steps, aggregation=aggregation)
    assert out["verdict"] == "correct"
    assert out["details"]["first_error_step"] == -1
    assert out["score"] == pytest.approx(0.5)
    assert [s["verdict"] for s in out["details"]["steps"]] == ["neutral", "verified", "verified"]
    wrong = _score(client, "", steps=[*steps[1:], "Adding one, \\(10 + 1 = 12\\)."], aggregation=aggregation)
    assert wrong["verdict"] == "incorrect" and wrong["score"] == 0.0


def test_padding_through_the_server(client: httpx.Client) -> None:
    honest = ["Let us add the numbers.", "We get \\(2 + 3 = 5\\).", "So the answer is \\(\\boxed{5}\\)."]
    padded = honest[:2] + ["We get \\(2 + 3 = 5\\)."] * 30 + honest[2:]
    base = _score(client, "", steps=honest, aggregation="mean")
    more = _score(client, "", steps=padded, aggregation="mean")
    assert more["score"] == pytest.approx(base["score"])
    assert more["details"]["steps"][5]["duplicate_of"] == 1
    long = [f"Observation {i}: \\({i} + 1 = {i + 1}\\)." for i in range(10)]
    capped = _score(client, "", steps=["Let us think.", *long], aggregation="mean", max_steps=1)
    assert capped["score"] == pytest.approx(0.5)  # the checked steps past the limit earn nothing


def test_gold_answer_checked_by_the_math_scorer(client: httpx.Client) -> None:
    steps = ["We add: \\(2 + 3 = 5\\).", "The answer is \\(\\boxed{5}\\)."]
    right = _score(client, "", {"problem": "What is 2 + 3?", "answer": "5"}, steps=steps)
    assert right["verdict"] == "correct" and right["score"] == 1.0
    assert right["details"]["steps"][1]["checks"][-1]["kind"] == "final_answer"
    wrong = _score(client, "", {"problem": "What is 2 + 3?", "answer": "6"}, steps=steps)
    assert wrong["verdict"] == "incorrect" and wrong["score"] == 0.0
    assert wrong["details"]["first_error_step"] == 1
    as_string = _score(client, "We add: \\(2 + 3 = 5\\).\n\nThe answer is \\(\\boxed{5}\\).", "5")
    assert as_string["details"]["steps"][1]["checks"][-1]["result"] == "true"


def test_unconfigured_model_backend_is_an_error_not_a_zero(client: httpx.Client) -> None:
    out = _score(client, SOLUTION, backend=["symbolic", "vllm"])
    assert out["verdict"] == "error"
    assert "VERIWARD_PRM_VLLM_URL" in out["reason"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"options": {"aggregation": "sum"}}, "options.aggregation"),
        ({"options": {"backend": ["symbolic", "symbolic"]}}, "options.backend"),
        ({"options": {"backend": "oracle"}}, "options.backend"),
        ({"options": {"max_steps": 0}}, "options.max_steps"),
        ({"reference": 5}, "reference"),
        ({"reference": {"answer": "5", "extra": 1}}, "reference"),
    ],
)
def test_bad_requests_get_422(client: httpx.Client, body: dict[str, Any], field: str) -> None:
    r = client.post("/v1/score", json={"verifier": "prm", "response": SOLUTION, **body})
    assert r.status_code == 422, r.text
    assert field in r.text


def test_empty_response_is_invalid(client: httpx.Client) -> None:
    out = _score(client, "   \n\n  ")
    assert out["verdict"] == "invalid" and out["score"] == 0.0


def test_listed_with_its_options_and_backends(client: httpx.Client) -> None:
    r = client.get("/v1/verifiers")
    assert r.status_code == 200
    prm = next(v for v in r.json()["verifiers"] if v["name"] == "prm")
    assert {"backend", "aggregation", "steps", "max_steps"} <= set(prm["options"]["properties"])
    assert prm["info"]["backends"]["symbolic"] is True


def test_right_final_answer_does_not_hide_a_false_claim(client: httpx.Client) -> None:
    steps = ["We add the parts.", "So \\(2 + 3 = 6\\) and the answer is \\(\\boxed{5}\\)."]
    out = _score(client, "", {"answer": "5"}, steps=steps)
    assert out["verdict"] == "incorrect" and out["details"]["first_error_step"] == 1
    assert out["details"]["steps"][1]["score"] == 0.0
