"""How long crawls and imports show that they are alive: a rich progress bar on a
terminal, plain log lines otherwise (a cron job's log, a pipe, a test).

A ``Progress`` is told what the work is (``start``), how much got done (``advance``), and
when it ended (``close``). ``progress_for(stream)`` picks the right one for ``stream``.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Protocol, TextIO

log = logging.getLogger("coolpapers.progress")


class Progress(Protocol):
    def start(self, description: str, total: int | None = None, unit: str = "papers") -> None:
        """Begin a task of ``total`` units (None: unknown)."""
        ...

    def advance(self, done: int, *, total: int | None = None, note: str | None = None) -> None:
        """``done`` more units are done; ``total`` updates the expected total."""
        ...

    def close(self) -> None: ...


class NoProgress:
    def start(self, description: str, total: int | None = None, unit: str = "papers") -> None:
        pass

    def advance(self, done: int, *, total: int | None = None, note: str | None = None) -> None:
        pass

    def close(self) -> None:
        pass


class LogProgress:
    """One log line per step, at most every ``every`` seconds (the last one always)."""

    def __init__(self, logger: logging.Logger = log, every: float = 10.0) -> None:
        self.logger = logger
        self.every = every
        self._description = ""
        self._unit = "papers"
        self._total: int | None = None
        self._done = 0
        self._last = float("-inf")

    def start(self, description: str, total: int | None = None, unit: str = "papers") -> None:
        self._description, self._total, self._unit, self._done = description, total, unit, 0
        self._last = float("-inf")

    def advance(self, done: int, *, total: int | None = None, note: str | None = None) -> None:
        self._done += done
        if total is not None:
            self._total = total
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self._line(note)

    def _line(self, note: str | None) -> None:
        of = f" of {self._total:,}" if self._total is not None else ""
        extra = f" ({note})" if note else ""
        self.logger.info(
            "%s: %s%s %s%s", self._description, f"{self._done:,}", of, self._unit, extra
        )

    def close(self) -> None:
        self._line("done")


class RichProgress:
    """A rich progress bar on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[note]}"),
            console=Console(file=stream),
            transient=False,
        )
        self._task: int | None = None

    def start(self, description: str, total: int | None = None, unit: str = "papers") -> None:
        self._bar.start()
        self._task = self._bar.add_task(description, total=total, unit=unit, note="")

    def advance(self, done: int, *, total: int | None = None, note: str | None = None) -> None:
        if self._task is None:
            return
        changes: dict = {"advance": done}
        if total is not None:
            changes["total"] = total
        if note is not None:
            changes["note"] = note
        self._bar.update(self._task, **changes)

    def close(self) -> None:
        self._bar.stop()


def progress_for(stream: TextIO | None = None) -> Progress:
    """A progress bar when ``stream`` (default stderr) is a terminal, log lines otherwise."""
    stream = stream or sys.stderr
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return RichProgress(stream)
    return LogProgress()
