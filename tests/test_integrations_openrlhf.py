"""OpenRLHF: `POST /get_reward` on the real server, and the in-process `reward_func` through the client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from _client_stub import SlowAccept, StubServer, dead_backend_registered, registered, status
from conftest import free_port
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from veriward.client import Client
from veriward.integrations import openrlhf

PROMPT = "<|user|>What is 2 + 3? Put the answer in \\boxed{}.<|assistant|>"


def _post(server, body: dict) -> tuple[int, dict]:
    with server.client() as http:
        r = http.post("/get_reward", json=body)
    return r.status_code, r.json()


def test_get_reward_scores_right_and_wrong_responses(live_server) -> None:
    query = [PROMPT + "It is \\boxed{5}", PROMPT + "It is \\boxed{6}", "<pad><pad>" + PROMPT + "\\boxed{5}"]
    code, body = _post(live_server, {"query": query, "prompts": [PROMPT] * 3, "labels": ["5", "5", "5"]})
    assert code == 200
    assert body["rewards"] == [1.0, 0.0, 1.0]
    assert body["scores"] == [1.0, 0.0, 1.0]
    assert body["extra_logs"]["veriward_correct"] == [1.0, 0.0, 1.0]


def test_only_the_response_is_scored_never_the_prompt(live_server) -> None:
    # The prompt holds a worked example whose boxed answer matches the label; the response is wrong.
    prompt = "Example: 1 + 4 = \\boxed{5}. Now: 2 + 4 = ?"
    code, body = _post(live_server, {"query": [prompt + " \\boxed{6}"], "prompts": [prompt], "labels": ["5"]})
    assert code == 200 and body["rewards"] == [0.0]


def test_a_label_object_picks_its_own_scorer(make_server) -> None:
    server = make_server(default_verifier="no_such_scorer")
    labels = [json.dumps({"verifier": "math", "reference": "5"}), {"verifier": "math", "reference": "7"}]
    query = [PROMPT + "\\boxed{5}", PROMPT + "\\boxed{5}"]
    code, body = _post(server, {"query": query, "prompts": [PROMPT] * 2, "labels": labels})
    assert code == 200 and body["rewards"] == [1.0, 0.0]
    # A plain label goes to the server's default scorer, which here does not exist: a 422 naming it.
    code, body = _post(server, {"query": query[:1], "prompts": [PROMPT], "labels": ["5"]})
    assert code == 422
    assert "labels[0]" in body["detail"][0]["msg"] and "no_such_scorer" in body["detail"][0]["msg"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"query": [PROMPT + "\\boxed{5}"], "labels": ["5"]}, "prompts"),
        ({"query": [PROMPT + "\\boxed{5}"], "prompts": [PROMPT], "labels": ["5", "6"]}, "2 labels"),
    ],
)
def test_requests_that_can_never_succeed_get_a_422_that_says_why(
    live_server, body: dict, needle: str
) -> None:
    code, answer = _post(live_server, body)
    assert code == 422
    assert needle in answer["detail"][0]["msg"]


def test_a_query_without_its_prompt_is_skipped_in_band_not_422(live_server) -> None:
    # OpenRLHF retries any HTTP error 5 times and then loses the step: a per-rollout problem stays in-band.
    query = ["no prompt here \\boxed{5}", PROMPT + "\\boxed{5}"]
    code, body = _post(live_server, {"query": query, "prompts": [PROMPT] * 2, "labels": ["5", "5"]})
    assert code == 200
    assert body["rewards"] == [0.0, 1.0]
    assert body["extra_logs"]["veriward_unscored"] == [1.0, 0.0]
    assert body["extra_logs"]["veriward_prompt_cut"] == [1.0, 0.0]


def test_a_prompt_cut_from_the_front_still_scores_the_response(live_server) -> None:
    long_prompt = "Example: 1 + 4 = \\boxed{5}. " * 20 + PROMPT
    kept = long_prompt[-60:]  # what OpenRLHF's truncation leaves: the prompt's last tokens
    query = [kept + "It is \\boxed{6}", kept + "It is \\boxed{5}"]
    code, body = _post(live_server, {"query": query, "prompts": [long_prompt] * 2, "labels": ["5", "5"]})
    assert code == 200
    # The worked example's \\boxed{5} that survived in the cut prompt is never credited.
    assert body["rewards"] == [0.0, 1.0]
    assert body["extra_logs"]["veriward_prompt_cut"] == [1.0, 1.0]
    assert body["extra_logs"]["veriward_unscored"] == [0.0, 0.0]


@settings(max_examples=150, deadline=None)
@given(
    prompt=st.text(min_size=1, max_size=120),
    response=st.text(max_size=60),
    cut=st.integers(min_value=0, max_value=120),
    mangled=st.integers(min_value=0, max_value=3),
)
def test_split_recovers_the_response_after_any_front_cut(
    prompt: str, response: str, cut: int, mangled: int
) -> None:
    # A front cut at any point, the first characters possibly turned into U+FFFD by a split UTF-8 sequence.
    assume("\ufffd" not in prompt)
    cut = min(cut, len(prompt))
    kept = "\ufffd" * mangled + prompt[cut + mangled :] if cut else prompt
    split = openrlhf.split_response(kept + response, prompt)
    tail = len(prompt) - cut - (mangled if cut else 0)
    if not cut:
        assert split.response == response and not split.cut
    elif tail >= min(openrlhf.MIN_PROMPT_TAIL, len(prompt)) and tail > 0:
        # The response never gains prompt text; it may lose a start that repeats the prompt's own end.
        assert split.response is not None and response.endswith(split.response)
        assert len(response) - len(split.response) <= len(prompt)
    else:
        assert split.response is None or response.endswith(split.response)


def test_split_is_linear_in_the_query() -> None:
    prompt = "a" * 50_000 + "b"
    for n in (50_000, 200_000):
        started = time.perf_counter()
        openrlhf.split_response("a" * n, prompt)
        elapsed = time.perf_counter() - started
        assert elapsed < 2.0, elapsed


def test_a_scorer_failure_is_the_fallback_reward_marked_in_extra_logs(make_server) -> None:
    with dead_backend_registered() as dead:
        server = make_server()
        labels = ["5", {"verifier": dead, "reference": "x"}, "5"]
        query = [PROMPT + "\\boxed{5}", PROMPT + "a", PROMPT + "\\boxed{6}"]
        body = {"query": query, "prompts": [PROMPT] * 3, "labels": labels}
        with server.client() as http:
            plain = http.post("/get_reward", json=body)
            custom = http.post("/get_reward", params={"fallback_reward": 0.5}, json=body)
    assert plain.status_code == 200 and custom.status_code == 200
    # The failed rollout never takes the others of its request with it.
    assert plain.json()["rewards"] == [1.0, 0.0, 0.0]
    assert custom.json()["rewards"] == [1.0, 0.5, 0.0]
    assert plain.json()["extra_logs"]["veriward_unscored"] == [0.0, 1.0, 0.0]
    assert plain.json()["extra_logs"]["veriward_correct"] == [1.0, 0.0, 0.0]


def test_an_overloaded_server_waits_for_room_instead_of_429(make_server) -> None:
    # One slot-less scorer that holds each request 0.3 s and a queue of 1: concurrent requests must wait.
    with registered(SlowAccept) as slow:
        server = make_server(max_queue_per_scorer=1)
        label = {"verifier": slow, "reference": "x"}
        body = {"query": [PROMPT + "a"], "prompts": [PROMPT], "labels": [label]}

        def post(_: int) -> httpx.Response:
            return httpx.post(f"{server.url}/get_reward", json=body, timeout=60)

        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(post, range(4)))
        metrics = httpx.get(f"{server.url}/metrics", timeout=10).text
    assert [a.status_code for a in answers] == [200] * 4
    assert [a.json()["rewards"] for a in answers] == [[1.0]] * 4
    # The queue was full (the engine refused admission) and the endpoint waited instead of answering 429.
    refused = [ln for ln in metrics.splitlines() if ln.startswith("veriward_overloaded_total{")]
    assert refused and float(refused[0].split()[-1]) >= 1, refused


def test_reward_func_in_process_through_the_client(live_server) -> None:
    with Client(live_server.url) as client:
        out = openrlhf.reward_func(
            [PROMPT + "\\boxed{5}", PROMPT + "\\boxed{6}"], [PROMPT] * 2, ["5", "5"], client=client
        )
    assert out["rewards"].tolist() == [1.0, 0.0]
    assert out["scores"].tolist() == [1.0, 0.0]
    assert out["extra_logs"]["veriward_group_size"].tolist() == [2.0, 2.0]


def test_reward_func_gives_the_marked_fallback_when_the_server_fails() -> None:
    with StubServer(status(503)) as stub, Client(stub.url, max_attempts=2, backoff_s=0.01) as client:
        out = openrlhf.reward_func(
            [PROMPT + "\\boxed{5}"], [PROMPT], ["5"], client=client, fallback_reward=0.25
        )
    assert stub.hits == 2
    assert out["rewards"].tolist() == [0.25]
    assert out["extra_logs"]["veriward_unscored"].tolist() == [1.0]


@pytest.mark.slow
def test_serve_flag_sets_the_default_verifier() -> None:
    # `veriward serve --default-verifier` in a real process: a plain label goes to the named scorer.
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERIWARD_")}
    cmd = [sys.executable, "-m", "veriward", "serve", "--port", str(port), "--default-verifier", "no_such"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
                time.sleep(0.2)
        body = {"query": [PROMPT + "\\boxed{5}"], "prompts": [PROMPT], "labels": ["5"]}
        r = httpx.post(f"{url}/get_reward", json=body, timeout=30)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert r.status_code == 422 and "no_such" in r.text
