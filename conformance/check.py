"""Strict conformance of every fixture with Google's own Dialogflow types.

Dialogflow rejects a webhook response with an unknown or misspelled field. Our Rust types are
hand-written, so this check parses every recorded request and golden response with the
protobuf JSON parser of Google's published packages (`google-cloud-dialogflow` for ES v2,
`google-cloud-dialogflow-cx` for CX v3), with unknown fields NOT ignored.

Usage: check.py [FIXTURES_DIR] | check.py --self-test
"""

import json
import pathlib
import sys

from google.cloud import dialogflow_v2, dialogflowcx_v3
from google.protobuf import json_format

ES = (dialogflow_v2.types.WebhookRequest, dialogflow_v2.types.WebhookResponse)
CX = (dialogflowcx_v3.types.WebhookRequest, dialogflowcx_v3.types.WebhookResponse)
ES_KEYS = {"queryResult", "query_result", "originalDetectIntentRequest"}
CX_KEYS = {"detectIntentResponseId", "fulfillmentInfo", "sessionInfo", "pageInfo", "intentInfo"}


def protocol_of(request: dict) -> str:
    es, cx = bool(ES_KEYS & request.keys()), bool(CX_KEYS & request.keys())
    if es == cx:
        raise ValueError("request is neither clearly ES nor clearly CX")
    return "es" if es else "cx"


def strict_parse(text: str, proto_plus_type) -> None:
    # proto-plus wraps a protobuf message; parse into the raw message to get the strict parser.
    json_format.Parse(text, proto_plus_type.pb()(), ignore_unknown_fields=False)


def check_case(request_path: pathlib.Path) -> list:
    """Returns (path, error or None) for the request and its golden response."""
    results = []
    text = request_path.read_text(encoding="utf-8")
    try:
        proto = protocol_of(json.loads(text))
    except Exception as exc:  # noqa: BLE001 - report any reason the file is unusable
        return [(request_path, f"cannot tell the protocol: {exc}")]
    request_type, response_type = ES if proto == "es" else CX
    for path, kind in (
        (request_path, request_type),
        (request_path.with_name(request_path.name.replace(".request.json", ".response.json")), response_type),
    ):
        if not path.exists():
            results.append((path, "missing"))
            continue
        try:
            strict_parse(path.read_text(encoding="utf-8"), kind)
            results.append((path, None))
        except Exception as exc:  # noqa: BLE001
            results.append((path, f"{proto.upper()} {kind.__name__}: {exc}"))
    return results


def run(root: pathlib.Path) -> int:
    results = []
    for request_path in sorted(root.glob("*/*.request.json")):
        results.extend(check_case(request_path))
    failed = 0
    for path, error in results:
        if error:
            failed += 1
            print(f"FAIL {path}: {error}")
        else:
            print(f"ok   {path}")
    print(f"conformance: {len(results) - failed} passed, {failed} failed")
    return 1 if failed or not results else 0


def self_test() -> int:
    """Proves the parser really is strict, so a green run means something."""
    must_fail = [
        ('{"fulfillmentText": "x", "bogusField": 1}', ES[1]),
        ('{"fulfillmentText": "x", "outputContexts": [{"name": "c", "lifespan": 2}]}', ES[1]),
        ('{"fulfillmentResponse": {"messages": [{"text": {"text": ["a"]}, "bogus": 1}]}}', CX[1]),
        ('{"pageInfo": {"formInfo": {"parameterInfo": [{"state": "NOT_A_STATE"}]}}}', CX[1]),
    ]
    must_pass = [
        ("{}", ES[1]),
        ("{}", CX[1]),
        ('{"fulfillmentText": "x", "outputContexts": [{"name": "projects/p/agent/sessions/s/contexts/c", "lifespanCount": 0}]}', ES[1]),
        ('{"sessionInfo": {"parameters": {"gone": null}}, "fulfillmentResponse": {"messages": [{"endInteraction": {}}], "mergeBehavior": "REPLACE"}}', CX[1]),
    ]
    bad = 0
    for text, kind in must_fail:
        try:
            strict_parse(text, kind)
            print(f"self-test FAIL: accepted {text}")
            bad += 1
        except Exception:  # noqa: BLE001
            pass
    for text, kind in must_pass:
        try:
            strict_parse(text, kind)
        except Exception as exc:  # noqa: BLE001
            print(f"self-test FAIL: rejected {text}: {exc}")
            bad += 1
    print(f"self-test: {len(must_fail) + len(must_pass) - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    sys.exit(run(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "fixtures")))
