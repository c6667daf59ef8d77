"""The demo pages: /demos, one page per demo, its JSON endpoint and its plots as SVG.

Each demo of `demos.CATALOGUE` (and the site's own tokenizer demo) has

- ``/demos/<slug>``: controls (a GET form), the plots and numbers, an explanation;
- ``/demos/<slug>/results``: the plots and numbers alone, which demos.js fetches and swaps in;
- ``/demos/<slug>/plot.svg?figure=``: one plot as an SVG file;
- ``/api/demos/<slug>`` (``/api/tokenize`` for the tokenizer): the numbers as JSON, exactly
  ``dataclasses.asdict`` of the demo function's result, non-finite floats as null.

Query parameters are parsed by the per-demo `Param` specs of `catalogue` (the functions take
``object``), so that unknown parameters, repeated ones and wrong types are 400 errors naming
the parameter; an empty value means the default. The computations run in the thread pool, at
most `DEMO_WORKERS` at a time, so that a heavy demo never blocks the event loop.

Modules: `catalogue` (the demos and their parameter specs), `params` (parameter kinds and
query parsing), `demo` (what a page is made of), `tokenizer_demo` (the site's own demo),
`figures` (each demo's plots), `compute` (the thread pool), `json_ready`, `forms`,
`endpoints` (the routes) and `openapi` (``OPENAPI``, the endpoints' description).
"""

from web.demo_pages.catalogue import DEMOS, INDEX_ORDER
from web.demo_pages.demo import Demo
from web.demo_pages.endpoints import routes
from web.demo_pages.json_ready import jsonable
from web.demo_pages.openapi import description
from web.demo_pages.tokenizer_demo import TOKENIZE_MAX_BYTES, tokenize

OPENAPI = description()

__all__ = [
    "DEMOS",
    "INDEX_ORDER",
    "OPENAPI",
    "TOKENIZE_MAX_BYTES",
    "Demo",
    "jsonable",
    "routes",
    "tokenize",
]
