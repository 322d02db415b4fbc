"""Hostile clients at the socket level, against a real server on loopback: huge headers, slow drips, silent
and idle connections, connection floods, an empty API key. None of these may hold the server's memory,
descriptors or event loop; /healthz keeps answering fast throughout.
"""

from __future__ import annotations

import os
import socket
import time

import httpx
import pytest

from veriward.server import create_app
from veriward.server._auth import KeyFileError
from veriward.settings import Settings

KEY = "k-0123456789"
AUTH = {"authorization": f"Bearer {KEY}"}


def _connect(server) -> socket.socket:  # type: ignore[no-untyped-def]
    return socket.create_connection(("127.0.0.1", server.port), timeout=30)


def _closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed `sock` (it may answer something first); fails past `seconds`."""
    t0 = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        pytest.fail(f"connection still open after {seconds} s")
    except ConnectionResetError:
        pass
    return time.monotonic() - t0


def _healthz_ms(server) -> float:  # type: ignore[no-untyped-def]
    t0 = time.monotonic()
    r = httpx.get(server.url + "/healthz", timeout=5)
    assert r.status_code == 200
    return (time.monotonic() - t0) * 1000


def test_oversized_headers_are_refused_without_being_kept(make_server) -> None:  # type: ignore[no-untyped-def]
    server = make_server(api_key=KEY, max_header_bytes=16 * 1024)
    with _connect(server) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
        sent = 0
        try:
            for _ in range(20 * 16):  # up to 20 MB of one header
                s.sendall(b"a" * 65536)
                sent += 65536
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = s.recv(4096)
    assert sent < 20 * 1024 * 1024, "the server kept reading a 20 MB header"
    assert answer.startswith(b"HTTP/1.1 4") or answer == b""


def test_slow_drip_and_silent_connections_are_closed(make_server) -> None:  # type: ignore[no-untyped-def]
    server = make_server(api_key=KEY, header_timeout_s=1.0)
    silent = _connect(server)
    drip = _connect(server)
    drip.sendall(b"GET /healthz HTTP/1.1\r\n")
    t0 = time.monotonic()
    for _ in range(3):  # a byte now and then: each resets nothing, the header deadline stands
        time.sleep(0.4)
        try:
            drip.sendall(b"X")
        except OSError:
            break
        assert _healthz_ms(server) < 100
    assert _closed_within(drip, 5) + (time.monotonic() - t0) < 5
    assert _closed_within(silent, 5) < 5
    silent.close()
    drip.close()


def test_a_keep_alive_connection_cannot_drip_its_next_request(make_server) -> None:  # type: ignore[no-untyped-def]
    server = make_server(header_timeout_s=1.0, keep_alive_s=30)
    with _connect(server) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        s.sendall(b"GET /healthz HTTP/1.1\r\n")  # the second request never finishes its headers
        assert _closed_within(s, 5) < 5


def test_slow_body_gets_408_after_the_key_check(make_server) -> None:  # type: ignore[no-untyped-def]
    server = make_server(api_key=KEY, body_timeout_s=1.0)
    head = b"POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
    with _connect(server) as s:  # no key: refused before any byte of the body is waited for
        s.sendall(head + b"\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 401")
    with _connect(server) as s:
        s.sendall(head + f"Authorization: Bearer {KEY}\r\n\r\n".encode() + b'{"verifier"')
        t0 = time.monotonic()
        s.settimeout(10)
        answer = s.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert time.monotonic() - t0 < 5


def test_a_connection_flood_is_capped_and_idle_sockets_are_reaped(make_server) -> None:  # type: ignore[no-untyped-def]
    server = make_server(max_connections=64, header_timeout_s=1.0)
    fds_before = len(os.listdir("/proc/self/fd"))
    flood = []
    for _ in range(400):
        try:
            flood.append(_connect(server))
        except OSError:
            break
    time.sleep(0.3)
    # The server (in this process) holds at most its cap of them; the rest were closed at once.
    held = len(os.listdir("/proc/self/fd")) - fds_before - len(flood)
    assert held <= 64 + 16, held
    # Once the silent ones time out, a new client is served.
    time.sleep(1.5)
    assert _healthz_ms(server) < 1000
    for s in flood:
        s.close()


def test_an_empty_api_key_refuses_to_start() -> None:
    with pytest.raises(KeyFileError, match="empty"):
        create_app(Settings(api_key=""))
    with pytest.raises(KeyFileError, match="empty"):
        create_app(Settings(api_key="   "))


def test_log_lines_cannot_be_forged_through_the_path(make_server) -> None:  # type: ignore[no-untyped-def]
    import logging

    from veriward.server._logging import access_log

    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Keep()
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    try:
        server = make_server()
        httpx.get(server.url + "/nope%0A2026-01-01%20INFO%20forged%0D", timeout=5)
        deadline = time.monotonic() + 5
        while not any("nope" in m for m in seen) and time.monotonic() < deadline:
            time.sleep(0.02)  # the access line is written just after the answer
    finally:
        access_log.removeHandler(handler)
    line = next(m for m in seen if "nope" in m)
    assert "\n" not in line and "\r" not in line and "\\n" in line


def test_a_client_that_goes_away_is_logged_499_not_500(make_server) -> None:  # type: ignore[no-untyped-def]
    import logging

    from veriward.server._logging import access_log

    seen: list[int] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(int(getattr(record, "status", 0)))

    handler = Keep()
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    try:
        server = make_server(pool_workers=1)
        body = (
            b'{"requests": ['
            + b",".join([b'{"verifier": "math", "response": "\\\\boxed{1}", "reference": "1"}'] * 5)
            + b"]}"
        )
        with _connect(server) as s:  # a body that never completes, then the client leaves
            s.sendall(b"POST /v1/score/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
            s.sendall(f"Content-Length: {len(body) + 100}\r\n\r\n".encode() + body)
            time.sleep(0.3)
        deadline = time.monotonic() + 10
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        access_log.removeHandler(handler)
    assert seen and seen[-1] == 499, seen


def test_audit_rollouts_obey_the_batch_cap(make_server) -> None:  # type: ignore[no-untyped-def]
    server = make_server(max_batch_size=3, pool_workers=1)
    rollout = {"verifier": "math", "response": "\\boxed{1}", "reference": "1", "reward": 1.0}
    with server.client() as c:
        assert c.post("/v1/audit", json={"rollouts": [rollout] * 3}).status_code == 200
        r = c.post("/v1/audit", json={"rollouts": [rollout] * 4})
    assert r.status_code == 422 and "limit is 3" in r.text
