#!/bin/sh
# Container entrypoint: `<service>` migrates that service's database to head and runs it
# (a no-op once `migrate` has run: the service's own role may not change the schema);
# `intake-web` does the same for intake's database and serves the constituent portal and the
# public API (it starts without RabbitMQ);
# `migrate [SERVICE...]` is the one-shot deploy step behind the tenant wall: the roles and
# databases (as CASEWORK_POSTGRES_ADMIN_URL, when set), the migrations as each owner role, then
# the catalog check; `smtp-sink` runs the development mail sink; anything else is run as given.
set -eu

case "${1:-}" in
gateway | intake | cases | agencies | notify | metrics)
    service="$1"
    python -m services.chassis.migrate "$service"
    exec nameko run "services.$service.service" --config "services/$service/config.yaml"
    ;;
intake-web)
    python -m services.chassis.migrate intake
    exec python -m services.intake.portal
    ;;
migrate)
    shift
    if [ -n "${CASEWORK_POSTGRES_ADMIN_URL:-}" ]; then
        python -m services.chassis.tenant_wall create-roles "$@"
    fi
    python -m services.chassis.migrate "$@"
    exec python -m services.chassis.tenant_wall check "$@"
    ;;
smtp-sink)
    exec python scripts/smtp_sink.py
    ;;
"" | --help | -h)
    echo "usage: <gateway|intake|intake-web|cases|agencies|notify|metrics|migrate|smtp-sink> | <command> [args...]"
    exit 0
    ;;
*)
    exec "$@"
    ;;
esac
