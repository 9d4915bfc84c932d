"""tenant wall: row-level security forced on every office table; service and platform roles

Revision ID: f93f340456fd
Revises: c85fc3cea156
Create Date: 2026-12-01 21:30:00.000000

Row-level security, enabled and forced on cases, their timeline, the staff roster, the
reference counters, outbox and audit log, keeps every query inside the office its unit of work
set, even one that forgets its filter. casework_cases works behind it;
casework_cases_platform reaches the outbox only, for the relay.
Policies, roles and grants: services.chassis.tenant_wall (nothing happens on SQLite).
"""

from services.chassis.tenant_wall import revision_steps

revision, down_revision, branch_labels, depends_on = "f93f340456fd", "c85fc3cea156", None, None
upgrade, downgrade = revision_steps("cases")
