"""A submission through the request form against one through the JSON API, in-process: the
portal's WSGI app called with request environments built beforehand, so that the figures are
intake-web's own work (reading the request, its checks, storing it, answering) without the
HTTP server, the network or the relay.

    python bench/portal_inprocess.py                      # SQLite, in a temporary folder
    python bench/portal_inprocess.py --database postgresql://127.0.0.1/test
    python bench/portal_inprocess.py --profile form       # where a form post's time goes
    python bench/portal_inprocess.py --web-only           # the web layer alone

It runs `--blocks` alternating blocks of `--block` submissions through each path, after a
warm-up block of each, and prints the median of the blocks' form/API ratios with each path's
median time per submission. The form is posted as Chromium posts it (`multipart/form-data`,
the empty file part), with a fresh form token each; the API call carries the same request and
an Idempotency-Key, as the form carries its nonce. With `--web-only`, storing is replaced by
handing back one stored receipt: what is left is what differs between the two paths (reading
the request, the bot guard or the Idempotency-Key, the answer), without the database's noise.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal import FORM_CONTENT_TYPE, api_body, form_body
from werkzeug.test import EnvironBuilder

OFFICE = "rep-bench"
SECRET = "bench-secret-" + "x" * 32
MASTER_KEY = "q5Yh0f3X2w9hZr1bXl7c0pM3t8Vn4kQe6sJd2aUyLgI="


def build_app(database_url: str) -> Any:
    os.environ["CASEWORK_INTAKE_DATABASE_URL"] = database_url
    os.environ.pop("CASEWORK_INTAKE_PLATFORM_DATABASE_URL", None)
    os.environ["CASEWORK_INTAKE_MASTER_KEY"] = MASTER_KEY
    from sqlalchemy import create_engine

    from services.chassis.testing import reset_schema
    from services.intake.models import Base
    from services.intake.portal.app import create_app

    reset_schema(database_url, Base.metadata)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            Base.metadata.tables["offices"]
            .insert()
            .values(office_id=OFFICE, name="Bench office", registered_at=datetime.now(UTC))
        )
    engine.dispose()
    return create_app(
        config={"secret_key": SECRET, "min_fill_seconds": 0, "ratelimit_enabled": False}
    )


def form_environs(app: Any, numbers: Iterable[int]) -> list[dict[str, Any]]:
    from services.intake.portal import guards

    environs = []
    with app.test_request_context():
        for n in numbers:
            body = form_body(guards.form_token(OFFICE), n)
            environs.append(
                EnvironBuilder(
                    path=f"/o/{OFFICE}/",
                    method="POST",
                    data=body,
                    content_type=FORM_CONTENT_TYPE,
                    headers={"User-Agent": "bench"},
                ).get_environ()
            )
    return environs


def api_environs(numbers: Iterable[int]) -> list[dict[str, Any]]:
    return [
        EnvironBuilder(
            path=f"/api/v1/offices/{OFFICE}/submissions",
            method="POST",
            data=api_body(n),
            content_type="application/json",
            headers={"User-Agent": "bench", "Idempotency-Key": f"bench-{uuid.uuid4()}"},
        ).get_environ()
        for n in numbers
    ]


def store_nothing(app: Any) -> None:
    """Store one submission through the API, then answer every later one with its receipt."""
    from services.intake import handlers

    stored: list[Any] = []
    store = handlers.accept_submission

    def first_then_again(*args: Any, **kwargs: Any) -> Any:
        if not stored:
            stored.append(store(*args, **kwargs))
        return stored[0]

    handlers.accept_submission = first_then_again  # type: ignore[assignment]
    call(app, api_environs([0])[0], 202)


def call(app: Any, environ: dict[str, Any], wanted: int) -> None:
    answered: list[str] = []
    body = b"".join(app(environ, lambda status, headers, *_: answered.append(status)))
    if not answered[0].startswith(str(wanted)):
        sys.exit(f"answered {answered[0]}, not {wanted}: {body[:300]!r}")


def timed(app: Any, environs: list[dict[str, Any]], wanted: int) -> float:
    """Seconds per request over the block."""
    started = time.perf_counter()
    for environ in environs:
        call(app, environ, wanted)
    return (time.perf_counter() - started) / len(environs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="a database URL (default: SQLite in a temp folder)")
    parser.add_argument("--blocks", type=int, default=30)
    parser.add_argument("--block", type=int, default=20)
    parser.add_argument("--profile", choices=["form", "api"], help="profile one path instead")
    parser.add_argument(
        "--web-only", action="store_true", help="time the web layer alone: nothing is stored"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{folder}/intake.db"
        app = build_app(url)
        if args.web_only:
            store_nothing(app)
        counter = iter(range(1, 10**9))

        def numbers() -> list[int]:
            return [next(counter) for _ in range(args.block)]

        paths: dict[str, tuple[Callable[[], list[dict[str, Any]]], int]] = {
            "form": (lambda: form_environs(app, numbers()), 303),
            "api": (lambda: api_environs(numbers()), 202),
        }
        for make, wanted in paths.values():  # warm-up: caches, connections, compiled statements
            timed(app, make(), wanted)
        if args.profile:
            make, wanted = paths[args.profile]
            environs = [e for _ in range(args.blocks) for e in make()]
            profiler = cProfile.Profile()
            profiler.runcall(timed, app, environs, wanted)
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(45)
            if os.environ.get("BENCH_PROFILE_DUMP"):
                stats.dump_stats(os.environ["BENCH_PROFILE_DUMP"])
            return
        per_path: dict[str, list[float]] = {name: [] for name in paths}
        ratios = []
        for block in range(args.blocks):
            seconds = {}
            # Each path goes first in every other block: the one that follows the other
            # finds the database and the allocator as that one left them.
            order = list(paths.items()) if block % 2 == 0 else list(paths.items())[::-1]
            for name, (make, wanted) in order:
                seconds[name] = timed(app, make(), wanted)
                per_path[name].append(seconds[name])
            ratios.append(seconds["form"] / seconds["api"])
        backend = "web layer only" if args.web_only else url.split(":", 1)[0]
        form_us = statistics.median(per_path["form"]) * 1e6
        api_us = statistics.median(per_path["api"]) * 1e6
        low, _, high = statistics.quantiles(ratios, n=4)
        print(
            f"{backend}: form {form_us:.0f} µs, API {api_us:.0f} µs per submission (medians of "
            f"{args.blocks} blocks of {args.block}); form/API: median "
            f"{statistics.median(ratios):.3f}, quartiles {low:.3f} to {high:.3f}"
        )


if __name__ == "__main__":
    main()
