"""The layered backend's two syscall filters.

Outer: `seccomp-layered.json`, the Docker seccomp profile of every layered container: Docker's default
policy for a container without capabilities, plus the five calls bubblewrap needs to build a job's
namespaces (clone with namespace flags, unshare, mount, umount2, pivot_root; each explained in the file).

Inner: a classic BPF program bubblewrap loads (`--seccomp FD`) just before it runs the job, which takes
exactly those five back (EPERM, clone3 ENOSYS, as Docker's default does), so a submission's syscalls are
those of Docker's default profile; the additions serve bubblewrap's set-up alone.
"""

from __future__ import annotations

import json
import platform
import struct
from functools import cache
from pathlib import Path

PROFILE = Path(__file__).resolve().parent / "seccomp-layered.json"

# The calls the outer profile adds, per audit architecture: {name: number}.
_X86_64 = 0xC000003E
_I386 = 0x40000003
_AARCH64 = 0xC00000B7
_ARM = 0x40000028
_CALLS: dict[int, dict[str, int]] = {
    _X86_64: {"clone": 56, "clone3": 435, "unshare": 272, "mount": 165, "umount2": 166, "pivot_root": 155},
    _I386: {"clone": 120, "clone3": 435, "unshare": 310, "mount": 21, "umount2": 52, "pivot_root": 217},
    _AARCH64: {"clone": 220, "clone3": 435, "unshare": 97, "mount": 40, "umount2": 39, "pivot_root": 41},
    _ARM: {"clone": 120, "clone3": 435, "unshare": 337, "mount": 21, "umount2": 52, "pivot_root": 218},
}
_NATIVE = {"x86_64": (_X86_64, _I386), "aarch64": (_AARCH64, _ARM), "arm64": (_AARCH64, _ARM)}
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET: Docker's mask for clone's flags.
NAMESPACE_FLAGS = 0x7E020000
_X32_BIT = 0x40000000  # x32 calls are x86_64 numbers with this bit set

# cBPF (linux/filter.h, linux/seccomp.h)
_LD_ABS_W = 0x20
_ALU_AND_K = 0x54
_JEQ_K = 0x15
_JSET_K = 0x45
_RET_K = 0x06
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
EPERM, ENOSYS = 1, 38
# offsets in struct seccomp_data: nr, arch, instruction_pointer, args[6] (low half of args[0] at 16)
_NR, _ARCH, _ARG0_LO = 0, 4, 16

_Insn = tuple[int, "int | str", "int | str", int]


def profile_text() -> str:
    """The outer profile as Docker's API takes it (the JSON text itself, not a path)."""
    return json.dumps(json.loads(PROFILE.read_text()), separators=(",", ":"))


def _assemble(program: list[tuple[str, _Insn]]) -> bytes:
    """Resolve label jumps (relative, forward) and pack `struct sock_filter` entries natively."""
    where = {label: i for i, (label, _) in enumerate(program) if label}
    out = bytearray()
    for i, (_, (code, jt, jf, k)) in enumerate(program):
        offs = [where[j] - i - 1 if isinstance(j, str) else j for j in (jt, jf)]
        assert all(0 <= o <= 255 for o in offs), "a jump out of reach"
        out += struct.pack("=HBBI", code, offs[0], offs[1], k)
    return bytes(out)


def _arch_block(arch: int) -> list[tuple[str, _Insn]]:
    calls = _CALLS[arch]
    tag = f"a{arch:x}"
    block: list[tuple[str, _Insn]] = [(tag, (_LD_ABS_W, 0, 0, _NR))]
    if arch == _X86_64:
        block.append(("", (_ALU_AND_K, 0, 0, 0xFFFFFFFF ^ _X32_BIT)))
    block.append(("", (_JEQ_K, f"{tag}clone", 0, calls["clone"])))
    block.append(("", (_JEQ_K, "enosys", 0, calls["clone3"])))
    for name in ("unshare", "mount", "umount2", "pivot_root"):
        block.append(("", (_JEQ_K, "eperm", 0, calls[name])))
    block.append(("", (_RET_K, 0, 0, RET_ALLOW)))
    block.append((f"{tag}clone", (_LD_ABS_W, 0, 0, _ARG0_LO)))
    block.append(("", (_JSET_K, "eperm", 0, NAMESPACE_FLAGS)))
    block.append(("", (_RET_K, 0, 0, RET_ALLOW)))
    return block


@cache
def inner_filter(machine: str | None = None) -> bytes:
    """The BPF program for this machine's architectures; a call of any other architecture gets ENOSYS."""
    arches = _NATIVE.get((machine or platform.machine()).lower())
    if arches is None:
        raise ValueError(f"no inner seccomp filter for {machine or platform.machine()}")
    program: list[tuple[str, _Insn]] = [("", (_LD_ABS_W, 0, 0, _ARCH))]
    program += [("", (_JEQ_K, f"a{arch:x}", 0, arch)) for arch in arches]
    program.append(("", (_RET_K, 0, 0, RET_ERRNO | ENOSYS)))
    for arch in arches:
        program += _arch_block(arch)
    program.append(("eperm", (_RET_K, 0, 0, RET_ERRNO | EPERM)))
    program.append(("enosys", (_RET_K, 0, 0, RET_ERRNO | ENOSYS)))
    return _assemble(program)
