"""The OpenAPI 3 description of the JSON API (``/api/openapi.json``), written by hand.

Other parts of the API add their operations to ``EXTRA_PATHS`` (path -> path item) and
their schemas to ``EXTRA_SCHEMAS``.
"""

from __future__ import annotations

import copy

EXTRA_PATHS: dict[str, dict[str, object]] = {}
EXTRA_SCHEMAS: dict[str, dict[str, object]] = {}

_NULLABLE_STRING = {"type": ["string", "null"]}
_DATE = {"type": ["string", "null"], "format": "date"}
_DATETIME = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict[str, dict[str, object]] = {
    "Error": {
        "type": "object",
        "required": ["error", "status"],
        "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
    },
    "Version": {
        "type": "object",
        "properties": {
            "version": {"type": "integer"},
            "submitted": _DATETIME,
            "size": _NULLABLE_STRING,
        },
    },
    "Paper": {
        "type": "object",
        "required": ["id", "version", "title", "authors", "categories", "abs_url", "pdf_url"],
        "properties": {
            "id": {"type": "string", "examples": ["2401.01234", "hep-th/9901001"]},
            "version": {"type": "integer", "minimum": 1},
            "title": {"type": "string", "description": "As arXiv gives it, TeX included."},
            "abstract": {"type": "string"},
            "authors": {"type": "array", "items": {"type": "string"}},
            "primary_category": _NULLABLE_STRING,
            "categories": {"type": "array", "items": {"type": "string"}},
            "published": _DATETIME,
            "updated": _DATETIME,
            "comment": _NULLABLE_STRING,
            "journal_ref": _NULLABLE_STRING,
            "doi": _NULLABLE_STRING,
            "abs_url": {"type": "string", "format": "uri"},
            "pdf_url": {"type": "string", "format": "uri"},
            "html_url": {"type": ["string", "null"], "format": "uri"},
            "code_links": {
                "type": "array",
                "description": "Links to code found in the full text (one paper): own is true"
                " for the paper's own code.",
                "items": {
                    "type": "object",
                    "properties": {
                        "url": {"type": "string", "format": "uri"},
                        "host": {"type": "string"},
                        "own": {"type": "boolean"},
                    },
                },
            },
            "versions": {"type": "array", "items": {"$ref": "#/components/schemas/Version"}},
            "title_html": {"type": "string", "description": "With html=1: safe HTML, MathML."},
            "abstract_html": {"type": "string", "description": "With html=1: safe HTML, MathML."},
            "authors_display": {
                "type": "array",
                "items": {"type": "string"},
                "description": "With html=1: the names with TeX accents as Unicode.",
            },
        },
    },
    "ListedPaper": {
        "allOf": [
            {"$ref": "#/components/schemas/Paper"},
            {
                "type": "object",
                "properties": {
                    "announce_type": {
                        "type": ["string", "null"],
                        "enum": ["new", "cross", "replace", "replace-cross", None],
                    },
                    "code_url": {"type": ["string", "null"], "format": "uri"},
                    "matches": {
                        "type": ["boolean", "null"],
                        "description": "Whether the paper passes the keywords (null: none).",
                    },
                },
            },
        ]
    },
    "PaperList": {
        "type": "object",
        "required": ["categories", "expression", "date", "papers"],
        "properties": {
            "categories": {"type": "array", "items": {"type": "string"}},
            "exclude": {"type": "array", "items": {"type": "string"}},
            "expression": {"type": "string", "examples": ["cs.AI+cs.LG-cs.CY"]},
            "date": _DATE,
            "previous_date": _DATE,
            "next_date": _DATE,
            "from_announcements": {
                "type": "boolean",
                "description": "False when the day is the papers' publication date.",
            },
            "types": {"type": "string", "enum": ["new", "cross", "all"]},
            "type_counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "total": {"type": "integer"},
            "matching": {"type": "integer"},
            "papers": {"type": "array", "items": {"$ref": "#/components/schemas/ListedPaper"}},
        },
    },
    "Papers": {
        "type": "object",
        "properties": {
            "papers": {"type": "array", "items": {"$ref": "#/components/schemas/Paper"}},
            "missing": {"type": "array", "items": {"type": "string"}},
        },
    },
}


