"""`veriward sandbox build-image | doctor`: prepare and inspect the code sandbox."""

from __future__ import annotations

import argparse
import sys

from veriward.cli import _sandbox_languages
from veriward.settings import get_settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = get_settings()
    p = sub.add_parser("sandbox", help="build the code runner image; check which sandboxes work here")
    actions = p.add_subparsers(dest="sandbox_command", required=True)
    b = actions.add_parser(
        "build-image",
        help="build the Python runner image (no registry needed); an image built without a package it "
        "needs now (bubblewrap, for the layered backend) is rebuilt",
    )
    b.add_argument("--tag", default=s.sandbox_image, help="image tag (default %(default)s)")
    b.add_argument("--suite", default="bookworm", help="Debian suite (default %(default)s)")
    b.add_argument("--mirror", default=None, help="Debian mirror (default: the one apt uses here)")
    b.add_argument(
        "--dockerfile",
        action="store_true",
        help="`docker build` the shipped Dockerfile instead (needs a registry)",
    )
    b.add_argument("--force", action="store_true", help="rebuild even if the image exists")
    b.add_argument(
        "--language",
        default="python",
        choices=_sandbox_languages.CHOICES,
        help="build the runner image of this language (all: every one but Python), tagged like --tag "
        "with sandbox-python replaced by sandbox-<toolchain>",
    )
    b.add_argument("--jobs", type=int, default=5, help="images built at once with --language all")
    b.set_defaults(func=build_image)
    d = actions.add_parser("doctor", help="say which sandbox backends work here, and why not")
    d.add_argument("--image", default=s.sandbox_image, help="runner image (default %(default)s)")
    d.set_defaults(func=doctor)


def build_image(args: argparse.Namespace) -> int:
    from veriward.sandbox._image import PYTHON_PACKAGES, build_from_dockerfile, build_image

    if args.language != "python":
        return _sandbox_languages.build_images(args)
    if not args.force and not _sandbox_languages.needs_build(args.tag, PYTHON_PACKAGES):
        print(f"{args.tag} exists (use --force to rebuild)")
        return 0
    try:
        if args.dockerfile:
            build_from_dockerfile(args.tag)
        else:
            build_image(args.tag, suite=args.suite, mirror=args.mirror)
    except RuntimeError as exc:
        print(f"build-image failed: {exc}", file=sys.stderr)
        return 1
    print(f"built {args.tag}")
    return 0


def doctor(args: argparse.Namespace) -> int:
    from veriward.sandbox import doctor as check

    statuses = check(args.image)
    for st in statuses:
        print(f"{st.name:8} {'ok  ' if st.ok else 'FAIL'} {st.reason}")
    print("languages:")
    print("\n".join(_sandbox_languages.toolchain_report(args.image)))
    return 0 if any(st.ok for st in statuses) else 1
