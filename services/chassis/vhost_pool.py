"""RabbitMQ vhosts for tests, used again instead of made and deleted for every test.

nameko's fixtures give each test a new vhost and delete it afterwards. Every service declares
the whole topology when it starts (`envelope.declare_topology`: a quorum queue and a
dead-letter queue for each of fifty-odd subscriptions), and a quorum queue is a Raft group of
its own: making and deleting a hundred of them costs the broker two to four seconds of CPU a
test, which made RabbitMQ the busiest process of a test run. A vhost given back here is
handed to a later test of the same process as if new: before it is handed out, any
connection still open on it is a reason to delete it and make another (nothing left running
may consume the next test's messages), every queue of the topology is emptied and every
other queue and exchange a test made is deleted. What a test sees is a fresh vhost with the
topology already declared, which is what the fixtures declared first anyway.
"""

from __future__ import annotations

import logging
import random
import string
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import requests
from kombu import Connection
from kombu.pools import connections

from services.chassis.envelope import (
    DEAD_LETTER_EXCHANGE,
    EVENTS_EXCHANGE,
    consumer_queue,
    dead_letter_queue,
    declare_topology,
)
from services.contracts import SUBSCRIPTIONS

log = logging.getLogger(__name__)


def topology_queues() -> set[str]:
    return {
        str(make(subscription).name)
        for subscription in SUBSCRIPTIONS
        for make in (consumer_queue, dead_letter_queue)
    }


class ReusedVhosts:
    """A drop-in for nameko's `vhost_pipeline` fixture: `with pool.get() as vhost: ...`."""

    def __init__(self, api_uri: str, amqp_uri: str, username: str) -> None:
        self.api = api_uri.rstrip("/")
        self.amqp_base = amqp_uri.rstrip("/")
        self.username = username
        self.free: list[str] = []
        self.made: set[str] = set()
        self.queues = topology_queues()
        self.exchanges = {str(EVENTS_EXCHANGE.name), str(DEAD_LETTER_EXCHANGE.name)}
        self.http = requests.Session()

    @contextmanager
    def get(self) -> Iterator[str]:
        vhost = self._ready()
        try:
            yield vhost
        finally:
            _close_pooled_connections(vhost)
            self.free.append(vhost)

    def close(self) -> None:
        for vhost in sorted(self.made):
            self._delete(vhost)

    def _ready(self) -> str:
        while self.free:
            vhost = self.free.pop()
            try:
                if self._emptied(vhost):
                    return vhost
            except (requests.RequestException, OSError) as exc:
                log.warning("could not empty test vhost %s (%s); making another", vhost, exc)
            self._delete(vhost)
        return self._create()

    def _create(self) -> str:
        vhost = "nameko_test_" + "".join(random.choices(string.ascii_lowercase, k=10))
        self._call("PUT", f"/vhosts/{quote(vhost, safe='')}")
        self._call(
            "PUT",
            f"/permissions/{quote(vhost, safe='')}/{quote(self.username, safe='')}",
            json={"configure": ".*", "write": ".*", "read": ".*"},
        )
        self.made.add(vhost)
        with Connection(self._uri(vhost)) as connection, connection.channel() as channel:
            declare_topology(channel)
        return vhost

    def _emptied(self, vhost: str) -> bool:
        """Empty `vhost` for the next test; False if something is still connected to it."""
        path = quote(vhost, safe="")
        if self._call("GET", f"/vhosts/{path}/connections"):
            return False
        queues = [queue["name"] for queue in self._call("GET", f"/queues/{path}")]
        exchanges = [exchange["name"] for exchange in self._call("GET", f"/exchanges/{path}")]
        with Connection(self._uri(vhost)) as connection, connection.channel() as channel:
            for queue in queues:
                if queue in self.queues:
                    channel.queue_purge(queue)
                else:
                    channel.queue_delete(queue)
            for exchange in _made_by_tests(exchanges, self.exchanges):
                channel.exchange_delete(exchange)
            # A test may have deleted part of the topology: declare what is missing.
            if not self.queues <= set(queues):
                declare_topology(channel)
        return True

    def _delete(self, vhost: str) -> None:
        _close_pooled_connections(vhost)
        try:
            self._call("DELETE", f"/vhosts/{quote(vhost, safe='')}")
        except requests.RequestException as exc:
            log.warning("could not delete test vhost %s: %s", vhost, exc)
        self.made.discard(vhost)

    def _uri(self, vhost: str) -> str:
        return f"{self.amqp_base}/{quote(vhost, safe='')}"

    def _call(self, method: str, path: str, **options: Any) -> Any:
        response = self.http.request(method, f"{self.api}{path}", timeout=60, **options)
        response.raise_for_status()
        return response.json() if response.content and method == "GET" else None


def _made_by_tests(exchanges: Iterable[str], topology: set[str]) -> list[str]:
    """Exchanges a test declared: not the default, not the broker's own, not the topology's."""
    return [
        name for name in exchanges if name and not name.startswith("amq.") and name not in topology
    ]


def _close_pooled_connections(vhost: str) -> None:
    """This process's pooled kombu connections to `vhost`, closed (as nameko's fixture does)."""
    for key, pool in list(connections.items()):
        if isinstance(key, tuple) and len(key) > 4 and key[4] == vhost:
            pool.force_close_all()
