"""The language part of `veriward sandbox`: per-language runner images and which toolchains work here."""

from __future__ import annotations

import argparse
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from veriward.verifiers.code import LANGUAGES, image_for, image_packages, missing_host_tools

CHOICES = (*LANGUAGES, "all")


def image_plan(language: str, python_image: str) -> dict[str, tuple[str, ...]]:
    """{tag: Debian packages} of the images `language` needs (`all`: every language but Python)."""
    python = image_for("python", python_image)
    names = (
        [n for n in LANGUAGES if image_for(n, python_image) != python] if language == "all" else [language]
    )
    plan: dict[str, tuple[str, ...]] = {}
    for name in names:
        tag = image_for(name, python_image)
        plan[tag] = tuple(dict.fromkeys([*plan.get(tag, ()), *image_packages(name)]))  # c and cpp share one
    return plan


def needs_build(tag: str, packages: tuple[str, ...]) -> bool:
    """No image `tag`, or one built without some of `packages` (say so)."""
    from veriward.sandbox._image import image_lacks

    lacks = image_lacks(tag, packages)
    if lacks:
        print(f"{tag} lacks {', '.join(lacks)}: rebuilding it", flush=True)
    return lacks != []


def build_images(args: argparse.Namespace) -> int:
    """Build the images of `args.language` that do not exist yet or lack a package (or all with --force),
    in parallel."""
    from veriward.sandbox._image import build_image

    plan = image_plan(args.language, args.tag)
    todo = {t: p for t, p in plan.items() if args.force or needs_build(t, p)}
    for tag in sorted(set(plan) - set(todo)):
        print(f"{tag} exists (use --force to rebuild)")

    def one(item: tuple[str, tuple[str, ...]]) -> str | None:
        tag, packages = item
        try:
            build_image(tag, suite=args.suite, mirror=args.mirror, packages=packages)
        except RuntimeError as exc:
            return f"{tag}: {exc}"
        print(f"built {tag}", flush=True)
        return None

    # debootstrap mostly waits on the mirror and on dpkg: a few builds at once finish much sooner.
    with ThreadPoolExecutor(max(1, min(args.jobs, len(todo) or 1))) as pool:
        failures = [f for f in pool.map(one, sorted(todo.items())) if f]
    for failure in failures:
        print(f"build-image failed: {failure}", file=sys.stderr)
    return 1 if failures else 0


def toolchain_report(python_image: str) -> list[str]:
    """One line per language: is its toolchain visible to the process backend, is its Docker image built."""
    import shutil

    from veriward.sandbox._image import image_exists

    docker = shutil.which("docker") is not None
    engine = docker and subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    lines = []
    for name in LANGUAGES:
        missing = missing_host_tools(name)
        host = "host toolchain ok" if not missing else f"host lacks {', '.join(missing)}"
        tag = image_for(name, python_image)
        if not engine:
            image = f"{tag} (no Docker engine answers)"
        else:
            image = f"image {tag}" + ("" if image_exists(tag) else " not built")
        lines.append(f"  {name:10} process: {host}; docker: {image}")
    return lines
