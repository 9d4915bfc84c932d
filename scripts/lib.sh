# shellcheck shell=bash
# Shared by scripts/run and scripts/test: the virtualenv and the local RabbitMQ and PostgreSQL a
# developer needs, installed with apt-get on a fresh Debian/Ubuntu machine and started if stopped.
# Everything here is idempotent: the second call of each function does nothing.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
INSTALL_STAMP="$VENV/.casework-pyproject.sha256"
# shellcheck disable=SC2034 # used by the scripts that source this file
SERVICES=(gateway intake cases agencies notify metrics)
# shellcheck disable=SC2034
declare -A SERVICE_PORTS=([gateway]=8000 [intake]=8006 [cases]=8002 [agencies]=8003 [notify]=8004 [metrics]=8005)
# Processes that run beside a service's nameko process, on its database: the service each
# belongs to, and its port (address variable CASEWORK_<PROCESS>_ADDRESS, e.g.
# CASEWORK_INTAKE_WEB_ADDRESS). intake-web serves the constituent portal and the public API.
# shellcheck disable=SC2034
declare -A WEB_PROCESSES=([intake-web]=intake)
# shellcheck disable=SC2034
declare -A WEB_PORTS=([intake-web]=8001)

# Bounded waits, in seconds; override when a slow machine needs longer.
RABBITMQ_WAIT="${CASEWORK_RABBITMQ_WAIT:-90}"
POSTGRES_WAIT="${CASEWORK_POSTGRES_WAIT:-60}"

say() { printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "root is needed for: $* (run as root or install sudo)"
  fi
}

# Daemons live in /usr/sbin, which is not on a normal user's PATH on Debian.
system_command() {
  command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; }
}

has_systemd() { [ -d /run/systemd/system ]; }

_APT_UPDATED=""
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* with your package manager"
  if [ -z "$_APT_UPDATED" ]; then
    say "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
    _APT_UPDATED=1
  fi
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" ||
    die "apt-get install $* failed"
}

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# wait_port HOST PORT SECONDS
wait_port() {
  local deadline=$((SECONDS + $3))
  until port_open "$1" "$2"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 1
  done
}

# --- Python ---------------------------------------------------------------------------------

is_python311() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1; }

find_python311() {
  local candidate
  for candidate in python3.11 /usr/bin/python3.11 /usr/local/bin/python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 && is_python311 "$candidate"; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

create_venv() {
  local python
  python="$(find_python311)" || {
    apt_install python3.11 python3.11-venv
    python="$(find_python311)" || die "Python 3.11 is required and could not be installed"
  }
  say "creating .venv with $python"
  if ! "$python" -m venv "$VENV" >/dev/null 2>&1; then
    # Debian's Python ships without ensurepip until python3.11-venv is installed.
    rm -rf "$VENV"
    apt_install python3.11-venv
    "$python" -m venv "$VENV" || die "could not create $VENV with $python"
  fi
}

# Creates .venv if missing and reinstalls the project only when pyproject.toml changed.
ensure_venv() {
  if [ ! -x "$VENV/bin/python" ] || ! is_python311 "$VENV/bin/python"; then
    [ -e "$VENV" ] && warn "$VENV is not a Python 3.11 virtualenv; recreating it"
    rm -rf "$VENV"
    create_venv
  fi
  local wanted
  wanted="$(sha256sum "$REPO_ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [ ! -f "$INSTALL_STAMP" ] || [ "$(cat "$INSTALL_STAMP")" != "$wanted" ]; then
    say "pyproject.toml changed since the last install: pip install -e '.[dev]'"
    (cd "$REPO_ROOT" && "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]') ||
      die "pip install -e '.[dev]' failed"
    echo "$wanted" >"$INSTALL_STAMP"
  fi
  export VIRTUAL_ENV="$VENV"
  export PATH="$VENV/bin:$PATH"
  # eventlet announces its own deprecation (nameko runs on it) in every process that imports
  # it: ten lines a process in the terminal, twenty times a start. `nameko run` imports it first
  # in nameko.extensions; services/chassis/green_postgres.py silences it for our own processes.
  case ",${PYTHONWARNINGS:-}," in
  *",ignore::Warning:nameko.extensions,"*) ;;
  *) export PYTHONWARNINGS="${PYTHONWARNINGS:+$PYTHONWARNINGS,}ignore::Warning:nameko.extensions" ;;
  esac
  cd "$REPO_ROOT" || exit 1
  mkdir -p var
}

