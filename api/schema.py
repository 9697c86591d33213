"""drf-spectacular post-processing: every error answer is documented as what it is, RFC 9457
problem details in ``application/problem+json``."""

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


def problem_details(result: dict, generator, request, public) -> dict:
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    reference = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for code, response in operation.get("responses", {}).items():
                if str(code).startswith(("4", "5")):
                    response["content"] = {"application/problem+json": reference}
    return result
