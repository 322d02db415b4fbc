"""NeMo-Gym: veriward as a resources server (`POST /verify`, `POST /seed_session`).

NeMo-Gym's agent posts the task row (`responses_create_params`, any dataset fields) plus the model's
`response` (an OpenAI Responses API object) to `/verify` and reads back the same body with `reward`
added. veriward scores the text of the last assistant message against the row's reference:
`veriward: {"verifier", "reference", "options"?}` when the row has it, else `expected_answer` (NeMo-Gym's
math convention) or `answer` with the server's default scorer.

The answer is the body with `reward`, the full verdict under `veriward`, and top-level numbers, which
NeMo-Gym clients record as metrics: `veriward_correct`, `veriward_incorrect`, `veriward_invalid`,
`veriward_timeout`, `veriward_unscored` (0/1) and `mask_sample`.

Failure contract: a rollout veriward could not decide (verdict `error`) is answered with `reward: 0.0`,
`mask_sample: true` (NeMo-Gym's flag for a sample to leave out of training) and `veriward_unscored: 1`;
with the header `X-Veriward-On-Error: fail` it is a 503 instead, for clients that turn a failed
request into a skipped rollout (verifiers' `NeMoGymTask` does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from veriward.errors import RequestError
from veriward.integrations._common import completion_text, label_request
from veriward.integrations._contract import flags, unscored
from veriward.models import ScoreResult


def response_text(response: Any) -> str:
    """The text of the last assistant `message` item in a Responses API object's `output`."""
    if not isinstance(response, Mapping) or not isinstance(response.get("output"), list):
        raise RequestError("`response` must be a Responses API object with an `output` list", "response")
    messages = [
        item
        for item in response["output"]
        if isinstance(item, Mapping) and item.get("type", "message") == "message"
    ]
    assistant = [m for m in messages if m.get("role", "assistant") == "assistant"]
    return completion_text(assistant[-1]) if assistant else ""


def verify_request(body: Mapping[str, Any], default_verifier: str) -> dict[str, Any]:
    """The score request for one `/verify` body."""
    if "veriward" in body:
        spec = body["veriward"]
        if not isinstance(spec, Mapping) or not isinstance(spec.get("verifier"), str):
            raise RequestError("`veriward` must be an object with a `verifier` name", "veriward")
        request = label_request(dict(spec), default_verifier)
    else:
        reference = body.get("expected_answer", body.get("answer"))
        request = label_request(reference, default_verifier)
    request["response"] = response_text(body.get("response"))
    return request


def verify_answer(body: Mapping[str, Any], result: ScoreResult) -> dict[str, Any]:
    """The `/verify` answer: the body, the reward, the verdict, and the top-level numeric metrics."""
    failed = unscored(result)
    return {
        **body,
        "reward": 0.0 if failed else float(result.score),
        "mask_sample": failed,
        **flags(result),
        "veriward": result.model_dump(mode="json"),
    }
