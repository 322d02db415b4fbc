"""Which names test code takes from the solution (parsed only: test code runs in the sandbox).

A name the test code reads but never binds, and that is not a builtin, comes from the solution's module,
as in the harnesses that run `solution + test` in one namespace, with two exceptions that the checker
imports itself, so that a solution cannot hand the test a `math` whose `isclose` always says yes: the name
of a standard-library module (`math`, `re`), and a name `typing` exports (`List` in an annotation).
"""

from __future__ import annotations

import ast
import builtins
import sys
import typing
import warnings

_BUILTINS = frozenset(dir(builtins))
_STDLIB = frozenset(sys.stdlib_module_names)
_TYPING = frozenset(typing.__all__)


def parse(code: str) -> ast.Module:
    """`ast.parse`, without the warnings (invalid escapes, ...) that datasets' code is full of."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(code)


def _bound(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
    return names


def _loaded(tree: ast.AST) -> list[str]:
    seen: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            seen.setdefault(node.id, None)
    return list(seen)


def free_names(
    code: list[str], context: str = "", interface: frozenset[str] = frozenset()
) -> tuple[list[str], list[str]]:
    """(names to take from the solution, what the checker imports itself: `math` or `typing.List`) for the
    test code pieces
    `code`, run after the trusted `context`. Every piece must parse (the reference checks that first).

    `interface`: names the dataset says the solution defines (MBPP's reference code defines `sum`); those
    come from the solution even when they name a builtin or a module."""
    trees = [parse(piece) for piece in code]
    bound = _bound(parse(context)) if context else set()
    for tree in trees:
        bound |= _bound(tree)
    loaded = dict.fromkeys(n for tree in trees for n in _loaded(tree) if n not in bound)
    free = [n for n in loaded if n in interface or (n not in _BUILTINS and not n.startswith("__"))]
    own = [n for n in free if (n in _STDLIB or n in _TYPING) and n not in interface]
    imports = [n if n in _STDLIB else f"typing.{n}" for n in own]
    return [n for n in free if n not in own], imports


def names_solution(code: str) -> bool:
    """Does `code` name the module `solution` (an import of it, or its name as a string)?"""
    for node in ast.walk(parse(code)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "solution":
            return True
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "solution" for a in node.names):
            return True
        if isinstance(node, ast.Constant) and node.value == "solution":
            return True
    return False


def defined_names(code: str) -> list[str]:
    """The functions and classes defined at the top level of `code` (a dataset's reference solution)."""
    try:
        tree = parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]


def top_level_imports(code: str) -> str:
    """The import statements at the top level of `code` (a dataset's reference solution), as source."""
    try:
        tree = parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ""
    lines = [ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    return "\n".join(n for n in lines if "__future__" not in n)


def pytest_units(code: str) -> list[str]:
    """The tests of a pytest module, as pytest collects them by default: top-level `test*` functions and
    `test*` methods of top-level `Test*` classes (`Class::method`)."""
    units: list[str] = []
    for node in parse(code).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            units.append(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name.startswith("test"):
                    units.append(f"{node.name}::{item.name}")
    return list(dict.fromkeys(units))
