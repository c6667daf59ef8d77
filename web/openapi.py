"""The OpenAPI 3.1 description of the site's JSON API and feeds (``/api/openapi.json``).

Each route module describes its own operations: it exports ``OPENAPI``, a `Description` of
its paths (path -> path item) and the schemas they refer to, and `openapi_document` joins
the descriptions into one document. This module holds the pieces they share: the ``Error``
schema every error answer follows and helpers for parameters and responses.

Query parameters follow the site's convention for forms: an empty value is the same as no
value, so each optional parameter's schema also admits ``""`` (`optional`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Schema = dict[str, object]

ERROR_SCHEMA: Schema = {
    "type": "object",
    "required": ["error", "status"],
    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
}
EMPTY: Schema = {"type": "string", "enum": [""]}


@dataclass(frozen=True)
class Description:
    """What one route module adds to the document: path items, component schemas and the
    security schemes its operations name."""

    paths: Mapping[str, Mapping[str, object]]
    schemas: Mapping[str, Schema] = field(default_factory=dict)
    security_schemes: Mapping[str, Schema] = field(default_factory=dict)


def optional(schema: Schema) -> Schema:
    """``schema``, or an empty value (which means the default, kept at the top level)."""
    schema = dict(schema)
    default = schema.pop("default", None)
    either: Schema = {"anyOf": [schema, EMPTY]}
    return either if default is None else {**either, "default": default}


def query_parameter(name: str, description: str, schema: Schema, **more) -> dict[str, object]:
    return {"name": name, "in": "query", "description": description, "schema": schema, **more}


def path_parameter(name: str, description: str, schema: Schema | None = None) -> dict[str, object]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def error_response(description: str, *, page: bool = False, **headers: str) -> dict[str, object]:
    """An error answer: JSON, and also the HTML error page when a browser can ask for the path
    (``page``); ``headers`` name the response headers it carries, with their descriptions."""
    content: dict[str, object] = {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
    }
    if page:
        content["text/html"] = {"schema": {"type": "string"}}
    response: dict[str, object] = {"description": description, "content": content}
    if headers:
        response["headers"] = {
            name.replace("_", "-"): {
                "description": text,
                "required": True,
                "schema": {"type": "string"},
            }
            for name, text in headers.items()
        }
    return response


def json_response(description: str, schema: str | Schema) -> dict[str, object]:
    if isinstance(schema, str):
        schema = {"$ref": f"#/components/schemas/{schema}"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document(
    descriptions: Iterable[Description], server_url: str = "/"
) -> dict[str, object]:
    paths: dict[str, object] = {}
    components: dict[str, dict[str, object]] = {
        "schemas": {"Error": ERROR_SCHEMA},
        "securitySchemes": {},
    }
    for description in descriptions:
        _add(paths, description.paths, "path")
        _add(components["schemas"], description.schemas, "schema")
        _add(components["securitySchemes"], description.security_schemes, "security scheme")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "coolpapers API",
            "version": "1",
            "description": "arXiv papers and daily lists of this coolpapers archive.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": server_url or "/"}],
        "paths": copy.deepcopy(paths),
        "components": copy.deepcopy({k: v for k, v in components.items() if v}),
    }


def _add(into: dict[str, object], items: Mapping[str, object], kind: str) -> None:
    for name, item in items.items():
        if into.setdefault(name, item) is not item:
            raise ValueError(f"the {kind} {name} is described twice")
