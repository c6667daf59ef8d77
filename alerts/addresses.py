"""Addresses and secret links: checking an address, refusing header injection, masking an
address for operators, making tokens and the digests they are stored under."""

from __future__ import annotations

import hashlib
import re
import secrets

MAX_ADDRESS_CHARS = 254
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")
# Line breaks end a mail header, and a NUL ends some servers' reading of it.
_INJECTION = re.compile(r"[\r\n\x00\x85\u2028\u2029]")


class AlertInputError(ValueError):
    """Input that cannot make an alert: ``field`` names it for the form; ``candidates`` are
    the names to choose among when an author's name is ambiguous."""

    def __init__(self, field: str, message: str, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.candidates = candidates


def refuse_injection(field: str, value: str) -> str:
    """``value``, unless it holds a line break or a NUL (a mail header injection)."""
    if _INJECTION.search(value):
        raise AlertInputError(field, f"{field}: line breaks are not allowed")
    return value


def checked_address(text: object) -> str:
    """The address, trimmed and with its domain in lower case; AlertInputError otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise AlertInputError("email", "email: give an email address")
    refuse_injection("email", text)
    address = text.strip()
    if len(address) > MAX_ADDRESS_CHARS or not _ADDRESS.fullmatch(address):
        raise AlertInputError("email", f"email: not an email address: {address[:80]!r}")
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def address_hash(address: str) -> str:
    """What sign-ups of one address are counted under (the address itself is not needed)."""
    return hashlib.sha256(address.lower().encode()).hexdigest()


def masked(address: str) -> str:
    """``a…@example.org``: enough for an operator to tell subscriptions apart."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}…@{domain}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
