"""OpenRLHF 0.11.2's own rollout code scores through veriward's `/get_reward` and `reward_func`.

Runs in CI's `.venv-verl`, where the OpenRLHF wheel is installed without its GPU dependencies (flash-attn,
deepspeed, vLLM do not install here). Real: `SingleTurnAgentExecutor.execute` (tokenising, front truncation
of a long prompt, the query it decodes, its HTTP request and its 5-try retry), the `Experience` each rollout
becomes (`SamplesGenerator._process_response_into_experience`), a byte-level BPE tokenizer trained here.
Doubles, because vLLM cannot exist here: the generation engine (it returns scripted token ids) and the
`vllm` names the samples generator imports (`SamplingParams`, `TokensPrompt`, `random_uuid`).
"""

from __future__ import annotations

import asyncio
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _client_stub import SlowAccept, StubServer, dead_backend_registered, registered, status
from _trainer_env import require

require("openrlhf", "verl")

import torch  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402
from transformers import PreTrainedTokenizerFast  # noqa: E402


def _vllm_double() -> None:
    # samples_generator imports vllm at module level; only these names are used on the path tested.
    if "vllm" in sys.modules:
        return
    vllm = types.ModuleType("vllm")
    vllm.__version__ = "0.29.0"  # type: ignore[attr-defined]
    vllm.SamplingParams = _Sampling  # type: ignore[attr-defined]
    inputs, utils = types.ModuleType("vllm.inputs"), types.ModuleType("vllm.utils")
    inputs.TokensPrompt = dict  # type: ignore[attr-defined]
    utils.random_uuid = lambda: "0"  # type: ignore[attr-defined]
    sys.modules.update({"vllm": vllm, "vllm.inputs": inputs, "vllm.utils": utils})


@dataclass
class _Sampling:
    max_tokens: int | None = None
    logprobs: int | None = None


_vllm_double()

from openrlhf.trainer.ppo_utils.samples_generator import SamplesGenerator  # noqa: E402
from openrlhf.utils.agent import SingleTurnAgentExecutor  # noqa: E402

CORPUS = [
    "<|user|> What is 2 + 3? Put the answer in \\boxed{}. <|assistant|> It is \\boxed{5}",
    "Example: 1 + 4 = \\boxed{5}. Example: 2 + 2 = \\boxed{4}. It is \\boxed{6} or \\boxed{7}",
    "déjà vu — naïve café ∑ ∫ π ≈ 3.14159, 数学 答案",
]
PROMPT = "<|user|> What is 2 + 3? Put the answer in \\boxed{}. <|assistant|>"


def _tokenizer() -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(
        CORPUS * 20, trainers.BpeTrainer(vocab_size=400, special_tokens=["<pad>", "<eos>"])
    )
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>")


TOK = _tokenizer()


class _Engine:
    """The vLLM engine double: 'generates' the scripted text of each call, as token ids."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = list(texts)

    async def generate(
        self, prompt_token_ids: list[int], sampling_params: Any, multi_modal_data: Any = None
    ) -> Any:
        ids = TOK(self.texts.pop(0), add_special_tokens=False)["input_ids"]
        out = types.SimpleNamespace(token_ids=ids, text=TOK.decode(ids), finish_reason="stop", logprobs=None)
        return types.SimpleNamespace(outputs=[out])


def _rollouts(
    executor: SingleTurnAgentExecutor, texts: list[str], labels: list[Any], **kw: Any
) -> list[dict]:
    """One prompt's rollouts, executed concurrently as `RolloutRayActor.generate_responses` does."""
    engine = _Engine(texts)
    prompt = kw.pop("prompt", PROMPT)
    max_length = kw.pop("max_length", 512)

    async def run() -> list[dict]:
        calls = [
            executor.execute(
                prompt, label, _Sampling(max_tokens=kw.get("max_tokens", 16)), max_length, TOK, engine
            )
            for label in labels
        ]
        return await asyncio.gather(*calls)

    return asyncio.run(run())


def _step_rewards(outputs: list[dict]) -> torch.Tensor:
    """The rewards of one step as OpenRLHF builds them: an Experience per rollout, then concatenated."""
    experiences = [SamplesGenerator._process_response_into_experience(None, o, max_len=512) for o in outputs]  # type: ignore[arg-type]
    assert all(e.rewards is not None for e in experiences), "a None reward breaks OpenRLHF's step"
    return torch.cat([e.rewards.reshape(-1) for e in experiences])


