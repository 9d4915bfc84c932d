#!/usr/bin/env bash
# Run bench/intake_e2e.py against two versions of Casework, one after the other on this machine
# with the same arguments, and print both results side by side: before (a git revision, default
# HEAD~1) and after (this working tree). Every service on PostgreSQL; each version starts on
# freshly created databases, so neither inherits the other's rows or migrations.
#
#   bench/before_after.sh                           # HEAD~1 against the working tree
#   bench/before_after.sh 499b5b7 -n 2000 -c 16     # a revision, then intake_e2e.py's arguments
#   bench/before_after.sh 499b5b7 -n 600 -c 8 --rate 20
#   AFTER_FIRST=1 bench/before_after.sh HEAD ...       # the working tree first, then HEAD
#   ROUNDS=6 bench/before_after.sh 269cf97 -n 1200 -c 8 --rate 40
#                               # six runs on each system, without restarting it: what grows
#                               # with the tables (the side by side shows the last round)
#
# The revision is checked out in a git worktree under var/bench/ with a virtualenv of its own.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE_REV="${1:-HEAD~1}"
[ $# -gt 0 ] && shift
BENCH_ARGS=("$@")
ROUNDS="${ROUNDS:-1}"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a whole number from 1" >&2; exit 2; }
[ ${#BENCH_ARGS[@]} -gt 0 ] || BENCH_ARGS=(-n 2000 -c 16)

WORK="$HERE/var/bench"
BASE_TREE="$WORK/base"
mkdir -p "$WORK"
rm -f "$WORK"/before*.txt "$WORK"/after*.txt # an earlier invocation's figures are not these

say() { printf '==> %s\n' "$*"; }

if [ -d "$BASE_TREE" ]; then
  git -C "$BASE_TREE" checkout --quiet --detach "$(git -C "$HERE" rev-parse "$BASE_REV")" ||
    exit 1
else
  git -C "$HERE" worktree add --quiet --detach "$BASE_TREE" "$BASE_REV" || exit 1
fi

drop_databases() {
  local service
  for service in gateway intake cases agencies notify metrics; do
    psql -q -h 127.0.0.1 -U postgres -d postgres \
      -c "DROP DATABASE IF EXISTS casework_$service WITH (FORCE)" >/dev/null || return 1
  done
}

# Events a stopped run left unconsumed would be the next run's work: start each run with the
# casework queues gone (every service declares them again at start-up).
drop_queues() {
  local queue
  for queue in $(curl -fsS -u guest:guest "http://127.0.0.1:15672/api/queues/%2F?columns=name" |
    python3 -c 'import json, sys; print("\n".join(q["name"] for q in json.load(sys.stdin)))' |
    grep -e '--'); do
    curl -fsS -u guest:guest -X DELETE "http://127.0.0.1:15672/api/queues/%2F/$queue" >/dev/null ||
      return 1
  done
}

wait_ready() {
  local port deadline=$((SECONDS + 180))
  for port in 8000 8001 8002 8003 8004 8005; do
    until curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1; do
      [ "$SECONDS" -lt "$deadline" ] || return 1
      sleep 1
    done
  done
}

# stop_run PID: stop a ./scripts/run the way its user does (it stops honcho, which stops every
# process), and make sure nothing of it is left: a system still consuming would take the next
# run's events from the same queues. (Revisions before 2a3cce4 hang if the whole process group
# is signalled: their log splitter died first.)
stop_run() {
  local pid="$1" waited=0
  kill -TERM "$pid" 2>/dev/null
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 90 ]; do
    sleep 1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null || pgrep -g "$pid" >/dev/null; then
    echo "the run did not stop within 90 s; killing what is left of it" >&2
    pkill -KILL -g "$pid"
    pkill -KILL -f "nameko run services\.|services\.intake\.portal|scripts/smtp_sink|services\.notify\.fake_sms"
  fi
  wait "$pid" 2>/dev/null
}

# measure NAME TREE: start that tree's system on fresh databases, wait for its demo office, run
# the benchmark from this tree (the same load generator for both), stop the system.
measure() {
  local name="$1" tree="$2" log="$WORK/$1.run.log"
  say "$name: $(git -C "$tree" log -1 --format='%h %s')"
  drop_databases || return 1
  drop_queues || return 1
  # The benchmark is one client posting thousands of requests a minute: the portal's per-client
  # rate limits (intake-web, after the front door landed) would refuse most of them.
  (cd "$tree" && CASEWORK_INTAKE_RATELIMIT_ENABLED=false exec setsid ./scripts/run --postgres \
    >"$log" 2>&1) &
  local pid=$!
  if ! wait_ready || ! timeout 120 bash -c "until grep -q 'rep-demo' '$log'; do sleep 1; done"; then
    echo "$name did not come up; see $log" >&2
    stop_run "$pid"
    return 1
  fi
  # Let the seed's events settle before the load starts.
  sleep 3
  local round
  for round in $(seq 1 "$ROUNDS"); do
    [ "$ROUNDS" -gt 1 ] && say "$name, round $round of $ROUNDS"
    if ! "$HERE/.venv/bin/python" "$HERE/bench/intake_e2e.py" "${BENCH_ARGS[@]}" |
      tee "$WORK/$name.$round.txt"; then
      echo "$name: round $round failed" >&2
      stop_run "$pid"
      return 1
    fi
  done
  cp "$WORK/$name.$ROUNDS.txt" "$WORK/$name.txt"
  stop_run "$pid"
  timeout 30 bash -c 'while curl -fsS http://127.0.0.1:8001/live >/dev/null 2>&1; do sleep 1; done'
  database_work "$name"
}

# database_work NAME: each service database's transactions and rows written per accepted
# submission over the whole run (the demo seed's included), read once the system has stopped:
# a backend hands its counters to pg_stat_database as it exits, so nothing is still pending.
database_work() {
  local name="$1" accepted
  accepted="$(awk '/^accepted \(202\)/ { sum += $3 } END { print sum + 0 }' "$WORK/$name".[0-9]*.txt)"
  [ "$accepted" -gt 0 ] || return 0
  psql -qAt -F' ' -h 127.0.0.1 -U postgres -d postgres -c "
    SELECT string_agg(format('%s %s/%s', substr(datname, 10),
             round(xact_commit::numeric / $accepted, 1),
             round((tup_inserted + tup_updated + tup_deleted)::numeric / $accepted, 1)),
           ', ' ORDER BY datname)
      FROM pg_stat_database WHERE datname LIKE 'casework\_%'" |
    sed 's/^/commits\/rows written per submission  /' >"$WORK/$name.db.txt"
  cat "$WORK/$name.db.txt"
}

# The second of two runs measures slower (an A/A run of one revision against itself: about
# 13 % more service CPU in the second slot). AFTER_FIRST=1 swaps the order; run both orders
# when a change is smaller than that.
if [ -n "${AFTER_FIRST:-}" ]; then
  measure after "$HERE" || exit 1
  measure before "$BASE_TREE" || exit 1
else
  measure before "$BASE_TREE" || exit 1
  measure after "$HERE" || exit 1
fi
# Leave no benchmark events for the next ./scripts/run on this broker to consume.
drop_queues

if [ "$ROUNDS" -gt 1 ]; then
  say "CPU ms per submission, round by round on one running system"
  for round in $(seq 1 "$ROUNDS"); do
    for name in before after; do
      printf 'round %-3s %-7s%s\n' "$round" "$name" \
        "$(grep 'CPU ms per submission' "$WORK/$name.$round.txt" | cut -c25-)"
    done
  done
fi
last=""
[ "$ROUNDS" -gt 1 ] && last=", the last of $ROUNDS rounds"
say "side by side (${BENCH_ARGS[*]})$last"
# intake_e2e.py prints a 24-character label, then the figures; its --timeline rows a
# 19-character one (the window and its count of submissions, the same in both runs).
printf '%-24s%-48s| %s\n' "" "before ($BASE_REV)" "after (working tree)"
paste -d'|' "$WORK/before.txt" "$WORK/after.txt" |
  awk -F'|' '
    /^sent at/ { label = 19; printf "%-19s%-53s| %s\n", "sent at (s)    n", substr($1, 19), substr($2, 19); next }
    { width = label ? label : 24
      printf "%-" width "s%-" (72 - width) "s| %s\n", substr($1, 1, width), substr($1, width + 1), substr($2, width + 1) }'
for name in before after; do
  [ -f "$WORK/$name.db.txt" ] && printf '%-7s %s\n' "$name" "$(cat "$WORK/$name.db.txt")"
done
