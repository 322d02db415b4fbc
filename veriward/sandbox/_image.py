"""Building the runner image with no registry: debootstrap a minimal Debian, then `docker import` it."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from veriward.sandbox._docker import DEFAULT_IMAGE

DEFAULT_SUITE = "bookworm"
FALLBACK_MIRROR = "http://deb.debian.org/debian"
# Runtime-only trimming: documentation, locales and package caches are not needed to run code.
_TRIM = [
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "var/cache/apt",
    "var/lib/apt/lists",
]
# Package data, not a top-level `docker/` folder: that would shadow the Docker SDK on an editable install.
DOCKERFILE = Path(__file__).resolve().parent / "sandbox-python.Dockerfile"
# The Python runner image: the interpreter, and pytest for pytest-style test code (KodCode); Debian's own
# packages, so the image builds from the apt mirror alone (pip in a container has no registry to reach).
PYTHON_PACKAGES = ("python3", "python3-pytest")
# In every runner image: the layered backend runs each job in bubblewrap inside the container.
RUNNER_PACKAGES = ("bubblewrap",)
# The image's label listing the Debian packages it was built with.
PACKAGES_LABEL = "veriward.sandbox.packages"


def apt_mirror(paths: list[str] | None = None) -> str:
    """The Debian mirror apt already uses on this host (deb822 or one-line sources), else deb.debian.org."""
    if paths is None:
        paths = ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*"))]
    for path in paths:
        try:
            text = Path(path).read_text()
        except OSError:
            continue
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            m = re.match(r"^(?:deb\s+(?:\[[^\]]*\]\s+)?|URIs:\s*)(\S+)", line)
            if m and m.group(1).rstrip("/").endswith("/debian"):
                return m.group(1).rstrip("/")
    return FALLBACK_MIRROR


def image_exists(tag: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0


def with_runner_packages(packages: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*packages, *RUNNER_PACKAGES]))


def image_lacks(tag: str, packages: tuple[str, ...]) -> list[str] | None:
    """The packages `tag` was not built with (older images carry no list: all of them), None if no image."""
    proc = subprocess.run(
        ["docker", "image", "inspect", "--format", f'{{{{index .Config.Labels "{PACKAGES_LABEL}"}}}}', tag],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return None
    have = set(proc.stdout.strip().split(","))
    return [p for p in with_runner_packages(packages) if p not in have]


def build_image(
    tag: str = DEFAULT_IMAGE,
    suite: str = DEFAULT_SUITE,
    mirror: str | None = None,
    packages: tuple[str, ...] = PYTHON_PACKAGES,
    log: Callable[[str], None] = print,
) -> None:
    """debootstrap `suite` with `packages` (and bubblewrap) into a temporary directory, import it as `tag`."""
    packages = with_runner_packages(packages)
    for tool in ("debootstrap", "docker"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed")
    mirror = mirror or apt_mirror()
    with tempfile.TemporaryDirectory(prefix="veriward-rootfs-") as tmp:
        root = os.path.join(tmp, "root")
        log(f"debootstrap {suite} from {mirror} (packages: {', '.join(packages)})")
        cmd = ["debootstrap", "--variant=minbase", f"--include={','.join(packages)}", suite, root, mirror]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
            raise RuntimeError(f"debootstrap failed:\n{tail}")
        for rel in _TRIM:
            path = os.path.join(root, rel)
            if os.path.isdir(path):
                shutil.rmtree(path)
                os.makedirs(path)
        log(f"docker import as {tag}")
        tar = subprocess.Popen(["tar", "-C", root, "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
        imp = subprocess.run(
            [
                "docker", "import",
                "-c", "ENV PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8",
                "-c", "USER 65534:65534",
                "-c", 'CMD ["python3"]',
                "-c", f"LABEL {PACKAGES_LABEL}={','.join(packages)}",
                "-", tag,
            ],
            stdin=tar.stdout,
            capture_output=True,
            text=True,
        )  # fmt: skip
        if tar.stdout is not None:
            tar.stdout.close()
        tar.wait()
        if imp.returncode != 0 or tar.returncode != 0:
            raise RuntimeError(f"docker import failed: {imp.stderr.strip()[-300:]}")


def build_from_dockerfile(tag: str = DEFAULT_IMAGE) -> None:
    """`docker build` the shipped Dockerfile (needs a reachable registry for its base image)."""
    proc = subprocess.run(
        ["docker", "build", "-t", tag, "-f", str(DOCKERFILE), str(DOCKERFILE.parent)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"docker build failed: {proc.stderr.strip()[-300:]}")
