"""Metrics: read models built from every service's events (office daily counts, caseload per
caseworker as cases are assigned, finished and reopened, what each office's closed cases
achieved, time to acknowledgement), served to dashboards by RPC and to Prometheus."""