# --- RabbitMQ -------------------------------------------------------------------------------

# RabbitMQ's file handle cache hands out what the broker may open (queues' files and client
# sockets alike) from the node's open-file limit; at the 1024 a fresh Debian install gets
# outside systemd, two test runs side by side (each a vhost per test, every service's quorum
# queues in it) use it up, and then every new connection waits in its handshake for good.
# RabbitMQ's documented cure outside systemd: raise the soft limit in rabbitmq-env.conf.
raise_rabbitmq_open_files() {
  local conf=/etc/rabbitmq/rabbitmq-env.conf
  [ -d /etc/rabbitmq ] || return 1
  grep -qs '^ulimit -S -n' "$conf" && return 1
  # The soft limit up to the hard one (20,000 or more on the machines we know).
  # shellcheck disable=SC2016 # expanded when RabbitMQ's start script reads the file
  as_root sh -c "echo 'ulimit -S -n \"\$(ulimit -H -n)\" 2>/dev/null || true' >> $conf" ||
    { warn "could not raise RabbitMQ's open-file limit in $conf"; return 1; }
}

start_rabbitmq() {
  say "starting RabbitMQ"
  raise_rabbitmq_open_files || true
  if has_systemd; then
    as_root systemctl start rabbitmq-server && return 0
  fi
  as_root "$(system_command rabbitmq-server)" -detached
}

