"""Metrics under a burst for one office: publish N `intake.submission_received` events straight
to the broker and print how fast the metrics service counts them.

    nameko run services.metrics.service --config services/metrics/config.yaml   # running
    python bench/metrics_events.py -n 3000 --metrics-url http://127.0.0.1:8005

Every event is for the same office and day, the case that used to serialise all workers on one
row. The clock runs from the first publish until `metrics.office_counts` says N more were
received than before. Plain pika for publishing, nameko's standalone RPC client for the query.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pika
import requests
from nameko import config
from nameko.standalone.rpc import ClusterRpcClient
from prometheus_client.parser import text_string_to_metric_families

from services.chassis.messaging import new_envelope
from services.contracts import SUBMISSION_RECEIVED

EXCHANGE = "casework.events"
EVENT_TYPE = "intake.submission_received"
HANDLER = "record_submission_received"


def envelope(office_id: str, n: int) -> dict[str, Any]:
    """A `submission_received` with no personal data, as intake's relay would send it."""
    return new_envelope(
        SUBMISSION_RECEIVED,
        {
            "submission_id": str(uuid.uuid4()),
            "tracking_code": f"BNCH-{n:04d}"[-9:],
            "constituent_id": str(uuid.uuid4()),
            "constituent_name": "Bench Mark",
            "contact_email": None,
            "preferred_language": "en",
            "channel": "web",
            "category": "social_security",
            "agency_hint": None,
            "subject": "Benchmark request",
            "urgent": False,
            "privacy_release_signed": False,
            "received_at": datetime.now(UTC),
        },
        office_id=office_id,
    )


def publish(amqp_uri: str, office_id: str, count: int, batch: int = 500) -> float:
    """Publish in AMQP transactions of `batch` events, so the broker has queued each batch when
    its commit returns without a round trip per event; returns when the last batch is in."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.tx_select()
    for n in range(count):
        body = envelope(office_id, n)
        headers = {key: body[key] for key in ("event_id", "event_type", "office_id")}
        channel.basic_publish(
            EXCHANGE,
            EVENT_TYPE,
            json.dumps(body).encode(),
            pika.BasicProperties(
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                headers={**headers, "occurred_at": body["occurred_at"]},
            ),
            mandatory=True,
        )
        if (n + 1) % batch == 0 or n + 1 == count:
            channel.tx_commit()
    connection.close()
    return time.perf_counter()


def received(client: ClusterRpcClient, office_id: str) -> int:
    return int(client.metrics.office_counts(office_id=office_id)["received"])


def scrape(metrics_url: str) -> dict[str, float]:
    """Handler calls and seconds of record_submission_received, and the process's CPU seconds,
    from the service's /metrics."""
    text = requests.get(f"{metrics_url}/metrics", timeout=5).text
    wanted = {
        ("casework_metrics_entrypoint_seconds_count", HANDLER): "calls",
        ("casework_metrics_entrypoint_seconds_sum", HANDLER): "seconds",
        ("process_cpu_seconds_total", None): "cpu",
    }
    values = dict.fromkeys(wanted.values(), 0.0)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            name = wanted.get((sample.name, sample.labels.get("entrypoint")))
            if name:
                values[name] = sample.value
    return values


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--events", type=int, default=3000)
    parser.add_argument("--office", default=f"bench-{uuid.uuid4().hex[:8]}")
    parser.add_argument(
        "--amqp-uri",
        default=os.environ.get("CASEWORK_AMQP_URI", "amqp://guest:guest@localhost:5672/%2F"),
    )
    parser.add_argument("--metrics-url", help="also report mean handler time from its /metrics")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    with (
        config.patch({"AMQP_URI": args.amqp_uri}),
        ClusterRpcClient(timeout=30) as client,
    ):
        before = received(client, args.office)
        scraped_before = scrape(args.metrics_url) if args.metrics_url else {}
        started = time.perf_counter()
        published = publish(args.amqp_uri, args.office, args.events)
        deadline = started + args.timeout
        counted = 0
        while counted < args.events and time.perf_counter() < deadline:
            counted = received(client, args.office) - before
            if counted < args.events:
                time.sleep(0.1)
        finished = time.perf_counter()

    print(f"office                  {args.office}")
    print(f"events published        {args.events} in {published - started:.2f} s")
    print(f"events counted          {counted} in {finished - started:.2f} s")
    print(f"counted/s               {counted / (finished - started):.1f}")
    if args.metrics_url:
        scraped = scrape(args.metrics_url)
        calls, seconds, cpu = (scraped[name] - scraped_before[name] for name in scraped)
        if calls:
            print(f"handler mean            {seconds / calls * 1000:.1f} ms over {calls:.0f} calls")
        print(f"service CPU per event   {cpu / max(counted, 1) * 1000:.2f} ms")
    return 0 if counted == args.events else 1


if __name__ == "__main__":
    sys.exit(main())
