"""`veriward score`: score one response, or a JSONL file of requests, without a server."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import IO, Any

from veriward.engine import Engine
from veriward.errors import RequestError
from veriward.models import ScoreResult


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="score one response, or a JSONL file of requests")
    p.add_argument("--verifier", help="scorer name, e.g. math (one request)")
    p.add_argument("--reference", help="the reference; parsed as JSON when it is a JSON object or list")
    p.add_argument("--response", help="the model's output (one request); '-' reads standard input")
    p.add_argument("--options", help="scorer options as a JSON object")
    p.add_argument("--timeout", type=float, help="budget in seconds")
    p.add_argument("--input", help="JSONL file of requests ('-' for standard input)")
    p.add_argument("--output", help="JSONL file for the results (default: standard output)")
    p.add_argument("--concurrency", type=int, default=64, help="requests in flight (default %(default)s)")
    p.set_defaults(func=run)


def _reference(text: str | None) -> Any:
    if text is None:
        return None
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            pass
    return text


def run(args: argparse.Namespace) -> int:
    if args.input:
        return asyncio.run(_score_file(args))
    if not args.verifier or args.response is None:
        print("veriward score: give --verifier and --response, or --input FILE", file=sys.stderr)
        return 2
    response = sys.stdin.read() if args.response == "-" else args.response
    req: dict[str, Any] = {
        "verifier": args.verifier,
        "response": response,
        "reference": _reference(args.reference),
    }
    if args.options:
        req["options"] = json.loads(args.options)
    if args.timeout:
        req["timeout_s"] = args.timeout
    try:
        result = asyncio.run(_score_one(req))
    except RequestError as exc:
        print(f"veriward score: {exc.message}", file=sys.stderr)
        return 2
    print(result.model_dump_json(indent=2))
    return 0


async def _score_one(req: dict[str, Any]) -> ScoreResult:
    async with Engine() as engine:
        return await engine.score(req)


def _parse_line(line: str, lineno: int) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        return RequestError(f"line {lineno}: not valid JSON ({exc.msg})")


async def _score_file(args: argparse.Namespace) -> int:
    src: IO[str] = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")  # noqa: SIM115
    with src:
        lines = [(n, line) for n, line in enumerate(src, 1) if line.strip()]
    out: IO[str] = sys.stdout if not args.output else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(lines), unit="req", file=sys.stderr)
    sem = asyncio.Semaphore(max(1, args.concurrency))
    async with Engine() as engine:

        async def one(lineno: int, line: str) -> ScoreResult:
            async with sem:
                item = _parse_line(line, lineno)
                arrival = time.monotonic()
                if isinstance(item, RequestError):
                    result = engine.rejected({}, item, arrival)
                else:
                    result = await engine.score_item(item, arrival)
                if bar is not None:
                    bar.update(1)
                return result

        results = await asyncio.gather(*(one(n, line) for n, line in lines))
    if bar is not None:
        bar.close()
    with out:
        for r in results:
            out.write(r.model_dump_json() + "\n")
    return 0
