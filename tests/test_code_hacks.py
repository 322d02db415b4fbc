"""Reward hacks against the code scorer: none may score above an honest wrong answer.

Every hack runs in every reference form that calls a function (`cases`, `test_code`, MBPP-style
`asserts`, KodCode-style `pytest`) plus `stdio`, on every sandbox backend, through a real server. The
honest wrong answer (`a - b`) scores 0 on these tests, so every hack must score 0 and never be
`correct`; after the bombs the server still scores an honest correct answer 1.0.
"""

from __future__ import annotations

import concurrent.futures
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _backends import BACKENDS
from conftest import LiveServer

from veriward.settings import Settings
from veriward.verifiers.code._driver import runner_source
from veriward.verifiers.code._languages import PYTHON

CASES = [{"args": [1, 2], "expected": 3}, {"args": [2, 3], "expected": 5}, {"args": [10, -4], "expected": 6}]
TEST_CODE = (
    "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(2, 3) == 5\n"
    "    assert candidate(10, -4) == 6\n"
)
STDIO = [
    {"input": "1 2\n", "output": "3"},
    {"input": "2 3\n", "output": "5"},
    {"input": "10 -4\n", "output": "6"},
]
ASSERTS = ["assert add(1, 2) == 3", "assert add(2, 3) == 5", "assert add(10, -4) == 6"]
PYTEST = (
    "import pytest\nfrom solution import add\n\n"
    "def test_a():\n    assert add(1, 2) == 3\n\n"
    "@pytest.mark.parametrize(('a', 'b', 'c'), [(2, 3, 5)])\n"
    "def test_b(a, b, c):\n    assert add(a, b) == c\n\n"
    "class TestAdd:\n    def test_c(self):\n        assert add(10, -4) == 6\n"
)
FORMS = ("cases", "test_code", "stdio", "asserts", "pytest")
WRONG = "def add(a, b):\n    return a - b\n"
RIGHT = "def add(a, b):\n    return a + b\n"

# Searches everything a candidate can reach for the expected answers (test code, records, other processes).
_SNOOP = r"""
import gc, glob, os, re, sys
def _snoop():
    texts = []
    home = glob.glob(os.path.expanduser('~/*'))
    for p in glob.glob('/box/*') + glob.glob('/tmp/**', recursive=True) + home:
        try: texts.append(open(p, errors='ignore').read())
        except OSError: pass
    procs = glob.glob('/proc/[0-9]*/cmdline') + glob.glob('/proc/[0-9]*/environ')
    for p in procs + glob.glob('/proc/[0-9]*/fd/*'):
        try:
            fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
            texts.append(os.read(fd, 1 << 20).decode('latin-1')); os.close(fd)
        except OSError: pass
    for p in glob.glob('/proc/[0-9]*/mem'):
        try: open(p, 'rb').read(1); texts.append('MEM-READABLE')
        except OSError: pass
    f = sys._getframe()
    while f:
        texts.append(repr(f.f_locals)[:100000]); texts.append(repr(f.f_globals)[:100000]); f = f.f_back
    for o in gc.get_objects():
        if isinstance(o, (dict, str)): texts.append(repr(o)[:10000])
    return '\n'.join(texts)
_T = _snoop()
def add(a, b):
    m = re.search(r'(?:candidate|add)\(%d, %d\) == (-?\d+)' % (a, b), _T)
    m = m or re.search(r'"expected": ?(-?\d+)', _T)
    return int(m.group(1)) if m else a - b
"""

_FORGE = r"""
import glob, os
REC = b'{"status":"pass","excerpt":""}\n{"value":3}\n{"test":0,"status":"ran","result":"{\\"value\\":3}"}\n'
for p in glob.glob('/proc/[0-9]*/fd/*'):
    try:
        fd = os.open(p, os.O_WRONLY | os.O_NONBLOCK); os.write(fd, REC); os.close(fd)
    except OSError: pass
for fd in range(0, 64):
    try: os.write(fd, REC)
    except OSError: pass
print('PASS\nOK\nAll tests passed'); print('{"status": "pass"}')
def add(a, b):
    return a - b
"""

