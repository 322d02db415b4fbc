"""The layered backend's syscall filters, without a kernel: the inner BPF program run by a classic-BPF
interpreter against a reference decision for every call number and many clone flags, and the outer
profile against Docker's default (the additions are exactly the five calls bubblewrap needs).
"""

from __future__ import annotations

import json
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from veriward.sandbox._seccomp import (
    _CALLS,
    _NATIVE,
    ENOSYS,
    EPERM,
    NAMESPACE_FLAGS,
    PROFILE,
    RET_ALLOW,
    RET_ERRNO,
    inner_filter,
)

_X32_BIT = 0x40000000


def run_bpf(program: bytes, arch: int, nr: int, arg0: int) -> int:
    """Interpret the cBPF subset a seccomp filter may use, over one `struct seccomp_data`."""
    data = struct.pack("=iIQ6Q", nr, arch, 0, arg0, 0, 0, 0, 0, 0)
    insns = [struct.unpack("=HBBI", program[i : i + 8]) for i in range(0, len(program), 8)]
    acc, pc = 0, 0
    for _ in range(len(insns) + 1):  # jumps go forward only: no more steps than instructions
        code, jt, jf, k = insns[pc]
        if code == 0x20:  # ld [k]
            acc = struct.unpack_from("=I", data, k)[0]
        elif code == 0x54:  # and #k
            acc &= k
        elif code in (0x15, 0x45):  # jeq / jset #k
            hit = acc == k if code == 0x15 else bool(acc & k)
            pc += jt if hit else jf
        elif code == 0x06:  # ret #k
            return k
        else:
            raise AssertionError(f"unexpected opcode {code:#x}")
        pc += 1
    raise AssertionError("the program did not return")


def reference(arch: int, nr: int, arg0: int) -> int:
    """What the inner filter must decide: the five set-up calls refused, everything else allowed."""
    natives = {a for pair in _NATIVE.values() for a in pair}
    if arch not in natives:
        return RET_ERRNO | ENOSYS
    calls = _CALLS[arch]
    if arch == 0xC000003E:
        nr &= 0xFFFFFFFF ^ _X32_BIT  # x32 numbers are x86_64's with a bit set
    if nr == calls["clone"]:
        return RET_ERRNO | EPERM if arg0 & 0xFFFFFFFF & NAMESPACE_FLAGS else RET_ALLOW
    if nr == calls["clone3"]:
        return RET_ERRNO | ENOSYS
    if nr in (calls["unshare"], calls["mount"], calls["umount2"], calls["pivot_root"]):
        return RET_ERRNO | EPERM
    return RET_ALLOW


MACHINES = ("x86_64", "aarch64")


def test_every_call_number_of_every_native_arch_gets_the_reference_decision() -> None:
    for machine in MACHINES:
        program = inner_filter(machine)
        for arch in _NATIVE[machine]:
            for nr in [*range(0, 1024), *(n | _X32_BIT for n in range(0, 600))]:
                assert run_bpf(program, arch, nr, 0) == reference(arch, nr, 0), (machine, arch, nr)


@settings(max_examples=300, deadline=None)
@given(
    machine=st.sampled_from(MACHINES),
    arch=st.sampled_from([0xC000003E, 0x40000003, 0xC00000B7, 0x40000028, 0xC0000028, 0]),
    flags=st.integers(0, (1 << 64) - 1),
    x32=st.booleans(),
)
def test_clone_flags_and_foreign_arches(machine: str, arch: int, flags: int, x32: bool) -> None:
    program = inner_filter(machine)
    natives = _NATIVE[machine]
    want_arch = arch if arch in natives else None
    nr = _CALLS.get(arch, _CALLS[0xC000003E])["clone"] | (_X32_BIT if x32 else 0)
    got = run_bpf(program, arch, nr, flags)
    if want_arch is None:
        assert got == RET_ERRNO | ENOSYS
    else:
        assert got == reference(arch, nr, flags)
    # a namespace flag is refused whatever else is set; none of them: allowed
    if want_arch is not None and (arch == 0xC000003E or not x32):
        assert (got == RET_ALLOW) == (flags & NAMESPACE_FLAGS == 0)


def test_the_outer_profile_adds_only_what_bubblewrap_needs() -> None:
    profile = json.loads(PROFILE.read_text())
    assert profile["defaultAction"] == "SCMP_ACT_ERRNO"
    added = [r for r in profile["syscalls"] if "veriward addition" in r.get("comment", "")]
    assert sorted(n for r in added for n in r["names"]) == [
        "clone",
        "mount",
        "pivot_root",
        "umount2",
        "unshare",
    ]
    assert all(r["action"] == "SCMP_ACT_ALLOW" and not r.get("args") for r in added)
    clone3 = [r for r in profile["syscalls"] if "clone3" in r["names"]]
    assert [(r["action"], r.get("errnoRet")) for r in clone3] == [("SCMP_ACT_ERRNO", ENOSYS)]
    allowed = {n for r in profile["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]}
    # calls Docker's default refuses a container without capabilities stay refused
    for name in ("setns", "keyctl", "add_key", "bpf", "init_module", "kexec_load", "open_by_handle_at"):
        assert name not in allowed, name
