"""Agreement of the math scorer with the labelled peer suites, beside Math-Verify 0.9.0 in the same run.

    python benchmarks/math_accuracy.py [--shared DIR] [--no-peer]

Math-Verify's own pairs (gold = reference, pred = response, both often whole model outputs) and
NeMo-Skills' pairs passed bare. Prints both agreements for both scorers and every pair veriward
disagrees with, with its verdict and reason.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from _report import Report, add_markdown_arg

DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "math"
SUITES = {
    "math_verify": "math_verify_cases.jsonl",
    "nemo_skills_bare": "nemo_skills_math_equal_cases.jsonl",
}
# Labels this scorer disagrees with on purpose; see the README's math section.
EXPECTED_DISAGREEMENTS = {
    126: "1/3 vs 0.3333: 4 significant digits (the pair's own config lowers precision to 4)",
    134: "1/3 vs 0.33: 2 significant digits (the pair's own config lowers precision to 2)",
    140: "8/3 vs 2.6667: 5 significant digits (the pair's own config lowers precision to 2)",
    188: "identical to pair 187, opposite label (config allow_set_relation_comp=False)",
    255: "identical to pair 254, opposite label (config strict=False): f(x) vs f(y)",
    265: "1 - 1/e vs 1 + 1/e labelled equal: they differ by 2/e",
}


def load(path: Path) -> list[dict[str, Any]]:
    with path.open() as f:
        return [json.loads(line) for line in f if line.strip()]


def veriward_verdict(gold: str, pred: str, min_sig_digits: int = 6) -> tuple[bool, str]:
    from veriward.verifiers.math import MathOptions, grade

    out = grade(pred, gold, MathOptions(min_sig_digits=min_sig_digits))
    return out.verdict.value == "correct", f"{out.verdict.value}: {out.reason}"


def math_verify_verdict(gold: str, pred: str, wrap: bool = False) -> bool:
    """Math-Verify 0.9.0 with default options (its own timeouts use signals; run it in the main thread)."""
    from math_verify import parse, verify

    if wrap:
        gold, pred = f"${gold}$", f"${pred}$"
    try:
        return bool(verify(parse(gold), parse(pred)))
    except Exception:
        return False


def run_suite(name: str, rows: list[dict[str, Any]], peer: bool) -> dict[str, Any]:
    ours, ours_config, theirs, theirs_wrapped, disagree = 0, 0, 0, 0, []
    for i, row in enumerate(rows):
        label = bool(row["expected_bool"])
        got, why = veriward_verdict(row["gold"], row["pred"])
        if got == label:
            ours += 1
        else:
            disagree.append((i, label, why, row["gold"], row["pred"]))
        precision = (row.get("config") or {}).get("precision", 6)
        ours_config += veriward_verdict(row["gold"], row["pred"], precision)[0] == label
        if peer:
            theirs += math_verify_verdict(row["gold"], row["pred"]) == label
            if name == "nemo_skills_bare":
                theirs_wrapped += math_verify_verdict(row["gold"], row["pred"], wrap=True) == label
    return {
        "n": len(rows),
        "ours": ours,
        "ours_config": ours_config,
        "peer": theirs,
        "peer_wrapped": theirs_wrapped,
        "disagree": disagree,
    }


def _short(s: str, n: int = 90) -> str:
    s = s.replace("\n", " ")
    return s if len(s) <= n else "..." + s[-n:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--no-peer", action="store_true", help="skip Math-Verify")
    add_markdown_arg(ap)
    args = ap.parse_args()
    out = Report("math_accuracy.py", args.markdown)
    table = []
    for name, fname in SUITES.items():
        rows = load(args.shared / fname)
        r = run_suite(name, rows, not args.no_peer)
        print(f"\n== {name}: {r['n']} labelled pairs")
        peer = "—" if args.no_peer else str(r["peer"])
        if name == "math_verify":
            table.append((f"Math-Verify's {r['n']} pairs, defaults", r["ours"], peer))
            table.append(("same, each pair's own `precision` as `min_sig_digits`", r["ours_config"], "—"))
        else:
            wrapped = "" if args.no_peer else f" ({r['peer_wrapped']})"
            table.append(
                (f"NeMo-Skills' {r['n']} pairs, bare (`$`-wrapped for the peer)", r["ours"], peer + wrapped)
            )
        for i, label, why, gold, pred in r["disagree"]:
            note = EXPECTED_DISAGREEMENTS.get(i, "") if name == "math_verify" else ""
            print(f"  #{i} label={label} veriward={why}")
            print(f"      gold={_short(gold)!r}\n      pred={_short(pred)!r}")
            if note:
                print(f"      why we differ: {note}")
    out.line()
    out.table(("suite", "veriward", "Math-Verify 0.9.0"), table, (False, True, True))
    out.write()


if __name__ == "__main__":
    main()
