"""End-of-turn and chat-template markers that trainers leave in a response (one list for every scorer).

Trainers often send the decoded completion with its special tokens kept (OpenRLHF's queries, a vLLM run with
`skip_special_tokens=False`). The turn ended at the first such marker, so what follows is not the model's
answer. Two kinds of marker:
- `<|name|>` / `<｜name｜>` tokens (ChatML, Llama 3, Phi, DeepSeek, gpt-oss): no honest text contains them,
  so the response is cut at the first one anywhere;
- short tags such as `</s>`, `<eos>`, `<end_of_turn>`: these can occur in honest text (an HTML string in a
  program), so they are removed only as a trailing run at the very end.
"""

from __future__ import annotations

import re

__all__ = ["END_TAGS", "strip_end_markers"]

# ChatML, Llama 3, gpt-oss (`<|return|>`), DeepSeek (`<｜end▁of▁sentence｜>`), ...
_PIPE_TOKEN = re.compile(r"<\|[A-Za-z0-9_▁.\-]{1,40}\|>|<｜[^｜<>\n]{1,40}｜>")
END_TAGS: tuple[str, ...] = (
    "</s>",
    "<eos>",
    "<end_of_turn>",
    "<end_of_text>",
    "[/INST]",
    "<EOT>",
)


def _rstrip_index(text: str, end: int) -> int:
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def strip_end_markers(text: str) -> str:
    """The response as the model's turn ended: cut at the first `<|...|>` token, minus trailing end tags.

    Linear in the length of the text: one left-to-right search, then a loop that only moves `end` left.
    """
    m = _PIPE_TOKEN.search(text)
    if m is not None:
        text = text[: m.start()]
    end = _rstrip_index(text, len(text))
    stripped = m is not None
    while True:
        tag = next((t for t in END_TAGS if text.endswith(t, 0, end)), None)
        if tag is None:
            return text[:end] if stripped else text
        end = _rstrip_index(text, end - len(tag))
        stripped = True
