"""A mail transport for tests: keeps what it was given, fails on request."""

from __future__ import annotations

from services.notify.domain.acknowledgements import OutgoingEmail


class WorkerKilled(BaseException):
    """Stands in for SIGKILL mid-send: nothing after it runs."""


class FakeMailer:
    sender_address = "casework@localhost"
    longest_send_seconds = 10.0

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self.attempts = 0
        self._next_failures: list[BaseException] = []

    def fail_next(self, *failures: BaseException) -> None:
        self._next_failures.extend(failures)

    def send(self, email: OutgoingEmail) -> None:
        self.attempts += 1
        if self._next_failures:
            raise self._next_failures.pop(0)
        self.sent.append(email)
