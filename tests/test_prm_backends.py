"""PRM model backends end to end with a real (tiny, random) model computed on CPU.

The model is built here from a config: a one-layer Qwen2 with a 16-word tokenizer, no download. The
`transformers` backend loads it from disk; for the remote backends the same model sits behind small
HTTP servers on 127.0.0.1 that speak vLLM's `/pooling` shape and the OpenAI chat-completions logprobs
shape (stand-ins for vLLM and an OpenAI-compatible server, which cannot run here).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from conftest import LiveServer, free_port
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from veriward.errors import ScorerUnavailable
from veriward.settings import Settings
from veriward.verifiers.prm._http import JsonClient
from veriward.verifiers.prm._openai import step_messages
from veriward.verifiers.prm._transformers import TransformersPrm
from veriward.verifiers.prm._vllm import STEP_TAG, VllmPrm, prm_prompt

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

WORDS = ["[UNK]", STEP_TAG, "<|im_start|>", "<|im_end|>", "<|endoftext|>", "+", "-", "=", "system"]
WORDS += ["user", "assistant", "step", "answer", "is", "the", "so"]
PROBLEM = "the answer is so"
STEPS = ["the step is 2 + 3 = 5", "so the answer is 5", "the step is 5 \\times 2 = 11"]


def _build(root: Path) -> tuple[Path, Path]:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (
        PreTrainedTokenizerFast,
        Qwen2Config,
        Qwen2ForCausalLM,
        Qwen2ForTokenClassification,
    )

    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", additional_special_tokens=WORDS[1:5]
    )
    config = Qwen2Config(
        vocab_size=len(WORDS), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512, num_labels=2,
    )  # fmt: skip
    torch.manual_seed(0)
    paths = (root / "prm", root / "judge")
    for path, cls in zip(paths, (Qwen2ForTokenClassification, Qwen2ForCausalLM), strict=True):
        cls(config).save_pretrained(path)
        fast.save_pretrained(path)
    return paths


class _Model:
    """The tiny models, computed directly (the expected values)."""

    def __init__(self, prm: Path, judge: Path) -> None:
        from transformers import (
            AutoModelForCausalLM,
            AutoModelForTokenClassification,
            PreTrainedTokenizerFast,
        )

        self.tok = PreTrainedTokenizerFast.from_pretrained(prm, local_files_only=True)
        self.prm = AutoModelForTokenClassification.from_pretrained(prm, local_files_only=True).eval()
        self.judge = AutoModelForCausalLM.from_pretrained(judge, local_files_only=True).eval()

    def step_probs(self, text: str) -> list[float]:
        ids = self.tok(text)["input_ids"]
        with torch.inference_mode():
            logits = self.prm(torch.tensor([ids])).logits[0].tolist()
        tag = self.tok.convert_tokens_to_ids(STEP_TAG)
        at_tags = [lg for i, lg in zip(ids, logits, strict=True) if i == tag]
        return [math.exp(b) / (math.exp(a) + math.exp(b)) for a, b in at_tags]

    def step_rows(self, text: str) -> list[list[float]]:
        return [[1 - p, p] for p in self.step_probs(text)]

    def token_rows(self, text: str) -> list[list[float]]:
        """Every token's [P(neg), P(pos)], as vLLM's ALL pooler answers."""
        ids = self.tok(text)["input_ids"]
        with torch.inference_mode():
            logits = self.prm(torch.tensor([ids])).logits[0]
        return torch.softmax(logits.float(), dim=-1).tolist()

    def next_logprobs(self, messages: list[dict[str, str]]) -> list[tuple[str, float]]:
        text = "".join(f"<|im_start|> {m['role']}\n{m['content']} <|im_end|>\n" for m in messages)
        ids = self.tok(text + "<|im_start|> assistant\n")["input_ids"]
        with torch.inference_mode():
            logp = torch.log_softmax(self.judge(torch.tensor([ids])).logits[0, -1].float(), dim=-1).tolist()
        ranked = sorted(range(len(logp)), key=lambda i: -logp[i])
        return [(self.tok.convert_ids_to_tokens(i), logp[i]) for i in ranked]


def _fake_servers(model: _Model) -> FastAPI:
    """vLLM's pooling API and an OpenAI chat endpoint over the tiny models; `fail`: next calls get 503/429."""
    app = FastAPI()
    app.state.calls = {"pooling": 0, "chat": 0}
    app.state.fail = 0
    app.state.all_tokens = False  # vLLM's ALL pooler: one row per token instead of one per step tag
    app.state.last_messages = []

    def failing() -> JSONResponse | None:
        if app.state.fail > 0:
            app.state.fail -= 1
            return JSONResponse({"error": "busy"}, status_code=503 if app.state.fail % 2 else 429)
        return None

    @app.post("/pooling")
    async def pooling(req: Request) -> Any:
        app.state.calls["pooling"] += 1
        body = await req.json()
        if (busy := failing()) is not None:
            return busy
        rows = model.token_rows if app.state.all_tokens else model.step_rows
        data = [{"index": i, "object": "pooling", "data": rows(text)} for i, text in enumerate(body["input"])]
        return {"id": "pool-1", "object": "list", "model": body["model"], "data": data, "usage": {}}

    @app.post("/tokenize")
    async def tokenize(req: Request) -> Any:
        body = await req.json()
        ids = model.tok(body["prompt"], add_special_tokens=body.get("add_special_tokens", True))["input_ids"]
        return {"count": len(ids), "max_model_len": 4096, "tokens": ids}

    @app.post("/v1/chat/completions")
    async def chat(req: Request) -> Any:
        app.state.calls["chat"] += 1
        body = await req.json()
        if (busy := failing()) is not None:
            return busy
        app.state.last_messages.append(body["messages"])
        ranked = model.next_logprobs(body["messages"])
        top = [{"token": t, "logprob": lp} for t, lp in ranked[: body["top_logprobs"]]]
        content = [{**top[0], "top_logprobs": top}]
        choice = {"index": 0, "message": {"role": "assistant", "content": top[0]["token"]},
                  "logprobs": {"content": content}, "finish_reason": "length"}  # fmt: skip
        return {"id": "chat-1", "object": "chat.completion", "choices": [choice]}

    return app


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, _Model]:
    prm, judge = _build(tmp_path_factory.mktemp("tiny-prm"))
    return prm, judge, _Model(prm, judge)


