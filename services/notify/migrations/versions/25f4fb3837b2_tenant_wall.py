"""tenant wall: row-level security forced on every office table; service and platform roles

Revision ID: 25f4fb3837b2
Revises: bd4e654e218c
Create Date: 2026-12-01 21:30:00.000000

Deliveries, recipients, opened cases, the offices notify writes from, outbox and audit
log: row-level security forced, one office per transaction, for casework_notify and even the
owner. The relay alone crosses offices, as casework_notify_platform, on the outbox.
Policies, roles and grants: services.chassis.tenant_wall (nothing happens on SQLite).
"""

from services.chassis.tenant_wall import revision_steps

revision, down_revision, branch_labels, depends_on = "25f4fb3837b2", "bd4e654e218c", None, None
upgrade, downgrade = revision_steps("notify")