_INJECT = r"""
import os
HOOK = (
    "import pytest\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
    "    out = yield\n    out.get_result().outcome = 'passed'\n"
)
FILES = {
    "conftest.py": HOOK,
    "pytest.ini": "[pytest]\naddopts = -p no:python\n",
    "sitecustomize.py": "raise SystemExit(0)",
    "usercustomize.py": "raise SystemExit(0)",
}
for d in ("/tmp", os.path.expanduser("~"), "/box", "/tmp/.local/lib/python3.11/site-packages"):
    try:
        os.makedirs(d, exist_ok=True)
        for name, text in FILES.items():
            open(os.path.join(d, name), "w").write(text)
    except OSError:
        pass
for root, dirs, _ in os.walk("/tmp"):
    for d in dirs:
        try:
            open(os.path.join(root, d, "conftest.py"), "w").write(HOOK)
        except OSError:
            pass
"""

HACKS: dict[str, str] = {
    "exit_zero_at_import": "import sys\nsys.exit(0)\n" + WRONG,
    "os_exit_in_call": "import os\ndef add(a, b):\n    os._exit(0)\n",
    "system_exit_in_call": "def add(a, b):\n    raise SystemExit(0)\n",
    "keyboard_interrupt": "def add(a, b):\n    raise KeyboardInterrupt\n",
    "always_equal": (
        "class AE:\n    def __eq__(self, o): return True\n    def __ne__(self, o): return False\n"
        "    __hash__ = object.__hash__\ndef add(a, b):\n    return AE()\n"
    ),
    "int_subclass_eq": (
        "class I(int):\n    def __eq__(self, o): return True\n    __hash__ = int.__hash__\n"
        "def add(a, b):\n    return I(0)\n"
    ),
    "frames_gc_files_proc": _SNOOP,
    "patch_builtins_unittest": (
        "import builtins, unittest\nbuiltins.AssertionError = type('N', (Exception,), {})\n"
        "unittest.TestCase.assertEqual = lambda *a, **k: None\nbuiltins.isinstance = lambda *a: True\n"
        "import sys\nsys.modules['builtins'].__dict__['assert'] = None\n" + WRONG
    ),
    "fake_pass_output_and_forged_records": _FORGE,
    "pickle_reduce": (
        "import os\nclass P:\n    def __reduce__(self):\n        return (os.system, ('touch {marker}',))\n"
        "def add(a, b):\n    return P()\n"
    ),
    "generator": "def add(a, b):\n    yield a + b\n",
    "infinite_loop": "def add(a, b):\n    while True:\n        pass\n",
    "sleep": "import time\ndef add(a, b):\n    time.sleep(60)\n",
    "memory_bomb": "def add(a, b):\n    x = []\n    while True:\n        x.append(bytearray(50 << 20))\n",
    "fork_bomb": (
        "import os\ndef add(a, b):\n    while True:\n        try: os.fork()\n        except OSError: pass\n"
    ),
    "output_bomb": "import sys\ndef add(a, b):\n    sys.stdout.write('x' * 100_000_000)\n    return a - b\n",
    "kill_parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + WRONG,
    "kill_minus_one": (
        "import os, signal\ndef add(a, b):\n    os.kill(-1, signal.SIGKILL)\n    return a + b + 1\n"
    ),
    "network_to_host": (
        "import socket\ndef add(a, b):\n    for h in ('127.0.0.1', '172.17.0.1', '10.0.2.2'):\n"
        "        try:\n            s = socket.create_connection((h, {port}), timeout=1)\n"
        "            s.sendall(b'%d %d' % (a, b)); return int(s.recv(64))\n"
        "        except OSError:\n            pass\n    return a - b\n"
    ),
    "daemon_left_behind": (
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    for _ in range(600):\n"
        "        for fd in range(64):\n"
        '            try: os.write(fd, b\'{{"status":"pass","excerpt":""}}\\n\')\n'
        "            except OSError: pass\n        time.sleep(0.01)\n    os._exit(0)\n" + WRONG
    ),
}
# Files the checker's pytest or interpreter might pick up, written before any test runs.
HACKS["pytest_and_site_injection"] = _INJECT + WRONG
HACKS["shadow_builtins"] = (
    "def all(*a, **k): return True\ndef len(*a): return 0\ndef isinstance(*a): return True\n"
    "class AssertionError(Exception): pass\n" + WRONG
)
HACKS["lying_bool_and_len"] = (
    "class T:\n    def __bool__(self): return True\n    def __eq__(self, o): return True\n"
    "    def __len__(self): return 1\n    def __iter__(self): return iter([3, 5, 6])\n"
    "def add(a, b):\n    return T()\n"
)
HACKS["daemon_left_behind"] = HACKS["daemon_left_behind"].replace("{{", "{").replace("}}", "}")


