"""End-of-turn markers: one list for every scorer; property tests over generated texts and marker runs."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from veriward.verifiers._markers import END_TAGS, strip_end_markers

PIPE_TOKENS = [
    "<|im_end|>",
    "<|eot_id|>",
    "<|endoftext|>",
    "<|end|>",
    "<|im_start|>",
    "<｜end▁of▁sentence｜>",
]
# Honest text: no `<|`, no full-width bar, may contain `</s>` in the middle (an HTML string in a program).
honest = st.text(st.characters(blacklist_characters="<|｜"), max_size=200)
marker_run = st.lists(st.sampled_from(list(END_TAGS) + PIPE_TOKENS), min_size=1, max_size=5)
space = st.sampled_from(["", " ", "\n", "\n\n", "\t "])


@given(honest, marker_run, space)
def test_trailing_markers_are_removed(body: str, markers: list[str], sep: str) -> None:
    text = body + sep + sep.join(markers) + sep
    assert strip_end_markers(text) == body.rstrip() or strip_end_markers(text) == body


@given(honest, st.sampled_from(PIPE_TOKENS), honest)
def test_text_after_a_pipe_token_is_not_the_answer(before: str, token: str, after: str) -> None:
    out = strip_end_markers(before + token + after)
    assert token not in out
    assert before.startswith(out.rstrip()) and len(out) <= len(before)


@given(honest, st.sampled_from(END_TAGS), st.text(st.characters(blacklist_characters="<|｜"), min_size=1))
def test_a_tag_inside_honest_text_is_kept(before: str, tag: str, after: str) -> None:
    text = before + tag + after.strip() + "x"
    assert strip_end_markers(text) == text


def test_no_marker_returns_the_text_unchanged() -> None:
    for text in ["", "   ", "print('</s>')\n", "The answer is 4.\n\n"]:
        assert strip_end_markers(text) == text


def test_code_fence_then_marker() -> None:
    text = "```python\ndef f():\n    return '</s>'\n```<|im_end|>"
    assert strip_end_markers(text) == "```python\ndef f():\n    return '</s>'\n```"
    assert strip_end_markers("The answer is 4</s>") == "The answer is 4"


def test_linear_on_long_marker_runs() -> None:
    for text in ["</s> " * 200_000, " " * 1_000_000 + "</s>", "<|" * 300_000, "<｜" * 300_000]:
        t0 = time.perf_counter()
        strip_end_markers(text)
        assert time.perf_counter() - t0 < 1.0
