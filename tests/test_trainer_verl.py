"""verl 0.9.1's own reward loop scores through veriward: its config, `load_reward_manager`, `naive` manager.

Runs in CI's `.venv-verl` (verl pins antlr4 4.9.3 and brings ray, tensordict, ...). The rollouts are a real
`DataProto`, decoded by a real (word-level) tokenizer built here; the reward loop's batch call is verl's own
`RewardLoopWorker.compute_score_batch` (built without its model-loading `__init__`, which needs a model hub).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _client_stub import StubServer, dead_backend_registered, forward
from _trainer_env import require
from starlette.responses import JSONResponse

verl = require("verl", "verl")

import torch  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402
from tokenizers import Tokenizer, models, pre_tokenizers  # noqa: E402
from transformers import PreTrainedTokenizerFast  # noqa: E402
from verl import DataProto  # noqa: E402
from verl.experimental.reward_loop.reward_loop import RewardLoopWorker, migrate_legacy_reward_impl  # noqa: E402
from verl.trainer.ppo.reward import load_reward_manager  # noqa: E402
from verl.utils.ray_utils import get_event_loop  # noqa: E402

VOCAB = ["<pad>", "<eos>", "<unk>", "What", "is", "2+3?", "so", "\\boxed{5}", "\\boxed{6}", "x"]
CONFIG = Path(verl.__file__).parent / "trainer" / "config" / "_generated_ppo_trainer.yaml"


def _tokenizer() -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(VOCAB)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>"
    )


def _batch(tok: PreTrainedTokenizerFast, rows: list[tuple[str, str, int]]) -> DataProto:
    """Rollouts (data_source, response, prompt index) of the prompt "What is 2+3?", answer 5."""
    prompt = tok("What is 2+3?")["input_ids"]
    width = 4
    responses, masks = [], []
    for _, text, _ in rows:
        ids = tok(text)["input_ids"]
        responses.append(ids + [0] * (width - len(ids)))
        masks.append([1] * len(prompt) + [1] * len(ids) + [0] * (width - len(ids)))
    n = len(rows)
    return DataProto.from_dict(
        tensors={
            "prompts": torch.tensor([prompt] * n),
            "responses": torch.tensor(responses),
            "attention_mask": torch.tensor(masks),
        },
        non_tensors={
            "data_source": [r[0] for r in rows],
            "reward_model": [{"ground_truth": "5"} for _ in rows],
            "extra_info": [{"index": r[2]} for r in rows],
        },
    )


def _worker(tmp_path: Path, name: str, kwargs: dict[str, Any], legacy: bool = False) -> RewardLoopWorker:
    module = tmp_path / "veriward_reward.py"
    module.write_text("from veriward.integrations.verl import compute_score, compute_score_async\n")
    config = OmegaConf.load(CONFIG)
    section = config if legacy else config.reward
    section.custom_reward_function = {"path": str(module), "name": name, "reward_kwargs": kwargs}
    if legacy:  # the pre-0.9 top-level keys, moved by verl's own migration
        config = migrate_legacy_reward_impl(config)
    worker = RewardLoopWorker.__new__(RewardLoopWorker)
    worker.config = config
    worker.reward_manager = load_reward_manager(config, _tokenizer())
    worker.loop = get_event_loop()
    return worker


def _run(worker: RewardLoopWorker, data: DataProto) -> list[dict[str, Any]]:
    return worker.loop.run_until_complete(worker.compute_score_batch(data))


ROWS = [
    ("openai/gsm8k", "so \\boxed{5}", 0),
    ("openai/gsm8k", "\\boxed{5}", 0),
    ("openai/gsm8k", "\\boxed{6}", 0),
]


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("name", ["compute_score", "compute_score_async"])
def test_verls_reward_loop_scores_two_right_and_one_wrong(live_server, tmp_path, name, legacy) -> None:
    worker = _worker(tmp_path, name, {"url": live_server.url}, legacy)
    out = _run(worker, _batch(_tokenizer(), ROWS))
    assert [o["reward_score"] for o in out] == [1.0, 1.0, 0.0]
    assert [o["reward_extra_info"]["veriward_unscored"] for o in out] == [0.0, 0.0, 0.0]
    if name == "compute_score_async":  # one prompt: one group, its stats in every row's logged columns
        assert {o["reward_extra_info"]["veriward_group_uniform"] for o in out} == {0.0}
        assert out[0]["reward_extra_info"]["veriward_group_std"] == pytest.approx(0.4714045)


def test_an_error_sample_gets_the_marked_fallback_and_the_others_their_verdicts(
    make_server, tmp_path
) -> None:
    with dead_backend_registered() as dead:
        server = make_server()
        kwargs = {"url": server.url, "sources": {"broken": dead}, "fallback": "group_mean"}
        worker = _worker(tmp_path, "compute_score_async", kwargs)
        out = _run(worker, _batch(_tokenizer(), [*ROWS, ("broken", "x", 1)]))
    assert [o["reward_score"] for o in out] == [1.0, 1.0, 0.0, 0.0]
    assert [o["reward_extra_info"]["veriward_unscored"] for o in out] == [0.0, 0.0, 0.0, 1.0]


def test_an_overloaded_server_is_waited_out(live_server, tmp_path) -> None:
    busy = [
        JSONResponse({"detail": "busy"}, status_code=429, headers={"Retry-After": "0.2"}) for _ in range(2)
    ]
    with StubServer(forward(live_server.url, first=busy)) as stub:
        worker = _worker(tmp_path, "compute_score_async", {"url": stub.url})
        out = _run(worker, _batch(_tokenizer(), ROWS))
    assert [o["reward_score"] for o in out] == [1.0, 1.0, 0.0]
    assert stub.hits == 3  # two 429s, then one grouped request for the whole batch
