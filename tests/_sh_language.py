"""The test language `sh` (POSIX shell): all it takes to add a language is this `Language` and its
function-call harness, tests/harness/vw_harness_sh.py (see tests/test_code_new_language.py)."""

from __future__ import annotations

from pathlib import Path

from veriward.verifiers.code import Language

SH = Language(
    name="sh",
    tags=frozenset({"sh", "shell"}),
    source="main.sh",
    compile=("sh", "-n", "{sources}"),  # a syntax check: a script that does not parse is a compile error
    run=("sh", "main.sh"),
    case_run=("python3", "-I", "vw_harness_sh.py", "{fd}"),
    harness=Path(__file__).parent / "harness" / "vw_harness_sh.py",
    compile_harness=False,  # `sh -n` checks the submission alone
    modes=frozenset({"stdio", "cases"}),
    tools=("sh",),
    image_key="python",  # the Python runner image has a shell
    compile_time_s=5.0,
    compile_memory_mb=256,
)
