"""The demo endpoints in the site's OpenAPI document: parameters and result schemas.

Every parameter may be empty (the function's default applies), every float of a result may be
null (JSON has no NaN or infinity), and the rules that tie parameters together, which a schema
cannot state, are in each operation's description and its 400 answer."""

from __future__ import annotations

import dataclasses
import typing
from types import NoneType, UnionType

from web import openapi
from web.demo_pages.catalogue import DEMOS
from web.demo_pages.demo import Demo

_JSON_TYPES = {int: "integer", float: ["number", "null"], str: "string", bool: "boolean"}


def _schema_of(annotation: object) -> dict[str, object]:
    """A JSON schema for a result field's type (dataclasses become objects)."""
    origin = typing.get_origin(annotation)
    if origin in (UnionType, typing.Union):
        options = [a for a in typing.get_args(annotation) if a is not NoneType]
        schema = _schema_of(options[0]) if len(options) == 1 else {}
        if NoneType in typing.get_args(annotation) and "type" in schema:
            kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            schema = {**schema, "type": list(dict.fromkeys([*kinds, "null"]))}
        return schema
    if origin in (list, tuple):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        items = _schema_of(args[0]) if args and len(set(args)) == 1 else {}
        return {"type": "array", "items": items}
    if origin is dict:
        return {
            "type": "object",
            "additionalProperties": _schema_of(typing.get_args(annotation)[1]),
        }
    if dataclasses.is_dataclass(annotation):
        hints = typing.get_type_hints(annotation)
        return {
            "type": "object",
            "properties": {
                f.name: _schema_of(hints[f.name]) for f in dataclasses.fields(annotation)
            },
            "required": [f.name for f in dataclasses.fields(annotation)],
        }
    return {"type": _JSON_TYPES[annotation]} if annotation in _JSON_TYPES else {}


def _schema_name(demo: Demo) -> str:
    return "Demo" + "".join(part.title() for part in demo.slug.split("-"))


def _operation(demo: Demo) -> dict[str, object]:
    defaults = demo.defaults()
    parameters = []
    for param in demo.params:
        schema = dict(param.kind.schema())
        if defaults.get(param.name) is not None:
            schema["default"] = defaults[param.name]
        if getattr(param.kind, "empty_is_default", True):
            schema = openapi.optional(schema)
        parameters.append(
            {
                "name": param.name,
                "in": "query",
                "description": param.help or param.label,
                "schema": schema,
            }
        )
    rules = "".join(f" {rule}" for rule in demo.rules)
    return {
        "get": {
            "operationId": "demo" + _schema_name(demo).removeprefix("Demo"),
            "summary": demo.title,
            "description": f"{demo.summary} The numbers behind {demo.path}; non-finite "
            f"numbers are null. An empty parameter takes its default.{rules}",
            "tags": ["demos"],
            "parameters": parameters,
            "responses": {
                "200": {
                    "description": "The demo's numbers",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{_schema_name(demo)}"}
                        }
                    },
                },
                "400": openapi.error_response(
                    "An unknown, repeated, malformed or out-of-range parameter, or parameters"
                    " that break the demo's rules" + (f":{rules}" if rules else "")
                ),
            },
        }
    }


def description() -> openapi.Description:
    """The demos' operations and their result schemas."""
    paths, schemas = {}, {}
    for demo in DEMOS.values():
        result = typing.get_type_hints(demo.function)["return"]
        schemas[_schema_name(demo)] = _schema_of(result)
        paths[demo.api_path] = _operation(demo)
    return openapi.Description(paths, schemas)
