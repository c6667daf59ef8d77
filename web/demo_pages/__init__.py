"""The demo pages: /demos, one page per demo, its JSON endpoint and its plots as SVG."""
