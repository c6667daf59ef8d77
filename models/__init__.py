"""Storage of coolpapers: the settings, the database schema and the async engine.

This package owns what every other layer agrees on: the settings object read from
``COOLPAPERS_*`` environment variables (``models.settings``), the SQLAlchemy models of
papers, their versions, authors, categories, announcements and crawl runs
(``models.schema``), the async engine and session factory (``models.db``), and the reads
of the site's busiest pages without the ORM: statements written once in SQLite's form
(``models.plain``), a day's list (``models.queries``) and a paper (``models.papers``).
"""

from models.alerts import AlertDelivery, AlertFollow, AlertRun, AlertSubscription, AlertToken  # noqa: F401
from models.data_version import DataVersion  # noqa: F401
from models.db import create_engine, session_factory
from models.embeddings import PaperEmbedding  # noqa: F401
from models.fulltext import PaperFullText  # noqa: F401
from models.instances import RateWindow, SummaryClaim  # noqa: F401
from models.ops import JobRun, JobRunStatus, Lease  # noqa: F401
from models.popularity import PaperEvent  # noqa: F401
from models.schema import (
    Announcement,
    AnnounceType,
    Author,
    Base,
    Category,
    CrawlRun,
    CrawlStatus,
    Paper,
    PaperAuthor,
    PaperCategory,
    PaperVersion,
)
from models.settings import Settings, get_settings
from models.summary import ModelCallDay, Summary, SummaryKind, SummaryStatus  # noqa: F401

__all__ = [
    "AnnounceType",
    "Announcement",
    "Author",
    "Base",
    "Category",
    "CrawlRun",
    "CrawlStatus",
    "Paper",
    "PaperAuthor",
    "PaperCategory",
    "PaperVersion",
    "Settings",
    "create_engine",
    "get_settings",
    "session_factory",
]
