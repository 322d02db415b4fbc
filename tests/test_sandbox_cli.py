"""`veriward sandbox doctor | build-image` and `veriward serve --sandbox`, as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from veriward.cli import build_parser
from veriward.sandbox import DEFAULT_IMAGE, DockerSandbox, LayeredSandbox, ProcessSandbox
from veriward.sandbox._image import (
    DOCKERFILE,
    FALLBACK_MIRROR,
    PACKAGES_LABEL,
    PYTHON_PACKAGES,
    apt_mirror,
    image_lacks,
    with_runner_packages,
)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veriward", *args], capture_output=True, text=True, timeout=120
    )


def test_doctor_says_which_backends_work() -> None:
    res = _cli("sandbox", "doctor")
    lines = {ln.split()[0]: ln for ln in res.stdout.splitlines() if ln.split()[1:2] in (["ok"], ["FAIL"])}
    assert set(lines) == {"layered", "docker", "process"}
    backends = (
        ("layered", LayeredSandbox(DEFAULT_IMAGE)),
        ("docker", DockerSandbox(DEFAULT_IMAGE)),
        ("process", ProcessSandbox()),
    )
    for name, sb in backends:
        reason = sb.check()
        assert (" ok " in lines[name]) == (reason is None)
        if reason is not None:
            assert reason[:40] in lines[name]
    assert res.returncode == (0 if any(" ok " in line for line in lines.values()) else 1)


def test_build_image_skips_an_existing_image() -> None:
    if DockerSandbox(DEFAULT_IMAGE).check() is not None:
        return  # nothing to skip without the image; CI builds it in .ci/run
    res = _cli("sandbox", "build-image", "--tag", DEFAULT_IMAGE)
    assert res.returncode == 0 and "exists" in res.stdout


def test_the_dockerfile_installs_and_labels_what_debootstrap_builds_do() -> None:
    text = DOCKERFILE.read_text()
    want = with_runner_packages(PYTHON_PACKAGES)
    assert "bubblewrap" in want
    assert f"LABEL {PACKAGES_LABEL}={','.join(want)}" in text
    install = next(line for line in text.splitlines() if "apt-get install" in line)
    assert install.split("--no-install-recommends")[1].split()[: len(want)] == list(want)


@pytest.mark.docker
def test_an_image_without_the_packages_label_is_rebuilt() -> None:
    if DockerSandbox(DEFAULT_IMAGE).check() is not None:
        pytest.skip("no Docker engine or runner image here; CI builds it in .ci/run")
    assert image_lacks(DEFAULT_IMAGE, PYTHON_PACKAGES) == []
    assert image_lacks("veriward-no-such-image:0", PYTHON_PACKAGES) is None
    # An image built before the label existed (an empty one imported here): it lacks everything.
    tag = "veriward-test-unlabelled:0"
    subprocess.run(["docker", "import", "-", tag], input=_EMPTY_TAR, check=True, capture_output=True)
    try:
        assert image_lacks(tag, PYTHON_PACKAGES) == list(with_runner_packages(PYTHON_PACKAGES))
        res = _cli("sandbox", "build-image", "--tag", tag, "--mirror", "http://127.0.0.1:9/none")
        assert f"{tag} lacks python3, python3-pytest, bubblewrap: rebuilding it" in res.stdout, res
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True)


_EMPTY_TAR = bytes(10240)  # a tar archive with no members: two zero blocks, padded


def test_serve_takes_a_sandbox_flag() -> None:
    args = build_parser().parse_args(["serve", "--sandbox", "process"])
    assert args.sandbox == "process"
    assert build_parser().parse_args(["serve"]).sandbox == "auto"


def test_apt_mirror_is_read_from_both_source_formats(tmp_path: Path) -> None:
    deb822 = tmp_path / "debian.sources"
    deb822.write_text("Types: deb\n# a comment\nURIs: http://mirror.example/debian\nSuites: bookworm\n")
    oneline = tmp_path / "sources.list"
    oneline.write_text(
        "# deb http://nope/debian bookworm main\n"
        "deb [arch=amd64] http://other.example/debian/ bookworm main\n"
    )
    others = tmp_path / "other.list"
    others.write_text("deb https://packages.cloud.google.com/apt cloud-sdk main\n")
    assert apt_mirror([str(others), str(deb822)]) == "http://mirror.example/debian"
    assert apt_mirror([str(oneline)]) == "http://other.example/debian"
    assert apt_mirror([str(others), str(tmp_path / "missing")]) == FALLBACK_MIRROR


def test_doctor_names_the_missing_extra_when_the_docker_sdk_is_absent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A plain `pip install veriward` has no Docker SDK: the doctor says which extra brings it.
    import builtins

    from veriward.sandbox import DockerSandbox

    real_import = builtins.__import__

    def no_docker(name: str, *args: object, **kwargs: object) -> object:
        if name == "docker" or name.startswith("docker."):
            raise ModuleNotFoundError("No module named 'docker'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_docker)
    reason = DockerSandbox().check()
    assert reason is not None and "veriward[code]" in reason


def test_the_repository_does_not_shadow_the_docker_sdk() -> None:
    # An editable install puts the repository root on sys.path: a top-level `docker/` folder there would
    # be imported instead of the Docker SDK.
    root = Path(__file__).resolve().parents[1]
    assert not (root / "docker").exists()
    import docker

    assert hasattr(docker, "from_env"), docker.__path__
