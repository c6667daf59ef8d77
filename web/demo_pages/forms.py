"""What a demo page's form shows, and the query its JSON link carries."""

from __future__ import annotations

from starlette.datastructures import QueryParams

from web.demo_pages.demo import Demo

PAGE_ONLY = frozenset({"lang", "theme"})  # handled by the site's preference cookies


def form_values(demo: Demo, query: QueryParams) -> dict[str, str]:
    """What each control shows: the value asked for, else the default."""
    defaults = demo.defaults()
    shown = {}
    for param in demo.params:
        if param.name in query:
            shown[param.name] = query[param.name]
            continue
        default = defaults.get(param.name)
        if default is None:
            shown[param.name] = param.shown_default or ""
        else:
            shown[param.name] = str(default)
    return shown


def api_query(query: QueryParams) -> str:
    kept = [(k, v) for k, v in query.multi_items() if k not in PAGE_ONLY]
    return str(QueryParams(kept))
