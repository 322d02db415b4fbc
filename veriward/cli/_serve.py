"""`veriward serve`: run the HTTP service."""

from __future__ import annotations

import argparse
import os

from veriward.sandbox import KINDS
from veriward.settings import get_settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = get_settings()
    p = sub.add_parser("serve", help="run the HTTP scoring service")
    p.add_argument("--host", default=s.host, help="bind address (default %(default)s)")
    p.add_argument("--port", type=int, default=s.port, help="port (default %(default)s)")
    p.add_argument("--workers", type=int, default=s.workers, help="server processes (default %(default)s)")
    p.add_argument("--log-level", default=s.log_level)
    p.add_argument(
        "--default-verifier",
        default=s.default_verifier,
        help="scorer used by the trainer endpoints (/get_reward, /verify) unless a label names one "
        "(default %(default)s)",
    )
    p.add_argument(
        "--sandbox",
        choices=KINDS,
        default=s.sandbox,
        help="code sandbox: layered (bubblewrap inside hardened containers), docker, process (bubblewrap) "
        "or auto = the first of those that works here (default %(default)s)",
    )
    p.add_argument("--ray", action="store_true", help="serve replicas on a Ray cluster (Ray Serve)")
    p.add_argument("--replicas", type=int, default=2, help="with --ray: minimum replicas")
    p.add_argument("--max-replicas", type=int, default=8, help="with --ray: autoscaling ceiling")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Worker processes build their own settings from the environment, so flags travel that way.
    os.environ["VERIWARD_HOST"] = args.host
    os.environ["VERIWARD_PORT"] = str(args.port)
    os.environ["VERIWARD_LOG_LEVEL"] = args.log_level
    os.environ["VERIWARD_DEFAULT_VERIFIER"] = args.default_verifier
    os.environ["VERIWARD_SANDBOX"] = args.sandbox
    get_settings.cache_clear()
    from veriward.server import serve

    return serve(get_settings(), args.workers, args.ray, args.replicas, args.max_replicas)
