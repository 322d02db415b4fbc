"""TRL reward functions (sync and async) through the client against the real server, as groups."""

from __future__ import annotations

import asyncio

import pytest
from _client_stub import StubServer, dead_backend_registered, forward, status

from veriward.client import AsyncClient, Client
from veriward.integrations.trl import async_reward_function, reward_function

PROMPTS = ["What is 2 + 3?"] * 3
PLAIN = ["It is \\boxed{5}", "It is \\boxed{6}", "I do not know"]
CHAT = [[{"role": "assistant", "content": c}] for c in PLAIN]


def test_sync_reward_function_plain_and_conversational(live_server) -> None:
    fn = reward_function("math", "answer", url=live_server.url)
    assert fn.__name__ == "veriward_math"
    assert fn(PROMPTS, PLAIN, answer=["5"] * 3) == [1.0, 0.0, 0.0]
    chat_prompts = [[{"role": "user", "content": p}] for p in PROMPTS]
    assert fn(chat_prompts, CHAT, answer=["5"] * 3, trainer_state=None) == [1.0, 0.0, 0.0]


def test_content_parts_are_joined(live_server) -> None:
    fn = reward_function(url=live_server.url)
    parts = [[{"role": "assistant", "content": [{"type": "text", "text": "so \\boxed"}, {"text": "{5}"}]}]]
    assert fn(PROMPTS[:1], parts, answer=["5"]) == [1.0]


def test_async_reward_function_and_trl_logging_hooks(live_server) -> None:
    metrics: dict[str, float] = {}
    extra: dict[str, list] = {}
    client = AsyncClient(live_server.url)
    fn = async_reward_function("math", "solution", client=client)

    async def call() -> list[float | None]:
        async with client:
            hooks = {"log_metric": metrics.__setitem__, "log_extra": extra.__setitem__}
            return await fn(PROMPTS, PLAIN, solution=["5"] * 3, **hooks)

    rewards = asyncio.run(call())
    assert rewards == [1.0, 0.0, 0.0]
    # One prompt, three completions: one group; its std is that of (1, 0, 0).
    assert metrics == {
        "veriward/groups": 1.0,
        "veriward/uniform_group_frac": 0.0,
        "veriward/group_reward_std": pytest.approx(0.4714045),
        "veriward/duplicate_frac": 0.0,
        "veriward/unscored_frac": 0.0,
    }
    assert extra == {"veriward_verdict": ["correct", "incorrect", "invalid"]}


def test_consecutive_completions_of_a_prompt_form_groups_with_their_stats(live_server) -> None:
    # Two prompts x 3 generations, laid out as GRPO does; the second group is uniform and repeats itself.
    prompts = ["What is 2 + 3?"] * 3 + ["What is 3 + 4?"] * 3
    completions = ["\\boxed{5}", "\\boxed{5} ", "\\boxed{6}", "\\boxed{7}", "\\boxed{7}", "so \\boxed{7}"]
    metrics: dict[str, float] = {}
    fn = reward_function(url=live_server.url)
    rewards = fn(prompts, completions, answer=["5"] * 3 + ["7"] * 3, log_metric=metrics.__setitem__)
    assert rewards == [1.0, 1.0, 0.0, 1.0, 1.0, 1.0]
    assert metrics["veriward/groups"] == 2.0
    assert metrics["veriward/uniform_group_frac"] == 0.5
    # "\\boxed{5} " repeats "\\boxed{5}" after normalisation, "\\boxed{7}" repeats itself: 2 of 6.
    assert metrics["veriward/duplicate_frac"] == pytest.approx(2 / 6)


def test_a_label_object_picks_its_scorer_and_an_error_is_none_for_that_row_only(make_server) -> None:
    with dead_backend_registered() as dead:
        server = make_server()
        fn = reward_function(url=server.url)
        labels = ["5", {"verifier": dead, "reference": "x"}, "5"]
        metrics: dict[str, float] = {}
        out = fn(["a", "b", "c"], PLAIN, answer=labels, log_metric=metrics.__setitem__)
    assert out == [1.0, None, 0.0]
    assert metrics["veriward/unscored_frac"] == pytest.approx(1 / 3)


def test_an_overloaded_server_is_waited_out_not_zeroed(live_server) -> None:
    # Two 429s with Retry-After, then the real server: the rewards are the real ones.
    from starlette.responses import JSONResponse

    busy = [
        JSONResponse({"detail": "busy"}, status_code=429, headers={"Retry-After": "0.2"}) for _ in range(2)
    ]
    with StubServer(forward(live_server.url, first=busy)) as stub:
        fn = reward_function(client=Client(stub.url, backoff_s=0.01))
        assert fn(PROMPTS, PLAIN, answer=["5"] * 3) == [1.0, 0.0, 0.0]
    assert stub.hits == 3 and stub.hit_times[1] - stub.hit_times[0] >= 0.2


def test_server_down_gives_none_for_every_sample() -> None:
    with StubServer(status(503)) as stub:
        fn = reward_function(client=Client(stub.url, max_attempts=3, backoff_s=0.01))
        assert fn(PROMPTS, PLAIN, answer=["5"] * 3) == [None, None, None]
    assert stub.hits == 3  # one batch request, retried to max_attempts


def test_scorer_error_gives_none(make_server) -> None:
    with dead_backend_registered() as dead:
        server = make_server()
        ok = reward_function("math", url=server.url)
        broken = reward_function(dead, url=server.url)
        assert ok(PROMPTS[:1], PLAIN[:1], answer=["5"]) == [1.0]
        assert broken(PROMPTS[:1], PLAIN[:1], answer=["5"]) == [None]


def test_422_is_not_retried_and_raises(live_server) -> None:
    with StubServer(status(422)) as stub:
        fn = reward_function(client=Client(stub.url, max_attempts=5))
        with pytest.raises(Exception, match="HTTP 422"):
            fn(PROMPTS, PLAIN, answer=["5"] * 3)
    assert stub.hits == 1


def test_missing_reference_column_is_named(live_server) -> None:
    fn = reward_function(reference_column="gold", url=live_server.url)
    with pytest.raises(KeyError, match="gold"):
        fn(PROMPTS, PLAIN, answer=["5"] * 3)


def test_concurrency_is_bounded_across_concurrent_reward_calls(live_server) -> None:
    # TRL awaits async reward functions together; the shared client still caps requests in flight.
    with StubServer(forward(live_server.url, delay_s=0.05)) as stub:
        client = AsyncClient(stub.url, max_concurrency=2, batch_size=2)
        fns = [async_reward_function(client=client, name=f"r{i}") for i in range(3)]

        async def run_all() -> list[list[float | None]]:
            return await asyncio.gather(*(f(PROMPTS * 2, PLAIN * 2, answer=["5"] * 6) for f in fns))

        out = asyncio.run(run_all())
    assert out == [[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]] * 3
    # Each call is one group of 6 (a group is never split across requests): 3 requests, at most 2 at once.
    assert stub.hits == 3 and stub.max_in_flight == 2
