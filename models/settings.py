"""The settings of coolpapers, read from ``COOLPAPERS_*`` environment variables and ``.env``."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tokenizer.backends import compiled_module

DEFAULT_CATEGORIES = [
    "cs.AI", "cs.AR", "cs.CC", "cs.CE", "cs.CG", "cs.CL", "cs.CR", "cs.CV", "cs.CY",
    "cs.DB", "cs.DC", "cs.DL", "cs.DM", "cs.DS", "cs.ET", "cs.FL", "cs.GL", "cs.GR",
    "cs.GT", "cs.HC", "cs.IR", "cs.IT", "cs.LG", "cs.LO", "cs.MA", "cs.MM", "cs.MS",
    "cs.NA", "cs.NE", "cs.NI", "cs.OH", "cs.OS", "cs.PF", "cs.PL", "cs.RO", "cs.SC",
    "cs.SD", "cs.SE", "cs.SI", "cs.SY",
]  # fmt: skip  # a list of names reads better in rows than one a line

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/coolpapers.db"
MIN_ADMIN_TOKEN_CHARS = 32
SUMMARY_LANGUAGE_CODES = ("en", "zh")


class Settings(BaseSettings):
    """Every setting of the application; each one is ``COOLPAPERS_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(
        env_prefix="COOLPAPERS_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    DATABASE_URL: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy async URL of the database (SQLite through aiosqlite by default).",
    )
    SQLITE_MMAP_MB: int = Field(
        2048,
        ge=0,
        description="How much of an SQLite database each connection reads through a memory map"
        " instead of copying its pages in, in MiB (SQLite caps it, at 2 GiB as it is usually"
        " built; 0: none).",
    )
    ARXIV_RSS_BASE: str = Field("https://rss.arxiv.org", description="Base URL of arXiv's feeds.")
    ARXIV_API_BASE: str = Field(
        "https://export.arxiv.org/api", description="Base URL of arXiv's search API."
    )
    ARXIV_OAI_BASE: str = Field(
        "https://oaipmh.arxiv.org/oai", description="URL of arXiv's OAI-PMH endpoint."
    )
    OPENREVIEW_API_BASE: str = Field(
        "https://api2.openreview.net", description="Base URL of OpenReview's API v2."
    )
    OPENREVIEW_API_V1_BASE: str = Field(
        "https://api.openreview.net",
        description="Base URL of OpenReview's API v1 (venues before 2023).",
    )
    CVF_BASE: str = Field(
        "https://openaccess.thecvf.com",
        description="Base URL of CVF open access (listings <base>/<CONF><YEAR>?day=all).",
    )
    ACL_ANTHOLOGY_XML_BASE: str = Field(
        "https://raw.githubusercontent.com/acl-org/acl-anthology/master/data/xml",
        description="Base URL of the ACL Anthology's collection files (<base>/<collection>.xml).",
    )
    PMLR_RAW_BASE: str = Field(
        "https://raw.githubusercontent.com/mlresearch",
        description="Base URL of PMLR volume files (<base>/v<N>/gh-pages/_config.yml, _posts/).",
    )
    PMLR_INDEX_BASE: str = Field(
        "https://api.github.com/repos/mlresearch",
        description="Base URL listing a PMLR volume's posts (<base>/v<N>/contents/_posts).",
    )
    VENUES: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Venues re-crawled every week (e.g. ICLR.2024,ACL.2024; comma-separated).",
    )
    ARXIV_HTML_BASE: str = Field(
        "https://arxiv.org/html",
        description="Base URL of arXiv's HTML renderings of papers (requested as <base>/<id>v<n>).",
    )
    ARXIV_PDF_BASE: str = Field(
        "https://arxiv.org/pdf", description="Base URL of arXiv's PDFs (<base>/<id>v<n>)."
    )
    FULLTEXT: Literal["off", "on-demand", "daily"] = Field(
        "on-demand",
        description="When the full text of papers is fetched: off; on-demand (when a summary"
        " needs it, or by 'coolpapers fulltext fetch'); daily (also after each feed crawl, for"
        " the day's papers of CATEGORIES).",
    )
    FETCH_ON_DEMAND: bool = Field(
        True,
        description="Whether /arxiv/<id> of a paper the archive lacks fetches it from arXiv's API.",
    )
    FULLTEXT_MAX_MB: float = Field(
        50, gt=0, description="Largest HTML page or PDF fetched for a full text, in MiB."
    )
    MIN_REQUEST_INTERVAL: float = Field(
        3.0, ge=0, description="Seconds between two requests to one arXiv host."
    )
    CONTACT_EMAIL: str = Field("", description="Contact address sent to arXiv in the User-Agent.")
    CATEGORIES: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_CATEGORIES),
        description="Categories crawled by default (comma-separated or a JSON list).",
    )
    TOKENIZER_MODEL: str = Field(
        "",
        description="BytePiece model file (JSON, or gzip-compressed JSON) that search indexes"
        " with (empty: the shipped model trained on arXiv abstracts; after a change, run"
        " 'coolpapers index rebuild').",
    )
    TOKENIZER_BACKEND: Literal["auto", "compiled", "python"] = Field(
        "auto",
        description="How the search's tokenizer segments text: 'compiled' (the built extension),"
        " 'python' (the pure path, slower, same pieces) or 'auto' (compiled when it is built).",
    )
    SEARCH_FULL_TEXT: bool = Field(
        True,
        description="Index the body of papers whose full text is stored, so that search finds"
        " words inside papers (weighted below title and abstract); after changing it, run"
        " 'coolpapers index rebuild'.",
    )
    SEARCH_CACHE_MB: int = Field(
        1024,
        ge=0,
        description="Memory that each process may keep decoded posting lists and their"
        " scores in, in MiB (searches for words it holds read nothing from the database;"
        " three quarters for the lists, a quarter for the scores). 'coolpapers serve' writes"
        " that much memory once started (at most 4 KiB a paper of the index, 1 GiB, and a"
        " quarter of the memory available), kept for the first searches' lists.",
    )
    EMBEDDINGS_BASE_URL: str = Field(
        "",
        description="OpenAI-compatible embeddings endpoint, e.g. https://api.openai.com/v1:"
        " `coolpapers embed` stores a vector per paper, blended into the related papers"
        " (empty: related papers by words and categories only).",
    )
    EMBEDDINGS_MODEL: str = Field(
        "text-embedding-3-small", description="Model name sent to the embeddings endpoint."
    )
    EMBEDDINGS_API_KEY: SecretStr = Field(
        SecretStr(""), description="Bearer key of the embeddings endpoint."
    )
    LLM_BASE_URL: str = Field(
        "",
        description="OpenAI-compatible endpoint for summaries, e.g. https://api.openai.com/v1"
        " (empty: the offline extractive summarizer).",
    )
    LLM_API_KEY: SecretStr = Field(SecretStr(""), description="Bearer key of the endpoint.")
    LLM_MODEL: str = Field("", description="Model name sent to the endpoint.")
    LLM_MAX_CONCURRENCY: int = Field(2, ge=1, description="Summaries generated at once.")
    LLM_TIMEOUT: float = Field(
        60.0, gt=0, description="Seconds to wait for the next bytes of the model's output."
    )
    LLM_ANSWER_TIMEOUT: float = Field(
        180.0,
        gt=0,
        description="Seconds one whole answer of the model may take, however it trickles in.",
    )
    LLM_MAX_TOKENS: int = Field(
        1500,
        ge=16,
        description="max_tokens sent with each question; the answer kept is also cut at"
        " about 8 characters a token.",
    )
    LLM_DAILY_BUDGET: int = Field(2000, ge=0, description="Model calls allowed per UTC day.")
    LLM_CONTEXT_CHARS: int = Field(
        120_000,
        ge=0,
        description="Characters of a paper's full text sent to the model, cut at a section"
        " boundary (the tail sections are left out).",
    )
    SUMMARY_LANGUAGES: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(SUMMARY_LANGUAGE_CODES),
        description="Languages of the summaries, generated independently (en, zh).",
    )
    SUMMARY_RATE_LIMIT: int = Field(
        10, ge=0, description="Summaries one client may start per SUMMARY_RATE_WINDOW."
    )
    SUMMARY_RATE_WINDOW: float = Field(3600.0, gt=0, description="Seconds of the rate limit.")
    ADMIN_TOKEN: SecretStr = Field(
        SecretStr(""),
        description="Bearer token of admin actions, at least 32 characters (empty: none allowed).",
    )
    ADMIN_LOGIN_ATTEMPTS: int = Field(
        5, ge=1, description="Wrong admin tokens one client may send per ADMIN_LOGIN_WINDOW."
    )
    ADMIN_LOGIN_WINDOW: float = Field(
        600.0, gt=0, description="Seconds over which wrong admin tokens are counted."
    )
    MAX_BODY_KB: int = Field(
        64, ge=1, description="Largest request body accepted, in KiB (larger: 413)."
    )
    ALLOWED_HOSTS: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["*"],
        description="Host names the site answers to, comma-separated ('*.example.org' for"
        " subdomains; '*': any, fine for a local site, not behind a public name).",
    )
    BASE_URL: str = Field(
        "",
        description="Public URL of the site, e.g. https://papers.example.org, used for the"
        " absolute links of feeds and the API description (empty: the request's host).",
    )
    FORWARDED_ALLOW_IPS: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1"],
        description="Addresses or networks of the reverse proxies whose X-Forwarded-For and"
        " X-Forwarded-Proto are believed (comma-separated).",
    )
    SMTP_HOST: str = Field(
        "", description="SMTP server that sends the alerts' mail (empty: no mail is sent)."
    )
    SMTP_PORT: int = Field(587, ge=1, le=65535, description="Port of the SMTP server.")
    SMTP_USER: str = Field("", description="User name on the SMTP server (empty: no login).")
    SMTP_PASSWORD: SecretStr = Field(SecretStr(""), description="Password on the SMTP server.")
    SMTP_STARTTLS: bool = Field(
        True, description="Whether to upgrade the SMTP connection with STARTTLS."
    )
    MAIL_FROM: str = Field(
        "", description="From address of the alerts' mail, e.g. alerts@papers.example.org."
    )
    ALERTS_MAX_PAPERS: int = Field(
        30, ge=1, description="Papers listed in one digest at most (a link leads to the rest)."
    )
    ALERTS_SIGNUP_LIMIT: int = Field(
        5,
        ge=1,
        description="Alert sign-ups one address, and one client, may make per"
        " ALERTS_SIGNUP_WINDOW.",
    )
    ALERTS_SIGNUP_WINDOW: float = Field(
        3600.0, gt=0, description="Seconds over which alert sign-ups are counted."
    )
    SCHEDULE_TIMEZONE: str = Field(
        "America/New_York", description="Time zone of the SCHEDULE_* cron expressions."
    )
    SCHEDULE_RSS: str = Field(
        "5 20 * * 0-4",
        description="Cron of the daily feed crawl (arXiv announces at 20:00 Eastern, Sunday"
        " to Thursday); 'TZ=Zone ' before an expression sets its own zone; 'off' disables.",
    )
    SCHEDULE_RSS_RETRY_MINUTES: float = Field(
        5.0, gt=0, description="Minutes between two tries while the feed lacks the new day."
    )
    SCHEDULE_RSS_RETRY_HOURS: float = Field(
        4.0, ge=0, description="Hours after the scheduled crawl during which it is retried."
    )
    SCHEDULE_OAI: str = Field("30 6 * * *", description="Cron of the daily OAI-PMH catch-up.")
    SCHEDULE_INDEX_CHECK: str = Field(
        "15 3 * * *", description="Cron of the nightly search-index check."
    )
    SCHEDULE_VENUES: str = Field(
        "0 4 * * 6", description="Cron of the weekly re-crawl of the VENUES."
    )
    SCHEDULE_HOLIDAYS: Annotated[list[dt.date], NoDecode] = Field(
        default_factory=list,
        description="More evenings (Eastern dates) without arXiv announcement, comma-separated.",
    )
    SCHEDULE_LEASE_TTL: float = Field(
        120.0, ge=1, description="Seconds a silent scheduler keeps its lease (then another may)."
    )
    SCHEDULE_STOP_GRACE: float = Field(
        30.0, ge=0, description="Seconds the job in progress may take to finish on SIGTERM."
    )

    @field_validator("DATABASE_URL")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError(
                f"DATABASE_URL must be a URL such as {DEFAULT_DATABASE_URL!r}, got {value!r}"
            )
        return value

    @field_validator("TOKENIZER_MODEL")
    @classmethod
    def _model_file_exists(cls, value: str) -> str:
        if value and not Path(value).is_file():
            raise ValueError(f"no such model file: {value}")
        return value

    @field_validator("TOKENIZER_BACKEND")
    @classmethod
    def _backend_available(cls, value: str) -> str:
        if value == "compiled" and compiled_module() is None:
            raise ValueError(
                "the compiled tokenizer extension is not built: run `pip install -e .`,"
                " or choose 'auto' or 'python'"
            )
        return value

    @field_validator(
        "CATEGORIES",
        "SUMMARY_LANGUAGES",
        "ALLOWED_HOSTS",
        "FORWARDED_ALLOW_IPS",
        "VENUES",
        mode="before",
    )
    @classmethod
    def _split_categories(cls, value: object) -> object:
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("SCHEDULE_HOLIDAYS", mode="before")
    @classmethod
    def _split_days(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("SCHEDULE_RSS", "SCHEDULE_OAI", "SCHEDULE_INDEX_CHECK", "SCHEDULE_VENUES")
    @classmethod
    def _cron(cls, value: str) -> str:
        from croniter import croniter

        text = value.strip()
        if text.lower() in ("", "off"):
            return "off"
        if text.startswith("TZ="):
            zone, _, text = text.partition(" ")
            cls._zone(zone.removeprefix("TZ="))
        if len(text.split()) != 5 or not croniter.is_valid(text):
            raise ValueError(f"not a five-field cron expression: {value!r}")
        return value.strip()

    @field_validator("SCHEDULE_TIMEZONE")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator(
        "ARXIV_RSS_BASE",
        "ARXIV_API_BASE",
        "ARXIV_OAI_BASE",
        "ARXIV_HTML_BASE",
        "ARXIV_PDF_BASE",
        "OPENREVIEW_API_BASE",
        "OPENREVIEW_API_V1_BASE",
        "CVF_BASE",
        "ACL_ANTHOLOGY_XML_BASE",
        "PMLR_RAW_BASE",
        "PMLR_INDEX_BASE",
    )
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value.rstrip("/")

    @field_validator("SUMMARY_LANGUAGES")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in SUMMARY_LANGUAGE_CODES]
        if unknown or not value:
            raise ValueError(f"languages must be among {SUMMARY_LANGUAGE_CODES}, got {value!r}")
        return list(dict.fromkeys(value))

    @field_validator("LLM_BASE_URL")
    @classmethod
    def _optional_http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"must be empty or an http(s) URL, got {value!r}")
        return value.rstrip("/")

    @field_validator("ADMIN_TOKEN")
    @classmethod
    def _long_admin_token(cls, value: SecretStr) -> SecretStr:
        length = len(value.get_secret_value())
        if 0 < length < MIN_ADMIN_TOKEN_CHARS:
            raise ValueError(
                f"ADMIN_TOKEN must be at least {MIN_ADMIN_TOKEN_CHARS} characters (it has"
                f" {length}); make one with: python -c 'import secrets;"
                " print(secrets.token_urlsafe(32))'"
            )
        return value

    @field_validator("FORWARDED_ALLOW_IPS")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"not an IP address or network: {item!r}") from None
        return value

    @field_validator("ALLOWED_HOSTS")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("ALLOWED_HOSTS must name at least one host, or '*'")
        return [host.lower() for host in value]

    @field_validator("BASE_URL")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value:
            return value
        if not value.startswith(("http://", "https://")) or "?" in value or "#" in value:
            raise ValueError(
                f"BASE_URL must be an http(s) URL such as https://example.org, got {value!r}"
            )
        return value.rstrip("/")

    @model_validator(mode="after")
    def _model_named(self) -> Settings:
        if self.LLM_BASE_URL and not self.LLM_MODEL:
            raise ValueError("LLM_MODEL must name the model served at LLM_BASE_URL")
        return self

    @property
    def llm_configured(self) -> bool:
        """True when summaries come from a model endpoint rather than the offline summarizer."""
        return bool(self.LLM_BASE_URL)

    @property
    def forwarded_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """The networks of FORWARDED_ALLOW_IPS."""
        return [ipaddress.ip_network(item, strict=False) for item in self.FORWARDED_ALLOW_IPS]

    @property
    def sqlite_path(self) -> Path | None:
        """The database file when the database is SQLite on disk, else None."""
        prefix = "sqlite+aiosqlite:///"
        if self.DATABASE_URL.startswith(prefix):
            path = self.DATABASE_URL[len(prefix) :]
            if path and path != ":memory:":
                return Path(path)
        return None

    @property
    def user_agent(self) -> str:
        contact = f"; mailto:{self.CONTACT_EMAIL}" if self.CONTACT_EMAIL else ""
        return f"coolpapers/0.1 (+https://github.com/coolpapers/coolpapers{contact})"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
