"""The bubblewrap jail of a long-lived Lean process (a REPL, or the kernel replay).

`ProcessSandbox` runs one-shot jobs; a REPL lives for many proofs, so this builds the bubblewrap command
line around its argv instead, with the same system binds (`veriward.sandbox._process`): every namespace
unshared (no network), the host's system directories, the Lean toolchain and the Lake project read-only, a
private writable `/tmp` (a host directory veriward owns, so that it can hand files in and out), a read-only
root, no capabilities, and, when veriward runs as root, an unprivileged host uid of its own. The process
starts with an empty environment plus what Lean needs (`PATH`, `HOME`, `LEAN_*`/`ELAN_*`/`LAKE_*` variables
the server has): never the server's own variables, such as API keys.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from veriward.sandbox import host_uid, local_layout

INSIDE_TMP = "/tmp"
_BASE_PATH = "/usr/local/bin:/usr/bin:/bin"
# Variables Lean, Lake and elan read; passed through when the server has them, nothing else is.
_LEAN_VARS = (
    "LEAN_PATH",
    "LEAN_SRC_PATH",
    "LEAN_SYSROOT",
    "LEAN_CC",
    "ELAN_HOME",
    "ELAN_TOOLCHAIN",
    "LAKE_HOME",
)
_SYSTEM = ("/usr/", "/proc", "/dev")  # bound already (system binds) or made by bubblewrap


@dataclass(frozen=True)
class JailConfig:
    """How Lean processes are confined. `bwrap=None`: no sandbox (only the environment is emptied)."""

    bwrap: str | None = "bwrap"
    ro_paths: tuple[str, ...] = ()  # extra host paths bound read-only at the same place
    env: Mapping[str, str] = field(default_factory=dict)  # extra variables (operator-set)


def elan_home(environ: Mapping[str, str] = os.environ) -> str | None:
    home = environ.get("ELAN_HOME") or os.path.join(os.path.expanduser("~"), ".elan")
    return home if os.path.isdir(home) else None


def lean_env(cfg: JailConfig, argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The whole environment of a Lean process: a fixed base, Lean's own variables, `cfg.env`."""
    path = [_BASE_PATH]
    found = shutil.which(argv[0], path=environ.get("PATH")) if argv else None
    if found:
        path.insert(0, os.path.dirname(found))
    env = {"HOME": INSIDE_TMP, "TMPDIR": INSIDE_TMP, "LANG": "C.UTF-8"}  # the jail's tmp (see open_jail)
    env.update({k: environ[k] for k in _LEAN_VARS if k in environ})
    home = elan_home(environ)
    if home:
        env["ELAN_HOME"] = home
        path.insert(0, os.path.join(home, "bin"))
    env["PATH"] = ":".join(dict.fromkeys(":".join(path).split(":")))
    env.update(cfg.env)
    return env


def bind_sources(cfg: JailConfig, argv: Sequence[str], cwd: str | None, env: Mapping[str, str]) -> list[str]:
    """Host paths the process needs read-only: its executable, absolute paths in argv, the project, the
    toolchain (elan home, `LEAN_*` paths) and `cfg.ro_paths`; each with its real path too."""
    wanted: list[str] = [*cfg.ro_paths]
    exe = shutil.which(argv[0], path=env.get("PATH")) if argv else None
    wanted += [exe] if exe else []
    wanted += [a for a in argv if os.path.isabs(a)]
    wanted += [cwd] if cwd else []
    for key in ("ELAN_HOME", "LEAN_SYSROOT", "LAKE_HOME"):
        wanted += [env[key]] if key in env else []
    for key in ("LEAN_PATH", "LEAN_SRC_PATH"):
        wanted += [p for p in env.get(key, "").split(":") if p]
    out: list[str] = []
    for p in wanted:
        for q in (os.path.abspath(p), os.path.realpath(p)):
            if os.path.exists(q) and q not in out and not q.startswith(_SYSTEM) and q != "/":
                out.append(q)
    return out


