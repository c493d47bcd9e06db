#!/usr/bin/env bash
# Stops the services started by scripts/start-dev.sh (infrastructure keeps running;
# `scripts/infra.sh down` stops Kafka).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
stopped=0
for pidfile in .run/*-dev.pid; do
  [[ -e "$pidfile" ]] || continue
  name="$(basename "$pidfile" -dev.pid)" pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    # The watcher runs in its own session (setsid): signal the whole group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
    printf '[stop-dev] stopped %s (pid %s)\n' "$name" "$pid"
    stopped=$((stopped + 1))
  fi
  rm -f "$pidfile"
done
[[ $stopped -gt 0 ]] || printf '[stop-dev] nothing was running\n'
