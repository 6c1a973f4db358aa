# shellcheck shell=bash
# PostgreSQL and Redis for the suites that need real servers. Sourced by .ci/run, which calls
# `ci_services`; runnable alone from the repository root (after `pnpm install`, for the pg driver):
#   bash .ci/services.sh        # prints the URLs it exports, exits 1 when a server cannot be had
# Uses the servers that answer on 127.0.0.1 (MESSAGEJS_TEST_DATABASE_URL / MESSAGEJS_TEST_REDIS_URL
# when set), otherwise installs Debian's postgresql and redis-server and starts them: PostgreSQL
# with trust authentication for local TCP, Redis with no persistence. Exports
# MESSAGEJS_TEST_DATABASE_URL and MESSAGEJS_TEST_REDIS_URL for the test run.

CI_PG_PORT="${CI_PG_PORT:-5432}"
CI_REDIS_PORT="${CI_REDIS_PORT:-6379}"

# Whether PostgreSQL at $1 answers a query, through the pg driver the tests use.
pg_answers() {
  # shellcheck disable=SC2016 # JavaScript, not shell, in single quotes
  (cd packages/relay && PGURL="$1" timeout 15 node -e '
    const pg = require("pg");
    const client = new pg.Client({ connectionString: process.env.PGURL, connectionTimeoutMillis: 3000 });
    client.on("error", () => {});
    client.connect().then(() => client.query("SELECT 1")).then(
      () => process.exit(0),
      (error) => { console.error(`  ${process.env.PGURL}: ${error.message || error.code}`); process.exit(1); },
    );
  ')
}

# Whether Redis at $1 answers PING, through the ioredis client the relay uses.
redis_answers() {
  # shellcheck disable=SC2016 # JavaScript, not shell, in single quotes
  (cd packages/relay && REDISURL="$1" timeout 15 node -e '
    const ioredis = require("ioredis");
    const Redis = ioredis.default ?? ioredis;
    const redis = new Redis(process.env.REDISURL, {
      lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null,
    });
    let why = "no answer";
    redis.on("error", (error) => (why = error.message || error.code));
    redis.connect().then(() => redis.ping()).then(
      () => { redis.disconnect(); process.exit(0); },
      () => { console.error(`  ${process.env.REDISURL}: ${why}`); process.exit(1); },
    );
  ')
}

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local seconds=$1
  shift
  for ((i = 0; i < seconds * 2; i++)); do
    "$@" 2>/dev/null && return 0
    sleep 0.5
  done
  "$@"
}

apt_install() {
  echo "installing $* (apt-get)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null)
}

# Starts (or reconfigures) the Debian cluster on $CI_PG_PORT with trust auth for local TCP.
start_postgres() {
  command -v pg_lsclusters >/dev/null 2>&1 || apt_install postgresql || return 1
  local version name
  read -r version name < <(pg_lsclusters --no-header | awk -v port="$CI_PG_PORT" '$3 == port { print $1, $2; exit }')
  if [[ -z ${version:-} ]]; then
    version="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)"
    name=ci
    [[ -n $version ]] || { echo "  no PostgreSQL server binaries under /usr/lib/postgresql"; return 1; }
    pg_createcluster "$version" "$name" --port "$CI_PG_PORT" >/dev/null || return 1
  fi
  local hba="/etc/postgresql/$version/$name/pg_hba.conf"
  # The first matching line wins: trust for TCP from this machine goes first.
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    { printf '%s\n' 'host all all 127.0.0.1/32 trust' 'host all all ::1/128 trust'; cat "$hba"; } >"$hba.ci" &&
      cat "$hba.ci" >"$hba" && rm -f "$hba.ci" || return 1
  fi
  if pg_ctlcluster "$version" "$name" status >/dev/null 2>&1; then
    pg_ctlcluster "$version" "$name" reload || return 1
    echo "reloaded PostgreSQL $version/$name on 127.0.0.1:$CI_PG_PORT with trust for local TCP"
  else
    pg_ctlcluster "$version" "$name" start || return 1
    echo "started PostgreSQL $version/$name on 127.0.0.1:$CI_PG_PORT"
  fi
}

start_redis() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server || return 1
  # The package may have started one already.
  redis_answers "redis://127.0.0.1:$CI_REDIS_PORT" 2>/dev/null && return 0
  redis-server --daemonize yes --bind 127.0.0.1 --port "$CI_REDIS_PORT" --save "" --appendonly no >/dev/null || return 1
  echo "started Redis on 127.0.0.1:$CI_REDIS_PORT"
}

# Exports MESSAGEJS_TEST_DATABASE_URL and MESSAGEJS_TEST_REDIS_URL for servers that answer;
# returns 1, saying which and why, when either cannot be had.
ci_services() {
  local ok=0
  local local_pg="postgres://postgres@127.0.0.1:$CI_PG_PORT/postgres"
  if [[ -n ${MESSAGEJS_TEST_DATABASE_URL:-} ]] && pg_answers "$MESSAGEJS_TEST_DATABASE_URL"; then
    echo "PostgreSQL: using $MESSAGEJS_TEST_DATABASE_URL"
  elif pg_answers "$local_pg"; then
    echo "PostgreSQL: using the server on 127.0.0.1:$CI_PG_PORT"
    export MESSAGEJS_TEST_DATABASE_URL="$local_pg"
  elif echo "PostgreSQL: none answers on 127.0.0.1:$CI_PG_PORT, starting one" && start_postgres &&
    wait_for 30 pg_answers "$local_pg"; then
    export MESSAGEJS_TEST_DATABASE_URL="$local_pg"
  else
    echo "ERROR: no PostgreSQL answers on 127.0.0.1:$CI_PG_PORT and none could be started"
    ok=1
  fi

  local local_redis="redis://127.0.0.1:$CI_REDIS_PORT"
  if [[ -n ${MESSAGEJS_TEST_REDIS_URL:-} ]] && redis_answers "$MESSAGEJS_TEST_REDIS_URL"; then
    echo "Redis: using $MESSAGEJS_TEST_REDIS_URL"
  elif redis_answers "$local_redis"; then
    echo "Redis: using the server on 127.0.0.1:$CI_REDIS_PORT"
    export MESSAGEJS_TEST_REDIS_URL="$local_redis"
  elif echo "Redis: none answers on 127.0.0.1:$CI_REDIS_PORT, starting one" && start_redis &&
    wait_for 15 redis_answers "$local_redis"; then
    export MESSAGEJS_TEST_REDIS_URL="$local_redis"
  else
    echo "ERROR: no Redis answers on 127.0.0.1:$CI_REDIS_PORT and none could be started"
    ok=1
  fi
  return $ok
}

# Run alone: report what the test run would use.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  cd "$(dirname "$0")/.." || exit 1
  ci_services || exit 1
  echo "MESSAGEJS_TEST_DATABASE_URL=$MESSAGEJS_TEST_DATABASE_URL"
  echo "MESSAGEJS_TEST_REDIS_URL=$MESSAGEJS_TEST_REDIS_URL"
fi
