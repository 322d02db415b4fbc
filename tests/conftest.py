"""Shared fixtures: a real uvicorn server on loopback and a started engine."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from veriward.server import create_app
from veriward.server._protocol import uvicorn_options
from veriward.settings import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared"


def require_shared(*parts: str) -> Path:
    """A path under ../shared/ (the outside datasets); a test without it skips, saying so. In CI
    (VERIWARD_REQUIRE_SHARED=1) a missing ../shared/ fails the whole run at start instead."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is missing (the outside datasets live in ../shared/ beside the checkout)")
    return path


def pytest_sessionstart(session: pytest.Session) -> None:
    """With VERIWARD_REQUIRE_SHARED=1 (CI) a missing ../shared/ fails the run; with
    VERIWARD_REQUIRE_SANDBOXES=1 (CI), a missing sandbox backend fails the run instead of silently
    skipping the Docker and bubblewrap tests."""
    if os.environ.get("VERIWARD_REQUIRE_SHARED") == "1":
        needed = [
            SHARED / "benchmarks" / "math",
            SHARED / "benchmarks" / "code",
            SHARED / "benchmarks" / "prm",
        ]
        needed += [SHARED / "lean" / "repl-transcripts"]
        missing = [str(p) for p in needed if not p.exists()]
        if missing:
            pytest.exit("outside datasets required but missing: " + ", ".join(missing), returncode=3)
    if os.environ.get("VERIWARD_REQUIRE_SANDBOXES") != "1":
        return
    from veriward.sandbox import doctor

    broken = [f"{s.name}: {s.reason}" for s in doctor() if not s.ok]
    if broken:
        pytest.exit("sandbox backends required but unusable: " + "; ".join(broken), returncode=3)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn serving the real app on 127.0.0.1 in a background thread."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            **uvicorn_options(settings, in_process=True),
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **kwargs)


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """One server with default settings for the whole session."""
    server = LiveServer(Settings()).start()
    yield server
    server.stop()


@pytest.fixture
def make_server() -> Iterator[Callable[..., LiveServer]]:
    """A server with custom settings, stopped at the end of the test."""
    started: list[LiveServer] = []

    def make(**overrides: Any) -> LiveServer:
        server = LiveServer(Settings(**overrides)).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with live_server.client() as c:
        yield c
