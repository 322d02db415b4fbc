"""The candidate's side of a checker test, and the checker's handle on it (shipped into the sandbox).

The candidate runs in its own process (role `serve`) and answers one JSON request per line: get or set an
attribute, call, index, len, bool, str, iterate. Plain data comes back by value (see `wire`);
anything else stays in the candidate and comes back as a reference, which the checker sees as a `Remote`.
A `Remote` forwards what the test asks of the object, but never a comparison: `==` between a Remote and
anything is identity, so an object whose `__eq__` always says yes equals nothing the test expected.
Arguments go by value too; a list or dict the candidate changed in place is written back.

A candidate that dies or breaks the protocol raises `CandidateGone`, a BaseException that test code
cannot swallow. An exception the candidate raised reaches the test as the nearest builtin exception
class, except the control-flow ones (StopIteration, GeneratorExit, SystemExit, ...), which become
RuntimeError: a candidate cannot end the test's loop over `map(candidate, ...)` or exit the checker.
"""

import builtins
import contextlib
import io
import json
import os
import sys
import types

# Not `typing.TYPE_CHECKING`: importing typing would cost every process in the sandbox ~2 ms.
TYPE_CHECKING = False

if TYPE_CHECKING:  # in the sandbox these come from the parts shipped in front of this source
    from typing import Any

    from veriward.verifiers.code._runner.prelude import _dumps, _write_fd
    from veriward.verifiers.code._runner.python import role_argv
    from veriward.verifiers.code._runner.wire import Unencodable, decode, encode

_MAX_LINE = 64 * 1024 * 1024
_MAX_FORWARD = 1024 * 1024
_CONTROL_FLOW = ("StopIteration", "StopAsyncIteration", "GeneratorExit", "SystemExit", "KeyboardInterrupt")


class CandidateGone(BaseException):
    """The candidate process died or broke the protocol: test code cannot catch this as an Exception."""


# -- the candidate's side (role: serve) ------------------------------------------------------------------


class _Table:
    """Objects handed out by reference, kept alive for the whole test."""

    def __init__(self):
        self.objs, self.ids = [], {}

    def ref(self, obj):
        n = self.ids.get(id(obj))
        if n is None or self.objs[n] is not obj:
            n = self.ids[id(obj)] = len(self.objs)
            self.objs.append(obj)
        return n

    def get(self, n):
        if type(n) is not int or not 0 <= n < len(self.objs):
            raise KeyError("no such object")
        return self.objs[n]


def resolve_entry(ns, name):
    """`name` from the module's namespace, else a method of a new `Solution()` (LeetCode style)."""
    if name in ns:
        return ns[name]
    sol = ns.get("Solution")
    if isinstance(sol, type) and hasattr(sol, name):
        return getattr(sol(), name)
    raise NameError(f"the solution defines no {name!r}")


def load_solution(prelude, source):
    """Exec the candidate's code as module `solution` (after the dataset's prelude, e.g. a prompt)."""
    mod = types.ModuleType("solution")
    mod.__file__ = "solution.py"
    sys.modules["solution"] = mod
    if prelude:
        exec(compile(prelude, "prompt.py", "exec"), mod.__dict__)
    exec(compile(source, "solution.py", "exec"), mod.__dict__)
    return mod


def exc_record(exc):
    """What crosses for an exception: its name, its nearest builtin class, its args when plain data."""
    base = next((c for c in type(exc).__mro__ if getattr(builtins, c.__name__, None) is c), BaseException)
    rec = {"exc": type(exc).__name__, "base": base.__name__, "msg": str(exc)[:300]}
    with contextlib.suppress(Exception):
        rec["args"] = encode(list(exc.args))
    return rec


def _public_names(mod):
    names = mod.__dict__.get("__all__")
    if isinstance(names, list | tuple) and all(type(n) is str for n in names):
        return list(names)
    return [n for n in list(mod.__dict__) if type(n) is str and not n.startswith("_")]


def _do(msg, table):
    op, obj = msg["op"], table.get(msg["obj"])
    arg = lambda key: decode(msg[key], table.get)  # noqa: E731
    if op == "get":
        return getattr(obj, str(msg["name"]))
    if op == "set":
        return setattr(obj, str(msg["name"]), arg("value"))
    if op == "del":
        return delattr(obj, str(msg["name"]))
    if op == "getitem":
        return obj[arg("key")]
    if op == "setitem":
        obj[arg("key")] = arg("value")
        return None
    if op == "delitem":
        del obj[arg("key")]
        return None
    simple: dict[str, Any] = {
        "len": len,
        "bool": bool,
        "str": str,
        "iter": iter,
        "next": next,
        "names": _public_names,
    }
    return simple[op](obj)


