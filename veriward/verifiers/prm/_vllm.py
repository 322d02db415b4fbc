"""A PRM served by vLLM's pooling API (Qwen2.5-Math-PRM style).

The solution is sent as one chat transcript whose steps each end with the step tag `<extra_0>`. vLLM
answers in one of two shapes: with the STEP pooler, one `[P(negative), P(positive)]` row per tag; with the
ALL pooler (and in versions where token classification pools every token), one row per token. For the
latter, the tag's positions come from vLLM's own `/tokenize` of the same prompt, never from a guess.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from veriward.errors import ScorerUnavailable
from veriward.verifiers.prm._http import JsonClient

STEP_TAG = "<extra_0>"
SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."


def prm_prompt(problem: str, steps: Sequence[str], step_tag: str = STEP_TAG) -> str:
    """The Qwen chat transcript a Qwen2.5-Math-PRM scores: every step followed by the step tag."""
    answer = "".join(s + step_tag for s in steps)
    return (
        f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{problem}<|im_end|>\n"
        f"<|im_start|>assistant\n{answer}<|im_end|><|endoftext|>"
    )


def positive_probability(item: Any) -> float:
    """P(step is right) from one pooled value: a `[neg, pos]` pair (probabilities or logits) or a number."""
    if isinstance(item, int | float) and not isinstance(item, bool):
        value = float(item)
        return value if 0.0 <= value <= 1.0 else 1.0 / (1.0 + math.exp(-value))
    if isinstance(item, list) and len(item) == 2 and all(isinstance(v, int | float) for v in item):
        neg, pos = float(item[0]), float(item[1])
        if min(neg, pos) >= 0.0 and abs(neg + pos - 1.0) < 1e-3:
            return pos
        top = max(neg, pos)  # logits: softmax
        return math.exp(pos - top) / (math.exp(neg - top) + math.exp(pos - top))
    raise ScorerUnavailable(f"unexpected pooling value {str(item)[:80]}; is the model a step PRM?")


class VllmPrm:
    """Client of `POST /pooling`; `score_many` sends several solutions in one request."""

    def __init__(self, client: JsonClient, model: str) -> None:
        self.client = client
        self.model = model
        self._tag_id: int | None = None

    async def score_many(
        self, items: Sequence[tuple[str, Sequence[str]]], deadline: float
    ) -> list[list[float]]:
        prompts = [prm_prompt(problem, steps) for problem, steps in items]
        body = await self.client.post("/pooling", {"model": self.model, "input": prompts}, deadline)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list) or len(data) != len(items):
            raise ScorerUnavailable("pooling answer has no `data` list with one entry per input")
        out = []
        ordered = sorted(data, key=lambda d: d.get("index", 0) if isinstance(d, dict) else 0)
        for entry, prompt, (_, steps) in zip(ordered, prompts, items, strict=True):
            values = entry.get("data") if isinstance(entry, dict) else None
            if not isinstance(values, list):
                raise ScorerUnavailable("pooling answer has no step values")
            if len(values) > len(steps):  # one row per token: keep the rows at the step tags
                values = await self._at_tags(values, prompt, deadline)
            if len(values) != len(steps):
                raise ScorerUnavailable(
                    f"pooling answer has {len(values)} step values for {len(steps)} steps"
                )
            out.append([positive_probability(v) for v in values])
        return out

    async def _tokens(self, text: str, deadline: float) -> list[int]:
        body = await self.client.post(
            "/tokenize", {"model": self.model, "prompt": text, "add_special_tokens": False}, deadline
        )
        tokens = body.get("tokens") if isinstance(body, dict) else None
        if not isinstance(tokens, list) or not all(isinstance(t, int) for t in tokens):
            raise ScorerUnavailable("vLLM's /tokenize answer has no `tokens` list")
        return tokens

    async def _at_tags(self, rows: list[Any], prompt: str, deadline: float) -> list[Any]:
        """The per-token rows at the step tag's token, located by vLLM's tokenization of the prompt."""
        if self._tag_id is None:
            tag = await self._tokens(STEP_TAG, deadline)
            if len(tag) != 1:
                raise ScorerUnavailable(
                    f"the step tag {STEP_TAG} is {len(tag)} tokens for this model, not one"
                )
            self._tag_id = tag[0]
        tokens = await self._tokens(prompt, deadline)
        if len(tokens) != len(rows):
            raise ScorerUnavailable(f"pooling answer has {len(rows)} token rows for {len(tokens)} tokens")
        return [row for tok, row in zip(tokens, rows, strict=True) if tok == self._tag_id]

    async def score(self, problem: str, steps: Sequence[str], deadline: float) -> list[float]:
        return (await self.score_many([(problem, steps)], deadline))[0]

    async def aclose(self) -> None:
        await self.client.aclose()
