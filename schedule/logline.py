"""One log line per event, as ``key=value`` pairs that grep and awk can read."""

from __future__ import annotations

import datetime as dt
import re

_BARE = re.compile(r"^[A-Za-z0-9_.:/@+,-]+$")


def _value(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        text = value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    elif isinstance(value, float):
        text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    else:
        text = str(value)
    if text and _BARE.match(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def kv(**fields: object) -> str:
    """``kv(job="crawl-rss", detail="feed at 2026-01-05")`` -> ``job=crawl-rss detail="..."``."""
    return " ".join(f"{key}={_value(value)}" for key, value in fields.items())
