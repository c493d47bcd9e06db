#!/usr/bin/env bash
# Production mode, in one of two ways:
#   - a Docker engine answers (`docker info`): `docker compose up --build -d` with
#     docker-compose.yml (MariaDB 10.11, Redis 7, Kafka 4.1.2 and the three service images);
#   - no engine (the development and CI machines here): the production build on this machine:
#     scripts/infra.sh up (MariaDB, Redis, Kafka), npm run build, then each service's
#     `node dist/main.js` with NODE_ENV=production in the background
#     (logs in logs/<service>.log, pids in .run/<service>.pid).
# Either way it waits until GET /api/health answers 200 on each and prints URLs: without Docker on
# ports 3001-3003; with Docker through the balancer (BALANCER_PORT, default 8080), the services
# publishing no host port of their own, so that they can be scaled.
#
# Needs user-service's access-token signing keys (an Ed25519 private JWK Set): JWT_PRIVATE_KEYS
# (or, without Docker, JWT_PRIVATE_KEYS_FILE) from the environment, or JWT_PRIVATE_KEYS from a
# `.env` file at the repository root (the file docker compose reads), e.g.
#   echo "JWT_PRIVATE_KEYS='$(npm run -s keys:generate -w user-service)'" >> .env
#
# Usage: scripts/start-prod.sh [--docker | --no-docker]   (default: --docker when an engine answers)
# Stop:  scripts/stop-prod.sh
# Environment: HEALTH_TIMEOUT (seconds, default 180); USER_SERVICE_PORT, ORDER_SERVICE_PORT,
# INVENTORY_SERVICE_PORT (ports without Docker, default 3001-3003); WEB_CONCURRENCY (worker processes per
# service, default 1; the pid in .run/ is then the primary's, which stops every worker on SIGTERM);
# without Docker also the services' DB_*, REDIS_*, KAFKA_BROKER, LOG_LEVEL, ... (see the README's
# Configuration).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SERVICES=(
  "user-service:${USER_SERVICE_PORT:-3001}"
  "order-service:${ORDER_SERVICE_PORT:-3002}"
  "inventory-service:${INVENTORY_SERVICE_PORT:-3003}"
)
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-180}"

say() { printf '[start-prod] %s\n' "$*"; }
die() { printf '[start-prod] ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

mode=auto
for arg in "$@"; do
  case "$arg" in
    --docker) mode=docker ;;
    --no-docker) mode=local ;;
    -h | --help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done

engine_answers() { have docker && docker info >/dev/null 2>&1; }
if [[ $mode == auto ]]; then
  if engine_answers; then mode=docker; else mode=local; fi
elif [[ $mode == docker ]] && ! engine_answers; then
  die "--docker: no Docker engine answers (docker info failed)"
fi

# JWT_PRIVATE_KEYS(_FILE) from the environment, else JWT_PRIVATE_KEYS from ./.env; user-service
# checks the keys themselves at start (and names what is wrong).
if [[ -z "${JWT_PRIVATE_KEYS:-}" && -z "${JWT_PRIVATE_KEYS_FILE:-}" && -f .env ]]; then
  JWT_PRIVATE_KEYS="$(sed -n 's/^[[:space:]]*\(export[[:space:]]\{1,\}\)\{0,1\}JWT_PRIVATE_KEYS=//p' .env | tail -n 1)"
  JWT_PRIVATE_KEYS="${JWT_PRIVATE_KEYS%\"}" && JWT_PRIVATE_KEYS="${JWT_PRIVATE_KEYS#\"}"
  JWT_PRIVATE_KEYS="${JWT_PRIVATE_KEYS%\'}" && JWT_PRIVATE_KEYS="${JWT_PRIVATE_KEYS#\'}"
fi
if [[ -z "${JWT_PRIVATE_KEYS:-}" && -z "${JWT_PRIVATE_KEYS_FILE:-}" ]]; then
  die "JWT_PRIVATE_KEYS is not set. Production needs user-service's signing keys (no development key is generated): set JWT_PRIVATE_KEYS (a private JWK Set) in the environment or in $ROOT/.env, e.g.  echo \"JWT_PRIVATE_KEYS='\$(npm run -s keys:generate -w user-service)'\" >> .env"
fi
if [[ $mode == docker && -z "${JWT_PRIVATE_KEYS:-}" ]]; then
  die "with Docker, give the keys inline in JWT_PRIVATE_KEYS (JWT_PRIVATE_KEYS_FILE names a file of this machine)"
fi
[[ -n "${JWT_PRIVATE_KEYS:-}" ]] && export JWT_PRIVATE_KEYS
[[ -n "${JWT_PRIVATE_KEYS_FILE:-}" ]] && export JWT_PRIVATE_KEYS_FILE

