#!/usr/bin/env bash
# Runs compose.yaml's topology as plain processes on this machine, against the local PostgreSQL and
# Redis, with the same commands the compose services run: `migrate` once, two relays
# `start --no-worker` and one `worker --health-port …`. Then it checks readiness of all three, sends
# a message through relay 1, reads it back delivered through relay 2, and stops what it started.
#
#   deploy/run-as-processes.sh           # a fresh database, dropped at the end
#   deploy/run-as-processes.sh --keep    # leave the processes running until Ctrl-C
#
# Settings (environment):
#   MESSAGEJS_DATABASE_URL   use this database (kept) instead of making a fresh one on PG_ADMIN_URL
#   PG_ADMIN_URL             default postgres://postgres@127.0.0.1:5432/postgres
#   MESSAGEJS_REDIS_URL      default redis://127.0.0.1:6379
#   MESSAGEJS_MASTER_KEY     default: a random key for this run
#   RELAY_1_PORT, RELAY_2_PORT, WORKER_HEALTH_PORT   default 8787, 8788, 8789
# Needs the relay built (`pnpm build`).
set -euo pipefail

keep=false
[[ "${1:-}" == "--keep" ]] && keep=true

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cli="$root/packages/relay/dist/cli.js"
pg_module="$root/packages/relay/node_modules/pg"
[[ -f "$cli" ]] || { echo "No $cli: run pnpm build first." >&2; exit 1; }

relay_1_port=${RELAY_1_PORT:-8787}
relay_2_port=${RELAY_2_PORT:-8788}
worker_health_port=${WORKER_HEALTH_PORT:-8789}
pg_admin_url=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
work=$(mktemp -d "${TMPDIR:-/tmp}/messagejs-processes.XXXXXX")
pids=()
made_database=""

# Creates (`create NAME`) or drops (`drop NAME`) a database on PG_ADMIN_URL with the relay's pg driver.
admin_sql() {
  # shellcheck disable=SC2016 # JavaScript template literals, not shell expansions.
  PG_MODULE="$pg_module" PG_ADMIN_URL="$pg_admin_url" node -e '
    const pg = require(process.env.PG_MODULE);
    const [verb, name] = process.argv.slice(1);
    const client = new pg.Client({ connectionString: process.env.PG_ADMIN_URL });
    const sql = verb === "create" ? `CREATE DATABASE ${name}` : `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`;
    client.connect().then(() => client.query(sql)).finally(() => client.end()).catch((e) => {
      console.error(`${sql}: ${e.message}`);
      process.exit(1);
    });' "$1" "$2"
}

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -n "$made_database" ]] && admin_sql drop "$made_database"
  if [[ $status -ne 0 ]]; then
    echo "Failed; the processes' output:" >&2
    for log in "$work"/*.log; do [[ -f "$log" ]] && { echo "== $log" >&2; tail -n 30 "$log" >&2; }; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -z "${MESSAGEJS_DATABASE_URL:-}" ]]; then
  made_database="messagejs_processes_$$"
  admin_sql create "$made_database"
  # shellcheck disable=SC2016 # a JavaScript template literal
  MESSAGEJS_DATABASE_URL=$(node -e 'const u = new URL(process.argv[1]); u.pathname = `/${process.argv[2]}`; console.log(u.toString())' "$pg_admin_url" "$made_database")
fi
export MESSAGEJS_DATABASE_URL
export MESSAGEJS_REDIS_URL=${MESSAGEJS_REDIS_URL:-redis://127.0.0.1:6379}
export MESSAGEJS_MASTER_KEY=${MESSAGEJS_MASTER_KEY:-$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')}
export HOST=127.0.0.1 LOG_LEVEL=${LOG_LEVEL:-info}

# Like the compose services: node with the image's heap settings, the command and flags as there,
# one data directory each (MESSAGEJS_DATA_DIR, as the image sets it).
# In a subshell (`relay … &`, `$(relay …)`) node replaces it (`exec`): `$!` is then node's own pid,
# and the cleanup's SIGTERM reaches the relay instead of leaving it running without its shell.
relay() {
  if [[ $BASHPID != "$$" ]]; then
    exec node --max-old-space-size=256 --max-semi-space-size=8 "$cli" "$@"
  fi
  node --max-old-space-size=256 --max-semi-space-size=8 "$cli" "$@"
}

# Waits until `healthcheck.mjs` (the image's HEALTHCHECK) passes on a port.
wait_ready() {
  local port=$1 name=$2
  for _ in $(seq 1 100); do
    if HEALTH_PORT=$port node "$here/healthcheck.mjs"; then echo "$name ready on $port"; return 0; fi
    sleep 0.2
  done
  echo "$name is not ready on $port after 20 s" >&2
  return 1
}

echo "== migrate"
MESSAGEJS_DATA_DIR="$work/migrate" relay migrate

echo "== relay-1, relay-2 (start --no-worker), worker"
MESSAGEJS_DATA_DIR="$work/relay-1" PORT=$relay_1_port relay start --no-worker >"$work/relay-1.log" 2>&1 &
pids+=($!)
wait_ready "$relay_1_port" relay-1
MESSAGEJS_DATA_DIR="$work/relay-2" PORT=$relay_2_port relay start --no-worker >"$work/relay-2.log" 2>&1 &
pids+=($!)
MESSAGEJS_DATA_DIR="$work/worker" relay worker --health-port "$worker_health_port" >"$work/worker.log" 2>&1 &
pids+=($!)
wait_ready "$relay_2_port" relay-2
wait_ready "$worker_health_port" worker

echo "== a message through relay-1, delivered, read through relay-2"
project=$(relay projects list --json --data-dir "$work/relay-1" |
  node -e 'const ps = JSON.parse(require("fs").readFileSync(0, "utf8")); const demo = ps.find((p) => p.name === "Demo"); if (!demo) process.exit(1); console.log(demo.id)') ||
  { echo "No Demo project in the database: the smoke test sends its order_update template." >&2; exit 1; }
key=$(relay keys create --project "$project" --kind secret --name run-as-processes --json --data-dir "$work/relay-1" |
  node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).key)')
node "$here/smoke.mjs" "http://127.0.0.1:$relay_1_port" "http://127.0.0.1:$relay_2_port" "$key"

if $keep; then
  echo "Running (relay-1 :$relay_1_port, relay-2 :$relay_2_port, worker health :$worker_health_port); Ctrl-C stops them."
  wait
fi
echo "OK: migrate, two relays and a worker ran on one database; the message was delivered."