def _error(description: str) -> dict[str, object]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(description: str, schema: str) -> dict[str, object]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _query(name: str, description: str, schema: dict[str, object], **more) -> dict[str, object]:
    return {"name": name, "in": "query", "description": description, "schema": schema, **more}


_IDS = _query("ids", "arXiv ids separated by commas.", {"type": "string"}, required=True)
_HTML = _query("html", "1 adds title_html and abstract_html.", {"type": "string", "enum": ["1"]})

PATHS: dict[str, dict[str, object]] = {
    "/api/papers/{arxiv_id}": {
        "get": {
            "operationId": "getPaper",
            "summary": "One paper",
            "parameters": [
                {
                    "name": "arxiv_id",
                    "in": "path",
                    "required": True,
                    "description": "New-style (2401.01234) or old-style (hep-th/9901001) id.",
                    "schema": {"type": "string"},
                },
                _HTML,
            ],
            "responses": {
                "200": _json("The paper", "Paper"),
                "404": _error("Not an arXiv id, or not in this archive"),
            },
        }
    },
    "/api/papers": {
        "get": {
            "operationId": "getPapers",
            "summary": "Several papers, in the order asked",
            "parameters": [_IDS, _HTML],
            "responses": {
                "200": _json("The papers found, and the ids missing", "Papers"),
                "400": _error("No id given"),
            },
        }
    },
    "/api/list/{categories}": {
        "get": {
            "operationId": "getList",
            "summary": "The papers of categories on one announcement day",
            "parameters": [
                {
                    "name": "categories",
                    "in": "path",
                    "required": True,
                    "description": "cs.AI, cs.AI,cs.CL (merged) or cs.AI+cs.LG-cs.CY "
                    "(union, then minus the papers also in cs.CY).",
                    "schema": {"type": "string"},
                },
                _query(
                    "date", "The day (default: the latest).", {"type": "string", "format": "date"}
                ),
                _query(
                    "types",
                    "new: new papers only; cross: with cross-lists; all: with replacements.",
                    {"type": "string", "enum": ["new", "cross", "all"], "default": "all"},
                ),
                _query("include", "Keywords, one per line.", {"type": "string"}),
                _query(
                    "exclude", "Keywords that remove a paper, one per line.", {"type": "string"}
                ),
                _query(
                    "mode",
                    "Whether any or all include keywords must match.",
                    {"type": "string", "enum": ["or", "and"], "default": "or"},
                ),
                _query(
                    "only",
                    "1: only the papers that match the keywords.",
                    {"type": "string", "enum": ["1"]},
                ),
                _query(
                    "has",
                    "code: only the papers with a link to code.",
                    {"type": "string", "enum": ["code"]},
                ),
            ],
            "responses": {
                "200": _json("The list", "PaperList"),
                "400": _error("A malformed date or type"),
                "404": _error("Not a category expression"),
            },
        }
    },
    "/api/bibtex": {
        "get": {
            "operationId": "getBibtex",
            "summary": "BibTeX entries of papers",
            "parameters": [_IDS],
            "responses": {
                "200": {
                    "description": "BibTeX",
                    "content": {"application/x-bibtex": {"schema": {"type": "string"}}},
                },
                "400": _error("No id given"),
                "404": _error("None of the papers is in this archive"),
            },
        }
    },
    "/api/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This description",
            "responses": {
                "200": {
                    "description": "OpenAPI 3.1",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    },
}


# For the modules that add their operations to EXTRA_PATHS.
query_parameter = _query
error_response = _error


def openapi_document(server_url: str = "/") -> dict[str, object]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "coolpapers API",
            "version": "1",
            "description": "arXiv papers and daily lists of this coolpapers archive.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": server_url or "/"}],
        "paths": copy.deepcopy({**PATHS, **EXTRA_PATHS}),
        "components": {"schemas": copy.deepcopy({**SCHEMAS, **EXTRA_SCHEMAS})},
    }
