"""OpenAPI post-processing: document the errors every endpoint can answer, in their one shape."""

ERROR_SCHEMA = {
    "type": "object",
    "example": {
        "error": {
            "code": "illegal_transition",
            "message": "A report that is “Resolved” cannot be acknowledged.",
            "fields": {},
        }
    },
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "example": "illegal_transition"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
            },
        }
    },
}
COMMON = {
    "400": "Invalid input",
    "401": "No token, a wrong one, or a revoked one",
    "403": "The token may not use this endpoint",
    "404": "No such report in your department",
    "429": "Over the per-token rate; see Retry-After",
}
WRITES = {
    "409": "Not allowed in the report's current status",
    "415": "Unsupported request body type",
    "422": "Idempotency-Key reused",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            errors = {**COMMON, **(WRITES if method == "post" else {})}
            responses = operation.setdefault("responses", {})
            for status, description in errors.items():
                responses.setdefault(status, {"description": description})
                responses[status]["content"] = reference
    return result