# A broker elsewhere (CASEWORK_AMQP_URI) is the operator's business, not this script's.
amqp_is_local() {
  [[ "${CASEWORK_AMQP_URI:-amqp://localhost}" =~ ^amqps?://([^@/]*@)?(localhost|127\.0\.0\.1)(:5672)?(/|$) ]]
}

ensure_rabbitmq() {
  if ! amqp_is_local; then
    say "CASEWORK_AMQP_URI points at another broker; not managing a local RabbitMQ"
    return 0
  fi
  port_open 127.0.0.1 5672 && return 0
  if [ -z "$(system_command rabbitmq-server)" ]; then
    apt_install rabbitmq-server
  fi
  # The package's own start (where a service manager runs) may already be on its way.
  port_open 127.0.0.1 5672 || wait_port 127.0.0.1 5672 3 || start_rabbitmq ||
    warn "the RabbitMQ start command failed; waiting for the port anyway"
  say "waiting up to ${RABBITMQ_WAIT}s for RabbitMQ on 127.0.0.1:5672"
  wait_port 127.0.0.1 5672 "$RABBITMQ_WAIT" ||
    die "RabbitMQ did not answer on 127.0.0.1:5672 within ${RABBITMQ_WAIT}s; its logs are in /var/log/rabbitmq/"
}

# nameko's pytest fixtures create a vhost per test through the management API (port 15672).
ensure_rabbitmq_management() {
  ensure_rabbitmq
  port_open 127.0.0.1 15672 && return 0
  say "enabling rabbitmq_management"
  as_root "$(system_command rabbitmq-plugins)" enable rabbitmq_management >/dev/null ||
    die "rabbitmq-plugins enable rabbitmq_management failed"
  wait_port 127.0.0.1 15672 "$RABBITMQ_WAIT" ||
    die "the RabbitMQ management API did not answer on 127.0.0.1:15672 within ${RABBITMQ_WAIT}s"
}

# A broker started outside systemd (Debian's default in a container) has 1,024 file handles.
# The tests make a vhost full of quorum queues per test, several at once; when the handles run
# out, handshakes and vhost deletions wait for ever. Restart such a broker with the raised limit.
ensure_rabbitmq_open_files() {
  amqp_is_local || return 0
  local total
  total=$(curl -fsS -u guest:guest http://127.0.0.1:15672/api/nodes 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)[0].get("fd_total", 0))' 2>/dev/null) ||
    return 0
  [ "${total:-0}" -ge 4096 ] && return 0
  # Once the setting is in place, a broker still short of handles has a hard limit we leave be.
  raise_rabbitmq_open_files || return 0
  say "RabbitMQ has ${total} file handles; restarting it with its hard limit"
  if has_systemd; then
    as_root systemctl restart rabbitmq-server || warn "could not restart RabbitMQ"
  else
    as_root "$(system_command rabbitmqctl)" stop >/dev/null 2>&1 || warn "could not stop RabbitMQ"
    start_rabbitmq || warn "the RabbitMQ start command failed; waiting for the port anyway"
  fi
  wait_port 127.0.0.1 5672 "$RABBITMQ_WAIT" ||
    die "RabbitMQ did not come back on 127.0.0.1:5672 within ${RABBITMQ_WAIT}s"
  as_root "$(system_command rabbitmqctl)" await_startup >/dev/null 2>&1 || true
  wait_port 127.0.0.1 15672 "$RABBITMQ_WAIT" ||
    die "the RabbitMQ management API did not come back on 127.0.0.1:15672"
}

# --- Redis (intake-web's rate limits, with --postgres) ---------------------------------------

start_redis() {
  say "starting Redis"
  if has_systemd; then
    as_root systemctl start redis-server && return 0
  fi
  if [ -x /etc/init.d/redis-server ]; then
    as_root /etc/init.d/redis-server start && return 0
  fi
  "$(system_command redis-server)" --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no
}

# A Redis elsewhere (CASEWORK_INTAKE_RATELIMIT_STORAGE_URI) is the operator's business.
redis_is_local() {
  [[ "${CASEWORK_INTAKE_RATELIMIT_STORAGE_URI:-}" =~ ^redis://([^@/]*@)?(localhost|127\.0\.0\.1)(:6379)?(/|$) ]]
}

ensure_redis() {
  redis_is_local || return 0
  port_open 127.0.0.1 6379 && return 0
  if [ -z "$(system_command redis-server)" ]; then
    apt_install redis-server
  fi
  port_open 127.0.0.1 6379 || wait_port 127.0.0.1 6379 3 || start_redis ||
    warn "the Redis start command failed; waiting for the port anyway"
  wait_port 127.0.0.1 6379 30 ||
    die "Redis did not answer on 127.0.0.1:6379 within 30s; its logs are in /var/log/redis/"
}

# --- PostgreSQL -----------------------------------------------------------------------------

# Debian names each cluster's directory after its major version: 15, 16...
# shellcheck disable=SC2012
postgres_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }

start_postgres() {
  say "starting PostgreSQL"
  if has_systemd; then
    as_root systemctl start postgresql && return 0
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$(postgres_version)" main start
}

# The tests and `./scripts/run --postgres` connect as postgres@127.0.0.1 without a password, as
# on the project's development machines. Only a cluster this script installed itself is changed.
trust_local_postgres_role() {
  local hba
  hba="/etc/postgresql/$(postgres_version)/main/pg_hba.conf"
  say "allowing role postgres from 127.0.0.1 and ::1 without a password ($hba)"
  as_root sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(postgres_version)" main reload
}

ensure_postgres() {
  local installed_now=""
  if ! port_open 127.0.0.1 5432; then
    if [ -z "$(postgres_version)" ]; then
      apt_install postgresql
      installed_now=1
    fi
    port_open 127.0.0.1 5432 || wait_port 127.0.0.1 5432 3 || start_postgres ||
      warn "the PostgreSQL start command failed; waiting for the port anyway"
    say "waiting up to ${POSTGRES_WAIT}s for PostgreSQL on 127.0.0.1:5432"
    wait_port 127.0.0.1 5432 "$POSTGRES_WAIT" ||
      die "PostgreSQL did not answer on 127.0.0.1:5432 within ${POSTGRES_WAIT}s; its logs are in /var/log/postgresql/"
  fi
  [ -n "$installed_now" ] && trust_local_postgres_role
  python "$REPO_ROOT/scripts/devstack.py" check-postgres "${CASEWORK_TEST_POSTGRES_URL:-postgresql+psycopg2://postgres@127.0.0.1:5432/postgres}"
}
