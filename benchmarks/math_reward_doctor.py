"""reward-doctor 0.2.0's audit corpus, through its own `reward_doctor.audit.audit()` API, against a live
veriward server, beside Math-Verify 0.9.0 and reward-doctor's own reference verifier in the same run.

    python benchmarks/math_reward_doctor.py [--workers 2]

veriward is called over HTTP (`POST /v1/score`, verifier math) by a plain `reward_fn(completion,
reference)`, as a user would wire it. Prints false positives and false negatives for each, and every case
veriward gets wrong.
"""

from __future__ import annotations

import argparse
from typing import Any

from math_real_outputs import serve


def report(name: str, result: Any) -> None:
    print(
        f"{name:<32} cases {len(result.outcomes):>3}  FP {len(result.false_positives):>2}  "
        f"FN {len(result.false_negatives):>2}  errors {len(result.errors)}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    import httpx
    from math_verify import parse, verify
    from reward_doctor.audit import audit
    from reward_doctor.reference import robust_match

    url, server = serve(args.workers)
    client = httpx.Client(base_url=url, timeout=60)

    def veriward_math(completion: str, reference: str) -> float:
        r = client.post(
            "/v1/score", json={"verifier": "math", "response": completion, "reference": reference}
        )
        r.raise_for_status()
        return float(r.json()["score"])

    def math_verify(completion: str, reference: str) -> float:
        try:
            return float(bool(verify(parse(f"${reference}$"), parse(completion))))
        except Exception:
            return 0.0

    ours = audit(veriward_math, name="veriward (HTTP)")
    report("veriward (live server)", ours)
    report("Math-Verify 0.9.0", audit(math_verify, name="math_verify"))
    report("reward-doctor robust_match", audit(robust_match, name="robust_match"))
    for o in ours.false_positives + ours.false_negatives:
        case = o.case
        print(
            f"  {o.failure_mode}: {case.id} reference={case.reference!r} completion={case.completion[:70]!r}"
        )
    client.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
