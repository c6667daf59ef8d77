"""A real SMTP server on 127.0.0.1 for the alerts' tests (aiosmtpd in a thread of its own),
keeping what it receives, with faults to inject: refuse recipients (5xx), refuse for now
(4xx), drop the connection, or call a hook on each message."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Faults:
    refuse: set[str] = field(default_factory=set)  # recipients refused for good (550)
    temporary: int = 0  # the next n messages are refused for now (451)
    drop: int = 0  # the next n connections are dropped at DATA
    on_message: Callable[[EmailMessage], None] | None = None


class Handler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.faults = Faults()
        self.lock = threading.Lock()
        self.data_commands = 0

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.faults.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_commands += 1
            if self.faults.drop:
                self.faults.drop -= 1
                server.transport.close()
                return "421 closing"
            if self.faults.temporary:
                self.faults.temporary -= 1
                return "451 4.3.0 try again later"
            message = message_from_bytes(envelope.content, policy=policy.default)
            self.messages.append(message)
        if self.faults.on_message is not None:
            self.faults.on_message(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    def __init__(self) -> None:
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages
