"""tenant wall: row-level security forced on every office table; service and platform roles

Revision ID: 6ed1fbc173b2
Revises: bb38dca13681
Create Date: 2026-12-01 21:30:00.000000

Liaison contacts, agency suggestions, outbox and audit log get forced row-level security
on the tenant setting. The legislature-wide directory (agencies, agency_categories) has no
office_id: every office reads it, and from now on only migrations write it (read-only for
casework_agencies). casework_agencies_platform: the outbox and the directory.
Policies, roles and grants: services.chassis.tenant_wall (nothing happens on SQLite).
"""

from services.chassis.tenant_wall import revision_steps

revision, down_revision, branch_labels, depends_on = "6ed1fbc173b2", "bb38dca13681", None, None
upgrade, downgrade = revision_steps("agencies")
