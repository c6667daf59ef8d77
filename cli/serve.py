"""``coolpapers serve``: the web site."""

from __future__ import annotations

import click

from cli.context import load_settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the site (Starlette on uvicorn)."""
    import uvicorn

    load_settings()  # fail early, in one line, on invalid settings
    uvicorn.run(
        "web.app:create_app", factory=True, host=host, port=port, workers=workers,
        proxy_headers=True, log_level="info",
    )  # fmt: skip
