"""``coolpapers tokenizer``: train a BytePiece model, and tokenize lines with one."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
)
from sqlalchemy import select

from cli.context import CommandError, load_settings, run, services
from models.schema import Paper
from tokenizer import Tokenizer, Trainer, default_model_path
from tokenizer.default import DEFAULT_TRAINING


def paper_text(title: str, abstract: str) -> str:
    """A paper as one training text: ``title. abstract`` with whitespace collapsed."""
    return " ".join(f"{title.strip().rstrip('.')}. {abstract}".split())


async def database_texts(limit: int | None) -> list[str]:
    async with services(load_settings()) as built, built.sessions() as session:
        query = select(Paper.title, Paper.abstract).where(Paper.abstract != "").order_by(Paper.id)
        if limit:
            query = query.limit(limit)
        rows = (await session.execute(query)).all()
    return [paper_text(title, abstract) for title, abstract in rows]


def file_texts(paths: Sequence[Path]) -> list[str]:
    texts: list[str] = []
    for path in paths:
        with path.open(encoding="utf-8") as lines:
            texts.extend(line.rstrip("\n") for line in lines if line.strip())
    return texts


@click.group()
def tokenizer() -> None:
    """BytePiece tokenizer models: train one, tokenize with one."""


@tokenizer.command()
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Model file to write (BytePiece JSON; gzip'd when it ends with .gz).",
)
@click.option(
    "--vocab",
    "vocab",
    type=click.IntRange(min=260),
    multiple=True,
    help=f"Largest vocabulary size (default {DEFAULT_TRAINING['max_vocab_size']}; "
    "repeat for one model per size, written as OUT.SIZE).",
)
@click.option(
    "--order",
    type=click.IntRange(1, 15),
    default=DEFAULT_TRAINING["order"],
    show_default=True,
    help="Length of the byte n-grams of the segmenting model.",
)
@click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=DEFAULT_TRAINING["min_count"],
    show_default=True,
    help="Fewest occurrences of a kept n-gram and piece.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes counting n-grams and pieces.",
)
@click.option("--from-db", is_flag=True, help="Train on the titles and abstracts in the database.")
@click.option(
    "--limit", type=click.IntRange(min=1), help="With --from-db: at most this many papers."
)
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def train(
    out: Path,
    vocab: tuple[int, ...],
    order: int,
    min_count: int,
    workers: int,
    from_db: bool,
    limit: int | None,
    files: tuple[Path, ...],
) -> None:
    """Train a model on FILES (one text per line) or on the papers in the database."""
    if from_db == bool(files):
        raise CommandError("give either text files or --from-db (not both)")
    texts = run(database_texts, limit) if from_db else file_texts(files)
    if not texts:
        raise CommandError("no text to train on")
    sizes = list(vocab) or [DEFAULT_TRAINING["max_vocab_size"]]
    trainer = Trainer(order=order, min_count=min_count, max_vocab_size=sizes)
    console = Console(stderr=True)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, n: int) -> None:
            if stage not in tasks:
                total = None if stage == "prune pieces" else len(texts)
                tasks[stage] = progress.add_task(stage, total=total)
            progress.advance(tasks[stage], n)

        trainer.train(texts, workers=workers, progress=report)
    for path, vocabulary in zip(trainer.save(out), trainer.vocabularies, strict=True):
        console.print(f"wrote {path}: {len(vocabulary)} pieces from {len(texts)} texts")


@tokenizer.command()
@click.option(
    "--model",
    "model",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Model file (default: the shipped arXiv model).",
)
@click.option(
    "--alpha",
    type=float,
    default=-1.0,
    show_default=True,
    help="Below 0 the most probable tokens; from 0 up, sampled ones (0 = uniform).",
)
@click.option("--seed", type=int, help="Seed of the sampling, for repeatable samples.")
@click.option("--ids", is_flag=True, help="Print token ids instead of pieces.")
def encode(model: Path | None, alpha: float, seed: int | None, ids: bool) -> None:
    """Tokenize each line of standard input: pieces as a JSON list, or ids."""
    try:
        tok = Tokenizer(model or default_model_path(), seed=seed)
    except (ValueError, KeyError, OSError) as exc:
        raise CommandError(f"not a BytePiece model: {model}") from exc
    for line in sys.stdin:
        text = line.rstrip("\n")
        if ids:
            click.echo(" ".join(map(str, tok.encode(text, alpha=alpha))))
        else:
            pieces = [p.decode("utf-8", "backslashreplace") for p in tok.tokenize(text, alpha)]
            click.echo(json.dumps(pieces, ensure_ascii=False))
