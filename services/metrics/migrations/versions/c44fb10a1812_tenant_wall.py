"""tenant wall: row-level security forced on every office table; service and platform roles

Revision ID: c44fb10a1812
Revises: 931fd7f859e7
Create Date: 2026-12-01 21:30:00.000000

All six metrics tables hold one office's numbers and get forced row-level security on the
tenant setting. Roll-ups and the business metrics scraped by Prometheus are cross-office by
nature: casework_metrics_platform may read (and fold) every office's counted events, daily
totals and acknowledgement times, besides the outbox, and nothing else.
Policies, roles and grants: services.chassis.tenant_wall (nothing happens on SQLite).
"""

from services.chassis.tenant_wall import revision_steps

revision, down_revision, branch_labels, depends_on = "c44fb10a1812", "931fd7f859e7", None, None
upgrade, downgrade = revision_steps("metrics")
