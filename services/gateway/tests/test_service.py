"""Gateway's real entrypoints against a real broker and both databases, with small fake `cases`
and `metrics` services answering over real RPC. The checks of what the fakes' answers become
(filters, paging, refusals, outages, headers) run on PostgreSQL only (`ON_POSTGRESQL`)."""

from __future__ import annotations

import io
import re
import time

import pytest
from kombu import Connection, Exchange, Queue

from services.chassis.testing import wait_until
from services.gateway import seed, web
from services.gateway.tests.support import (
    BIDI_OVERRIDE,
    DEMO_CASES,
    OFFICE,
    OFFICE_NAME,
    ON_POSTGRESQL,
    OTHER_OFFICE,
    PLATFORM,
    QUEUE_NOW,
    RPC_TIMEOUT_SECONDS,
    FakeCases,
    FakeMetrics,
    Gateway,
    read_page,
    register_lopez,
)


@pytest.fixture
def rpc_timeout() -> float:
    """These tests wait for the deadline itself: keep it short."""
    return RPC_TIMEOUT_SECONDS


def rpc_failures(gateway: Gateway, service: str) -> float:
    """The failure counter as Prometheus scrapes it (counters live as long as the process)."""
    sample = f'casework_gateway_rpc_failures_total{{service="{service}"}} '
    for line in gateway.get("/metrics").text.splitlines():
        if line.startswith(sample):
            return float(line.removeprefix(sample))
    return 0.0


def queue_depth(amqp_uri: str, queue: str) -> int:
    with Connection(amqp_uri) as connection, connection.channel() as channel:
        _, depth, _ = channel.queue_declare(queue, passive=True)
        return int(depth)


def silent_service(amqp_uri: str, service: str) -> None:
    """The service's RPC queue exists (it ran once) but nobody consumes it: only the deadline
    stops a caller waiting."""
    with Connection(amqp_uri) as connection, connection.channel() as channel:
        Queue(
            f"rpc-{service}",
            exchange=Exchange("nameko-rpc", type="topic", durable=True),
            routing_key=f"{service}.*",
            durable=True,
        )(channel).declare()


def test_the_platform_admin_sees_every_office_but_no_link_into_its_cases(
    demo_office: Gateway,
) -> None:
    register_lopez()
    demo_office.log_in(seed.PLATFORM_ADMIN_EMAIL, workplace=PLATFORM)

    response = demo_office.get("/")

    assert response.status_code == 200
    assert response.url.endswith("/platform/offices")
    page = read_page(response.text)
    assert page.lang == "en"
    assert page.header_cells == ["Office", "Office ID", "Replies from", "Staff"]
    assert page.rows == [
        ["Office of Rep. Ana Lopez", OTHER_OFFICE, "casework@lopez.example.gov", "0"],
        [OFFICE_NAME, OFFICE, "casework@demo.example.gov", "6"],
    ]
    assert f'href="/offices/{OFFICE}/cases"' not in response.text
    # Legislature IT reads no case content, by URL or API.
    assert demo_office.get(f"/offices/{OFFICE}/cases").status_code == 403
    assert demo_office.get(f"/api/v1/offices/{OFFICE}/cases").status_code == 403


def test_a_caseworker_cannot_open_the_platform_pages(demo_office: Gateway) -> None:
    assert demo_office.get("/platform/offices").status_code == 403
    assert demo_office.get("/platform/health").status_code == 403


def test_platform_health_shows_which_services_do_not_consume_their_events(
    demo_office: Gateway,
) -> None:
    demo_office.log_in(seed.PLATFORM_ADMIN_EMAIL, workplace=PLATFORM)

    response = demo_office.get("/platform/health")

    assert response.status_code == 200
    page = read_page(response.text)
    services = {row[0]: row[1:] for row in page.rows if not row[0].count("--")}
    # Only fakes answer RPC here: no service consumes its events.
    assert set(services) == {"agencies", "cases", "intake", "metrics", "notify"}
    assert all(row[0] == "No: not running, or stuck" for row in services.values())
    assert "cases--intake.submission_received" in response.text


