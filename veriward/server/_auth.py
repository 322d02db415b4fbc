"""API keys: `Authorization: Bearer <key>` on every path but /healthz."""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from veriward.settings import Settings

OPEN_PATHS = frozenset({"/healthz"})


class KeyFileError(ValueError):
    """The keys file is missing, unreadable or holds no key, or `VERIWARD_API_KEY` is set but empty."""


def _read_keys_file(path: Path) -> list[bytes]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyFileError(f"cannot read API keys file {path}: {exc.strerror}") from None
    keys = [line.strip() for line in text.splitlines()]
    keys = [k for k in keys if k and not k.startswith("#")]
    if not keys:
        raise KeyFileError(f"API keys file {path} holds no key")
    return [k.encode() for k in keys]


class KeyRing:
    """The accepted keys: `VERIWARD_API_KEY` plus the lines of `VERIWARD_API_KEYS_FILE`.

    The file is re-read when it changes, so keys rotate without a restart; a file that becomes empty
    or unreadable keeps the previous keys rather than locking everyone out or letting everyone in.
    """

    def __init__(self, settings: Settings) -> None:
        if settings.api_key is not None and not settings.api_key.get_secret_value().strip():
            # An empty key must not read as "no key": that would silently open the server.
            raise KeyFileError("VERIWARD_API_KEY is set but empty; unset it to run without keys")
        self._fixed = [settings.api_key.get_secret_value().encode()] if settings.api_key else []
        self._path = settings.api_keys_file
        self._mtime: float | None = None
        self._from_file: list[bytes] = []
        if self._path is not None:
            self._from_file = _read_keys_file(self._path)
            self._mtime = os.stat(self._path).st_mtime

    @property
    def enabled(self) -> bool:
        return bool(self._fixed) or self._path is not None

    def _refresh(self) -> None:
        if self._path is None:
            return
        try:
            mtime = os.stat(self._path).st_mtime
            if mtime != self._mtime:
                self._from_file = _read_keys_file(self._path)
                self._mtime = mtime
        except (OSError, KeyFileError):
            pass

    def accepts(self, given: bytes) -> bool:
        """Constant-time with respect to the keys' contents: every key is compared."""
        self._refresh()
        ok = False
        for key in (*self._fixed, *self._from_file):
            ok |= hmac.compare_digest(given, key)
        return ok


def bearer_token(scope: Scope) -> bytes:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            return token.strip() if scheme.lower() == b"bearer" else b""
    return b""


_DENIED = json.dumps({"detail": "missing or wrong API key (Authorization: Bearer <key>)"}).encode()


class ApiKeyMiddleware:
    """Answers 401 before the app sees a request without an accepted key."""

    def __init__(self, app: ASGIApp, keys: KeyRing) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or self.keys.accepts(bearer_token(scope)):
            await self.app(scope, receive, send)
            return
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(_DENIED)).encode()),
            (b"www-authenticate", b"Bearer"),
        ]
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": _DENIED})


def open_bind_warning(host: str, keys: KeyRing) -> str | None:
    """A loud warning when the server would listen beyond this machine without any API key."""
    if keys.enabled:
        return None
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        return None
    line = "!" * 78
    return (
        f"{line}\n"
        f"!! WARNING: veriward is listening on {host} WITHOUT AN API KEY.\n"
        "!! Anyone who can reach this port can run scorers, including sandboxed code.\n"
        "!! Set VERIWARD_API_KEY (or VERIWARD_API_KEYS_FILE), or bind 127.0.0.1.\n"
        f"{line}"
    )
