#!/usr/bin/env bash
# Runs the JMeter plans of this folder headless (jmeter -n) against the three services and prints
# a summary per plan, then the anti-oversell check and the sale audit (npm run audit) of the
# stress plan.
#
# Usage: tests/jmeter/run-tests.sh [all | registration | login-order | stress]...
#
# Environment (defaults in brackets):
#   USER_SERVICE_URL [http://127.0.0.1:3001]  ORDER_SERVICE_URL [http://127.0.0.1:3002]
#   INVENTORY_SERVICE_URL [http://127.0.0.1:3003]
#   ADMIN_USERNAME [jmeter_admin]  ADMIN_PASSWORD [jmeter-admin-password]  the admin that creates
#       the products; a service started here creates it, a running user-service must know it
#   START_SERVICES [1]     start the services that do not answer (from their dist/), 0 = fail instead
#   JMETER_INSTALL [1]     apt-get install jmeter when it is missing, 0 = fail instead
#   JMETER_HEAP [1g]       JMeter's -Xmx;  JMETER_JVM_ARGS  more JVM flags for JMeter
#   REGISTER_THREADS [100] REGISTER_LOOPS [1]  REGISTER_RAMPUP [5]
#   ORDER_THREADS [200]    ORDER_LOOPS [5]     ORDER_RAMPUP [10]
#   STRESS_THREADS [500]   STRESS_LOOPS [10]   STRESS_RAMPUP [20]  STRESS_STOCK [100]
#   MAX_ERROR_PERCENT [1]  a plan with more unexpected answers than this fails the run
#   SETTLE_TIMEOUT_SECONDS [60]  how long the oversell check waits for orders to settle
#   RESULTS_DIR [tests/jmeter/results/<time>]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

USER_SERVICE_URL="${USER_SERVICE_URL:-http://127.0.0.1:3001}"
ORDER_SERVICE_URL="${ORDER_SERVICE_URL:-http://127.0.0.1:3002}"
INVENTORY_SERVICE_URL="${INVENTORY_SERVICE_URL:-http://127.0.0.1:3003}"
ADMIN_USERNAME="${ADMIN_USERNAME:-jmeter_admin}"
ADMIN_PASSWORD="${ADMIN_PASSWORD:-jmeter-admin-password}"
START_SERVICES="${START_SERVICES:-1}"
JMETER_INSTALL="${JMETER_INSTALL:-1}"
JMETER_HEAP="${JMETER_HEAP:-1g}"
JMETER_JVM_ARGS="${JMETER_JVM_ARGS:-}"
REGISTER_THREADS="${REGISTER_THREADS:-100}"
REGISTER_LOOPS="${REGISTER_LOOPS:-1}"
REGISTER_RAMPUP="${REGISTER_RAMPUP:-5}"
ORDER_THREADS="${ORDER_THREADS:-200}"
ORDER_LOOPS="${ORDER_LOOPS:-5}"
ORDER_RAMPUP="${ORDER_RAMPUP:-10}"
STRESS_THREADS="${STRESS_THREADS:-500}"
STRESS_LOOPS="${STRESS_LOOPS:-10}"
STRESS_RAMPUP="${STRESS_RAMPUP:-20}"
STRESS_STOCK="${STRESS_STOCK:-100}"
MAX_ERROR_PERCENT="${MAX_ERROR_PERCENT:-1}"
SETTLE_TIMEOUT_SECONDS="${SETTLE_TIMEOUT_SECONDS:-60}"
# One id per run keeps usernames, emails and product ids unique on shared databases.
RUN_ID="$(date -u +%y%m%d%H%M%S)$(printf %02d $((RANDOM % 100)))"
RESULTS_DIR="${RESULTS_DIR:-$HERE/results/$RUN_ID}"
export USER_SERVICE_URL ORDER_SERVICE_URL INVENTORY_SERVICE_URL ADMIN_USERNAME ADMIN_PASSWORD
export SETTLE_TIMEOUT_SECONDS

say() { printf '\n==> %s\n' "$*"; }
fail() {
  printf 'run-tests.sh: %s\n' "$*" >&2
  exit 1
}

# ---------------------------------------------------------------- arguments
PLANS=()
for arg in "${@:-all}"; do
  case "$arg" in
    all) PLANS+=(registration login-order stress) ;;
    registration | user-registration) PLANS+=(registration) ;;
    login-order) PLANS+=(login-order) ;;
    stress | stress-anti-oversell) PLANS+=(stress) ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *) fail "unknown plan \"$arg\" (all, registration, login-order or stress)" ;;
  esac