http_ok() {
  if have curl; then
    curl -fsS -o /dev/null --max-time 3 "$1" 2>/dev/null
  else
    node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(3000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' "$1"
  fi
}

# wait_healthy NAME PORT CHECK_ALIVE(command that fails when the service is gone) SHOW_LOG(command)
#   [PATH: the health route, default /api/health; behind compose's balancer /health/NAME]
wait_healthy() {
  local name="$1" port="$2" alive="$3" show_log="$4" path="${5:-/api/health}" waited=0
  until http_ok "http://127.0.0.1:$port$path"; do
    if ! $alive "$name"; then
      $show_log "$name" >&2 || true
      return 1
    fi
    if ((waited >= HEALTH_TIMEOUT)); then
      printf '[start-prod] %s: %s is not 200 after %s s; last log lines:\n' "$name" "$path" "$HEALTH_TIMEOUT" >&2
      $show_log "$name" >&2 || true
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  if [[ -n "${5:-}" ]]; then
    say "$name healthy: http://localhost:$port$path"
  else
    say "$name healthy: http://localhost:$port/api   (docs: http://localhost:$port/api/docs)"
  fi
}

# Liveness and log of a service, for wait_healthy (called through a variable).
# shellcheck disable=SC2317
compose_running() { [[ -n "$(docker compose ps -q --status running "$1" 2>/dev/null)" ]]; }
# shellcheck disable=SC2317
compose_log() { docker compose logs --no-color --tail 40 "$1"; }

# ------------------------------------------------------------------------------ with Docker
if [[ $mode == docker ]]; then
  docker compose version >/dev/null 2>&1 \
    || die "a Docker engine answers but the Compose v2 plugin (docker compose) is missing; install it (docker-compose-plugin)"
  say "Docker engine found: docker compose up --build -d (docker-compose.yml)"
  docker compose up --build -d
  failed=0
  # The services publish no port (they scale with --scale): each is checked through the balancer,
  # the single entry point (deploy/nginx/nginx.conf), on BALANCER_PORT.
  for entry in "${SERVICES[@]}"; do
    name="${entry%%:*}"
    wait_healthy "$name" "${BALANCER_PORT:-8080}" compose_running compose_log "/health/$name" || failed=1
  done
  ((failed == 0)) || die "not every service is healthy; docker compose ps / docker compose logs <service>; stop with scripts/stop-prod.sh"
  say "Entry point (balancer): http://localhost:${BALANCER_PORT:-8080}/api/...; more replicas: docker compose up -d --scale order-service=3"
  say "Running in Docker (project flash-sale). Logs: docker compose logs -f <service>. Stop: scripts/stop-prod.sh"
  exit 0
fi

# ------------------------------------------------------------------------------ without Docker
say "No Docker engine: the production build on this machine (node dist/main.js, NODE_ENV=production)"
have node || die "Node.js is required (16 or newer; one older than package.json's engines.node fetches Node 24 itself)"
# The installed Node, or the pinned Node 24 (fetched into .cache/node/ once) when it is too old.
node_bin="$(node scripts/lib/node.mjs)" || die "no usable Node.js (see above)"
# npm finds its global config (e.g. the machine's registry cafile) next to the Node that runs it.
npm_config_globalconfig="${npm_config_globalconfig:-$(npm config get globalconfig)}"
PATH="$(dirname "$node_bin"):$PATH"
export PATH npm_config_globalconfig
if [[ ! -f node_modules/.package-lock.json ]]; then
  say "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
bash scripts/infra.sh up
say "building (npm run build)"
npm run --silent build
mkdir -p logs .run

is_ours() { # PID: a live `node ... dist/main.js`
  local cmd
  kill -0 "$1" 2>/dev/null || return 1
  if [[ -r "/proc/$1/cmdline" ]]; then cmd="$(tr '\0' ' ' <"/proc/$1/cmdline")"; else cmd="$(ps -p "$1" -o command= 2>/dev/null)"; fi
  [[ "$cmd" == *dist/main.js* ]]
}
local_running() { [[ -f ".run/$1.pid" ]] && is_ours "$(cat ".run/$1.pid")"; }
local_log() {
  printf '[start-prod] last lines of logs/%s.log:\n' "$1"
  tail -n 40 "logs/$1.log"
}

# order-service calls the other two (a variable a service does not read is ignored).
user_service_url="${USER_SERVICE_URL:-http://localhost:${USER_SERVICE_PORT:-3001}}"
inventory_service_url="${INVENTORY_SERVICE_URL:-http://localhost:${INVENTORY_SERVICE_PORT:-3003}}"
for entry in "${SERVICES[@]}"; do
  name="${entry%%:*}" port="${entry##*:}"
  if local_running "$name"; then
    say "$name already running (pid $(cat ".run/$name.pid"))"
    continue
  fi
  rm -f ".run/$name.pid"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is taken (the development services? scripts/stop-dev.sh); $name cannot start"
  fi
  [[ -f "logs/$name.log" ]] && mv -f "logs/$name.log" "logs/$name.log.1"
  # DB_DATABASE is per service: each one's default (or its own .env) applies. Only user-service
  # signs tokens: the others get no private key (they fetch its public ones).
  keep_keys=()
  [[ $name == user-service ]] || keep_keys=(-u JWT_PRIVATE_KEYS -u JWT_PRIVATE_KEYS_FILE)
  (
    cd "$name"
    exec env -u DB_DATABASE "${keep_keys[@]}" NODE_ENV=production PORT="$port" WEB_CONCURRENCY="${WEB_CONCURRENCY:-1}" \
      USER_SERVICE_URL="$user_service_url" INVENTORY_SERVICE_URL="$inventory_service_url" \
      setsid nohup node --enable-source-maps --max-old-space-size=160 --max-semi-space-size=8 dist/main.js >"$ROOT/logs/$name.log" 2>&1 </dev/null
  ) &
  echo $! >".run/$name.pid"
  say "$name starting (pid $!, log logs/$name.log)"
done

failed=0
for entry in "${SERVICES[@]}"; do
  wait_healthy "${entry%%:*}" "${entry##*:}" local_running local_log || failed=1
done
if ((failed != 0)); then
  say "stopping the services again"
  bash "$ROOT/scripts/stop-prod.sh" --no-docker || true
  die "not every service became healthy (see above and logs/<service>.log)"
fi
say "Running. Logs: logs/<service>.log. Stop: scripts/stop-prod.sh"
