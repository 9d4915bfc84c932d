"""Metrics: read models built from every service's events (office daily counts, caseload per
caseworker, time to acknowledgement), served to dashboards by RPC and to Prometheus."""
