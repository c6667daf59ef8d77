"""The ``coolpapers`` command group and its error handling."""

from __future__ import annotations

import logging
import sys

import click

import search
from cli.backup import backup
from cli.crawl import crawl
from cli.db import db
from cli.export import export
from cli.fulltext import fulltext
from cli.imports import import_command
from cli.index import index
from cli.jobs import jobs
from cli.paper import paper
from cli.sample import sample
from cli.schedule import schedule
from cli.serve import serve
from cli.stats import stats
from cli.summarize import summarize
from cli.tokenizer import tokenizer
from crawler.ingest import on_papers_changed


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    search.install(on_papers_changed)


cli.add_command(db)
cli.add_command(serve)
cli.add_command(import_command)
cli.add_command(stats)
cli.add_command(sample)
cli.add_command(schedule)
cli.add_command(jobs)
cli.add_command(backup)
cli.add_command(export)
cli.add_command(paper)
cli.add_command(crawl)
cli.add_command(summarize)
cli.add_command(tokenizer)
cli.add_command(index)
cli.add_command(fulltext)


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
