"""The OpenAPI 3.1 document of the sandbox, built from the operation table alone."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..spec import OPERATIONS, Model

_KIND_SCHEMA: dict[str, dict[str, Any]] = {
    "id": {"type": ["integer", "string"], "format": "int64"},
    "int": {"type": "integer"},
    "status": {"type": "integer", "enum": [-1, 0, 1, 2, 3, 10]},
    "str": {"type": "string"},
    "bool": {"type": "boolean"},
    "service_time": {"type": "string", "description": "yyyy-MM-dd HH:mm:ss (Asia/Shanghai)"},
    "utc_time": {"type": "string", "format": "date-time"},
    "raw": {},
    "int_list": {"type": "array", "items": {"type": "integer"}},
    "str_list": {"type": "array", "items": {"type": "string"}},
}


def model_schema(model: type[Model]) -> dict[str, Any]:
    properties = {}
    for f in dataclasses.fields(model):
        wire = f.metadata.get("wire")
        if wire is None:
            continue
        nested = model.nested.get(wire)
        properties[wire] = ({"$ref": f"#/components/schemas/{nested.__name__}"} if nested
                            else dict(_KIND_SCHEMA[f.metadata["kind"]]))
    return {"type": "object", "properties": properties}


def openapi_document(server_url: str, paths: dict[str, str] | None = None) -> dict[str, Any]:
    """The document; ``paths`` (operation name -> path) overrides the spec's paths."""
    schemas: dict[str, Any] = {}
    documented: dict[str, Any] = {}
    for op in OPERATIONS.values():
        result: dict[str, Any] = {}
        if op.result is not None:
            schemas[op.result.__name__] = model_schema(op.result)
            for nested in op.result.nested.values():
                schemas[nested.__name__] = model_schema(nested)
            ref = {"$ref": f"#/components/schemas/{op.result.__name__}"}
            result = {"type": "array", "items": ref} if op.result_is_list else ref
        request = {
            "type": "object",
            "properties": {name: {"default": op.defaults[name]} if name in op.defaults else {}
                           for name in op.fields},
            "required": list(op.required),
            "additionalProperties": True,
        }
        documented[(paths or {}).get(op.name, op.path)] = {"post": {
            "operationId": op.name,
            "summary": op.summary,
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": request}}},
            "responses": {"200": {"description": "WebResult", "content": {"application/json": {
                "schema": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "integer"}, "message": {"type": "string"},
                    "result": {"anyOf": [result, {"type": "null"}]}}}}}},
                "400": {"description": "URL rejected by the safety rules (codes 10020..10028)"},
                "429": {"description": "rate limited (Retry-After)"}},
        }}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Qavix OpenAPI (qavix_lab sandbox)", "version": "1"},
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": documented,
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
