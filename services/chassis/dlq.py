"""Inspect and replay dead-lettered events.

    python -m services.chassis.dlq list
    python -m services.chassis.dlq show cases--intake.submission_received [--limit 20]
    python -m services.chassis.dlq replay cases--intake.submission_received [--limit N]

`show` prints envelopes and reasons, never payloads (they may hold personal data). `replay`
sends each message back to the queue it failed from; consumers are idempotent, so a replayed
event that had in fact been handled changes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kombu import Connection, Producer, Queue

from services.chassis.config import load_settings
from services.chassis.messaging import (
    REASON_HEADER,
    dead_letter_queue,
    declare_topology,
)
from services.contracts import SUBSCRIPTIONS, Subscription


@dataclass(frozen=True)
class DeadLetter:
    event_id: str | None
    event_type: str | None
    office_id: str | None
    reason: str
    failed_at: str | None


def _subscription(queue: str) -> Subscription:
    for subscription in SUBSCRIPTIONS:
        if queue in (subscription.queue, f"{subscription.queue}.dlq"):
            return subscription
    raise SystemExit(f"unknown queue {queue!r}; `list` shows the queues")


def _reason(headers: dict[str, Any]) -> str:
    if headers.get(REASON_HEADER):
        return str(headers[REASON_HEADER])
    deaths = headers.get("x-death") or []
    if deaths:
        return f"broker: {deaths[0].get('reason', 'unknown')}"
    return "unknown"


def counts(amqp_uri: str) -> dict[str, int]:
    result: dict[str, int] = {}
    with Connection(amqp_uri) as connection, connection.channel() as channel:
        declare_topology(channel)
        for subscription in SUBSCRIPTIONS:
            queue = dead_letter_queue(subscription)
            _, message_count, _ = queue(channel).queue_declare(passive=True)
            result[queue.name] = message_count
    return result


@dataclass(frozen=True)
class QueueState:
    """One consumer's queue of one event type, as the broker sees it now."""

    consumer: str
    event_type: str
    waiting: int  # messages not yet taken
    consumers: int  # connected consumers (0: the service is not consuming it)
    dead_letters: int


def queue_states(amqp_uri: str) -> list[QueueState]:
    """Every subscription's queue and dead-letter queue: what is waiting, and who consumes it.
    Passive declares only (after the idempotent topology), so nothing is created or changed."""
    states = []
    with Connection(amqp_uri, connect_timeout=3) as connection, connection.channel() as channel:
        declare_topology(channel)
        for subscription in SUBSCRIPTIONS:
            _, waiting, consumers = Queue(subscription.queue)(channel).queue_declare(passive=True)
            _, dead, _ = dead_letter_queue(subscription)(channel).queue_declare(passive=True)
            states.append(
                QueueState(subscription.consumer, subscription.event_type, waiting, consumers, dead)
            )
    return states


def _envelope(message: Any, headers: dict[str, Any]) -> dict[str, Any]:
    """Envelope fields from the headers, else from the body (a message not sent by a relay)."""
    if headers.get("event_id"):
        return headers
    try:
        body = json.loads(message.body)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@contextmanager
def _dead_letters(
    amqp_uri: str, subscription: Subscription, *, confirms: bool = False
) -> Iterator[tuple[Callable[[], Any], int]]:
    """Yield a getter for the next unacked dead letter (None when the queue is empty) and how
    many dead letters there were when we started."""
    options = {"confirm_publish": True} if confirms else {}
    with Connection(amqp_uri, transport_options=options) as connection:
        channel = connection.channel()
        queue = dead_letter_queue(subscription)(channel)
        _, waiting, _ = queue.queue_declare(passive=True)
        yield (lambda: queue.get(no_ack=False, accept=["json"])), int(waiting)


def peek(amqp_uri: str, queue: str, limit: int = 20) -> list[DeadLetter]:
    letters = []
    with _dead_letters(amqp_uri, _subscription(queue)) as (next_letter, _):
        seen: list[Any] = []
        while len(seen) < limit and (message := next_letter()) is not None:
            seen.append(message)
            headers = dict(message.headers or {})
            envelope = _envelope(message, headers)
            letters.append(
                DeadLetter(
                    event_id=envelope.get("event_id"),
                    event_type=envelope.get("event_type"),
                    office_id=envelope.get("office_id"),
                    reason=_reason(headers),
                    failed_at=headers.get("x-casework-failed-at"),
                )
            )
        # Put everything back, once we have seen it all.
        for message in seen:
            message.requeue()
    return letters


def replay(amqp_uri: str, queue: str, limit: int = 1_000_000) -> int:
    subscription = _subscription(queue)
    replayed = 0
    with _dead_letters(amqp_uri, subscription, confirms=True) as (next_letter, waiting):
        # Only what was there at the start: a message that fails again comes straight back.
        while replayed < min(limit, waiting) and (message := next_letter()) is not None:
            headers = {
                key: value
                for key, value in dict(message.headers or {}).items()
                if not key.startswith("x-casework-") and key != "x-death"
            }
            Producer(message.channel).publish(
                message.body,
                exchange="",
                routing_key=subscription.queue,
                headers=headers,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                delivery_mode=2,
                mandatory=True,
            )
            # Acked only once the broker confirmed the copy back in its queue.
            message.ack()
            replayed += 1
    return replayed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.chassis.dlq",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="dead-letter queues and how many messages each holds")
    show = sub.add_parser("show", help="envelopes and reasons of a queue's dead letters")
    show.add_argument("queue")
    show.add_argument("--limit", type=int, default=20)
    again = sub.add_parser("replay", help="send dead letters back to their queue")
    again.add_argument("queue")
    again.add_argument("--limit", type=int, default=1_000_000)
    parser.add_argument("--amqp-uri", default=None)
    args = parser.parse_args(argv)
    amqp_uri = args.amqp_uri or load_settings("chassis").amqp_uri

    if args.command == "list":
        for name, count in sorted(counts(amqp_uri).items()):
            print(f"{count:8d}  {name}")
    elif args.command == "show":
        for letter in peek(amqp_uri, args.queue, args.limit):
            print(json.dumps(letter.__dict__))
    else:
        print(f"replayed {replay(amqp_uri, args.queue, args.limit)} message(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