done

# host and port of a URL such as http://127.0.0.1:3001 (JMeter's samplers take them apart)
url_host() {
  local rest="${1#*://}"
  rest="${rest%%/*}"
  printf '%s' "${rest%:*}"
}
url_port() {
  local rest="${1#*://}"
  rest="${rest%%/*}"
  printf '%s' "${rest##*:}"
}
for url in "$USER_SERVICE_URL" "$ORDER_SERVICE_URL" "$INVENTORY_SERVICE_URL"; do
  [[ "$url" =~ ^http://[^/:]+:[0-9]+/?$ ]] || fail "service URLs must look like http://host:port (got \"$url\")"
done
HOST="$(url_host "$USER_SERVICE_URL")"
[[ "$(url_host "$ORDER_SERVICE_URL")" == "$HOST" && "$(url_host "$INVENTORY_SERVICE_URL")" == "$HOST" ]] ||
  fail "the plans expect the three services on one host (got $USER_SERVICE_URL, $ORDER_SERVICE_URL, $INVENTORY_SERVICE_URL)"

command -v node >/dev/null || fail "node is needed (the summary and the oversell check are Node scripts)"
command -v curl >/dev/null || fail "curl is needed (health checks)"

# ---------------------------------------------------------------- JMeter
HTTP_SAMPLER_JAR=/usr/share/jmeter/lib/ext/ApacheJMeter_http.jar
install_jmeter() {
  [[ "$JMETER_INSTALL" != 0 ]] ||
    fail "JMeter is not installed and JMETER_INSTALL=0 forbids installing it; install it with: sudo apt-get install jmeter jmeter-http"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    sudo -n true 2>/dev/null ||
      fail "JMeter is not installed and installing needs root; run: sudo apt-get install jmeter jmeter-http"
    sudo=(sudo -n)
  fi
  say "Installing JMeter with apt-get (jmeter jmeter-http)"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q jmeter jmeter-http ||
    fail "apt-get install jmeter jmeter-http failed (try apt-get update first)"
}
if ! command -v jmeter >/dev/null; then
  install_jmeter
elif [[ -f /usr/share/jmeter/bin/ApacheJMeter.jar && ! -f "$HTTP_SAMPLER_JAR" ]]; then
  # Debian splits the HTTP sampler into its own package.
  install_jmeter
fi
mkdir -p "$RESULTS_DIR"
JMETER_VERSION="$(jmeter --version -j "$RESULTS_DIR/jmeter-version.log" 2>&1 | sed -n 's/^Version \([0-9.]*\).*/\1/p' | head -n1)"
say "JMeter ${JMETER_VERSION:-(version unknown)} at $(command -v jmeter)"

# Debian's launcher passes the JVM nothing but JAVA_ARGS (none of upstream's PermSize flags, which
# Java 17 would refuse), so the heap is set here.
export JAVA_ARGS="-Xms256m -Xmx$JMETER_HEAP -Djava.awt.headless=true $JMETER_JVM_ARGS"

# Debian 12 pairs JMeter 2.13 with XStream 1.4.20, whose deny-by-default security refuses JMeter's
# own classes: every plan fails to load with "ForbiddenClassException:
# org.apache.jmeter.save.ScriptWrapper". A one-class shim (compat/, see its comment) put ahead of
# XStream on the classpath lets JMeter's classes through. Only Debian's launcher needs it.
if [[ -f /usr/share/jmeter/bin/ApacheJMeter.jar && -f /usr/share/java/xstream.jar ]]; then
  COMPAT_SRC="$HERE/compat/com/thoughtworks/xstream/security/NoTypePermission.java"
  COMPAT_DIR="$HERE/results/.compat"
  COMPAT_CLASS="$COMPAT_DIR/com/thoughtworks/xstream/security/NoTypePermission.class"
  if [[ ! -f "$COMPAT_CLASS" || "$COMPAT_SRC" -nt "$COMPAT_CLASS" ]]; then
    command -v javac >/dev/null ||
      fail "javac is needed once to build the XStream shim for JMeter 2.13; install it with: sudo apt-get install default-jdk-headless"
    say "Compiling the XStream shim for JMeter 2.13 (compat/)"
    mkdir -p "$COMPAT_DIR"
    javac -nowarn -source 8 -target 8 -cp /usr/share/java/xstream.jar -d "$COMPAT_DIR" "$COMPAT_SRC" 2>&1 |
      grep -v -e 'bootstrap classpath' -e '^warning' -e '^[0-9]* warning' || true
    [[ -f "$COMPAT_CLASS" ]] || fail "could not compile $COMPAT_SRC"
  fi
  # java-wrappers puts JAVA_CLASSPATH first, ahead of the jars named in JMeter's manifest.
  export JAVA_CLASSPATH="$COMPAT_DIR"
fi

# ---------------------------------------------------------------- services
STARTED_PIDS=()
stop_started_services() {
  ((${#STARTED_PIDS[@]} > 0)) || return 0
  say "Stopping the services this script started (pids ${STARTED_PIDS[*]})"
  kill -TERM "${STARTED_PIDS[@]}" 2>/dev/null || true
  local waited=0
  while ((waited < 15)); do
    local alive=0 pid
    for pid in "${STARTED_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 1
    waited=$((waited + 1))
  done
  kill -KILL "${STARTED_PIDS[@]}" 2>/dev/null || true
  STARTED_PIDS=()
}
trap stop_started_services EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

healthy() { curl -fsS -m 3 -o /dev/null "$1/api/health" 2>/dev/null; }

say "Checking the services' /api/health"
for entry in "user-service $USER_SERVICE_URL" "order-service $ORDER_SERVICE_URL" "inventory-service $INVENTORY_SERVICE_URL"; do
  name="${entry%% *}"
  url="${entry#* }"
  if healthy "$url"; then
    echo "  $name: up at $url"
    continue
  fi
  if [[ "$START_SERVICES" == 0 ]]; then
    fail "$name does not answer at $url/api/health (START_SERVICES=0); start the services with: npm start (from $ROOT)"
  fi
  case "$HOST" in 127.0.0.1 | localhost) ;; *) fail "$name does not answer at $url and $HOST is not this machine" ;; esac
  [[ -f "$ROOT/$name/dist/main.js" ]] ||
    fail "$name does not answer at $url and is not built; run: npm run build && npm start (from $ROOT)"
  mkdir -p "$RESULTS_DIR/services"
  echo "  $name: not answering, starting it on port $(url_port "$url") (log: $RESULTS_DIR/services/$name.log)"
  # The services read their settings from the environment; these make them a stack of their own:
  # the ports of the URLs above and the admin that creates the products.
  (
    cd "$ROOT/$name"
    exec env PORT="$(url_port "$url")" HOST=127.0.0.1 \
      USER_SERVICE_URL="$USER_SERVICE_URL" INVENTORY_SERVICE_URL="$INVENTORY_SERVICE_URL" \
      ADMIN_USERNAME="$ADMIN_USERNAME" ADMIN_PASSWORD="$ADMIN_PASSWORD" \
      LOG_LEVEL="${SERVICE_LOG_LEVEL:-warn}" \
      node --max-old-space-size=160 --max-semi-space-size=8 dist/main.js
  ) >"$RESULTS_DIR/services/$name.log" 2>&1 &
  STARTED_PIDS+=("$!")
done
if ((${#STARTED_PIDS[@]} > 0)); then
  for url in "$USER_SERVICE_URL" "$ORDER_SERVICE_URL" "$INVENTORY_SERVICE_URL"; do
    for _ in $(seq 1 90); do
      healthy "$url" && break
      sleep 1
    done
    healthy "$url" || fail "$url/api/health is not up after 90 s; see the logs in $RESULTS_DIR/services/"
  done
  echo "  all three answer"
fi

# ---------------------------------------------------------------- plans
JMETER_PROPS=(
  -Jhost="$HOST"
  -Juser_port="$(url_port "$USER_SERVICE_URL")"
  -Jorder_port="$(url_port "$ORDER_SERVICE_URL")"
  -Jrun_id="$RUN_ID"
  # CSV results with a header line, the assertion messages (the "why" of an error) and the
  # order id + buyer token of each sample, which the oversell check reads back.
  -Jjmeter.save.saveservice.output_format=csv
  -Jjmeter.save.saveservice.print_field_names=true
  -Jjmeter.save.saveservice.assertion_results_failure_message=true
  '-Jsample_variables=order_id,token'
  -Jsummariser.interval=15
)

FAILED=()
run_plan() { # <jmx name> <title> [-Jname=value]...
  local plan="$1" title="$2"
  shift 2
  local jtl="$RESULTS_DIR/$plan.jtl"
  say "Running $plan.jmx: $title"
  echo "  results: $jtl"
  local started=$SECONDS
  jmeter -n -t "$HERE/$plan.jmx" -l "$jtl" -j "$RESULTS_DIR/$plan.jmeter.log" \
    "${JMETER_PROPS[@]}" "$@" | grep -E '^summary|Err|rror' || true
  [[ -s "$jtl" ]] || fail "$plan.jmx wrote no results; see $RESULTS_DIR/$plan.jmeter.log"
  echo "  took $((SECONDS - started)) s"
  node "$HERE/tools/summarize-jtl.mjs" "$jtl" "$plan: $title" | tee "$RESULTS_DIR/$plan.summary.txt"
  if grep -q ',POST /api/users/login,429,' "$jtl"; then
    echo "hint: user-service answered logins with 429: every JMeter user comes from one address, and"
    echo "      failed logins from it (earlier runs, other tests) passed LOGIN_MAX_FAILURES_PER_IP within"
    echo "      LOGIN_THROTTLE_WINDOW_SECONDS. Wait for the window, or raise the limit of user-service."
  fi
  local error_percent
  error_percent="$(node -e 'const rows = require(process.argv[1]); process.stdout.write(String(rows[rows.length - 1].errorPercent))' "$RESULTS_DIR/$plan.summary.json")"
  if node -e 'process.exit(Number(process.argv[1]) > Number(process.argv[2]) ? 0 : 1)' "$error_percent" "$MAX_ERROR_PERCENT"; then
    echo "$plan: FAIL (unexpected answers ${error_percent}% > MAX_ERROR_PERCENT=$MAX_ERROR_PERCENT)"
    FAILED+=("$plan")
  else
    echo "$plan: ok (unexpected answers ${error_percent}% <= MAX_ERROR_PERCENT=$MAX_ERROR_PERCENT)"
  fi
}

create_product() { # <productId> <stock>
  node "$HERE/tools/create-product.mjs" "$1" "$2" >/dev/null ||
    fail "could not create product $1; is $ADMIN_USERNAME an admin of user-service with ADMIN_PASSWORD? (a user-service started elsewhere must have been started with the same ADMIN_USERNAME/ADMIN_PASSWORD)"
  echo "  created product $1 with stock $2 (admin API of inventory-service)"
}

say "Run $RUN_ID: plans ${PLANS[*]}; results in $RESULTS_DIR"
TOTAL_STARTED=$SECONDS
for plan in "${PLANS[@]}"; do
  case "$plan" in
    registration)
      run_plan user-registration "$REGISTER_THREADS users x $REGISTER_LOOPS registration(s)" \
        -Jthreads="$REGISTER_THREADS" -Jloops="$REGISTER_LOOPS" -Jrampup="$REGISTER_RAMPUP"
      ;;
    login-order)
      product="JM-ORDER-$RUN_ID"
      say "Preparing login-order.jmx"
      # Enough stock for every order: this plan measures the accepted path, not the sold-out one.
      create_product "$product" $((ORDER_THREADS * ORDER_LOOPS))
      run_plan login-order "$ORDER_THREADS users x $ORDER_LOOPS orders, product $product" \
        -Jthreads="$ORDER_THREADS" -Jloops="$ORDER_LOOPS" -Jrampup="$ORDER_RAMPUP" -Jproduct_id="$product"
      ;;
    stress)
      product="JM-FLASH-$RUN_ID"
      say "Preparing stress-anti-oversell.jmx"
      create_product "$product" "$STRESS_STOCK"
      run_plan stress-anti-oversell "$STRESS_THREADS users x $STRESS_LOOPS orders, $STRESS_STOCK units of $product" \
        -Jthreads="$STRESS_THREADS" -Jloops="$STRESS_LOOPS" -Jrampup="$STRESS_RAMPUP" -Jproduct_id="$product"
      say "Anti-oversell check (waits up to ${SETTLE_TIMEOUT_SECONDS} s for the orders to settle)"
      if ! node "$HERE/tools/check-oversell.mjs" "$RESULTS_DIR/stress-anti-oversell.jtl" "$product" "$STRESS_STOCK" |
        tee "$RESULTS_DIR/anti-oversell.txt"; then
        FAILED+=(anti-oversell)
      fi
      say "Sale audit (npm run audit -- $product)"
      if ! node "$ROOT/scripts/audit.mjs" "$product" --wait-seconds "$SETTLE_TIMEOUT_SECONDS" |
        tee "$RESULTS_DIR/sale-audit.txt"; then
        FAILED+=(sale-audit)
      fi
      ;;
  esac
done

say "Done in $((SECONDS - TOTAL_STARTED)) s; results in $RESULTS_DIR"
if ((${#FAILED[@]} > 0)); then
  echo "FAILED: ${FAILED[*]}"
  exit 1
fi
echo "ALL PASSED"
