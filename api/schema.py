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
# A text that may not be blank must have a character other than white space (DRF trims it).
NO_NUL = "^[^\\u0000]*$"
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def _refuse_nul(schema: dict) -> None:
    for child in schema.get("properties", {}).values():
        if child.get("type") == "string" and "pattern" not in child and "format" not in child:
            child["pattern"] = NOT_BLANK if child.get("minLength", 0) >= 1 else NO_NUL
        _refuse_nul(child)


def refuse_nul_in_inputs(result, generator, request, public):
    """Say in the schema what the server refuses, so that schema and server agree."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):  # COMPONENT_SPLIT_REQUEST: the input half
            _refuse_nul(schema)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "string":
                    schema.setdefault("pattern", NO_NUL)
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
                # An operation's own examples of the error (the resolve's 409/422) are kept.
                examples = (
                    responses[status].get("content", {}).get("application/json", {}).get("examples")
                )
                responses[status]["content"] = reference
                if examples:
                    responses[status]["content"] = {
                        "application/json": {**reference["application/json"], "examples": examples}
                    }
    return result
