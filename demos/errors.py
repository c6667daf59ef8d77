"""The one exception the demos raise for bad input."""


class DemoError(ValueError):
    """A demo parameter is missing, malformed or outside its allowed bounds."""
