#!/bin/sh
# Container entrypoint: `<service>` migrates that service's database to head and runs it;
# `smtp-sink` runs the development mail sink; anything else is run as given.
set -eu

case "${1:-}" in
gateway | intake | cases | agencies | notify | metrics)
    service="$1"
    python -m services.chassis.migrate "$service"
    exec nameko run "services.$service.service" --config "services/$service/config.yaml"
    ;;
smtp-sink)
    exec python scripts/smtp_sink.py
    ;;
"" | --help | -h)
    echo "usage: <gateway|intake|cases|agencies|notify|metrics|smtp-sink> | <command> [args...]"
    exit 0
    ;;
*)
    exec "$@"
    ;;
esac
