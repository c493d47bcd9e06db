#!/usr/bin/env bash
# Development mode: infrastructure up, shared packages built, the three services in watch mode
# (`nest start --watch`) in the background. Logs: logs/<service>.log; stop with scripts/stop-dev.sh.
# For one foreground process with all logs, use `npm start` instead.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SERVICES=(user-service:3001 order-service:3002 inventory-service:3003)

say() { printf '[start-dev] %s\n' "$*"; }
die() { printf '[start-dev] ERROR: %s\n' "$*" >&2; exit 1; }

[[ -f node_modules/.package-lock.json ]] || { say "installing dependencies (npm ci)"; npm ci --no-audit --no-fund; }
bash scripts/infra.sh up
say "building (npm run build)"
npm run --silent build
mkdir -p logs .run

for entry in "${SERVICES[@]}"; do
  name="${entry%%:*}" port="${entry##*:}"
  pidfile=".run/$name-dev.pid"
  if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    say "$name already running (pid $(cat "$pidfile"))"
    continue
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is taken; stop whatever listens there or run scripts/stop-dev.sh"
  fi
  # The watcher leads its own session and writes its own pid, so stop-dev.sh can signal the
  # whole group (npm, nest's watcher and the app it spawns).
  (cd "$name" && setsid bash -c 'echo $$ >"$1"; exec npm run start:dev' _ "$ROOT/$pidfile" \
    </dev/null >"$ROOT/logs/$name.log" 2>&1 &)
  for _ in $(seq 1 50); do [[ -s "$pidfile" ]] && break; sleep 0.1; done
  say "$name starting in watch mode (pid $(cat "$pidfile"), log logs/$name.log)"
done

for entry in "${SERVICES[@]}"; do
  name="${entry%%:*}" port="${entry##*:}"
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$port/api/health/ready" >/dev/null 2>&1 && break
    sleep 1
  done
  if curl -fs "http://127.0.0.1:$port/api/health/ready" >/dev/null 2>&1; then
    say "$name ready: http://localhost:$port/api (docs: /api/docs)"
  else
    die "$name is not ready (/api/health/ready) after 120 s; see logs/$name.log"
  fi
done
