"""Request bodies checked against JSON schemas; a failure is a 400 naming the field."""
from __future__ import annotations

from typing import Any

import jsonschema

from tricircle.core import errors


def name(max_length: int = 255, min_length: int = 0) -> dict:
    return {"type": "string", "minLength": min_length, "maxLength": max_length}


def nullable_name(max_length: int = 255) -> dict:
    return {"type": ["string", "null"], "maxLength": max_length}


def obj(properties: dict, required: tuple[str, ...] = ()) -> dict:
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False}


def validate(schema: dict, body: Any) -> Any:
    try:
        jsonschema.validate(body, schema)
    except jsonschema.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path) or "body"
        detail = err.message if len(err.message) < 200 else err.message[:200] + "..."
        raise errors.BadRequest(f"Invalid input for field/attribute {where}: {detail}") from err
    return body
