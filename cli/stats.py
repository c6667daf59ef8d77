"""``coolpapers stats``: what the archive holds, and how the crawls went."""

from __future__ import annotations

from dataclasses import dataclass

import click

from cli.context import load_settings, print_json, print_table, run, services
from crawler.reconcile import RecordedGap, recorded_gaps
from fulltext.report import FullTextCounts, fulltext_counts
from models.ops import JobRun
from models.reports import (
    DayCount,
    SummaryCounts,
    papers_by_category_and_day,
    recent_crawl_runs,
    recent_job_runs,
    summary_counts,
)
from models.schema import CrawlRun
from models.stats import ArchiveStats, archive_stats
from search import IndexSize, index_size


@dataclass(frozen=True, slots=True)
class Report:
    archive: ArchiveStats
    by_day: list[DayCount]
    summaries: SummaryCounts | None
    index: IndexSize | None
    crawl_runs: list[CrawlRun]
    job_runs: list[JobRun]
    gaps: list[RecordedGap]
    fulltext: FullTextCounts | None = None


def crawl_json(run: CrawlRun) -> dict:
    return {
        "id": run.id,
        "source": run.source,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "status": run.status.value,
        "new": run.n_new,
        "updated": run.n_updated,
        "unchanged": run.n_unchanged,
        "failed": run.n_failed,
        "error": run.error,
    }


def job_json(run: JobRun) -> dict:
    return {
        "id": run.id,
        "job": run.job,
        "trigger": run.trigger,
        "status": run.status.value,
        "scheduled_for": run.scheduled_for.isoformat(),
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "detail": run.detail,
    }


def gap_json(gap: RecordedGap) -> dict:
    return {
        "crawl_run_id": gap.crawl_run_id,
        "day": gap.day,
        "category": gap.category,
        "announced": gap.announced,
        "stored": gap.stored,
        "missing": gap.missing,
        "still_missing": gap.still_missing,
    }


def report_json(report: Report) -> dict:
    archive = report.archive
    summaries = report.summaries
    return {
        "papers": archive.papers,
        "authors": archive.authors,
        "categories": archive.categories,
        "last_crawl": crawl_json(archive.last_crawl) if archive.last_crawl else None,
        "papers_by_day": [
            {"day": c.day.isoformat(), "category": c.category, "papers": c.papers}
            for c in report.by_day
        ],
        "summaries": None
        if summaries is None
        else {
            "by_status": summaries.by_status,
            "by_language": summaries.by_language,
            "model_calls_today": summaries.calls_today,
        },
        "search_index": None
        if report.index is None
        else {"documents": report.index.documents, "bytes": report.index.bytes},
        "crawl_runs": [crawl_json(r) for r in report.crawl_runs],
        "job_runs": [job_json(r) for r in report.job_runs],
        "gaps": [gap_json(g) for g in report.gaps],
        "fulltext": report.fulltext.to_json() if report.fulltext is not None else None,
    }


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option(
    "--days",
    default=7,
    show_default=True,
    type=click.IntRange(1, 366),
    help="Announcement days shown by category.",
)
@click.option(
    "--runs",
    default=10,
    show_default=True,
    type=click.IntRange(0, 1000),
    help="Latest crawl and job runs shown.",
)
def stats(as_json: bool, days: int, runs: int) -> None:
    """Show what the archive holds (papers, authors, categories; papers by category and day;
    summaries; the search index) and how the crawls went (latest runs, coverage gaps)."""
    settings = load_settings()

    async def go() -> Report:
        async with services(settings) as built, built.sessions() as session:
            archive = await archive_stats(session)
            return Report(
                archive=archive,
                by_day=await papers_by_category_and_day(session, days),
                summaries=await summary_counts(session),
                index=await index_size(session),
                crawl_runs=await recent_crawl_runs(session, runs),
                job_runs=await recent_job_runs(session, runs),
                gaps=await recorded_gaps(session),
                fulltext=await fulltext_counts(session, runs),
            )

    report = run(go)
    if as_json:
        print_json(report_json(report))
        return
    print_tables(report)


def print_tables(report: Report) -> None:
    archive = report.archive
    rows = [
        ("papers", archive.papers),
        ("authors", archive.authors),
        ("categories", archive.categories),
    ]
    if report.summaries is not None:
        s = report.summaries
        statuses = ", ".join(f"{n} {status}" for status, n in sorted(s.by_status.items()))
        rows.append(("summaries", statuses or "none"))
        if s.by_language:
            rows.append(
                (
                    "summaries by language",
                    ", ".join(f"{lang} {n}" for lang, n in sorted(s.by_language.items())),
                )
            )
        rows.append(("model calls today", s.calls_today))
    if report.index is not None:
        size = f", {report.index.bytes / 2**20:.1f} MiB" if report.index.bytes is not None else ""
        rows.append(("search index", f"{report.index.documents} papers{size}"))
    if report.fulltext is not None and report.fulltext.total:
        counts = report.fulltext
        rows.append(
            ("full texts", ", ".join(f"{n} {s}" for s, n in sorted(counts.by_status.items())))
        )
        rows.append(("full texts stored", f"{counts.bytes_stored / 2**20:.1f} MiB"))
    last = archive.last_crawl
    if last:
        rows.append(
            (
                "last crawl",
                f"#{last.id} {last.source} {last.status.value} at {last.started_at:%Y-%m-%d %H:%M}"
                f" UTC: {last.n_new} new, {last.n_updated} updated, {last.n_unchanged} unchanged"
                + (f", error: {last.error}" if last.error else ""),
            )
        )
    else:
        rows.append(("last crawl", "never"))
    print_table("coolpapers", ["what", "value"], rows)

    if report.by_day:
        day_list = sorted({c.day for c in report.by_day}, reverse=True)
        categories = sorted({c.category for c in report.by_day})
        counts = {(c.day, c.category): c.papers for c in report.by_day}
        print_table(
            "announced papers by category and day",
            ["category", *(d.isoformat() for d in day_list)],
            [(cat, *(counts.get((d, cat), 0) for d in day_list)) for cat in categories],
        )
    if report.crawl_runs:
        print_table(
            "latest crawl runs",
            ["run", "source", "started (UTC)", "status", "new", "updated", "failed", "error"],
            [
                (
                    r.id,
                    r.source,
                    f"{r.started_at:%Y-%m-%d %H:%M}",
                    r.status.value,
                    r.n_new,
                    r.n_updated,
                    r.n_failed,
                    r.error or "",
                )
                for r in report.crawl_runs
            ],
        )
    if report.job_runs:
        print_table(
            "latest job runs",
            ["run", "job", "trigger", "started (UTC)", "status", "detail"],
            [
                (
                    r.id,
                    r.job,
                    r.trigger,
                    f"{r.started_at:%Y-%m-%d %H:%M}",
                    r.status.value,
                    r.detail or "",
                )
                for r in report.job_runs
            ],
        )
    if report.gaps:
        print_table(
            "coverage gaps (feed announced, database held)",
            ["crawl run", "day", "category", "announced", "stored", "missing", "still missing"],
            [
                (
                    g.crawl_run_id,
                    g.day,
                    g.category,
                    g.announced,
                    g.stored,
                    g.missing,
                    g.still_missing,
                )
                for g in report.gaps
            ],
        )
    else:
        click.echo("coverage gaps: none recorded")
    if report.fulltext is not None and report.fulltext.failures:
        print_table(
            "latest full-text failures",
            ["paper", "status", "reason"],
            [
                (f"{f.paper_id}v{f.version}", f.status, f.reason or "")
                for f in report.fulltext.failures
            ],
        )