def world_readable(path: str) -> bool:
    """Can any user read `path` (and traverse every directory above it)?"""
    p = os.path.realpath(path)
    try:
        mode = os.stat(p).st_mode
        if not mode & stat.S_IROTH or (stat.S_ISDIR(mode) and not mode & stat.S_IXOTH):
            return False
        parent = os.path.dirname(p)
        while parent != "/":
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return False
            parent = os.path.dirname(parent)
    except OSError:
        return False
    return True


@dataclass
class Jail:
    """One confined process's private tmp directory, host uid, environment and read-only binds."""

    cfg: JailConfig
    tmp_host: str
    uid: int | None
    env: dict[str, str]
    binds: list[str]
    cwd: str | None
    note: str = ""

    @property
    def tmp_inside(self) -> str:
        """Where the process sees `tmp_host`."""
        return INSIDE_TMP if self.cfg.bwrap else self.tmp_host

    def command(self, argv: Sequence[str]) -> list[str]:
        """`argv` inside bubblewrap (or as is, without a sandbox)."""
        if not self.cfg.bwrap:
            return list(argv)
        ro: list[str] = []
        for p in self.binds:
            ro += ["--ro-bind", p, p]
        return [
            self.cfg.bwrap,
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--uid", "1000",
            "--gid", "1000",
            "--hostname", "lean-sandbox",
            "--die-with-parent",
            "--cap-drop", "ALL",
            *local_layout().system_binds(),
            "--proc", "/proc",
            "--dev", "/dev",
            "--bind", self.tmp_host, INSIDE_TMP,
            *ro,
            "--remount-ro", "/",
            "--chdir", self.cwd or INSIDE_TMP,
            "--",
            *argv,
        ]  # fmt: skip

    def popen_kwargs(self) -> dict[str, Any]:
        """Arguments for `asyncio.create_subprocess_exec`: environment, working directory, host uid."""
        out: dict[str, Any] = {"env": self.env, "cwd": self.tmp_host if self.cfg.bwrap else self.cwd}
        uid = self.uid
        if uid is not None:
            # Not `user=`/`group=`: uvloop's subprocess (the server's event loop) does not take them.
            def drop() -> None:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)

            out["preexec_fn"] = drop
        return out

    def hand_in(self, src: str, name: str) -> str:
        """Move a host file into the private tmp, readable by the jailed uid; its path inside."""
        dst = os.path.join(self.tmp_host, name)
        shutil.move(src, dst)
        os.chmod(dst, 0o644)
        if self.uid is not None:
            os.chown(dst, self.uid, self.uid)
        return f"{self.tmp_inside}/{name}"


@contextlib.contextmanager
def open_jail(cfg: JailConfig, argv: Sequence[str], cwd: str | None) -> Iterator[Jail]:
    """A jail for running `argv` in `cwd`; its tmp directory is removed and its uid released afterwards."""
    env = lean_env(cfg, argv)
    binds = bind_sources(cfg, argv, cwd, env)
    tmp = tempfile.mkdtemp(prefix="veriward-lean-")
    try:
        with contextlib.ExitStack() as stack:
            uid, note = None, ""
            if cfg.bwrap and os.geteuid() == 0:
                unreadable = [b for b in binds if not world_readable(b)]
                if unreadable:
                    note = (
                        f"runs as root inside its user namespace: {unreadable[0]} is not readable by other "
                        "users (install the toolchain world-readable to run Lean under an unprivileged uid)"
                    )
                else:
                    uid = stack.enter_context(host_uid())
            if uid is not None:
                os.chown(tmp, uid, uid)
            os.chmod(tmp, 0o700)
            if not cfg.bwrap:  # unconfined: the private tmp is the host directory itself
                env.update(HOME=tmp, TMPDIR=tmp)
            yield Jail(cfg, tmp, uid, env, binds, cwd, note)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


__all__ = ["INSIDE_TMP", "Jail", "JailConfig", "bind_sources", "lean_env", "open_jail", "world_readable"]
