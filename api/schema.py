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


# Text never carries NUL: PostgreSQL cannot store it, and DRF and Django forms refuse it (400).
NO_NUL = "^[^\\u0000]*$"


def _refuse_nul(schema: dict) -> None:
    if schema.get("type") == "string" and "pattern" not in schema and "format" not in schema:
        schema["pattern"] = NO_NUL
    for child in schema.get("properties", {}).values():
        _refuse_nul(child)


def refuse_nul_in_inputs(result, generator, request, public):
    """Say in the schema what the server refuses, so that schema and server agree."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):  # COMPONENT_SPLIT_REQUEST: the input half
            _refuse_nul(schema)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and "enum" not in parameter["schema"]:
                    _refuse_nul(parameter["schema"])
    return result


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
