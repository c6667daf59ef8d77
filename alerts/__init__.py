"""Alerts: saved searches, followed authors, categories and venues, by email and feed.

Owns what a reader follows and how it is checked (``alerts.follows``), addresses and secret
links (``alerts.addresses``), subscriptions without accounts with double opt-in
(``alerts.subscriptions``), which papers of a day match and why (``alerts.matching``), the
mail itself (``alerts.compose``), its delivery over SMTP through the retry utility
(``alerts.mail``) and the daily digest job that records every send (``alerts.digest``).
Settings come in as arguments; the site (``web.alerts``) and the CLI (``cli.alerts``) wire
them.
"""

from alerts.addresses import AlertInputError
from alerts.digest import DigestConfig, RunReport, send_digests
from alerts.mail import Mailer, SmtpConfig

__all__ = [
    "AlertInputError",
    "DigestConfig",
    "Mailer",
    "RunReport",
    "SmtpConfig",
    "send_digests",
]
