"""Which part of a response is the program: fences, end-of-turn markers, and linear time.

The line scanner is checked against the old regex on generated responses whose fences all close (the
regex's semantics), for end-of-turn markers after the block (OpenRLHF sends completions with special
tokens kept), and for time on fence floods (`"```python\\n" * 4000` took 7 s on the event loop).
"""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from veriward.verifiers._markers import END_TAGS
from veriward.verifiers.code._extract import extract_code, fenced_blocks

_OLD_FENCE = re.compile(
    r"^[ \t]*```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)^[ \t]*```[ \t]*$", re.DOTALL | re.MULTILINE
)
LINES = [
    "```",
    "```python",
    "```py",
    "```js",
    "  ```",
    "```  ",
    "``` python x",
    "x = 1",
    "  y```",
    "",
    "#```",
]
MARKERS = ["<|im_end|>", "<|eot_id|>", "<|endoftext|>", *END_TAGS]


def _old_blocks(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in _OLD_FENCE.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=30))
def test_same_blocks_as_the_old_regex_when_every_fence_closes(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    blocks = fenced_blocks(text)
    # The old regex never saw a block that stays open at the end; drop it before comparing.
    closed = blocks if len(_old_blocks(text)) == len(blocks) else blocks[:-1]
    assert closed == _old_blocks(text)


@given(
    st.sampled_from(MARKERS), st.sampled_from(["", "\n", " ", "\n\n"]), st.sampled_from(["python", "py", ""])
)
def test_end_of_turn_markers_after_the_block_are_ignored(marker: str, sep: str, tag: str) -> None:
    code = "def f():\n    return 1\n"
    for response in (
        f"Here:\n```{tag}\n{code}```{marker}",
        f"```{tag}\n{code}```{sep}{marker}{sep}",
        f"```{tag}\n{code}```\n{marker}\n<|im_start|>user\n```python\nX = 2\n```",
    ):
        assert extract_code(response) == code, response
    assert extract_code(f"{code}{sep}{marker}").rstrip() == code.rstrip()


def test_an_unclosed_last_block_is_the_code() -> None:
    assert extract_code("text\n```python\ndef f():\n    return 1\n") == "def f():\n    return 1\n"
    assert extract_code("```python\nA = 1\n```\n```\nB = 2\n") == "B = 2\n"
    assert extract_code("no fences at all") == "no fences at all"


def _seconds(text: str) -> float:
    start = time.perf_counter()
    extract_code(text)
    return time.perf_counter() - start


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(["```python\n", "```\n", "```python\nx\n", "  ```  \n", "`" * 7 + "\n"]))
def test_fence_floods_take_linear_time(unit: str) -> None:
    small, big = unit * 4000, unit * 40_000
    t_small = min(_seconds(small) for _ in range(3))
    t_big = min(_seconds(big) for _ in range(3))
    # The 44 KB flood of the issue (7 s before): now a few milliseconds. 10x the text: well under 100x.
    assert t_small < 0.5
    assert t_big < 30 * t_small + 0.05