@pytest.fixture(scope="module")
def fake(tiny: tuple[Path, Path, _Model]) -> Iterator[tuple[str, FastAPI]]:
    app = _fake_servers(tiny[2])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def veriward_url(tiny: tuple[Path, Path, _Model], fake: tuple[str, FastAPI]) -> Iterator[str]:
    settings = Settings(
        pool_workers=1, prm_backend="vllm", prm_vllm_url=fake[0], prm_openai_url=fake[0] + "/v1",
        prm_transformers_model=str(tiny[0]), prm_http_retries=2,
    )  # fmt: skip
    server = LiveServer(settings).start()
    yield server.url
    server.stop()


def _score(url: str, **options: Any) -> dict[str, Any]:
    body = {
        "verifier": "prm",
        "response": "",
        "reference": {"problem": PROBLEM},
        "options": {"steps": STEPS, **options},
    }
    r = httpx.post(url + "/v1/score", json=body, timeout=120)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_transformers_backend(tiny: tuple[Path, Path, _Model], veriward_url: str) -> None:
    expected = tiny[2].step_probs(prm_prompt(PROBLEM, STEPS))
    assert len(expected) == 3 and len(set(expected)) == 3
    assert tiny[2].tok.convert_ids_to_tokens(tiny[2].tok("the step is so")["input_ids"]) == [
        "the",
        "step",
        "is",
        "so",
    ]
    assert TransformersPrm(str(tiny[0])).score_sync(PROBLEM, STEPS) == pytest.approx(expected, abs=1e-6)
    out = _score(veriward_url, backend="transformers", aggregation="mean")
    assert [s["score"] for s in out["details"]["steps"]] == pytest.approx(expected, abs=1e-5)
    assert out["score"] == pytest.approx(sum(expected) / 3, abs=1e-5)
    assert out["details"]["models"] == ["transformers"]


