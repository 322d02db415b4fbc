"""verifiers 0.4 (`verifiers.v1`) and its NeMo-Gym client against a live veriward server.

Runs in CI's `.venv-verifiers` (the package pulls model-provider SDKs the main environment does not carry).
A whole rollout needs a model and a harness program fetched at run time, so scoring runs the way
`Rollout` runs it (verifiers/v1/rollout.py): `task.score(trace)` inside `boundary(TaskError, "scoring")`,
the error recorded on the trace. Tasks, traces, episodes, `NeMoGymTask` and its HTTP calls are the package's.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _client_stub import StubServer, dead_backend_registered, forward
from _trainer_env import require
from starlette.responses import JSONResponse

vf = require("verifiers.v1", "verifiers")

from verifiers.v1.errors import TaskError, boundary  # noqa: E402
from verifiers.v1.graph import MessageNode  # noqa: E402
from verifiers.v1.tasksets.nemo_gym import NeMoGymData, NeMoGymTask, NeMoGymTaskConfig  # noqa: E402
from verifiers.v1.tasksets.nemo_gym.toolset import NeMoGymState  # noqa: E402
from verifiers.v1.trace import AgentInfo, Trace, TraceTask  # noqa: E402
from verifiers.v1.types import AssistantMessage, UserMessage  # noqa: E402

from veriward.client import AsyncClient  # noqa: E402
from veriward.integrations import verifiers_v1  # noqa: E402

ANSWERS = ["so \\boxed{5}", "it is 5, \\boxed{5}", "\\boxed{6}"]  # 2 right, 1 wrong


class MathData(vf.TaskData):
    answer: str


def _trace(data: Any, reply: str, state: Any = None) -> Trace:
    trace = Trace(
        task=TraceTask(type="MathTask", data=data),
        agent=AgentInfo(config=vf.AgentConfig()),
        **({"state": state} if state is not None else {}),
    )
    trace.nodes.append(MessageNode(message=UserMessage(content="What is 2 + 3?")))
    trace.nodes.append(MessageNode(parent=0, message=AssistantMessage(content=reply), sampled=True))
    return trace


async def _score(task: Any, trace: Trace) -> Trace:
    # What Rollout does around scoring: the boundary, then the failure captured onto the trace.
    try:
        async with boundary(TaskError, "scoring"):
            await task.score(trace)
    except Exception as exc:
        trace.record_error(exc)
        trace.ok = False
    else:
        trace.ok = True
    return trace


def _task_class(url: str, verifier: str = "math") -> type:
    class MathTask(vf.Task[MathData]):
        veriward_math = verifiers_v1.reward_method(verifier, url=url, name="veriward_math")

    return MathTask


def test_a_reward_method_scores_two_right_and_one_wrong(live_server) -> None:
    data = MathData(prompt="What is 2 + 3?", answer="5")
    task = _task_class(live_server.url)(data)

    async def run() -> list[Trace]:
        return await asyncio.gather(*(_score(task, _trace(data, a)) for a in ANSWERS))

    traces = asyncio.run(run())
    assert [t.reward for t in traces] == [1.0, 1.0, 0.0]
    assert all(t.ok for t in traces)
    assert [t.metrics["veriward_correct"] for t in traces] == [1.0, 1.0, 0.0]
    assert traces[2].info["veriward"]["verdict"] == "incorrect"


def test_a_plugged_reward_function_from_the_task_config(live_server, monkeypatch) -> None:
    monkeypatch.setenv("VERIWARD_URL", live_server.url)
    monkeypatch.setattr("veriward.client._defaults", {})
    config = vf.TaskConfig(
        rewards={"veriward_math": {"fn": "veriward.integrations.verifiers_v1:math_reward"}}
    )
    data = MathData(prompt="What is 2 + 3?", answer="5")
    task = vf.Task(data, config)
    traces = [asyncio.run(_score(task, _trace(data, a))) for a in ANSWERS]
    assert [t.reward for t in traces] == [1.0, 1.0, 0.0]


def test_an_error_is_a_skipped_trace_not_a_zero(make_server) -> None:
    with dead_backend_registered() as dead:
        server = make_server()
        data = MathData(prompt="What is 2 + 3?", answer="5")
        trace = asyncio.run(_score(_task_class(server.url, dead)(data), _trace(data, ANSWERS[0])))
    assert trace.rewards["veriward_math"] is None  # "scoring didn't run"
    assert not trace.ok and trace.last_error is not None and trace.last_error.type == "TaskError"
    assert "backend unreachable" in trace.last_error.message
    assert trace.metrics["veriward_unscored"] == 1.0


def test_an_overloaded_server_is_waited_out(live_server) -> None:
    busy = [
        JSONResponse({"detail": "busy"}, status_code=429, headers={"Retry-After": "0.2"}) for _ in range(2)
    ]
    with StubServer(forward(live_server.url, first=busy)) as stub:
        client = AsyncClient(stub.url, backoff_s=0.01)
        data = MathData(prompt="What is 2 + 3?", answer="5")

        class MathTask(vf.Task[MathData]):
            veriward_math = verifiers_v1.reward_method("math", client=client)

        trace = asyncio.run(_score(MathTask(data), _trace(data, ANSWERS[0])))
    assert trace.ok and trace.reward == 1.0 and stub.hits == 3


def test_score_episode_scores_siblings_as_a_group_and_fails_only_the_undecided(live_server) -> None:
    data = MathData(prompt="What is 2 + 3?", answer="5")
    huge = "x" * 2_000_001  # over the server's response limit: veriward cannot decide it
    traces = [_trace(data, a) for a in [*ANSWERS, ANSWERS[0], huge]]
    for t in traces:
        t.ok = True
    episode = vf.Episode(task=TraceTask(type="MathTask", data=data), traces=traces)
    group = asyncio.run(verifiers_v1.score_episode(episode, "math", url=live_server.url))
    assert [t.rewards["veriward_math"] and t.rewards["veriward_math"].score for t in traces] == [
        1.0, 1.0, 0.0, 1.0, None,
    ]  # fmt: skip
    assert [t.ok for t in traces] == [True, True, True, True, False]
    assert group.stats.duplicates == [[0, 3]]
    assert [t.metrics["veriward_duplicate"] for t in traces] == [0.0, 0.0, 0.0, 1.0, 0.0]
    assert traces[0].metrics["veriward_group_std"] == pytest.approx(group.stats.std)


def _nemo(url: str, reply: str, headers: dict[str, str] | None = None) -> Trace:
    row = {
        "responses_create_params": {"input": [{"role": "user", "content": "What is 2 + 3?"}]},
        "expected_answer": "5",
    }
    task = NeMoGymTask(NeMoGymData(row=row, prompt="What is 2 + 3?"), NeMoGymTaskConfig(resources_url=url))
    if headers:
        task.config.headers.update(headers)
    trace = _trace(task.data, reply, state=NeMoGymState())

    async def run() -> Trace:
        await task.setup(trace, None)  # type: ignore[arg-type]  # NeMoGymTask.setup uses no runtime
        return await _score(task, trace)

    return asyncio.run(run())


def test_nemo_gym_task_against_seed_session_and_verify(live_server) -> None:
    traces = [_nemo(live_server.url, a) for a in ANSWERS]
    assert [t.reward for t in traces] == [1.0, 1.0, 0.0]
    # Top-level numbers in the /verify answer are what NeMoGymTask records as metrics.
    assert [t.metrics["veriward_correct"] for t in traces] == [1.0, 1.0, 0.0]
    assert [t.metrics["mask_sample"] for t in traces] == [0.0, 0.0, 0.0]


def test_nemo_gym_error_is_masked_or_a_failed_rollout(make_server) -> None:
    with dead_backend_registered() as dead:
        server = make_server(default_verifier=dead)
        masked = _nemo(server.url, ANSWERS[0])
        failed = _nemo(server.url, ANSWERS[0], headers={"X-Veriward-On-Error": "fail"})
    assert masked.ok and masked.metrics["mask_sample"] == 1.0 and masked.metrics["veriward_unscored"] == 1.0
    assert not failed.ok and failed.rewards["nemo_gym"] is None
    assert "503" in failed.last_error.message
