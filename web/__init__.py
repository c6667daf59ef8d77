"""The site: Starlette routes, Jinja2 templates and static files over the other packages.

``web.app.create_app`` assembles the application; each group of routes lives in a module of
its own (``web.pages`` for the reading pages, ``web.api`` for the JSON API), and templates
and static files sit in ``web/templates`` and ``web/static``.
"""
