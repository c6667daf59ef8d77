"""The ``coolpapers`` command group and its error handling."""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

# Each command: its module, imported only when the command runs or its help is asked for (so
# that `coolpapers --help` and every command start without importing the whole application), and
# the first sentence of its help for `coolpapers --help` (a test holds it to the command's own).
COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("cli.db:db", "Create and migrate the database schema."),
    "alerts": (
        "cli.alerts:alerts",
        "Alerts by email: send the digests, list the subscriptions, show counts.",
    ),
    "serve": ("cli.serve:serve", "Serve the site (Starlette on uvicorn)."),
    "import": (
        "cli.imports:import_command",
        "Import FILES: arXiv RSS/Atom feeds, search-API responses, OAI-PMH pages or metadata"
        " snapshot JSON lines (the format is detected from the content; .gz is fine); ACL"
        " Anthology collection XML files and PMLR volume folders (_config.yml and _posts/).",
    ),
    "stats": (
        "cli.stats:stats",
        "Show what the archive holds (papers, authors, categories; papers by category and day;"
        " summaries; the search index) and how the crawls went (latest runs, coverage gaps).",
    ),
    "sample": (
        "cli.sample:sample",
        "The bundled sample of real arXiv papers (recorded responses, CC0 metadata).",
    ),
    "schedule": (
        "cli.schedule:schedule",
        "Run the jobs of the schedule until stopped (SIGTERM or Ctrl-C).",
    ),
    "jobs": (
        "cli.jobs:jobs",
        "List the jobs of the schedule with their last and next runs (or run one: 'run').",
    ),
    "backup": (
        "cli.backup:backup",
        "Write a consistent copy of the database to PATH, while the site keeps running.",
    ),
    "export": (
        "cli.export:export",
        "Export the papers as JSON lines (one paper a line) or CSV, in id order.",
    ),
    "mcp": ("cli.mcp:mcp", "Serve the archive's tools to an agent over stdio (MCP)."),
    "paper": ("cli.paper:paper", "Show, hide or delete one paper (by arXiv id)."),
    "crawl": (
        "cli.crawl:crawl",
        "Fetch papers from arXiv (daily feeds, the search API, OAI-PMH) and from venues.",
    ),
    "summarize": (
        "cli.summarize:summarize",
        "Make the FAQ summaries of papers that have none for their current version.",
    ),
    "tokenizer": (
        "cli.tokenizer:tokenizer",
        "BytePiece tokenizer models: train one, tokenize with one.",
    ),
    "fulltext": (
        "cli.fulltext:fulltext",
        "Full texts of papers: arXiv's HTML rendering, else the PDF.",
    ),
    "embed": (
        "cli.embed:embed",
        "Store the embedding of every paper that has none yet, for the related papers.",
    ),
    "index": (
        "cli.index:index",
        "The full-text search index (kept up to date by every import and crawl).",
    ),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported when they are used."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*self.commands, *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module_name, _, attribute = self.lazy[cmd_name][0].partition(":")
            self.add_command(getattr(importlib.import_module(module_name), attribute), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option("-v", "--verbose", is_flag=True, help="Log debugging details.")
def cli(verbose: bool) -> None:
    """coolpapers: a self-hosted arXiv paper reader.

    Settings come from COOLPAPERS_* environment variables or a .env file
    (for example COOLPAPERS_DATABASE_URL).
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point: usage errors and failures are one line on stderr, never a traceback."""
    try:
        cli.main(args=argv, prog_name="coolpapers", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("coolpapers: aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "coolpapers"
        click.echo(f"{command}: {exc.format_message()} (see '{command} --help')", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"coolpapers: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("coolpapers: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # the last resort: one line, and the details with --verbose
        logging.getLogger("coolpapers").debug("unexpected error", exc_info=True)
        click.echo(f"coolpapers: error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