ANSWERS = [" It is \\boxed{5}", " so \\boxed{5}", " It is \\boxed{6}"]  # 2 right, 1 wrong


def test_the_executor_scores_two_right_and_one_wrong(live_server) -> None:
    outputs = _rollouts(SingleTurnAgentExecutor(f"{live_server.url}/get_reward"), ANSWERS, ["5"] * 3)
    assert _step_rewards(outputs).tolist() == [1.0, 1.0, 0.0]
    assert [o["extra_logs"]["veriward_correct"] for o in outputs] == [[1.0], [1.0], [0.0]]


def test_a_prompt_the_executor_cuts_is_still_scored_from_its_kept_end(live_server) -> None:
    # A long few-shot prompt whose examples hold \\boxed{5}; max_length forces OpenRLHF to cut its front.
    prompt = "Example: 1 + 4 = \\boxed{5}. Example: 2 + 2 = \\boxed{4}. " * 12 + PROMPT
    assert len(TOK(prompt, add_special_tokens=False)["input_ids"]) > 100
    executor = SingleTurnAgentExecutor(f"{live_server.url}/get_reward")
    outputs = _rollouts(
        executor, [" It is \\boxed{6}", " It is \\boxed{5}"], ["5", "5"], prompt=prompt, max_length=80
    )
    assert [o["extra_logs"]["veriward_prompt_cut"] for o in outputs] == [[1.0], [1.0]]
    assert _step_rewards(outputs).tolist() == [0.0, 1.0]  # the examples' \\boxed{5} is never credited


def test_a_failed_sample_never_loses_the_others_of_its_step(make_server) -> None:
    with dead_backend_registered() as dead:
        server = make_server()
        executor = SingleTurnAgentExecutor(f"{server.url}/get_reward?fallback_reward=0.0")
        labels = ["5", {"verifier": dead, "reference": "5"}, "5"]
        outputs = _rollouts(executor, ANSWERS, labels)
    assert _step_rewards(outputs).tolist() == [1.0, 0.0, 0.0]
    assert [o["extra_logs"]["veriward_unscored"] for o in outputs] == [[0.0], [1.0], [0.0]]
    info = SamplesGenerator._process_response_into_experience(None, outputs[1], max_len=512).info  # type: ignore[arg-type]
    assert info["veriward_unscored"].flatten().tolist() == [1.0]  # what OpenRLHF logs for the sample


def test_an_overloaded_server_holds_the_executors_requests_instead_of_refusing(make_server) -> None:
    # A scorer holding each request 0.3 s with a queue of 1: six concurrent rollouts must queue, not fail.
    with registered(SlowAccept) as slow:
        server = make_server(max_queue_per_scorer=1)
        executor = SingleTurnAgentExecutor(f"{server.url}/get_reward")
        started = time.monotonic()
        outputs = _rollouts(executor, ANSWERS * 2, [{"verifier": slow, "reference": "x"}] * 6)
    assert _step_rewards(outputs).tolist() == [1.0] * 6
    assert time.monotonic() - started < 60


def test_why_no_http_error_reaches_openrlhf(caplog) -> None:
    # OpenRLHF's own retry: 5 tries 1 s apart whatever the status (Retry-After unread), then reward None.
    with StubServer(status(503, {"Retry-After": "30"})) as stub:
        outputs = _rollouts(SingleTurnAgentExecutor(f"{stub.url}/get_reward"), ANSWERS[:1], ["5"])
    assert stub.hits == 5 and outputs[0]["reward"] is None
    with pytest.raises(AssertionError, match="breaks OpenRLHF's step"):
        _step_rewards(outputs)


def test_in_process_reward_func(live_server, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VERIWARD_URL", live_server.url)
    monkeypatch.setattr("veriward.client._defaults", {})
    path = tmp_path / "reward.py"
    path.write_text("from veriward.integrations.openrlhf import reward_func\n")
    outputs = _rollouts(SingleTurnAgentExecutor(str(path)), ANSWERS, ["5"] * 3)
    assert _step_rewards(outputs).tolist() == [1.0, 1.0, 0.0]
