"""A service's warm start (services/chassis/warm.py): the topology declared and the relay's
connection open before anything is published, the holiday calendars loaded, the start's
objects frozen out of the collector's way, and how long it all took exported for ops."""

from __future__ import annotations

import gc
from datetime import date

from amqp.exceptions import NotFound
from kombu import Connection
from nameko import config
from prometheus_client import REGISTRY

from services.chassis import calendar
from services.chassis.envelope import consumer_queue, subscription_for
from services.chassis.publisher import EventPublisher
from services.chassis.warm import warm_start
from services.contracts import CASE_OPENED

NOTIFY_QUEUE = consumer_queue(subscription_for("notify", CASE_OPENED.event_type))


def declared(amqp_uri: str) -> bool:
    with Connection(amqp_uri) as connection, connection.channel() as channel:
        try:
            channel.queue_declare(NOTIFY_QUEUE.name, passive=True)
        except NotFound:
            return False
    return True


def test_a_warm_start_declares_the_topology_and_leaves_the_relays_connection_open(
    rabbit_config: None,
) -> None:
    amqp_uri = str(config["AMQP_URI"])
    with Connection(amqp_uri) as connection, connection.channel() as channel:
        channel.queue_delete(NOTIFY_QUEUE.name)  # the test vhosts' pool declared it
    publisher = EventPublisher(amqp_uri)
    assert not declared(amqp_uri)
    calendar._holidays_of.cache_clear()
    try:
        seconds = warm_start("chassis", publisher)

        assert declared(amqp_uri)  # another service's queue: the whole topology
        assert publisher._channel is not None  # the first publish will not connect
        hits = calendar._holidays_of.cache_info().hits
        calendar._holidays_of("US", None, date.today().year)
        assert calendar._holidays_of.cache_info().hits == hits + 1  # loaded by the warm start
        assert gc.get_freeze_count() > 0
        assert REGISTRY.get_sample_value("casework_chassis_warm_start_seconds") == seconds > 0
    finally:
        publisher.close()
