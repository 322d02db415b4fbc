"""A script that scores code with `veriward.score` and just ends: the engine closes before the
interpreter stops its threads, so nothing is printed at exit and no sandbox container is left behind
(the hook once ran after the thread pools were gone: a traceback, and the warm containers stayed)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from veriward.sandbox import DEFAULT_IMAGE, DockerSandbox
from veriward.sandbox._docker import LABEL

_DOCKER_REASON = DockerSandbox(DEFAULT_IMAGE).check()

SCRIPT = textwrap.dedent(
    """
    import veriward
    code = "```python\\ndef add(a, b):\\n    return a + b\\n```"
    ref = {"entry_point": "add", "test_code": "def check(c):\\n    assert c(1, 2) == 3\\n"}
    print(veriward.score("code", code, ref).verdict.value)
    """
)


def _ours() -> set[str]:
    import docker

    api = docker.from_env().api  # type: ignore[attr-defined]
    return {c["Id"] for c in api.containers(all=True, filters={"label": LABEL})}


@pytest.mark.docker
@pytest.mark.skipif(_DOCKER_REASON is not None, reason=str(_DOCKER_REASON))
def test_a_script_that_scores_code_exits_cleanly_and_leaves_no_container() -> None:
    before = _ours()
    env = {**os.environ, "VERIWARD_SANDBOX": "docker", "VERIWARD_SANDBOX_WARM": "2"}
    argv = [sys.executable, "-c", SCRIPT]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["correct"], done.stdout
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert not (_ours() - before), "containers of the exited script are still there"
