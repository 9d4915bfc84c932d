"""What legislature IT sees of the platform's health from the staff app: per service, whether
it is consuming its events, how many wait, and how many were dead-lettered. Read from the
broker (passive queue declares), so it needs no other service to answer; the details and the
history are in Prometheus (docs/operations.md)."""

from __future__ import annotations

from dataclasses import dataclass

from amqp.exceptions import AMQPError
from kombu.exceptions import KombuError

from services.chassis.dlq import QueueState, queue_states


@dataclass(frozen=True)
class ServiceHealth:
    service: str
    queues: tuple[QueueState, ...]

    @property
    def consuming(self) -> bool:
        return all(queue.consumers > 0 for queue in self.queues)

    @property
    def waiting(self) -> int:
        return sum(queue.waiting for queue in self.queues)

    @property
    def dead_letters(self) -> int:
        return sum(queue.dead_letters for queue in self.queues)


def platform_health(amqp_uri: str) -> list[ServiceHealth] | None:
    """Each consuming service's queues, by service; None when the broker cannot be reached."""
    try:
        states = queue_states(amqp_uri)
    except (OSError, KombuError, AMQPError):
        return None
    services = sorted({state.consumer for state in states})
    return [
        ServiceHealth(service, tuple(s for s in states if s.consumer == service))
        for service in services
    ]
