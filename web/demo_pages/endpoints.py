"""The demo pages' routes: the index, each page, its results fragment, plots and JSON."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from demos.errors import DemoError
from web.demo_pages.catalogue import DEMOS, INDEX_ORDER
from web.demo_pages.compute import compute
from web.demo_pages.demo import Demo
from web.demo_pages.forms import PAGE_ONLY, api_query, form_values
from web.demo_pages.params import parse_query
from web.errors import HTTPError
from web.templating import templates

CACHE_CONTROL = "public, max-age=3600"


def _demo(request: Request) -> Demo:
    slug = request.path_params.get("slug", "tokenizer")
    demo = DEMOS.get(slug)
    if demo is None:
        raise HTTPError(404, f"no demo called {slug[:60]!r}")
    return demo


async def index(request: Request) -> Response:
    listed = [DEMOS[slug] for slug in INDEX_ORDER]
    return templates.TemplateResponse(request, "demos/index.html", {"demos": listed})


async def _render(request: Request, demo: Demo, template: str) -> Response:
    data, figures, error = None, [], None
    try:
        values = parse_query(demo.params, request.query_params, allowed=PAGE_ONLY)
        data, figures = await compute(request, demo, values, with_figures=True)
    except DemoError as failure:
        error = str(failure)
    context = {
        "demo": demo,
        "form": form_values(demo, request.query_params),
        "query": api_query(request.query_params),
        "data": data,
        "figures": {figure.name: figure for figure in figures},
        "error": error,
    }
    status = 400 if error else 200
    return templates.TemplateResponse(request, template, context, status_code=status)


async def page(request: Request) -> Response:
    return await _render(request, _demo(request), "demos/page.html")


async def results(request: Request) -> Response:
    """The plots and numbers alone, for demos.js to swap into the page."""
    return await _render(request, _demo(request), "demos/results.html")


async def plot_svg(request: Request) -> Response:
    demo = _demo(request)
    try:
        values = parse_query(demo.params, request.query_params, allowed=PAGE_ONLY | {"figure"})
        _, figures = await compute(request, demo, values, with_figures=True)
    except DemoError as failure:
        raise HTTPError(400, str(failure), page=False) from None
    wanted = request.query_params.get("figure") or figures[0].name
    figure = next((f for f in figures if f.name == wanted), None)
    if figure is None:
        names = ", ".join(f.name for f in figures)
        raise HTTPError(400, f"figure must be one of {names}; got {wanted[:40]!r}", page=False)
    headers = {"cache-control": CACHE_CONTROL}
    return Response(str(figure.svg), media_type="image/svg+xml", headers=headers)


async def api(request: Request) -> Response:
    """A demo's numbers, at its one documented path (the tokenizer's is /api/tokenize)."""
    demo = _demo(request)
    if "slug" in request.path_params and demo.api_path != f"/api/demos/{demo.slug}":
        raise HTTPError(404, f"the {demo.slug} demo answers at {demo.api_path}")
    try:
        values = parse_query(demo.params, request.query_params)
        data, _ = await compute(request, demo, values)
    except DemoError as failure:
        raise HTTPError(400, str(failure)) from None
    return JSONResponse(data, headers={"cache-control": CACHE_CONTROL})


routes = [
    Route("/demos", index, name="demos"),
    Route("/demos/tokenizer", page, name="demo_tokenizer"),
    Route("/demos/{slug}", page, name="demo"),
    Route("/demos/{slug}/results", results, name="demo_results"),
    Route("/demos/{slug}/plot.svg", plot_svg, name="demo_plot"),
    Route("/api/tokenize", api, name="api_tokenize"),
    Route("/api/demos/{slug}", api, name="api_demo"),
]
