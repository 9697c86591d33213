"""drf-spectacular post-processing: every error answer is documented as what it is, RFC 9457
problem details in ``application/problem+json``; and the links a client follows (OpenAPI
``links``): from a referral to its page, its timeline and every action, with its ETag as the
action's If-Match, so that a client (or schemathesis' stateful tests) can chain them."""

from __future__ import annotations

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details, in the language of `Accept-Language`.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "The fields at fault and what is wrong with each.",
        },
        "state": {"type": "string", "description": "The state the referral is in now (409)."},
        "etag": {"type": "string", "description": "The referral's current ETag (412)."},
    },
}


CHANGES = [
    "referrals_partial_update", "referrals_accept", "referrals_add_note", "referrals_assign", "referrals_decline",
    "referrals_mark_interested", "referrals_mark_lost", "referrals_mark_not_interested", "referrals_mark_won",
]  # fmt: skip


def _links(pointer: str) -> dict:
    """Links from an answer whose referral is at ``pointer`` (a JSON pointer, "" for the body)."""
    referral_id = f"$response.body#{pointer}/id"
    links = {
        "referrals_retrieve": {"operationId": "referrals_retrieve", "parameters": {"id": referral_id}},
        "referrals_timeline_list": {"operationId": "referrals_timeline_list", "parameters": {"id": referral_id}},
    }
    for operation in CHANGES:
        links[operation] = {
            "operationId": operation,
            "parameters": {"id": referral_id, "header.If-Match": f"$response.body#{pointer}/etag"},
        }
    return links


def problem_details(result: dict, generator, request, public) -> dict:
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    reference = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for code, response in operation.get("responses", {}).items():
                if str(code).startswith(("4", "5")):
                    response["content"] = {"application/problem+json": reference}
            answer = operation.get("responses", {}).get("200")
            if answer is None:
                continue
            if operation["operationId"] == "referrals_list":
                answer["links"] = _links("/results/0")
            elif operation["operationId"] in ("referrals_retrieve", *CHANGES):
                answer["links"] = _links("")
    return result
