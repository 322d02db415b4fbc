"""NeMo-Gym: the `/verify` resources-server endpoint on the real server."""

from __future__ import annotations

from typing import Any

from _client_stub import dead_backend_registered


def _body(text: str, **row: Any) -> dict[str, Any]:
    """A verify body as NeMo-Gym's agent sends it: the task row plus a Responses API object."""
    return {
        "responses_create_params": {"input": [{"role": "user", "content": "What is 2 + 3?"}]},
        "response": {
            "id": "resp_1",
            "object": "response",
            "output": [
                {
                    "type": "reasoning",
                    "id": "rs_1",
                    "summary": [{"type": "summary_text", "text": "\\boxed{9}"}],
                },
                {
                    "type": "message",
                    "id": "msg_1",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                },
            ],
        },
        **row,
    }


def test_verify_rewards_right_and_wrong_and_echoes_the_body(live_server) -> None:
    with live_server.client() as http:
        assert http.post("/seed_session", json={}).json() == {}
        right = http.post("/verify", json=_body("so \\boxed{5}", expected_answer="5")).json()
        wrong = http.post("/verify", json=_body("so \\boxed{6}", expected_answer="5")).json()
    assert right["reward"] == 1.0 and right["veriward"]["verdict"] == "correct"
    assert wrong["reward"] == 0.0 and wrong["veriward"]["verdict"] == "incorrect"
    # Top-level numbers are what NeMo-Gym clients record as metrics.
    assert right["veriward_correct"] == 1.0 and right["mask_sample"] is False
    assert wrong["veriward_incorrect"] == 1.0 and wrong["veriward_unscored"] == 0.0
    assert right["expected_answer"] == "5" and right["response"]["id"] == "resp_1"


def test_verify_scores_the_answer_not_the_reasoning(live_server) -> None:
    # The reasoning item holds \boxed{9}; only the assistant message counts.
    with live_server.client() as http:
        out = http.post("/verify", json=_body("so \\boxed{5}", expected_answer="9")).json()
    assert out["reward"] == 0.0


def test_a_row_can_name_its_scorer(make_server) -> None:
    server = make_server(default_verifier="no_such_scorer")
    with server.client() as http:
        out = http.post("/verify", json=_body("\\boxed{5}", veriward={"verifier": "math", "reference": "5"}))
        refused = http.post("/verify", json=_body("\\boxed{5}", expected_answer="5"))
    assert out.status_code == 200 and out.json()["reward"] == 1.0
    assert refused.status_code == 422 and "no_such_scorer" in refused.text


def test_bad_bodies_get_a_422(live_server) -> None:
    with live_server.client() as http:
        no_response = http.post("/verify", json={"responses_create_params": {}, "expected_answer": "5"})
        bad_spec = http.post("/verify", json=_body("\\boxed{5}", veriward="math"))
    assert no_response.status_code == 422 and "response" in no_response.text
    assert bad_spec.status_code == 422 and "veriward" in bad_spec.text


def test_a_scorer_failure_masks_the_sample_or_fails_on_request(make_server) -> None:
    with dead_backend_registered() as dead:
        server = make_server()
        body = _body("x", veriward={"verifier": dead, "reference": "x"})
        with server.client() as http:
            masked = http.post("/verify", json=body)
            failed = http.post("/verify", json=body, headers={"X-Veriward-On-Error": "fail"})
            bad = http.post("/verify", json=body, headers={"X-Veriward-On-Error": "zero"})
    assert masked.status_code == 200
    out = masked.json()
    assert out["mask_sample"] is True and out["veriward_unscored"] == 1.0 and out["reward"] == 0.0
    assert out["veriward"]["verdict"] == "error"
    assert failed.status_code == 503 and failed.headers["retry-after"]
    assert bad.status_code == 422
