"""``coolpapers embed``: a vector per paper from the embeddings endpoint of the settings."""

from __future__ import annotations

import click
import httpx

from cli.context import CommandError, load_settings, run, services
from retry import GaveUp
from summaries.embeddings import (
    EMBED_BATCH,
    EmbeddingsClient,
    EmbeddingsEndpoint,
    EmbeddingsError,
    embed_archive,
)


@click.command()
@click.option("--batch-size", default=EMBED_BATCH, show_default=True, type=click.IntRange(1, 2048))
@click.option("--all", "everything", is_flag=True, help="Embed every paper again.")
def embed(batch_size: int, everything: bool) -> None:
    """Store the embedding of every paper that has none yet, for the related papers."""
    settings = load_settings()
    if not settings.EMBEDDINGS_BASE_URL:
        raise CommandError("set COOLPAPERS_EMBEDDINGS_BASE_URL to an embeddings endpoint first")
    endpoint = EmbeddingsEndpoint(
        settings.EMBEDDINGS_BASE_URL,
        settings.EMBEDDINGS_MODEL,
        settings.EMBEDDINGS_API_KEY.get_secret_value(),
    )

    async def go() -> int:
        async with services(settings) as built, EmbeddingsClient(endpoint) as client:
            sessions = built.sessions
            return await embed_archive(
                sessions, client, batch_size=batch_size, everything=everything
            )

    try:
        done = run(go)
    except (EmbeddingsError, GaveUp, httpx.HTTPError) as error:
        cause = error.__cause__ or error
        raise CommandError(f"the embeddings endpoint failed: {cause}") from error
    click.echo(f"embedded {done} papers with {endpoint.model}")
