"""Shapes shared by the trainer adapters: completion text, labels that pick their own scorer, groups."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from veriward._client_results import failed_result
from veriward.integrations._contract import runs
from veriward.models import GroupResult, ScoreResult


def completion_text(completion: Any) -> str:
    """The model's answer as text, from a plain string or a conversation (list of chat messages).

    For a conversation the answer is the last assistant message; message content may be a string or a
    list of parts (`{"type": "text", "text": ...}`), whose text parts are joined.
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return _content_text(completion.get("content"))
    if isinstance(completion, list):
        messages = [m for m in completion if isinstance(m, Mapping)]
        assistant = [m for m in messages if m.get("role", "assistant") == "assistant"]
        picked = assistant or messages
        return _content_text(picked[-1].get("content")) if picked else ""
    kind = type(completion).__name__
    raise TypeError(f"a completion must be a string or a list of chat messages, got {kind}")


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "".join(parts)
    return str(content)


def label_request(label: Any, default_verifier: str) -> dict[str, Any]:
    """The `verifier`/`reference`/`options` a label asks for.

    A label that is an object with a `verifier` key (or a JSON string of one) names its scorer, reference
    and options; any other label is the reference for `default_verifier`, verbatim.
    """
    obj: Any = label
    if isinstance(label, str) and label.lstrip().startswith("{"):
        try:
            obj = json.loads(label)
        except (ValueError, RecursionError):
            obj = label
    if isinstance(obj, Mapping) and isinstance(obj.get("verifier"), str):
        request: dict[str, Any] = {"verifier": obj["verifier"], "reference": obj.get("reference")}
        if obj.get("options") is not None:
            request["options"] = obj["options"]
        return request
    return {"verifier": default_verifier, "reference": label}


def stable_key(value: Any) -> str:
    """A JSON spelling of `value` that equal values share (for grouping rows); `repr` when not JSON."""
    try:
        return json.dumps(value, sort_keys=True, default=repr)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def as_groups(
    requests: Sequence[Mapping[str, Any]], keys: Sequence[str], size: int | None = None
) -> list[tuple[range, dict[str, Any]]]:
    """Consecutive requests with the same key and the same scorer, reference and options, as groups of at
    most `size` (a run of equal keys longer than that is several groups: a prompt repeated in a row).

    Returns each group's index range in `requests` and its `/v1/score/batch` group body.
    """
    full = [
        "\x00".join((k, str(r["verifier"]), stable_key(r.get("reference")), stable_key(r.get("options"))))
        for k, r in zip(keys, requests, strict=True)
    ]
    out = []
    spans = runs(full)
    if size:
        spans = [range(i, min(i + size, s.stop)) for s in spans for i in range(s.start, s.stop, size)]
    for span in spans:
        first = requests[span.start]
        group: dict[str, Any] = {
            "verifier": first["verifier"],
            "reference": first.get("reference"),
            "responses": [requests[i]["response"] for i in span],
        }
        if first.get("options"):
            group["options"] = dict(first["options"])
        out.append((span, group))
    return out


def ungroup(
    n: int, spans: Sequence[tuple[range, dict[str, Any]]], found: Sequence[GroupResult]
) -> list[ScoreResult]:
    """Per-request results, in request order, from the groups' results."""
    out: list[ScoreResult | None] = [None] * n
    for (span, body), group in zip(spans, found, strict=True):
        results = list(group.results)
        if len(results) != len(span):  # a group the server refused whole answers one `error`
            why = results[0].reason if results else "the server returned no result for this group"
            results = [failed_result(body, why, 1, 0.0) for _ in span]
        for i, result in zip(span, results, strict=True):
            out[i] = result
    missing = [i for i, r in enumerate(out) if r is None]
    if missing:
        raise ValueError(f"requests {missing[:5]} belong to no group")
    return [r for r in out if r is not None]
