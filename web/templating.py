"""The Jinja2 environment of the site (autoescaping on), with its filters."""

from __future__ import annotations

from pathlib import Path

from starlette.templating import Jinja2Templates

from crawler.ids import abs_url, pdf_url

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"

templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.globals.update(abs_url=abs_url, pdf_url=pdf_url)
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True
