#!/usr/bin/env bash
# Stops what scripts/start-prod.sh started:
#   - the services run without Docker (.run/<service>.pid): SIGTERM (they drain in-flight work),
#     SIGKILL after STOP_TIMEOUT seconds (default 30), pidfiles removed;
#   - when a Docker engine answers and the flash-sale compose project has containers:
#     `docker compose down` (--volumes also deletes MySQL, Redis and Kafka data).
# MariaDB, Redis and Kafka run without Docker keep running (scripts/infra.sh down stops Kafka).
#
# Usage: scripts/stop-prod.sh [--no-docker] [--volumes]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SERVICES=(user-service order-service inventory-service)
STOP_TIMEOUT="${STOP_TIMEOUT:-30}"

say() { printf '[stop-prod] %s\n' "$*"; }
die() { printf '[stop-prod] ERROR: %s\n' "$*" >&2; exit 1; }

use_docker=1 down_args=()
for arg in "$@"; do
  case "$arg" in
    --no-docker) use_docker=0 ;;
    --volumes | -v) down_args+=(--volumes) ;;
    -h | --help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done

is_ours() { # PID: a live `node ... dist/main.js` (not a pid reused by something else)
  local cmd
  kill -0 "$1" 2>/dev/null || return 1
  if [[ -r "/proc/$1/cmdline" ]]; then cmd="$(tr '\0' ' ' <"/proc/$1/cmdline")"; else cmd="$(ps -p "$1" -o command= 2>/dev/null)"; fi
  [[ "$cmd" == *dist/main.js* ]]
}

stopped=0 failed=0
for name in "${SERVICES[@]}"; do
  pidfile=".run/$name.pid"
  [[ -f "$pidfile" ]] || continue
  pid="$(cat "$pidfile")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && is_ours "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    waited=0
    while is_ours "$pid" && ((waited < STOP_TIMEOUT * 2)); do
      sleep 0.5
      waited=$((waited + 1))
    done
    if is_ours "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      if is_ours "$pid"; then
        printf '[stop-prod] ERROR: %s (pid %s) survived SIGKILL\n' "$name" "$pid" >&2
        failed=1
        continue
      fi
      say "$name (pid $pid) did not stop within ${STOP_TIMEOUT}s of SIGTERM: killed"
    else
      say "stopped $name (pid $pid)"
    fi
    stopped=$((stopped + 1))
  else
    say "$name: stale pidfile (pid $pid is not running), removed"
  fi
  rm -f "$pidfile"
done

if ((use_docker)) && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  # docker-compose.yml requires JWT_PRIVATE_KEYS even to be read; stopping does not use it.
  export JWT_PRIVATE_KEYS="${JWT_PRIVATE_KEYS:-placeholder-for-docker-compose-down-only}"
  if docker compose version >/dev/null 2>&1; then
    if [[ -n "$(docker compose ps -a -q 2>/dev/null)" ]]; then
      say "docker compose down ${down_args[*]:-}"
      docker compose down ${down_args[@]+"${down_args[@]}"}
      stopped=$((stopped + 1))
    fi
  else
    say "a Docker engine answers but docker compose (v2) is missing; not looking for containers"
  fi
fi

((stopped > 0)) || say "nothing was running"
exit "$failed"
