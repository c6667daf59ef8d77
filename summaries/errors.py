"""Why a summary was not made. ``str(error)`` is a sentence fit to show a reader."""

from __future__ import annotations


class SummaryError(Exception):
    """A summary could not be made, or may not be started now."""


class PaperNotFound(SummaryError):
    pass


class ModelStreamError(SummaryError):
    """The model's stream was unusable (malformed, cut short, empty): worth another try."""


class ModelFailed(SummaryError):
    """The model did not give an answer, after the retries the policy allows."""


class BudgetExhausted(SummaryError):
    """Today's model calls are spent."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(SummaryError):
    """This client started too many summaries lately."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
