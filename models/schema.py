"""The database schema: papers, their versions, authors, categories, announcements, crawl runs.

Types stay portable (no SQLite-only column types) so that PostgreSQL can serve the same models.
Timestamps are stored in UTC.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC, read back as aware UTC on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AnnounceType(enum.StrEnum):
    """How a paper appears in a category's daily announcement."""

    NEW = "new"
    CROSS = "cross"
    REPLACE = "replace"
    REPLACE_CROSS = "replace-cross"


class CrawlStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings (no native ENUM type) so that migrations stay portable.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


class Paper(Base):
    """One arXiv paper under its id without version; the fields are those of its latest version."""

    __tablename__ = "papers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(Text)
    abstract: Mapped[str] = mapped_column(Text, default="")
    primary_category: Mapped[str | None] = mapped_column(String(32), index=True)
    published: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    updated: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(Text)
    journal_ref: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(String(255))
    report_no: Mapped[str | None] = mapped_column(String(255))
    license: Mapped[str | None] = mapped_column(String(255))
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    versions: Mapped[list[PaperVersion]] = relationship(
        back_populates="paper", order_by="PaperVersion.version", cascade="all, delete-orphan"
    )
    authors: Mapped[list[PaperAuthor]] = relationship(
        back_populates="paper", order_by="PaperAuthor.position", cascade="all, delete-orphan"
    )
    categories: Mapped[list[PaperCategory]] = relationship(
        back_populates="paper", order_by="PaperCategory.position", cascade="all, delete-orphan"
    )
    announcements: Mapped[list[Announcement]] = relationship(
        back_populates="paper", cascade="all, delete-orphan"
    )


class PaperVersion(Base):
    """One version of a paper (v1, v2, ...), with what arXiv tells of it."""

    __tablename__ = "paper_versions"

    paper_id: Mapped[str] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    submitted: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    size: Mapped[str | None] = mapped_column(String(32))
    source_type: Mapped[str | None] = mapped_column(String(8))

    paper: Mapped[Paper] = relationship(back_populates="versions")


class Author(Base):
    """A person's name as arXiv spells it; papers refer to it in order through PaperAuthor.

    Authors are only ever added. A link's ``author_id`` is looked up by name in the statement
    that writes the link, so the links carry no foreign key to this table: checking one for
    every link cost PostgreSQL a lookup and a row lock each, about a third of an import's
    work on the server (``alembic/versions/0013``)."""

    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(512), unique=True)


class PaperAuthor(Base):
    __tablename__ = "paper_authors"

    paper_id: Mapped[str] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign key: see ``Author``.
    author_id: Mapped[int] = mapped_column(Integer, index=True)
    affiliation: Mapped[str | None] = mapped_column(Text)

    paper: Mapped[Paper] = relationship(back_populates="authors")
    author: Mapped[Author] = relationship(
        lazy="joined", primaryjoin="foreign(PaperAuthor.author_id) == Author.id"
    )

    @property
    def name(self) -> str:
        return self.author.name


class Category(Base):
    """An arXiv category such as ``cs.CL`` (or an old archive such as ``hep-th``).

    Categories are only ever added, each in the transaction that first links a paper or an
    announcement to it, before the link: like ``Author``, no foreign key checks the links."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))


class PaperCategory(Base):
    """A paper's category, primary or cross-listed, in arXiv's order."""

    __tablename__ = "paper_categories"

    paper_id: Mapped[str] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    # No foreign key: see ``Category``.
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)

    paper: Mapped[Paper] = relationship(back_populates="categories")

    __table_args__ = (Index("ix_paper_categories_category_paper", "category", "paper_id"),)


class Announcement(Base):
    """A paper listed in a category's announcement of one day (new, cross, replace...)."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(32))  # no foreign key: see ``Category``
    announced_on: Mapped[dt.date] = mapped_column(Date)
    type: Mapped[AnnounceType] = mapped_column(_enum(AnnounceType, "announce_type"))
    version: Mapped[int | None] = mapped_column(Integer)
    crawl_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="SET NULL")
    )

    paper: Mapped[Paper] = relationship(back_populates="announcements")

    __table_args__ = (
        UniqueConstraint("paper_id", "category", "announced_on", name="uq_announcement"),
        Index("ix_announcements_category_day", "category", "announced_on"),
        Index("ix_announcements_day", "announced_on"),
    )


class CrawlRun(Base):
    """One crawl or import: its source, parameters, timing, outcome and counts.

    While it runs, its process (``host``, ``pid``) moves ``heartbeat_at`` every half
    minute or so; a running run whose process is gone is marked interrupted
    (``models.liveness``).
    """

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[CrawlStatus] = mapped_column(
        _enum(CrawlStatus, "crawl_status"), default=CrawlStatus.RUNNING
    )
    n_new: Mapped[int] = mapped_column(Integer, default=0)
    n_updated: Mapped[int] = mapped_column(Integer, default=0)
    n_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    n_failed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    checkpoint: Mapped[str | None] = mapped_column(Text)
    gaps: Mapped[dict | None] = mapped_column(JSON)
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_crawl_runs_source_started", "source", "started_at"),)


class VenuePaper(Base):
    """What a conference's own source tells of one of its papers, beside its ``papers`` row.

    The paper's id is ``<source>:<key>`` (``acl:2024.acl-long.1``, ``pmlr:v247/agrawal24a``);
    title, abstract and authors live in ``papers`` like any paper's, so that search, stars and
    the reading tools serve both branches. ``digest`` fingerprints the source's record: a
    re-crawl rewrites only the papers whose record changed.
    """

    __tablename__ = "venue_papers"

    paper_id: Mapped[str] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(128))
    venue: Mapped[str] = mapped_column(String(64))
    track: Mapped[str | None] = mapped_column(String(128))
    decision: Mapped[str | None] = mapped_column(String(32))
    pages: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    pdf_url: Mapped[str | None] = mapped_column(Text)
    landing_url: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    tldr: Mapped[str | None] = mapped_column(Text)
    code_links: Mapped[list] = mapped_column(JSON, default=list)
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    arxiv_id: Mapped[str | None] = mapped_column(String(64), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    crawl_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="SET NULL")
    )

    __table_args__ = (Index("ix_venue_papers_venue_position", "venue", "position"),)


class VenueVolume(Base):
    """A volume of a venue's proceedings (or a track): its title, editors and front matter.

    Front matter and prefaces are kept here, apart from the papers."""

    __tablename__ = "venue_volumes"

    id: Mapped[str] = mapped_column(String(160), primary_key=True)
    venue: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text, default="")
    editors: Mapped[list] = mapped_column(JSON, default=list)
    front_matter: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# Tables that migrations create outside these models (the search index's, see search.schema);
# schema comparisons leave them out.
UNMANAGED_TABLE_PREFIXES = ("search_",)


def is_managed_table(name: str | None) -> bool:
    """Whether the table ``name`` is one of these models' (not created outside them)."""
    return not (name or "").startswith(UNMANAGED_TABLE_PREFIXES)
