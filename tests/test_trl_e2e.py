"""A real TRL `GRPOTrainer` runs 2 steps on CPU with veriward's reward function and a live server.

The model is a tiny Qwen2 with random weights built from a config, the tokenizer a word-level one built
here: nothing is downloaded. The vocabulary holds `\\boxed{5}` and `\\boxed{6}` as single words so that
random generations contain right, wrong and missing answers.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

pytest.importorskip("trl")

import torch
from _client_stub import dead_backend_registered
from datasets import Dataset
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM
from trl import GRPOConfig, GRPOTrainer

from veriward.integrations.trl import reward_function

VOCAB = ["<pad>", "<eos>", "<unk>", "\\boxed{5}", "\\boxed{6}", "What", "is", "2+3?", "so"]


def _tokenizer() -> PreTrainedTokenizerFast:
    word_level = models.WordLevel({w: i for i, w in enumerate(VOCAB)}, unk_token="<unk>")
    tok = Tokenizer(word_level)
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>", padding_side="left"
    )


def _model() -> Qwen2ForCausalLM:
    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=len(VOCAB),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=32,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=None,
        tie_word_embeddings=False,
    )
    model = Qwen2ForCausalLM(config)
    with torch.no_grad():
        model.lm_head.weight.zero_()  # uniform next-token distribution: every word is equally likely
    return model


def _train(url: str, tmp_path: Any, answers: list[Any]) -> tuple[GRPOTrainer, list[list[float | None]]]:
    """Two GRPO steps (2 prompts x 4 generations each) with veriward's reward; what it returned per step."""
    score = reward_function("math", "answer", url=url, num_generations=4)
    returned: list[list[float | None]] = []

    def veriward_math(prompts: list[Any], completions: list[Any], **columns: Any) -> list[float | None]:
        rewards = score(prompts, completions, **columns)
        returned.append(rewards)
        return rewards

    dataset = Dataset.from_dict({"prompt": ["What is 2+3?"] * len(answers), "answer": answers})
    args = GRPOConfig(
        output_dir=str(tmp_path),
        per_device_train_batch_size=8,
        num_generations=4,
        max_completion_length=4,
        max_steps=2,
        logging_steps=1,
        learning_rate=1e-3,
        report_to="none",
        save_strategy="no",
        use_cpu=True,
        seed=1,
        temperature=1.0,
        log_completions=False,
    )
    trainer = GRPOTrainer(
        model=_model(),
        reward_funcs=veriward_math,
        args=args,
        train_dataset=dataset,
        processing_class=_tokenizer(),
    )
    trainer.train()
    return trainer, returned


def _logged(trainer: GRPOTrainer, key: str) -> list[float]:
    return [h[key] for h in trainer.state.log_history if key in h]


@pytest.mark.slow
def test_grpo_trainer_logs_the_rewards_and_group_stats_veriward_returned(live_server, tmp_path) -> None:
    trainer, returned = _train(live_server.url, tmp_path, ["5"] * 16)
    assert len(returned) == 2 and all(len(r) == 8 for r in returned)
    flat = [r for batch in returned for r in batch]
    assert set(flat) == {0.0, 1.0}, (
        flat,
        list(trainer._logs["completion"]),
    )  # right and wrong answers both occurred and were scored
    logged = [
        h["rewards/veriward_math/mean"]
        for h in trainer.state.log_history
        if "rewards/veriward_math/mean" in h
    ]
    assert len(logged) == 2
    for mean, batch in zip(logged, returned, strict=True):
        assert math.isclose(mean, sum(batch) / len(batch), abs_tol=1e-6)  # type: ignore[arg-type]
    # The per-completion rewards TRL kept for its last batch are the ones veriward returned, and they
    # are veriward's verdicts on those very completions.
    assert list(trainer._logs["rewards"]["veriward_math"]) == returned[-1]
    with live_server.client() as http:
        for completion, got in zip(trainer._logs["completion"], returned[-1], strict=True):
            result = http.post(
                "/v1/score", json={"verifier": "math", "response": completion, "reference": "5"}
            )
            assert result.json()["score"] == got
    # Each step holds 2 groups of 4 (num_generations): the group stats TRL logged are those of the rewards,
    # and veriward's uniform-group share is TRL's own frac_reward_zero_std.
    assert _logged(trainer, "veriward/groups") == [2.0, 2.0]
    uniform = [sum(len(set(b[i : i + 4])) == 1 for i in (0, 4)) / 2 for b in returned]
    assert _logged(trainer, "veriward/uniform_group_frac") == pytest.approx(uniform)
    assert _logged(trainer, "veriward/uniform_group_frac") == pytest.approx(
        _logged(trainer, "frac_reward_zero_std")
    )
    assert _logged(trainer, "veriward/unscored_frac") == [0.0, 0.0]


@pytest.mark.slow
def test_grpo_trainer_drops_what_veriward_could_not_score(make_server, tmp_path) -> None:
    # One of the two rows' label picks a scorer whose backend is down: its completions get None, which TRL
    # leaves out of the group baseline; the other group of each step (both rows are in every step) keeps
    # its verdicts.
    with dead_backend_registered() as dead:
        server = make_server()
        answers = ["5", json.dumps({"verifier": dead, "reference": "5"})]
        trainer, returned = _train(server.url, tmp_path, answers)
    assert len(returned) == 2
    for batch in returned:
        groups = [batch[:4], batch[4:]]
        assert sorted(sum(r is None for r in g) for g in groups) == [0, 4]
        assert all(r in (0.0, 1.0) for r in batch if r is not None)
    assert _logged(trainer, "veriward/unscored_frac") == [0.5, 0.5]
    for mean, batch in zip(_logged(trainer, "rewards/veriward_math/mean"), returned, strict=True):
        decided = [r for r in batch if r is not None]
        assert math.isclose(mean, sum(decided) / len(decided), abs_tol=1e-6)