def _call(msg, table):
    """Call, and say which list/dict/set arguments the call changed in place (their new contents)."""
    args, kwargs = decode(msg["args"], table.get), decode(msg["kwargs"], table.get)
    value = table.get(msg["obj"])(*args, **kwargs)
    after = []
    for sent, now in zip(msg["args"], args, strict=True):
        changed = None
        if type(now) in (list, dict, set, bytearray):
            enc = encode(now, table.ref)
            changed = enc if enc != sent else None
        after.append(changed)
    return value, after


def _answer(msg, table):
    real, buf, real_in = sys.stdout, io.StringIO(), sys.stdin
    sys.stdout = buf
    stdin = io.StringIO(msg["stdin"]) if type(msg.get("stdin")) is str else None
    if stdin is not None:
        sys.stdin = stdin
    after = None
    try:
        if msg.get("op") == "call":
            value, after = _call(msg, table)
        else:
            value = _do(msg, table)
        rec = {"value": encode(value, table.ref)}
    except StopIteration as exc:
        rec = {"stop": True} if msg.get("op") == "next" else exc_record(exc)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are failures too, not exits
        rec = exc_record(exc)
    finally:
        sys.stdout, sys.stdin = real, real_in
    if after is not None and any(a is not None for a in after) and "value" in rec:
        rec["after"] = after
    if stdin is not None:
        rec["stdin_used"] = stdin.tell()
    out = buf.getvalue()
    if out:
        rec["out"] = out[:_MAX_FORWARD]
    return rec


def role_serve(req_fd, resp_fd):
    rd = os.fdopen(req_fd, "rb")
    table = _Table()
    first = json.loads(rd.readline(_MAX_LINE))
    try:
        table.ref(load_solution(first.get("prelude"), first["source"]))
        _write_fd(resp_fd, _dumps({"loaded": True}))
    except BaseException as exc:
        _write_fd(resp_fd, _dumps(exc_record(exc)))
        os._exit(0)
    while True:
        line = rd.readline(_MAX_LINE)
        if not line:
            os._exit(0)
        try:
            rec = _answer(json.loads(line), table)
            text = _dumps(rec)
        except BaseException as exc:
            text = _dumps(exc_record(exc))
        _write_fd(resp_fd, text)


# -- the checker's side ----------------------------------------------------------------------------------


def _candidate_exception(rec):
    name, msg = str(rec.get("exc", "Exception")), str(rec.get("msg", ""))
    base = str(rec.get("base", name))
    cls = getattr(builtins, base, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)) or base in _CONTROL_FLOW:
        return RuntimeError(f"{name}: {msg}")
    try:
        args = decode(rec["args"]) if "args" in rec else [msg]
        return cls(*args) if type(args) is list else cls(msg)
    except Exception:
        return RuntimeError(f"{name}: {msg}")


