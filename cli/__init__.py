"""The ``coolpapers`` admin command: database, site, imports, crawls and statistics.

Each sub-command lives in a module of its own and is registered in ``cli.main``. Every
command explains itself with ``--help``; errors are one line on stderr and a non-zero exit.
"""
