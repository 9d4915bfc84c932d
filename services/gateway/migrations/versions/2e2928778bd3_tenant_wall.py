"""tenant wall: row-level security forced on every office table; service and platform roles

Revision ID: 2e2928778bd3
Revises: 4b0c3544acb8
Create Date: 2026-12-01 21:30:00.000000

Offices, users, outbox and audit log: forced row-level security for casework_gateway.
Legislature IT's office list spans offices: casework_gateway_platform reads every office row
and, of users, only office_id and active (staff counts, never names, emails or password
hashes), plus the outbox for the relay.
Policies, roles and grants: services.chassis.tenant_wall (nothing happens on SQLite).
"""

from services.chassis.tenant_wall import revision_steps

revision, down_revision, branch_labels, depends_on = "2e2928778bd3", "4b0c3544acb8", None, None
upgrade, downgrade = revision_steps("gateway")
