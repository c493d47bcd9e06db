#!/usr/bin/env bash
# Builds all services: the shared packages and the three services (`npm run build`, tsc -b in
# dependency order, into each package's dist/), installing dependencies first if they are missing.
# With --images it also builds the three Docker images (`docker compose build`, which needs a
# Docker engine and JWT_PRIVATE_KEYS, as docker-compose.yml does).
#
# Usage: scripts/build-all.sh [--images]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '[build-all] %s\n' "$*"; }
die() { printf '[build-all] ERROR: %s\n' "$*" >&2; exit 1; }

images=0
for arg in "$@"; do
  case "$arg" in
    --images) images=1 ;;
    -h | --help) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done

command -v node >/dev/null 2>&1 || die "Node.js is required (16 or newer; one older than package.json's engines.node fetches Node 24 itself)"
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
say "building packages/contracts, packages/common, user-service, order-service, inventory-service"
npm run --silent build
say "built: */dist (run a service with: cd <service> && node dist/main.js)"

if ((images)); then
  if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
    die "--images needs a Docker engine (docker info failed)"
  fi
  docker compose version >/dev/null 2>&1 || die "--images needs Docker Compose v2 (docker compose)"
  say "building the images (docker compose build)"
  docker compose build
  say "built the user-service, order-service and inventory-service images"
fi