class Conn:
    """The checker's connection to the candidate process, started on first use."""

    def __init__(self, job):
        self.job, self.proc, self.remotes = job, None, {}

    def _start(self):
        import subprocess

        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        argv, fds = role_argv("serve", req_r, resp_w)
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=1,
            stderr=2,
            pass_fds=(*fds, req_r, resp_w),
            cwd="/tmp",
        )
        os.close(req_r)
        os.close(resp_w)
        self.wr, self.rd = req_w, os.fdopen(resp_r, "rb")
        first = self._roundtrip({"prelude": self.job.get("prelude"), "source": self.job["source"]})
        if first.get("loaded") is not True:
            raise CandidateGone(f"the solution failed to load: {first.get('exc')}: {first.get('msg')}")

    def _roundtrip(self, msg):
        try:
            _write_fd(self.wr, _dumps(msg))
            line = self.rd.readline(_MAX_LINE)
            rec = json.loads(line) if line.endswith(b"\n") else None
        except (OSError, ValueError, RecursionError) as exc:
            raise CandidateGone(f"the candidate process broke the protocol: {exc}") from None
        if type(rec) is not dict:
            raise CandidateGone("the candidate process died")
        return rec

    def request(self, msg):
        if self.proc is None:
            self._start()
        # Text the test put on sys.stdin (monkeypatch with a StringIO) is the candidate's stdin too.
        feed = sys.stdin if type(sys.stdin) is io.StringIO else None
        start = feed.tell() if feed is not None else 0
        if feed is not None:
            msg = {**msg, "stdin": feed.getvalue()[start:]}
        rec = self._roundtrip(msg)
        if feed is not None and type(rec.get("stdin_used")) is int and rec["stdin_used"] >= 0:
            feed.seek(start + rec["stdin_used"])
        if type(rec.get("out")) is str:  # what the candidate printed, where the test can capture it
            sys.stdout.write(rec["out"].encode("utf-8", "backslashreplace").decode("utf-8"))
        return rec

    def remote(self, n):
        if type(n) is not int:
            raise ValueError("malformed reference")
        if n not in self.remotes:
            self.remotes[n] = Remote(self, n)
        return self.remotes[n]

    def enc(self, value):
        try:
            return encode(value, _ref_of)
        except Unencodable as exc:
            raise TypeError(f"cannot pass this to the solution: {exc}") from None

    def value(self, rec):
        if "value" in rec:
            try:
                return decode(rec["value"], self.remote)
            except Exception as exc:  # whatever the candidate sent, test code must not catch it as its error
                raise CandidateGone(f"malformed value from the candidate: {type(exc).__name__}") from None
        if rec.get("stop") is True:
            raise StopIteration
        raise _candidate_exception(rec)

    def op(self, op, obj, **fields):
        return self.value(self.request({"op": op, "obj": obj, **fields}))

    def call(self, obj, args, kwargs):
        sent = [self.enc(a) for a in args]
        rec = self.request({"op": "call", "obj": obj, "args": sent, "kwargs": self.enc(kwargs)})
        value = self.value(rec)
        after = rec.get("after")
        if type(after) is list and len(after) == len(args):
            for arg, new in zip(args, after, strict=True):
                if new is not None:
                    _write_back(arg, self.value({"value": new}))
        return value

    def bind(self, ns, names):
        """Bind each name the solution defines (a function, a class, a value) into the test's namespace."""
        for name in names:
            try:
                ns[name] = self.op("get", 0, name=name)
            except AttributeError:
                continue

    def close(self):
        if self.proc is not None:
            with contextlib.suppress(OSError):
                self.proc.kill()


def _ref_of(obj):
    if type(obj) is Remote:
        return object.__getattribute__(obj, "_vw_id")
    raise Unencodable(f"cannot pass a value of type {type(obj).__qualname__}")


def _write_back(arg, new):
    if type(arg) is not type(new):
        return
    if type(arg) in (list, bytearray):
        arg[:] = new
    elif type(arg) in (dict, set):
        arg.clear()
        arg.update(new)


class Remote:
    """An object that lives in the candidate's process."""

    __slots__ = ("__weakref__", "_vw_conn", "_vw_id")

    def __init__(self, conn, n):
        object.__setattr__(self, "_vw_conn", conn)
        object.__setattr__(self, "_vw_id", n)

    def _vw(self, op, **fields):
        return self._vw_conn.op(op, self._vw_id, **fields)

    def __getattr__(self, name):
        if name.startswith(("__", "_pytest", "_vw")):
            raise AttributeError(name)
        return self._vw("get", name=name)

    def __setattr__(self, name, value):
        self._vw("set", name=name, value=self._vw_conn.enc(value))

    def __delattr__(self, name):
        self._vw("del", name=name)

    def __call__(self, *args, **kwargs):
        return self._vw_conn.call(self._vw_id, args, kwargs)

    def __getitem__(self, key):
        return self._vw("getitem", key=self._vw_conn.enc(key))

    def __setitem__(self, key, value):
        self._vw("setitem", key=self._vw_conn.enc(key), value=self._vw_conn.enc(value))

    def __delitem__(self, key):
        self._vw("delitem", key=self._vw_conn.enc(key))

    def __len__(self):
        return self._vw("len")

    def __bool__(self):
        return self._vw("bool")

    def __str__(self):
        s = self._vw("str")
        return s if type(s) is str else repr(self)

    def __repr__(self):
        return f"<solution object #{self._vw_id}>"

    def __iter__(self):
        return self._vw("iter")

    def __next__(self):
        return self._vw("next")


class SolutionModule(types.ModuleType):
    """`solution` for `from solution import ...` in test code: its attributes come from the candidate."""

    def __init__(self, conn):
        super().__init__("solution")
        self.__dict__["_vw_conn"] = conn

    def __getattr__(self, name):
        conn = self.__dict__["_vw_conn"]
        if name == "__all__":
            return conn.op("names", 0)
        if name.startswith("__"):
            raise AttributeError(name)
        return conn.op("get", 0, name=name)