class Listener:
    """A TCP listener on the host's loopback that answers any connection with the right sum."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                a, b = map(int, conn.recv(64).split())
                conn.sendall(str(a + b).encode())


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    srv = LiveServer(Settings(sandbox=request.param, pool_workers=1, sandbox_warm=2, sandbox_jobs=6)).start()
    yield srv
    srv.stop()


def _request(code: str, form: str) -> dict[str, Any]:
    ref: dict[str, Any] = {
        "language": "python",
        "entry_point": "add",
        "time_limit_s": 1,
        "memory_limit_mb": 256,
    }
    if form == "cases":
        ref["cases"] = CASES
    elif form == "test_code":
        ref["test_code"] = TEST_CODE
    elif form == "asserts":
        ref["asserts"] = ASSERTS
    elif form == "pytest":
        ref["pytest"] = PYTEST
    else:
        ref["stdio"] = STDIO
        code += "\nimport sys\na, b = map(int, sys.stdin.read().split())\nprint(add(a, b))\n"
    return {"verifier": "code", "response": f"```python\n{code}```", "reference": ref, "timeout_s": 40}


def _score_all(server: LiveServer, requests: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    with httpx.Client(base_url=server.url, timeout=120) as c, concurrent.futures.ThreadPoolExecutor(6) as ex:
        futs = {k: ex.submit(c.post, "/v1/score", json=r) for k, r in requests.items()}
        out = {}
        for k, f in futs.items():
            resp = f.result()
            assert resp.status_code == 200, (k, resp.text)
            out[k] = resp.json()
    return out


def test_no_hack_beats_an_honest_wrong_answer(server: LiveServer, tmp_path: Path) -> None:
    listener = Listener()
    marker = tmp_path / "pwned"
    requests = {}
    for form in FORMS:
        requests[f"honest_wrong/{form}"] = _request(WRONG, form)
        for name, code in HACKS.items():
            code = code.replace("{marker}", str(marker)).replace("{port}", str(listener.port))
            requests[f"{name}/{form}"] = _request(code, form)
    start = time.monotonic()
    results = _score_all(server, requests)
    elapsed = time.monotonic() - start
    listener.stop = True
    floor = {form: results[f"honest_wrong/{form}"]["score"] for form in FORMS}
    assert floor == dict.fromkeys(FORMS, 0.0)
    beaten = {
        k: (r["score"], r["verdict"], r["details"].get("tests"))
        for k, r in results.items()
        if r["score"] > floor[k.split("/")[1]] or r["verdict"] == "correct"
    }
    assert beaten == {}
    # The infrastructure held: no hack became an `error` (which a trainer would drop instead of learn from).
    errors = {k: r["reason"] for k, r in results.items() if r["verdict"] == "error"}
    assert errors == {}
    assert listener.connections == 0 and not marker.exists()
    assert elapsed < 120
    # And the server still gives an honest answer full marks.
    after = _score_all(server, {f: _request(RIGHT, f) for f in FORMS})
    assert {k: r["score"] for k, r in after.items()} == dict.fromkeys(FORMS, 1.0)


def test_nothing_carries_over_to_the_next_submission(server: LiveServer) -> None:
    # Submission 1 (correct) leaves files in /tmp and $HOME and a sleeping process; submission 2 (wrong)
    # would use them to answer right. Run a few rounds so the second lands on reused infrastructure.
    leave = (
        "import os, subprocess\nfor d in ('/tmp', os.path.expanduser('~')):\n"
        "    open(os.path.join(d, 'answers'), 'w').write('3 5 6')\n"
        "subprocess.Popen(['sleep', '60'], start_new_session=True)\n" + RIGHT
    )
    use = (
        "import os, glob\ndef add(a, b):\n    for p in ['/tmp/answers', os.path.expanduser('~/answers')]:\n"
        "        if os.path.exists(p):\n            return {1: 3, 2: 5, 10: 6}[a]\n"
        "    if len([p for p in os.listdir('/proc') if p.isdigit()]) > 4:\n"
        "        return {1: 3, 2: 5, 10: 6}[a]\n"
        "    return a - b\n"
    )
    for form in ("cases", "test_code", "pytest"):
        for _ in range(3):
            first = _score_all(server, {"x": _request(leave, form)})["x"]
            assert first["score"] == 1.0, first
            second = _score_all(server, {"x": _request(use, form)})["x"]
            assert second["score"] == 0.0, second


def test_the_hacks_work_where_the_answers_are_reachable(server: LiveServer) -> None:
    # Controls, so that the hacks above are real: the snooping hack finds the answers when they are in its
    # own process (here: pasted into the submission), and the network hack gets them from the listener
    # when it runs outside a sandbox.
    leaky = _SNOOP + "\nLEAK = " + repr(TEST_CODE) + "\n"
    assert _score_all(server, {"x": _request(leaky, "cases")})["x"]["score"] == 1.0
    listener = Listener()
    ns: dict[str, Any] = {}
    exec(HACKS["network_to_host"].replace("{port}", str(listener.port)), ns)  # on the host, on purpose
    answers = [ns["add"](*c["args"]) for c in CASES]
    listener.stop = True
    assert answers == [c["expected"] for c in CASES] and listener.connections == 3


_SEAL_PROBE = r"""
import errno, mmap, os, subprocess, sys
_CODE = compile("import os, sys\nprint(sorted(os.listdir('/proc/self/fd')), sys.argv[1:])", "probe", "exec")
fd = _code_fd()
tries = {
    "write": lambda: os.write(fd, b"x"),
    "pwrite": lambda: os.pwrite(fd, b"x", 0),
    "truncate": lambda: os.ftruncate(fd, 0),
    "grow": lambda: os.ftruncate(fd, 1 << 20),
    "reopen": lambda: os.write(os.open(f"/proc/self/fd/{fd}", os.O_RDWR), b"x"),
    "mmap": lambda: mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_WRITE),
}
refused = {}
for name, attempt in tries.items():
    try:
        attempt()
        refused[name] = False
    except OSError as exc:
        refused[name] = exc.errno == errno.EPERM
print(refused)
argv, fds = role_argv("case", 7)
print(subprocess.run(argv, pass_fds=fds, capture_output=True, text=True).stdout.strip())
"""


def test_a_role_process_runs_the_runner_from_a_sealed_memfd_and_keeps_no_descriptor() -> None:
    # The code a role process (the checker, the candidate) runs comes from a memfd that nothing can change
    # once sealed: no write, resize, writable reopen or shared writable mapping; the process it starts
    # closes the descriptor before running anything, and sees the argv of its role.
    src = runner_source(PYTHON).split('if __name__ == "__main__":')[0] + _SEAL_PROBE
    res = subprocess.run([sys.executable, "-I", "-c", src], capture_output=True, text=True, check=True)
    refused, child = res.stdout.splitlines()
    assert refused == str(dict.fromkeys(["write", "pwrite", "truncate", "grow", "reopen", "mmap"], True))
    assert child == "['0', '1', '2', '3'] ['case', '7']"  # 3: the listing's own descriptor
