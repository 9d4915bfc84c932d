"""tenant wall: row-level security forced on every office table; service and platform roles

Revision ID: 156bd72c0307
Revises: e3a9c41f7d20
Create Date: 2026-12-01 21:30:00.000000

Constituents, submissions, privacy releases, the projection of offices and the chassis
outbox and audit log are held to the office of each transaction: row-level security enabled
and forced, policy on the `casework.office_id` setting. Intake then connects as
casework_intake, which can bypass none of it; only its outbox relay crosses offices, through
casework_intake_platform.
Policies, roles and grants: services.chassis.tenant_wall (nothing happens on SQLite).
"""

from services.chassis.tenant_wall import revision_steps

revision, down_revision, branch_labels, depends_on = "156bd72c0307", "e3a9c41f7d20", None, None
upgrade, downgrade = revision_steps("intake")
