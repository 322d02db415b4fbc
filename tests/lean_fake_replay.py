"""A stand-in for `lean --run VeriwardReplay.lean …`: prints a scripted replay report.

TEST DOUBLE: no Lean toolchain can be installed where these tests run, so the kernel replay's runner (the
jail, the hand-over of the pickle files, the deadline, the strict reading of its one output line) is driven
by this real child process instead of Lean. It judges nothing.

Usage: python lean_fake_replay.py REPORT=path [SLEEP_S=s] --run SCRIPT REF PROOF REF_LAST CHK_LAST NONCE
The report file is the JSON object to print; `@REF@`, `@CHK@`, `@NONCE@` in it are replaced. Unless the
script and both pickles are readable files, it prints a `load_failed` report instead.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> None:
    args = sys.argv[1:]
    run = args.index("--run")
    knobs = dict(a.split("=", 1) for a in args[:run])
    script, ref, proof, ref_last, chk_last, nonce = args[run + 1 : run + 7]
    time.sleep(float(knobs.get("SLEEP_S", "0")))
    if not all(Path(p).is_file() and Path(p).stat().st_size > 0 for p in (script, ref, proof)):
        report: object = {"status": "load_failed", "error": f"missing input among {script} {ref} {proof}"}
    else:
        text = Path(knobs["REPORT"]).read_text()
        text = text.replace("@REF@", ref_last).replace("@CHK@", chk_last).replace("@NONCE@", nonce)
        report = json.loads(text)
    print("a line Lean prints before the report (a deprecation warning, say)")
    print(f"veriward-replay {nonce} {json.dumps(report)}")


if __name__ == "__main__":
    main()
