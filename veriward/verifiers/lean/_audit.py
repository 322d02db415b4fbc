"""Strict readers of the trusted commands' answers: `#print axioms CHK` and the kernel replay's line.

An answer that is not exactly what the command prints for CHK (another name, another wording, extra
messages, a list that does not parse) is never read as a pass: the reader says `None` and the verdict is
`error`, or the facts it reads lead to `incorrect`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from veriward.verifiers.lean._repl import ReplResponse

ALLOWED_AXIOMS = frozenset({"propext", "Quot.sound", "Classical.choice"})
# One axiom name as `#print axioms` lists it: no blanks, commas or brackets (`«»` parts may hold blanks).
_ITEM_RE = re.compile(r"(?:«[^»]*»|[^\s,\[\]«»])+")
_REPLAY_PREFIX = "veriward-replay "


@dataclass(frozen=True)
class AxiomAudit:
    name: str
    axioms: tuple[str, ...]

    @property
    def disallowed(self) -> list[str]:
        return [a for a in self.axioms if a not in ALLOWED_AXIOMS]


def parse_axioms(resp: ReplResponse, chk_name: str) -> AxiomAudit | None:
    """The audit of `chk_name`, or None unless the answer is exactly one info message, about CHK, in
    `#print axioms`' wording: `'CHK' depends on axioms: [a, b]` or `'CHK' does not depend on any axioms`."""
    if resp.error is not None or len(resp.messages) != 1 or resp.messages[0].severity != "info":
        return None
    text = resp.messages[0].data.strip()
    if text == f"'{chk_name}' does not depend on any axioms":
        return AxiomAudit(chk_name, ())
    head = f"'{chk_name}' depends on axioms: ["
    if not (text.startswith(head) and text.endswith("]")):
        return None
    items = [a.strip() for a in text[len(head) : -1].split(",")]
    if not all(_ITEM_RE.fullmatch(a) for a in items):
        return None
    return AxiomAudit(chk_name, tuple(items))


# -- the kernel replay -----------------------------------------------------------------------------

_STATUSES = frozenset({"ok", "load_failed", "import_failed", "kernel_rejected"})
_OK_FIELDS: dict[str, type | tuple[type, ...]] = {
    "status": str,
    "replayed": int,
    "imports_same": bool,
    "ref_found": bool,
    "ref_same": bool,
    "chk_found": bool,
    "chk_kind": str,
    "chk_is_ref": bool,
    "axioms": list,
    "missing": list,
    "decls": list,
}
_DECL_FIELDS: dict[str, type] = {
    "name": str,
    "kind": str,
    "unsafe": bool,
    "partial": bool,
    "type_consts": list,
}
_KINDS = frozenset({"axiom", "def", "theorem", "opaque", "quot", "inductive", "constructor", "recursor"})


@dataclass(frozen=True)
class Decl:
    name: str
    kind: str
    unsafe: bool
    partial: bool
    type_consts: tuple[str, ...]


@dataclass(frozen=True)
class ReplayReport:
    status: str
    error: str = ""
    replayed: int = 0
    imports_same: bool = False
    ref_found: bool = False
    ref_same: bool = False
    chk_found: bool = False
    chk_kind: str = ""
    chk_is_ref: bool = False
    axioms: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    decls: tuple[Decl, ...] = ()


def _typed(obj: Any, fields: dict[str, Any]) -> bool:
    return (
        isinstance(obj, dict)
        and set(obj) == set(fields)
        and all(
            isinstance(obj[k], t) and (t is not int or not isinstance(obj[k], bool))
            for k, t in fields.items()
        )
    )


def _strings(xs: list[Any]) -> tuple[str, ...] | None:
    return tuple(xs) if all(isinstance(x, str) for x in xs) else None


def parse_replay(stdout: str, nonce: str) -> ReplayReport | None:
    """The replay's facts from its one line carrying `nonce`; None when the output is anything else."""
    lines = [ln for ln in stdout.splitlines() if ln.startswith(_REPLAY_PREFIX)]
    if len(lines) != 1 or not lines[0].startswith(f"{_REPLAY_PREFIX}{nonce} "):
        return None
    try:
        obj = json.loads(lines[0][len(_REPLAY_PREFIX) + len(nonce) + 1 :])
    except json.JSONDecodeError:
        return None
    if not isinstance(obj, dict) or obj.get("status") not in _STATUSES:
        return None
    if obj["status"] != "ok":
        ok = _typed(obj, {"status": str, "error": str})
        return ReplayReport(obj["status"], error=obj["error"][:2000]) if ok else None
    if not _typed(obj, _OK_FIELDS):
        return None
    decls = []
    for d in obj["decls"]:
        if not _typed(d, _DECL_FIELDS) or d["kind"] not in _KINDS:
            return None
        consts = _strings(d["type_consts"])
        if consts is None:
            return None
        decls.append(Decl(d["name"], d["kind"], d["unsafe"], d["partial"], consts))
    axioms, missing = _strings(obj["axioms"]), _strings(obj["missing"])
    if axioms is None or missing is None:
        return None
    fields = {k: obj[k] for k in _OK_FIELDS if k not in {"axioms", "missing", "decls"}}
    return ReplayReport(**fields, axioms=axioms, missing=missing, decls=tuple(decls))


# A definition whose type mentions one of these is an elaborator, macro, parser, syntax, delaborator,
# tactic extension or IO action, not mathematics (theorems are not checked: their types are propositions,
# and tactics such as `omega` may state auxiliary lemmas about their own `Lean.*` data).
META_CONSTS = frozenset(
    {"Lean.Syntax", "Lean.TSyntax", "Lean.Macro", "Lean.MacroM", "Lean.ParserDescr",
     "Lean.TrailingParserDescr", "Lean.Environment", "Lean.CoreM", "Lean.ImportM"}
)  # fmt: skip
META_ROOTS = frozenset({"IO", "EIO", "BaseIO", "Aesop", "Qq", "Lake", "ProofWidgets"})
META_PREFIXES = (
    "Lean.Elab.", "Lean.Meta.", "Lean.Parser.", "Lean.PrettyPrinter.", "Lean.Server.", "Lean.Widget.",
    "Lean.Compiler.", "Lean.IR.", "Lean.Linter.", "Lean.Core.", "Mathlib.Tactic.", "Mathlib.Meta.",
    "Mathlib.Linter.", "Batteries.Tactic.", "Batteries.Linter.",
)  # fmt: skip


def meta_const(name: str) -> bool:
    return name in META_CONSTS or name.split(".", 1)[0] in META_ROOTS or name.startswith(META_PREFIXES)


def decl_problem(d: Decl) -> str | None:
    """Why a declaration the proof added is refused, or None."""
    if d.kind == "axiom":
        return f"the proof adds the axiom `{d.name}`"
    if d.kind == "opaque":
        return f"the proof adds the opaque constant `{d.name}` (its implementation is hidden from the kernel)"
    if d.kind == "quot":
        return f"the proof adds a quotient primitive `{d.name}`"
    if d.unsafe or d.partial:
        return f"`{d.name}` is {'unsafe' if d.unsafe else 'partial'}: the kernel replay skips such constants"
    meta = next((c for c in d.type_consts if meta_const(c)), None) if d.kind == "def" else None
    if meta is not None:
        return (
            f"`{d.name}` is a meta-level definition (its type mentions `{meta}`): a syntax, macro, "
            "elaborator or other extension"
        )
    return None


__all__ = [
    "ALLOWED_AXIOMS",
    "AxiomAudit",
    "Decl",
    "ReplayReport",
    "decl_problem",
    "meta_const",
    "parse_axioms",
    "parse_replay",
]
