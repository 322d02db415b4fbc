"""The bubblewrap command line of a job, shared by the process backend (on the host) and the layered
backend (inside a container): every namespace unshared, system directories read-only, a read-only root,
`/dev` read-only but for a small `/dev/shm`, a size-capped private `/tmp`, the job's files read-only in
`/box`, no capabilities, and the job as pid 1 of its pid namespace.

What the root is made of depends on the system bubblewrap runs on (usr-merge links, the JDK's links into
/etc), so it is built from a `Layout`: what `probe_paths` found there, on the host or in the container.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from veriward.sandbox._base import BOX_DIR, TMP_DIR, Limits
from veriward.sandbox._pipes import probe_paths

SANDBOX_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": TMP_DIR, "LANG": "C.UTF-8", "TMPDIR": TMP_DIR}
UID_INSIDE = 1000
_TOP = ("bin", "sbin", "lib", "lib64", "lib32", "libx32")
# /etc/java-*: the JDK's conf/ links there (java.security); without it no JVM starts.
_ETC = ("/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime")
_ETC_GLOBS = ("/etc/java-*",)
# Docker's masked /proc paths (host-wide timers, keys, kernel memory, hardware), masked again in the job's
# own /proc: a fresh procfs shows them, wherever bubblewrap runs.
_MASKED = (
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/timer_list",
    "/proc/timer_stats",
)
PROBE_PATHS = [*(f"/{name}" for name in _TOP), *_ETC, *_MASKED]
PROBE_GLOBS = list(_ETC_GLOBS)


@dataclass(frozen=True)
class Layout:
    """What `probe_paths(PROBE_PATHS, PROBE_GLOBS)` found on the system bubblewrap runs on."""

    found: dict[str, list[str]] = field(default_factory=dict)

    def system_binds(self) -> list[str]:
        """Read-only system directories (and the usr-merge symlinks) the job needs to run programs."""
        args = ["--ro-bind", "/usr", "/usr"]
        for name in _TOP:
            kind = self.found.get(f"/{name}")
            if kind and kind[0] == "link":
                args += ["--symlink", kind[1], f"/{name}"]
            elif kind and kind[0] == "dir":
                args += ["--ro-bind", f"/{name}", f"/{name}"]
        etc = [p for p in _ETC if p in self.found]
        etc += sorted(p for p in self.found if any(fnmatch.fnmatch(p, g) for g in _ETC_GLOBS))
        for path in etc:
            args += ["--ro-bind-try", path, path]
        return args

    def proc_masks(self) -> list[str]:
        """/dev/null over each masked file of /proc, an empty read-only tmpfs over each masked directory."""
        args: list[str] = []
        for path in _MASKED:
            kind = self.found.get(path)
            if kind and kind[0] == "dir":
                args += ["--tmpfs", path, "--remount-ro", path]
            elif kind:
                args += ["--ro-bind", "/dev/null", path]
        return args


def rlimits(limits: Limits) -> dict[str, int]:
    """The keyword arguments of `_pipes.job_rlimits` for a job's outermost process."""
    return {
        "memory_mb": limits.memory_mb,
        "pids": limits.pids,
        "nofile": limits.nofile,
        "fsize_mb": limits.fsize_mb,
        "cpu_s": int(limits.wall_s * limits.cpus) + 1,
    }


def local_layout() -> Layout:
    return Layout(probe_paths(PROBE_PATHS, PROBE_GLOBS))


def bwrap_argv(
    bwrap: str,
    layout: Layout,
    box: str,
    limits: Limits,
    argv: list[str],
    *,
    hostname: bool = True,
    seccomp_fd: str | None = None,
) -> list[str]:
    """The whole command line. `hostname=False` keeps the hostname bubblewrap finds (no sethostname);
    `seccomp_fd` names a descriptor holding a BPF filter bubblewrap loads just before running `argv`."""
    return [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--uid", str(UID_INSIDE),
        "--gid", str(UID_INSIDE),
        *(["--hostname", "sandbox"] if hostname else []),
        "--die-with-parent",
        "--new-session",
        "--as-pid-1",
        "--cap-drop", "ALL",
        *layout.system_binds(),
        "--proc", "/proc",
        *layout.proc_masks(),
        "--dev", "/dev",
        "--size", str(limits.shm_mb * 1024 * 1024),
        "--tmpfs", "/dev/shm",
        "--mqueue", "/dev/mqueue",  # so that the runner can see and remove POSIX message queues
        "--remount-ro", "/dev",  # bwrap's /dev is a tmpfs of half the host's RAM; /dev/shm stays rw
        "--size", str(limits.tmp_mb * 1024 * 1024),
        "--tmpfs", TMP_DIR,
        "--ro-bind", box, BOX_DIR,
        "--remount-ro", "/",  # the root bwrap builds is a tmpfs: make it read-only like the rest
        "--chdir", BOX_DIR,
        *(["--seccomp", seccomp_fd] if seccomp_fd is not None else []),
        "--",
        *argv,
    ]  # fmt: skip