def test_the_case_queue_page_shows_each_case_and_the_offices_counts(
    demo_office: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web, "utcnow", lambda: QUEUE_NOW)
    response = demo_office.get(f"/offices/{OFFICE}/cases")

    assert response.status_code == 200, response.text
    page = read_page(response.text)
    assert page.headings["h1"] == ["Office queue"]
    assert OFFICE_NAME in response.text
    assert page.header_cells == [
        "Reference",
        "Constituent",
        "Subject",
        "Category and agency",
        "Assigned to",
        "Status",
        "Opened",
        "Next action",
    ]
    assert [row[0] for row in page.rows] == [case["reference"] for case in DEMO_CASES]
    assert page.rows[0] == [
        "CW-2026-000006",
        "Tomás Herrera",
        "Passport needed for <b>flight</b> on Friday",
        "Passport DOS",
        "Unassigned",
        "Open Urgent",
        "Today",
        "None",
    ]
    assert page.rows[1][6] == "Yesterday"
    assert page.rows[2][5:7] == ["Waiting on agency", "3 days ago"]
    assert page.rows[5][3] == "Tax Agency not yet known"
    # A right-to-left override in a subject is removed and the subject isolated in a <bdi>.
    assert page.rows[3][2] == "Benefit letter says evil"
    assert "<td><bdi>Benefit letter says evil</bdi></td>" in response.text
    assert BIDI_OVERRIDE not in response.text
    # Autoescaped: a subject is text, never markup.
    assert "&lt;b&gt;flight&lt;/b&gt;" in response.text
    assert "<b>flight</b>" not in response.text
    assert "Requests received" in response.text and ">7<" in response.text
    assert page.labels_for == [
        "status",
        "assignee",
        "category",
        "agency",
        "priority",
        "tag",
        "overdue",
        "unassigned",
    ]


@ON_POSTGRESQL
def test_the_status_filter_reaches_the_case_service(demo_office: Gateway) -> None:
    response = demo_office.get(f"/offices/{OFFICE}/cases", params={"status": "waiting_on_agency"})

    assert response.status_code == 200
    assert [row[0] for row in read_page(response.text).rows] == ["CW-2026-000004"]
    assert '<option value="waiting_on_agency" selected>' in response.text


@ON_POSTGRESQL
def test_a_long_queue_is_paged_with_links_that_keep_the_filter(demo_office: Gateway) -> None:
    response = demo_office.get(f"/offices/{OFFICE}/cases", params={"status": "open", "limit": 2})

    page = read_page(response.text)
    assert [row[0] for row in page.rows] == ["CW-2026-000006", "CW-2026-000005"]
    assert "1\u20132 of 3" in response.text
    assert 'href="?status=open&amp;offset=2&amp;limit=2"' in response.text
    assert "Previous" not in response.text


@ON_POSTGRESQL
def test_an_unknown_status_on_the_page_is_a_400_that_names_the_choices(
    demo_office: Gateway,
) -> None:
    response = demo_office.get(f"/offices/{OFFICE}/cases", params={"status": "lost"})

    assert response.status_code == 400
    assert "status: choose one of: new, open" in response.text


def test_the_api_lists_the_same_cases_as_json(demo_office: Gateway) -> None:
    response = demo_office.get(f"/api/v1/offices/{OFFICE}/cases")

    assert response.status_code == 200
    body = response.json()
    assert body["office_id"] == OFFICE
    assert body["total"] == len(DEMO_CASES)
    assert body["status"] is None and body["limit"] == 50 and body["offset"] == 0
    first = body["cases"][0]
    assert first["reference"] == "CW-2026-000006"
    assert first["urgent"] is True and first["assigned_to_name"] is None
    assert first["opened_at"] == DEMO_CASES[0]["opened_at"].isoformat()
    assert set(first) == {
        "case_id",
        "reference",
        "status",
        "subject",
        "category",
        "constituent_name",
        "urgent",
        "opened_at",
        "assigned_to_id",
        "assigned_to_name",
        "agency_code",
        "priority",
        "tags",
        "due_on",
    }


@ON_POSTGRESQL
def test_the_api_filters_and_pages(demo_office: Gateway) -> None:
    response = demo_office.get(
        f"/api/v1/offices/{OFFICE}/cases", params={"status": "open", "limit": 2, "offset": 1}
    )

    body = response.json()
    assert response.status_code == 200
    assert body["total"] == 3
    assert [case["reference"] for case in body["cases"]] == ["CW-2026-000005", "CW-2026-000003"]


BAD_QUERIES = [
    {"status": "lost"},
    {"limit": "0"},
    {"limit": "many"},
    {"offset": "-1"},
    {"sort": "name"},
]


@ON_POSTGRESQL
def test_the_api_refuses_a_bad_query_naming_the_parameter(demo_office: Gateway) -> None:
    for params in BAD_QUERIES:
        response = demo_office.get(f"/api/v1/offices/{OFFICE}/cases", params=params)

        assert response.status_code == 422, params
        error = response.json()["error"]
        assert error["code"] == "validation_failed"
        assert set(error["fields"]) == set(params)


def test_an_unknown_office_is_a_404_page_and_a_404_in_the_api(demo_office: Gateway) -> None:
    page = demo_office.get("/offices/rep-nobody/cases")
    api = demo_office.get("/api/v1/offices/rep-nobody/cases")

    assert page.status_code == 404
    assert "text/html" in page.headers["Content-Type"]
    assert read_page(page.text).headings["h1"] == ["Not found"]
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"


