"""The sandbox backends every sandbox suite runs on, each skipped (saying why) where it cannot work here.

With VERIWARD_REQUIRE_SANDBOXES=1 (CI) conftest fails the session instead, so none is skipped there.
"""

from __future__ import annotations

from typing import Any

import pytest

from veriward.sandbox import DEFAULT_IMAGE, DockerSandbox, LayeredSandbox, ProcessSandbox, Sandbox, doctor
from veriward.verifiers.code._languages import image_for, missing_host_tools

NAMES = ("process", "docker", "layered")
REASONS: dict[str, str | None] = {
    "process": ProcessSandbox().check(),
    "docker": DockerSandbox(DEFAULT_IMAGE).check(),
    "layered": LayeredSandbox(DEFAULT_IMAGE).check(),
}
# Docker-engine backends carry the `docker` marker (`-m "not docker"` deselects them).
_DOCKER = {"docker", "layered"}


def param(name: str) -> Any:
    marks = [pytest.mark.skipif(REASONS[name] is not None, reason=f"{name}: {REASONS[name]}")]
    if name in _DOCKER:
        marks.append(pytest.mark.docker)
    return pytest.param(name, id=name, marks=marks)


BACKENDS = [param(name) for name in NAMES]


def make(name: str, **options: Any) -> Sandbox:
    """A backend object: `max_jobs` for all, `warm` for the Docker-engine ones."""
    if name == "process":
        options.pop("warm", None)
        return ProcessSandbox(**options)
    return DockerSandbox(**options) if name == "docker" else LayeredSandbox(**options)


def language_skip(name: str, language: str) -> str | None:
    """Why backend `name` cannot run `language` here (no host toolchain, no runner image), else None."""
    if name == "process":
        missing = missing_host_tools(language)
        return f"the host lacks {missing} for {language}" if missing else None
    image = image_for(language, DEFAULT_IMAGE)
    status = {s.name: s for s in doctor(image)}[name]
    if status.ok:
        return None
    return (
        f"{name} cannot run {language}: {status.reason} (veriward sandbox build-image --language {language})"
    )
