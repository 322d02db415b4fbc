"""The function-call harness of the test language `sh` (see tests/test_code_new_language.py), run by the
sandbox's python3 beside the submission `main.sh`.

It reads `{"entry_point", "args"}` (JSON) on stdin, sources `main.sh` in a fresh `sh`, calls the function
with the args as strings, and writes one JSON line on the result pipe whose fd is its first argument:
`{"value": <what the function printed, without its last newline>}`, or `{"exc": ..., "msg": ...}` when the
function failed. The verdict is computed outside the sandbox.
"""

import json
import subprocess
import sys


def main() -> None:
    fd = int(sys.argv[1])
    job = json.loads(sys.stdin.read())
    argv = ["sh", "-c", '. ./main.sh && "$@"', "sh", job["entry_point"], *(str(a) for a in job["args"])]
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    out = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        record = {"exc": "ExitStatus", "msg": f"exit status {done.returncode}"}
    else:
        record = {"value": out[:-1] if out.endswith("\n") else out}
    sys.stderr.write(done.stderr.decode("utf-8", "replace"))
    with open(fd, "w", closefd=True) as pipe:
        pipe.write(json.dumps(record) + "\n")


main()
