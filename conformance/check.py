"""Strict conformance of every fixture with Google's own Dialogflow types.

Why this exists: Dialogflow rejects a webhook response that has an unknown or misspelled field,
and our Rust types are hand-written, so a typo in them would pass our own tests and fail in
production. This script parses every recorded request and golden response with the protobuf
JSON parser of Google's published packages (`google-cloud-dialogflow` for ES v2,
`google-cloud-dialogflow-cx` for CX v3), with unknown fields NOT ignored.

A case is ES or CX by the shape of its request (`queryResult` is ES; `fulfillmentInfo`,
`sessionInfo` or `detectIntentResponseId` is CX); only when the shape says nothing does a `cx`
name part in its path (`cx_tokyo.request.json`, `weather/cx/...`) decide. The response is
parsed as the WebhookResponse of its request's protocol.

Usage: check.py [FIXTURES_DIR]   (default: fixtures)
       check.py --self-test      proves the parser really rejects unknown fields
       check.py --fields         prints FIELDS.md: the JSON field names the types accept
"""

import json
import pathlib
import re
import sys

from google.cloud import dialogflow_v2, dialogflowcx_v3
from google.protobuf import json_format

TYPES = {
    "ES": (dialogflow_v2.types.WebhookRequest, dialogflow_v2.types.WebhookResponse),
    "CX": (dialogflowcx_v3.types.WebhookRequest, dialogflowcx_v3.types.WebhookResponse),
}
ES_KEYS = {"queryResult", "query_result"}
CX_KEYS = {"fulfillmentInfo", "fulfillment_info", "sessionInfo", "session_info",
           "detectIntentResponseId", "detect_intent_response_id"}


def strict_parse(text: str, proto_plus_type) -> None:
    """Raises unless `text` is valid proto JSON for the type, unknown fields included.

    Same as proto-plus `Type.from_json(text, ignore_unknown_fields=False)`, minus the wrapper.
    """
    json_format.Parse(text, proto_plus_type.pb()(), ignore_unknown_fields=False)


def protocol_of(request_path: pathlib.Path) -> str:
    """ES or CX, by the request's shape, else by a `cx` name part in its path."""
    try:
        keys = json.loads(request_path.read_text(encoding="utf-8")).keys()
    except Exception:  # noqa: BLE001 - an unreadable request is reported by its own parse
        keys = set()
    es, cx = bool(ES_KEYS & keys), bool(CX_KEYS & keys)
    if es != cx:
        return "ES" if es else "CX"
    return "CX" if "cx" in re.split(r"[/\\._-]", str(request_path).lower()) else "ES"


def check(root: pathlib.Path) -> list:
    """Returns (path, error or None) for every request and response under root."""
    results = []
    requests = sorted(root.rglob("*.request.json"))
    for request_path in requests:
        proto = protocol_of(request_path)
        response_path = request_path.with_name(request_path.name[: -len(".request.json")] + ".response.json")
        for path, kind in zip((request_path, response_path), TYPES[proto]):
            try:
                strict_parse(path.read_text(encoding="utf-8"), kind)
                results.append((path, None))
            except FileNotFoundError:
                results.append((path, "missing"))
            except Exception as exc:  # noqa: BLE001 - report any reason the file is rejected
                results.append((path, f"{proto} {kind.__name__}: {' '.join(str(exc).split())}"))
    paired = {r.with_name(r.name[: -len(".request.json")] + ".response.json") for r in requests}
    for orphan in sorted(set(root.rglob("*.response.json")) - paired):
        results.append((orphan, "no matching .request.json, so no protocol to check it against"))
    return results


def run(root: pathlib.Path) -> int:
    results = check(root)
    for path, error in results:
        print(f"{path}: FAIL: {error}" if error else f"{path}: ok")
    if not results:
        print(f"no *.request.json found under {root}: nothing was checked")
    failed = sum(1 for _, error in results if error)
    print(f"conformance: {len(results) - failed} passed, {failed} failed")
    return 1 if failed or not results else 0