def test_vllm_backend_and_symbolic_veto(
    tiny: tuple[Path, Path, _Model], fake: tuple[str, FastAPI], veriward_url: str
) -> None:
    expected = tiny[2].step_probs(prm_prompt(PROBLEM, STEPS))
    out = _score(veriward_url)  # the server's default backend: vllm
    assert [s["score"] for s in out["details"]["steps"]] == pytest.approx(expected, abs=1e-5)
    both = _score(veriward_url, backend=["symbolic", "vllm"], threshold=0.0)
    scores = [s["score"] for s in both["details"]["steps"]]
    assert scores[:2] == pytest.approx(expected[:2], abs=1e-5) and scores[2] == 0.0  # 5 x 2 = 11 is vetoed
    assert both["details"]["first_error_step"] == 2 and both["score"] == 0.0


def test_vllm_batches_solutions_in_one_request(
    tiny: tuple[Path, Path, _Model], fake: tuple[str, FastAPI]
) -> None:
    url, app = fake
    items = [(PROBLEM, STEPS), (PROBLEM, STEPS[:1]), ("so", ["the answer is", "so"])]

    async def run() -> list[list[float]]:
        backend = VllmPrm(JsonClient(url, 30, 0, 4), "tiny")
        try:
            return await backend.score_many(items, time.monotonic() + 60)
        finally:
            await backend.aclose()

    before = app.state.calls["pooling"]
    got = asyncio.run(run())
    assert app.state.calls["pooling"] == before + 1
    for (problem, steps), scores in zip(items, got, strict=True):
        assert scores == pytest.approx(tiny[2].step_probs(prm_prompt(problem, steps)), abs=1e-6)


def test_vllm_all_token_rows_are_read_at_the_step_tags(
    tiny: tuple[Path, Path, _Model], fake: tuple[str, FastAPI]
) -> None:
    url, app = fake
    items = [(PROBLEM, STEPS), ("so", ["the answer is", "so"])]

    async def run() -> list[list[float]]:
        backend = VllmPrm(JsonClient(url, 30, 0, 4), "tiny")
        try:
            return await backend.score_many(items, time.monotonic() + 60)
        finally:
            await backend.aclose()

    app.state.all_tokens = True
    try:
        got = asyncio.run(run())
    finally:
        app.state.all_tokens = False
    for (problem, steps), scores in zip(items, got, strict=True):
        assert scores == pytest.approx(tiny[2].step_probs(prm_prompt(problem, steps)), abs=1e-5)


def test_openai_backend_judges_each_step(
    tiny: tuple[Path, Path, _Model], fake: tuple[str, FastAPI], veriward_url: str
) -> None:
    app = fake[1]
    app.state.last_messages.clear()
    out = _score(veriward_url, backend="openai")
    assert len(app.state.last_messages) == 3
    longest = max(app.state.last_messages, key=len)
    assert [m["role"] for m in longest] == ["user", "assistant", "user", "assistant", "user"]
    assert longest[0]["content"] == f"{PROBLEM} {STEPS[0]}" and longest[1]["content"] == "+"
    for k, step in enumerate(out["details"]["steps"]):
        ranked = dict(tiny[2].next_logprobs(step_messages(PROBLEM, STEPS, k)))
        plus, minus = math.exp(ranked["+"]), math.exp(ranked["-"])
        assert step["score"] == pytest.approx(plus / (plus + minus), abs=1e-5)


def test_retries_on_503_and_429_then_error(fake: tuple[str, FastAPI]) -> None:
    url, app = fake

    async def post(retries: int) -> Any:
        client = JsonClient(url, 30, retries, 4)
        try:
            return await client.post("/pooling", {"model": "m", "input": ["so"]}, time.monotonic() + 30)
        finally:
            await client.aclose()

    app.state.fail = 2
    assert asyncio.run(post(2))["data"][0]["data"] == []  # no step tag: no step values
    app.state.fail = 3
    with pytest.raises(ScorerUnavailable, match="after 3 attempts"):
        asyncio.run(post(2))
    app.state.fail = 0


def test_dead_backend_is_an_error() -> None:
    settings_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    async def run() -> None:
        backend = VllmPrm(JsonClient(settings_url, 2, 1, 1), "m")
        try:
            await backend.score(PROBLEM, STEPS, time.monotonic() + 10)
        finally:
            await backend.aclose()

    with pytest.raises(ScorerUnavailable, match="after 2 attempts"):
        asyncio.run(run())
