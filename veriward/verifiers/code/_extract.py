"""Which part of a response is the program.

One left-to-right pass over the lines (linear in the response: a regex with a lazy body across lines
was quadratic on a response of many fence lines). End-of-turn markers (`<|im_end|>`, `</s>`, ...) are
removed first, with the list every scorer shares.
"""

from __future__ import annotations

import re

from veriward.verifiers._markers import strip_end_markers
from veriward.verifiers.code._languages import LANGUAGES

# An opening fence: optional indentation, three backticks, an optional language tag, anything after it.
_OPEN = re.compile(r"[ \t]*```[ \t]*([\w+#.-]*)")
# A closing fence: three backticks alone on their line (indentation and trailing blanks allowed).
_CLOSE = re.compile(r"[ \t]*```[ \t]*")


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(tag, body) of every fenced block, in order; a block left open runs to the end of the text."""
    blocks: list[tuple[str, str]] = []
    tag: str | None = None
    body: list[str] = []
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        if tag is None:
            m = _OPEN.match(bare)
            if m is not None:
                tag, body = m.group(1), []
        elif _CLOSE.fullmatch(bare):
            blocks.append((tag, "".join(body)))
            tag = None
        else:
            body.append(line)
    if tag is not None:
        blocks.append((tag, "".join(body)))
    return blocks


def extract_code(response: str, language: str = "python") -> str:
    """The last fenced block tagged for `language` or untagged; else the whole response."""
    text = strip_end_markers(response)
    lang = LANGUAGES.get(language)
    wanted = lang.tags if lang is not None else {language}
    blocks = [body for tag, body in fenced_blocks(text) if not tag or tag.lower() in wanted]
    return blocks[-1] if blocks else text