@ON_POSTGRESQL
def test_without_a_case_service_the_page_says_the_list_is_unavailable(
    gateway: Gateway,
) -> None:
    seed.main(out=io.StringIO())
    gateway.start(FakeMetrics)
    gateway.log_in()
    failures_before = rpc_failures(gateway, "cases")

    began = time.monotonic()
    response = gateway.get(f"/offices/{OFFICE}/cases")

    assert time.monotonic() - began < RPC_TIMEOUT_SECONDS + 2
    assert response.status_code == 503
    page = read_page(response.text)
    assert page.headings["h1"] == ["Office queue"]
    assert "The case list is unavailable right now" in page.alerts[0]
    assert page.rows == []
    assert rpc_failures(gateway, "cases") == failures_before + 1


@ON_POSTGRESQL
def test_a_case_service_that_never_answers_gives_503_within_the_deadline(
    gateway: Gateway,
) -> None:
    seed.main(out=io.StringIO())
    gateway.log_in()
    silent_service(gateway.amqp_uri, "cases")

    began = time.monotonic()
    page = gateway.get(f"/offices/{OFFICE}/cases")
    api = gateway.get(f"/api/v1/offices/{OFFICE}/cases")
    elapsed = time.monotonic() - began

    assert RPC_TIMEOUT_SECONDS * 2 <= elapsed < RPC_TIMEOUT_SECONDS * 2 + 3
    assert page.status_code == 503
    assert "unavailable right now" in page.text
    assert api.status_code == 503
    assert api.json()["error"]["code"] == "service_unavailable"
    # The requests expire with their deadline: a recovering service will not answer them.
    wait_until(
        lambda: queue_depth(gateway.amqp_uri, "rpc-cases") == 0,
        timeout=RPC_TIMEOUT_SECONDS + 3,
        message="expired RPC requests are still queued for cases",
    )


@ON_POSTGRESQL
def test_without_metrics_the_queue_is_still_shown_without_figures(gateway: Gateway) -> None:
    seed.main(out=io.StringIO())
    gateway.start(FakeCases)
    gateway.log_in()

    failures_before = rpc_failures(gateway, "metrics")
    not_running = gateway.get(f"/offices/{OFFICE}/cases")
    no_results = gateway.get(f"/offices/{OFFICE}/results")
    silent_service(gateway.amqp_uri, "metrics")
    began = time.monotonic()
    not_answering = gateway.get(f"/offices/{OFFICE}/cases")

    assert time.monotonic() - began < RPC_TIMEOUT_SECONDS + 2
    for response in (not_running, not_answering):
        assert response.status_code == 200
        assert len(read_page(response.text).rows) == len(DEMO_CASES)
        assert "Figures are unavailable right now." in response.text
    assert no_results.status_code == 503
    assert "The figures did not arrive in time" in no_results.text
    assert rpc_failures(gateway, "metrics") == failures_before + 3


@ON_POSTGRESQL
def test_every_page_carries_the_security_headers(demo_office: Gateway) -> None:
    paths = [
        "/",
        f"/offices/{OFFICE}/cases",
        "/offices/rep-nobody/cases",
        f"/api/v1/offices/{OFFICE}/cases",
        "/static/gateway.css",
    ]
    for path in paths:
        headers = demo_office.get(path).headers
        assert headers["Content-Security-Policy"].startswith("default-src 'self'"), path
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Frame-Options"] == "DENY"
    assert demo_office.get(f"/offices/{OFFICE}/cases").headers["Cache-Control"] == "no-store"


@ON_POSTGRESQL
def test_the_results_page_shows_what_the_office_achieved_and_how_satisfied_people_were(
    demo_office: Gateway,
) -> None:
    page = demo_office.get(f"/offices/{OFFICE}/results")

    assert page.status_code == 200
    words = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "Cases closed 5" in words
    assert "Resolved in the constituent's favour 75%" in words  # 3 of the 4 not withdrawn
    assert "Median time to close 23.5 days" in words
    assert "Satisfaction 4.2 of 5" in words
    assert "Payment released 2 40%" in words
    assert "Money recovered (USD) 4,120.50" in words
    assert "4 constituents answered" in words
    assert "5 · Very well 2 50%" in words and "1 · Poorly 0 0%" in words
    assert '<a href="/offices/rep-demo/results" aria-current="page">Results</a>' in page.text


def test_health_and_red_metrics(demo_office: Gateway) -> None:
    assert demo_office.get("/live").json()["status"] == "live"
    assert demo_office.get("/ready").json()["checks"] == {"database": "ok", "broker": "ok"}
    demo_office.get(f"/offices/{OFFICE}/cases")

    metrics = demo_office.get("/metrics").text

    assert (
        'casework_gateway_entrypoint_calls_total{entrypoint="case_queue_page",outcome="ok"}'
        in metrics
    )