def self_test() -> int:
    """Proves the parser really is strict, so a green run means something."""
    es, cx = TYPES["ES"][1], TYPES["CX"][1]
    must_fail = [
        ('{"fulfillmentText": "x", "bogusField": 1}', es),
        ('{"fulfillmentText": "x", "outputContexts": [{"name": "c", "lifespan": 2}]}', es),
        ('{"fulfillment_response": {"messages": [{"text": {"text": ["a"]}, "bogus": 1}]}}', cx),
        ('{"pageInfo": {"formInfo": {"parameterInfo": [{"state": "NOT_A_STATE"}]}}}', cx),
    ]
    must_pass = [
        ("{}", es),
        ("{}", cx),
        ('{"fulfillmentText":"x","outputContexts":[{"name":"projects/p/agent/sessions/s/contexts/c","lifespanCount":0}]}', es),
        ('{"sessionInfo": {"parameters": {"gone": null}}, "fulfillmentResponse": '
         '{"messages": [{"endInteraction": {}}], "mergeBehavior": "REPLACE"}}', cx),
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


def fields_markdown() -> str:
    """Every message and enum reachable from the four webhook types, with its JSON names."""
    from google.protobuf.descriptor import FieldDescriptor as F

    scalar = {v: k[5:].lower() for k, v in vars(F).items() if k.startswith("TYPE_")}
    out = ["# Fields the installed Google types accept (generated: `check.py --fields`)", "",
           f"google-cloud-dialogflow {dialogflow_v2.__version__}, google-cloud-dialogflow-cx {dialogflowcx_v3.__version__}.",
           "JSON names are camelCase; the parser also accepts the proto (snake_case) names.",
           "Fields with the same oneof name exclude each other (at most one may be set).",
           "Well-known types (google.protobuf.Struct, Value, ...) take plain JSON and are not expanded.",
           "What the parse accepts in practice (null parameters, empty endInteraction, enum names,",
           "lifespanCount 0) is asserted by `check.py --self-test`.", "",
           "Not in these types, though seen elsewhere: live CX requests carry `messages[].source`",
           "(`VIRTUAL_AGENT`) and `messages[].text.redactedText`; ES `alternativeQueryResults` and ES",
           "response `liveAgentHandoff` / `endInteraction` exist only in v2beta1. A strict parse rejects them.", ""]

    def type_name(f):
        if f.message_type and f.message_type.GetOptions().map_entry:
            return f"map<string, {type_name(f.message_type.fields_by_name['value'])}>"
        kind = (f.message_type or f.enum_type).full_name if (f.message_type or f.enum_type) else scalar[f.type]
        return f"repeated {kind}" if f.is_repeated else kind

    for title, roots in (("ES (dialogflow v2)", TYPES["ES"]), ("CX (dialogflow cx v3)", TYPES["CX"])):
        out += [f"## {title}", ""]
        queue, seen, enums = [t.pb().DESCRIPTOR for t in roots], set(), {}
        while queue:
            d = queue.pop(0)
            if d.full_name in seen or d.full_name.startswith("google.protobuf."):
                continue
            seen.add(d.full_name)
            out += [f"### {d.full_name}", "", "| JSON name | type | oneof |", "| --- | --- | --- |"]
            for f in d.fields:
                oneof = f.containing_oneof.name if f.containing_oneof and not f.containing_oneof.name.startswith("_") else ""
                out.append(f"| `{f.json_name}` | {type_name(f)} | {oneof} |")
                is_map = f.message_type and f.message_type.GetOptions().map_entry
                target = f.message_type.fields_by_name["value"] if is_map else f
                if target.message_type:
                    queue.append(target.message_type)
                if target.enum_type:
                    enums[target.enum_type.full_name] = target.enum_type
            out.append("")
        for name, e in enums.items():
            out += [f"### enum {name}", "", ", ".join(f"`{v.name}`" for v in e.values), ""]
    return "\n".join(out)


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    if sys.argv[1:] == ["--fields"]:
        print(fields_markdown())
        sys.exit(0)
    sys.exit(run(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "fixtures")))
