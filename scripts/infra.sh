#!/usr/bin/env bash
# Local infrastructure for the flash-sale services, without Docker:
#   MariaDB + Redis (system services: started if down, never stopped)
#   Apache Kafka 4.1 (single KRaft node run from Maven Central jars, owned by this script)
#
# Usage: scripts/infra.sh up | down [--purge] | status | logs [-f]
#        scripts/infra.sh redis-cluster up|down|status [ports]   (default 7000,7001,7002)
#
# Environment (same names the services read):
#   DB_HOST=127.0.0.1 DB_PORT=3306 DB_USERNAME=root DB_PASSWORD=  (an account that may create
#     databases and users: infra.sh's own login, not the services')
#   REDIS_HOST=127.0.0.1 REDIS_PORT=6379 [REDIS_PASSWORD]
#   KAFKA_BROKER=127.0.0.1:9092 (first entry used if a list is given)  KAFKA_CONTROLLER_PORT=9093
#   Kafka SCRAM-SHA-512 passwords (defaults: the public development ones, see infra/README.md):
#     KAFKA_ADMIN_PASSWORD KAFKA_ORDER_SERVICE_PASSWORD KAFKA_INVENTORY_SERVICE_PASSWORD
#     KAFKA_USER_SERVICE_PASSWORD
#   MySQL passwords of the services' own users (defaults: the public development ones):
#     USER_SERVICE_DB_PASSWORD ORDER_SERVICE_DB_PASSWORD INVENTORY_SERVICE_DB_PASSWORD
#   FLASH_INFRA_CACHE=<repo>/.cache   (jars, data and logs live in $FLASH_INFRA_CACHE/kafka)
#   KAFKA_HEAP_OPTS="-Xms256m -Xmx512m"  KAFKA_OPTS=  (extra JVM flags)
#   KAFKA_START_TIMEOUT=90 DB_START_TIMEOUT=30 REDIS_START_TIMEOUT=15 (seconds)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${FLASH_INFRA_CACHE:-$ROOT/.cache}"
KAFKA_DIR="$CACHE/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOG="$KAFKA_DIR/kafka.log"
KAFKA_LOG_DIR="$KAFKA_DIR/logs"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_PROPS="$KAFKA_DIR/server.properties" # runtime copy of the template
KAFKA_POM="$ROOT/infra/kafka/pom.xml"
KAFKA_TEMPLATE="$ROOT/infra/kafka/server.properties"
KAFKA_LOG4J="$ROOT/infra/kafka/log4j2.properties"
KAFKA_ACLS="$ROOT/infra/kafka/acls.conf"
KAFKA_ADMIN_CONFIG="$KAFKA_DIR/admin.properties" # client config of the super user (AclCommand)
KAFKA_SECURITY_MARK="$KAFKA_DATA/.flash-security" # what the storage was formatted with
KAFKA_ACLS_MARK="$KAFKA_DATA/.flash-acls"         # which ACL set was applied
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM" 2>/dev/null | head -n1)"
KAFKA_VERSION="${KAFKA_VERSION:-?}"
READY_LINE='Kafka Server started'
KAFKA_HEAP_OPTS_DEFAULT="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"

DB_HOST="${DB_HOST:-127.0.0.1}"
DB_PORT="${DB_PORT:-3306}"
DB_USERNAME="${DB_USERNAME:-root}"
DB_PASSWORD="${DB_PASSWORD:-}"
REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${REDIS_PORT:-6379}"
KAFKA_BROKER="${KAFKA_BROKER:-127.0.0.1:9092}"
KAFKA_BROKER="${KAFKA_BROKER%%,*}"
KAFKA_HOST="${KAFKA_BROKER%:*}"
KAFKA_PORT="${KAFKA_BROKER##*:}"
[[ "$KAFKA_HOST" == "$KAFKA_BROKER" ]] && KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"

# SASL/SCRAM-SHA-512 users of the broker. `admin` is the super user (the broker's own inter-broker
# and controller connections, ACL management); the services get the ACLs of infra/kafka/acls.conf.
# The defaults are development passwords, published in this repository like the services' own
# defaults (packages/common/src/kafka/kafka-credentials.ts), so a fresh clone works with no
# configuration: the broker listens on 127.0.0.1 only. Changing one reformats the dev storage.
KAFKA_USERS=(admin order-service inventory-service user-service)
kafka_password() { # user -> password (env KAFKA_<USER>_PASSWORD, else the development one)
  local var="KAFKA_$(tr 'a-z-' 'A-Z_' <<<"$1")_PASSWORD"
  printf '%s' "${!var:-$1-dev-password}"
}

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }
is_local() { [[ "$1" == 127.0.0.1 || "$1" == localhost || "$1" == ::1 ]]; }
have() { command -v "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------- MariaDB
mysql_bin() { if have mysql; then echo mysql; elif have mariadb; then echo mariadb; fi; }
mysqladmin_bin() { if have mysqladmin; then echo mysqladmin; elif have mariadb-admin; then echo mariadb-admin; fi; }

# Exit 0 when a server answers (even "access denied" counts: mysqladmin ping returns 0 then).
db_ping() {
  local bin; bin="$(mysqladmin_bin)"
  [[ -n "$bin" ]] || return 1
  timeout 5 "$bin" --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" --connect-timeout=2 ping >/dev/null 2>&1
}

db_up() {
  [[ -n "$(mysqladmin_bin)" && -n "$(mysql_bin)" ]] \
    || die "the mysql/mysqladmin clients are missing (apt-get install mariadb-client)"
  if ! db_ping; then
    is_local "$DB_HOST" || die "MariaDB at $DB_HOST:$DB_PORT does not answer (not local, so not starting it)"
    [[ -x /usr/sbin/mariadbd ]] || die "MariaDB at $DB_HOST:$DB_PORT does not answer and /usr/sbin/mariadbd is not installed"
    log "MariaDB not answering on $DB_HOST:$DB_PORT, starting /usr/sbin/mariadbd"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >&2 \
      || die "start-stop-daemon failed to start mariadbd"
    local waited=0 limit="${DB_START_TIMEOUT:-30}"
    until db_ping; do
      (( waited >= limit )) && die "MariaDB did not answer on $DB_HOST:$DB_PORT within ${limit}s (is it configured for port $DB_PORT? see its error log, e.g. /var/log/mysql/)"
      sleep 1; waited=$((waited + 1))
    done
    log "MariaDB started (${waited}s)"
  fi
  local out
  if ! out="$(MYSQL_PWD="$DB_PASSWORD" "$(mysql_bin)" --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" \
      -u "$DB_USERNAME" --connect-timeout=5 <"$ROOT/infra/mysql/init.sql" 2>&1)"; then
    die "could not create the databases as '$DB_USERNAME'@$DB_HOST:$DB_PORT: $out"
  fi
  if ! out="$(bash "$ROOT/infra/mysql/users.sh" | MYSQL_PWD="$DB_PASSWORD" "$(mysql_bin)" --protocol=TCP \
      -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USERNAME" --connect-timeout=5 2>&1)"; then
    die "could not create the services' MySQL users as '$DB_USERNAME'@$DB_HOST:$DB_PORT: $out"
  fi
  log "MariaDB   up   $DB_HOST:$DB_PORT (user_service, order_service, inventory_service, each with its own user)"
}

# ---------------------------------------------------------------- Redis
redis_ping() {
  have redis-cli || return 1
  local out
  out="$(REDISCLI_AUTH="${REDIS_PASSWORD:-}" timeout 5 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>&1)" || true
  [[ "$out" == *PONG* || "$out" == *NOAUTH* ]]
}

redis_up() {
  have redis-cli || die "redis-cli is missing (apt-get install redis-tools)"
  if ! redis_ping; then
    is_local "$REDIS_HOST" || die "Redis at $REDIS_HOST:$REDIS_PORT does not answer (not local, so not starting it)"
    have redis-server || die "Redis at $REDIS_HOST:$REDIS_PORT does not answer and redis-server is not installed"
    log "Redis not answering on $REDIS_HOST:$REDIS_PORT, starting redis-server"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2 || die "redis-server failed to start (see /var/log/redis/ci.log)"
    local waited=0 limit="${REDIS_START_TIMEOUT:-15}"
    until redis_ping; do
      (( waited >= limit )) && die "Redis did not answer on $REDIS_HOST:$REDIS_PORT within ${limit}s (see /var/log/redis/ci.log)"
      sleep 1; waited=$((waited + 1))
    done
  fi
  log "Redis     up   $REDIS_HOST:$REDIS_PORT"
}

# ---------------------------------------------------------------- Kafka
# Readiness probe with no client library: a raw ApiVersions v0 request, the one request a SASL
# listener answers before authentication (it closes the connection on anything else). The broker
# port opens only once the broker is unfenced, so an answer with our correlation id and error 0
# means it serves requests (wait_kafka also waits for the start line in the log).
# Request: size=15 | api_key=18 | api_version=0 | correlation_id=1 | client_id="infra"
kafka_ping() {
  local host="${1:-$KAFKA_HOST}" port="${2:-$KAFKA_PORT}" hex
  hex="$(timeout 5 bash -c '
      exec 3<>"/dev/tcp/$1/$2" || exit 1
      printf "\x00\x00\x00\x0f\x00\x12\x00\x00\x00\x00\x00\x01\x00\x05infra" >&3
      head -c 10 <&3 | od -An -v -tx1' _ "$host" "$port" 2>/dev/null)" || return 1
  hex="${hex//[[:space:]]/}"
  # reply: size(4) correlation_id(4) error_code(2)
  [[ ${#hex} -eq 20 && "${hex:8:8}" == 00000001 && "${hex:16:4}" == 0000 ]]
}

# Whether the broker answers a Metadata v4 request without authentication (a PLAINTEXT listener;
# a SASL listener drops the connection). Request: size=20 | api_key=3 | api_version=4 |
# correlation_id=1 | client_id="infra" | topics=null | allow_auto_create=false
kafka_plaintext() {
  local hex
  hex="$(timeout 5 bash -c '
      exec 3<>"/dev/tcp/$1/$2" || exit 1
      printf "\x00\x00\x00\x14\x00\x03\x00\x04\x00\x00\x00\x01\x00\x05infra\xff\xff\xff\xff\x00" >&3
      head -c 8 <&3 | od -An -v -tx1' _ "$KAFKA_HOST" "$KAFKA_PORT" 2>/dev/null)" || return 1
  hex="${hex//[[:space:]]/}"
  [[ ${#hex} -eq 16 && "${hex:8:8}" == 00000001 ]]
}

# PID of the broker this script started (pidfile + live process that is our kafka.Kafka), or fail.
kafka_pid() {
  [[ -f "$KAFKA_PID" ]] || return 1
  local pid; pid="$(tr -dc 0-9 <"$KAFKA_PID")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "kafka.Kafka $KAFKA_PROPS" || return 1
  echo "$pid"
}

java_bin() { if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"; else echo java; fi; }

check_java() {
  local java ver major
  java="$(java_bin)"
  have "$java" || die "java not found: Kafka $KAFKA_VERSION needs Java >= 17 (apt-get install openjdk-17-jre-headless)"
  ver="$("$java" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
  major="${ver%%.*}"; [[ "$major" == 1 ]] && { major="${ver#1.}"; major="${major%%.*}"; }
  [[ "$major" =~ ^[0-9]+$ ]] || die "cannot tell the Java version from '$java -version'"
  (( major >= 17 )) || die "Java $ver found, Kafka $KAFKA_VERSION needs Java >= 17"
}

fetch_kafka() {
  local want; want="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  if [[ -f "$KAFKA_LIBS/.complete" && "$(cat "$KAFKA_LIBS/.complete")" == "$want" ]]; then
    return 0
  fi
  have mvn || die "mvn not found: it is needed once to fetch Kafka jars from Maven Central (apt-get install maven)"
  if [[ -f "$KAFKA_LIBS/.complete" ]]; then
    log "infra/kafka/pom.xml changed since the last fetch: fetching Apache Kafka $KAFKA_VERSION again…"
  else
    log "Fetching Apache Kafka $KAFKA_VERSION from Maven Central (first run only)…"
  fi
  local tmp="$KAFKA_DIR/libs.tmp.$$" t0=$SECONDS
  rm -rf "$tmp"
  # -q keeps it to errors; sed drops the stray ANSI resets Maven 3.8's jansi prints even with -B.
  if ! mvn -B -q -f "$KAFKA_POM" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g' >&2; then
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed (network? proxy? see output above)"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "mvn finished but no kafka_2.13 jar in $tmp"; }
  echo "$want" >"$tmp/.complete"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  log "Kafka jars ready in $KAFKA_LIBS ($(ls "$KAFKA_LIBS"/*.jar | wc -l) jars, $((SECONDS - t0))s)"
}

# One line that changes whenever the storage must be formatted again: the security scheme and the
# SCRAM users with their passwords (hashed: the marker file holds no password).
security_mark() {
  local user
  {
    echo "sasl-scram-sha-512+acls v1 controller=$KAFKA_CONTROLLER_PORT"
    for user in "${KAFKA_USERS[@]}"; do printf '%s=%s\n' "$user" "$(kafka_password "$user")"; done
  } | sha256sum | cut -d' ' -f1
}

write_props() {
  local admin_password; admin_password="$(kafka_password admin)"
  {
    grep -vE '^[[:space:]]*(log\.dirs|listeners|advertised\.listeners|controller\.quorum\.bootstrap\.servers)[[:space:]]*=' "$KAFKA_TEMPLATE"
    echo
    echo "# ---- written by scripts/infra.sh"
    echo "log.dirs=$KAFKA_DATA"
    echo "listeners=BROKER://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT"
    echo "advertised.listeners=BROKER://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT"
    echo "controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT"
    # The broker's own logins: SCRAM as admin on the broker listener (inter-broker), PLAIN on the
    # controller listener (SCRAM credentials live in the metadata log the controller serves, so
    # the controller cannot check SCRAM itself); the PLAIN user list is admin alone.
    echo "listener.name.broker.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$admin_password\";"
    echo "listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"$admin_password\" user_admin=\"$admin_password\";"
  } >"$KAFKA_PROPS.tmp"
  chmod 600 "$KAFKA_PROPS.tmp"
  mv "$KAFKA_PROPS.tmp" "$KAFKA_PROPS"
  {
    echo "security.protocol=SASL_PLAINTEXT"
    echo "sasl.mechanism=SCRAM-SHA-512"
    echo "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$admin_password\";"
  } >"$KAFKA_ADMIN_CONFIG.tmp"
  chmod 600 "$KAFKA_ADMIN_CONFIG.tmp"
  mv "$KAFKA_ADMIN_CONFIG.tmp" "$KAFKA_ADMIN_CONFIG"
}

# Formats the storage with the SCRAM users. A storage formatted otherwise (before SASL, or with
# other passwords: its marker differs) is deleted first: development data, topics and offsets are
# lost, the services recreate their topics.
format_storage() {
  local mark; mark="$(security_mark)"
  if [[ -f "$KAFKA_DATA/meta.properties" ]]; then
    [[ -f "$KAFKA_SECURITY_MARK" && "$(cat "$KAFKA_SECURITY_MARK")" == "$mark" ]] && return 0
    log "Kafka storage in $KAFKA_DATA was formatted without these SCRAM users (older infra.sh or changed passwords): deleting it (development data: topics and offsets are lost)"
    rm -rf "$KAFKA_DATA"
  fi
  local java id out user; java="$(java_bin)"
  id="$("$java" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool random-uuid)" || die "StorageTool random-uuid failed"
  log "Formatting Kafka storage in $KAFKA_DATA (cluster id $id, SCRAM users: ${KAFKA_USERS[*]})"
  mkdir -p "$KAFKA_DATA"
  local scram=()
  for user in "${KAFKA_USERS[@]}"; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(kafka_password "$user")]")
  done
  out="$("$java" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format -t "$id" -c "$KAFKA_PROPS" --standalone "${scram[@]}" 2>&1)" \
    || die "StorageTool format failed: $out"
  echo "$mark" >"$KAFKA_SECURITY_MARK"
}

# Applies infra/kafka/acls.conf with kafka-tools' AclCommand as the super user, once per version of
# that file (adding an ACL that exists is a no-op, so a rerun after a failure is safe). One JVM per
# rule, all at once: each spends most of its time starting up and waiting on the broker.
apply_acls() {
  local want; want="$(sha256sum "$KAFKA_ACLS" | cut -d' ' -f1)"
  [[ -f "$KAFKA_ACLS_MARK" && "$(cat "$KAFKA_ACLS_MARK")" == "$want" ]] && return 0
  local java t0=$SECONDS count=0 failed=0 principal ops kind pattern names args op name pid
  local out_dir="$KAFKA_DIR/acls.out" pids=()
  java="$(java_bin)"
  rm -rf "$out_dir"; mkdir -p "$out_dir"
  log "Granting the services' Kafka ACLs (infra/kafka/acls.conf)"
  while read -r principal ops kind pattern names; do
    [[ -z "$principal" || "$principal" == \#* ]] && continue
    count=$((count + 1))
    args=(--bootstrap-server "$KAFKA_HOST:$KAFKA_PORT" --command-config "$KAFKA_ADMIN_CONFIG" --add
      --allow-principal "User:$principal" --resource-pattern-type "$pattern")
    for op in ${ops//,/ }; do args+=(--operation "$op"); done
    for name in ${names//,/ }; do args+=("--$kind" "$name"); done
    echo "User:$principal $ops $kind $names" >"$out_dir/$count"
    "$java" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      "-Dlog4j2.configurationFile=$KAFKA_LOG4J" -Dkafka.logs.dir="$KAFKA_LOG_DIR" \
      -cp "$KAFKA_LIBS/*" org.apache.kafka.tools.AclCommand "${args[@]}" </dev/null >>"$out_dir/$count" 2>&1 &
    pids+=("$!:$count")
  done <"$KAFKA_ACLS"
  for pid in "${pids[@]}"; do
    if ! wait "${pid%%:*}"; then
      failed=1
      log "AclCommand failed for $(head -n1 "$out_dir/${pid##*:}"):"
      tail -n 20 "$out_dir/${pid##*:}" >&2
    fi
  done
  (( failed )) && die "could not grant the Kafka ACLs (outputs in $out_dir)"
  rm -rf "$out_dir"
  echo "$want" >"$KAFKA_ACLS_MARK"
  log "Kafka ACLs granted ($count rules, $((SECONDS - t0))s)"
}

show_kafka_failure() {
  local first
  first="$(grep -m1 -A1 -E '^\[[^]]*\] (ERROR|FATAL)' "$KAFKA_LOG" 2>/dev/null || true)"
  [[ -n "$first" ]] && { log "first error in $KAFKA_LOG:"; printf '%s\n' "$first" >&2; }
  log "last 40 lines of $KAFKA_LOG:"
  tail -n 40 "$KAFKA_LOG" >&2 || true
}

# Wait for the broker with pid $1 to serve metadata and log its start line.
wait_kafka() {
  local pid="$1" waited=0 limit="${KAFKA_START_TIMEOUT:-90}" dots=0
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      (( dots )) && echo >&2
      log "Kafka exited during startup"
      show_kafka_failure
      rm -f "$KAFKA_PID"
      exit 1
    fi
    if kafka_ping && grep -qF "$READY_LINE" "$KAFKA_LOG" 2>/dev/null; then
      (( dots )) && echo >&2
      return 0
    fi
    if (( waited >= limit )); then
      (( dots )) && echo >&2
      log "Kafka (pid $pid) not ready after ${limit}s"
      show_kafka_failure
      die "Kafka did not become ready (still running; 'scripts/infra.sh down' stops it)"
    fi
    (( dots )) || printf '[infra] waiting for Kafka on %s:%s ' "$KAFKA_HOST" "$KAFKA_PORT" >&2
    printf '.' >&2; dots=1
    sleep 1; waited=$((waited + 1))
  done
}

kafka_up() {
  local pid
  if pid="$(kafka_pid)"; then
    if [[ -f "$KAFKA_SECURITY_MARK" && "$(cat "$KAFKA_SECURITY_MARK")" == "$(security_mark)" ]] \
        && grep -q '^listeners=BROKER://' "$KAFKA_PROPS" 2>/dev/null; then
      if ! kafka_ping; then
        log "Kafka (pid $pid) is starting, waiting"
        wait_kafka "$pid"
      fi
      apply_acls
      log "Kafka     up   $KAFKA_HOST:$KAFKA_PORT (already running, pid $pid, SASL/SCRAM)"
      return 0
    fi
    # Started by an older infra.sh (PLAINTEXT) or with other passwords: restart it secured.
    log "Kafka (pid $pid) runs without the SCRAM users and ACLs of this version: restarting it"
    kafka_down
  fi
  if kafka_ping; then
    local mode=SASL; kafka_plaintext && mode="PLAINTEXT, no authentication"
    log "Kafka     up   $KAFKA_HOST:$KAFKA_PORT (already running, not started by this script: reusing it; $mode)"
    # The jars all the same: the test suites start throwaway brokers of their own from them (a Kafka
    # outage, the chaos suite), and a checkout that reuses another's broker has none yet.
    if have mvn && (check_java) >/dev/null 2>&1; then
      (fetch_kafka) || log "could not fetch the Kafka jars: suites that start a broker of their own will fail"
    fi
    return 0
  fi
  is_local "$KAFKA_HOST" || die "Kafka at $KAFKA_BROKER does not answer (not local, so not starting it)"
  [[ -f "$KAFKA_PID" ]] && { log "removing stale pidfile $KAFKA_PID"; rm -f "$KAFKA_PID"; }

  check_java
  fetch_kafka
  write_props
  format_storage

  mkdir -p "$KAFKA_LOG_DIR"
  [[ -f "$KAFKA_LOG" ]] && mv -f "$KAFKA_LOG" "$KAFKA_LOG.1"
  local java t0=$SECONDS; java="$(java_bin)"
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS / KAFKA_OPTS are word lists on purpose
  set -- $KAFKA_HEAP_OPTS_DEFAULT ${KAFKA_OPTS:-} \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$KAFKA_LOG4J" "-Dkafka.logs.dir=$KAFKA_LOG_DIR" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS"
  log "Starting Kafka $KAFKA_VERSION on $KAFKA_HOST:$KAFKA_PORT (log: $KAFKA_LOG)"
  # New session, no terminal, lock fd closed: the broker outlives this shell. The inner shell
  # records its own pid and then becomes java (exec), so the pidfile holds the broker's pid.
  nohup setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$KAFKA_PID" "$java" "$@" \
    </dev/null >>"$KAFKA_LOG" 2>&1 9>&- &
  local waited=0
  until [[ -s "$KAFKA_PID" ]]; do
    (( waited++ < 50 )) || die "Kafka launcher did not write $KAFKA_PID"
    sleep 0.1
  done
  pid="$(tr -dc 0-9 <"$KAFKA_PID")"
  wait_kafka "$pid"
  apply_acls
  log "Kafka     up   $KAFKA_HOST:$KAFKA_PORT (started, pid $pid, SASL/SCRAM-SHA-512, $((SECONDS - t0))s)"
}
kafka_down() {
  local pid
  if ! pid="$(kafka_pid)"; then
    [[ -f "$KAFKA_PID" ]] && { log "removing stale pidfile $KAFKA_PID"; rm -f "$KAFKA_PID"; }
    if kafka_ping; then
      log "Kafka on $KAFKA_HOST:$KAFKA_PORT was not started by this script (cache $CACHE): left running"
    else
      log "Kafka is not running"
    fi
    return 0
  fi
  log "Stopping Kafka (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if (( waited >= 300 )); then
      log "Kafka did not stop within 30s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1; waited=$((waited + 1))
  done
  rm -f "$KAFKA_PID"
  log "Kafka stopped ($((waited / 10))s)"
}

# ---------------------------------------------------------------- commands
with_lock() {
  # Serialise up/down on one cache dir (parallel `up`s must not start two brokers).
  mkdir -p "$KAFKA_DIR"
  if have flock; then
    exec 9>"$KAFKA_DIR/.lock"
    flock -w 300 9 || die "another scripts/infra.sh is busy with $KAFKA_DIR (lock held for 300s)"
  fi
}

# ---------------------------------------------------------------- Redis Cluster (optional)
# A local Redis Cluster of N masters and no replicas, one redis-server per port, for running the
# services with REDIS_CLUSTER_NODES (README "Redis Cluster"). Data, config and logs live under
# $FLASH_INFRA_CACHE/redis-cluster/<port>. Without persistence: `down` loses the data, and the
# services rebuild their counters from MySQL on the next start.
REDIS_CLUSTER_DIR="$CACHE/redis-cluster"

cluster_ports() { # "7000,7001,7002" -> "7000 7001 7002", checked
  local list="${1:-7000,7001,7002}" port ports=()
  IFS=',' read -r -a ports <<<"$list"
  (( ${#ports[@]} >= 3 )) || die "a Redis Cluster needs at least 3 masters (got '$list')"
  for port in "${ports[@]}"; do
    [[ "$port" =~ ^[0-9]+$ ]] && (( port >= 1 && port <= 55535 )) \
      || die "'$port' is not a port a cluster node can use (its bus port is port+10000)"
  done
  echo "${ports[@]}"
}

cluster_cli() { # redis-cli with REDIS_PASSWORD when one is set (an empty AUTH is an error)
  if [[ -n "${REDIS_PASSWORD:-}" ]]; then
    REDISCLI_AUTH="$REDIS_PASSWORD" timeout 30 redis-cli "$@"
  else
    timeout 30 redis-cli "$@"
  fi
}
cluster_node_ping() { cluster_cli -p "$1" ping 2>/dev/null | grep -q PONG; }

cmd_redis_cluster_up() {
  local ports port dir waited seeds=()
  ports="$(cluster_ports "${1:-}")"
  have redis-server || die "redis-server is not installed"
  for port in $ports; do
    dir="$REDIS_CLUSTER_DIR/$port"
    mkdir -p "$dir"
    seeds+=("127.0.0.1:$port")
    if cluster_node_ping "$port"; then log "redis-server already answering on $port"; continue; fi
    local auth=()
    [[ -n "${REDIS_PASSWORD:-}" ]] && auth=(--requirepass "$REDIS_PASSWORD" --masterauth "$REDIS_PASSWORD")
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --cluster-enabled yes \
      --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout 5000 \
      --save "" --appendonly no --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
      "${auth[@]}" >&2 || die "redis-server on $port failed to start (see $dir/redis.log)"
    waited=0
    until cluster_node_ping "$port"; do
      (( waited >= 15 )) && die "redis-server on $port did not answer within 15s (see $dir/redis.log)"
      sleep 1; waited=$((waited + 1))
    done
  done
  local first="${seeds[0]#*:}"
  if cluster_cli -p "$first" cluster info | grep -q 'cluster_state:ok'; then
    log "Redis Cluster already formed on ${seeds[*]}"
  else
    cluster_cli --cluster create "${seeds[@]}" \
      --cluster-replicas 0 --cluster-yes >&2 || die "redis-cli --cluster create failed"
    waited=0
    until cluster_cli -p "$first" cluster info | grep -q 'cluster_state:ok'; do
      (( waited >= 30 )) && die "the cluster did not reach cluster_state:ok within 30s"
      sleep 1; waited=$((waited + 1))
    done
  fi
  local nodes; nodes="$(IFS=,; echo "${seeds[*]}")"
  log "Redis Cluster up: REDIS_CLUSTER_NODES=$nodes"
}

cmd_redis_cluster_down() {
  local ports port dir pid
  ports="$(cluster_ports "${1:-}")"
  for port in $ports; do
    dir="$REDIS_CLUSTER_DIR/$port"
    if [[ -f "$dir/redis.pid" ]] && pid="$(cat "$dir/redis.pid")" && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" && log "stopped redis-server on $port (pid $pid)"
    else
      log "no redis-server of ours on $port"
    fi
    # The cluster's identity goes with the data: the next `up` forms a new cluster.
    rm -f "$dir/nodes.conf"
  done
}

cmd_redis_cluster_status() {
  local ports port ok=0
  ports="$(cluster_ports "${1:-}")"
  for port in $ports; do
    if cluster_node_ping "$port"; then
      echo "node     up    127.0.0.1:$port $(cluster_cli -p "$port" cluster info | tr -d '\r' | grep cluster_state)"
    else
      echo "node     down  127.0.0.1:$port"; ok=1
    fi
  done
  return "$ok"
}

cmd_redis_cluster() {
  local action="${1:-}"
  shift || true
  case "$action" in
    up) cmd_redis_cluster_up "$@" ;;
    down) cmd_redis_cluster_down "$@" ;;
    status) cmd_redis_cluster_status "$@" ;;
    *) die "usage: $0 redis-cluster up|down|status [ports, default 7000,7001,7002]" ;;
  esac
}

cmd_up() {
  with_lock
  db_up
  redis_up
  kafka_up
}

cmd_down() {
  local purge=0
  case "${1:-}" in
    --purge) purge=1 ;;
    "") ;;
    *) die "usage: $0 down [--purge]" ;;
  esac
  with_lock
  kafka_down
  if (( purge )); then
    rm -rf "$KAFKA_DATA"
    log "deleted Kafka data $KAFKA_DATA (jars kept)"
  fi
  log "MariaDB and Redis are system services: left running"
}

cmd_status() {
  local ok=0 pid
  if db_ping; then echo "MariaDB  up    $DB_HOST:$DB_PORT"; else echo "MariaDB  down  $DB_HOST:$DB_PORT"; ok=1; fi
  if redis_ping; then echo "Redis    up    $REDIS_HOST:$REDIS_PORT"; else echo "Redis    down  $REDIS_HOST:$REDIS_PORT"; ok=1; fi
  if kafka_ping; then
    if pid="$(kafka_pid)"; then
      echo "Kafka    up    $KAFKA_HOST:$KAFKA_PORT (pid $pid, $KAFKA_DIR)"
    else
      echo "Kafka    up    $KAFKA_HOST:$KAFKA_PORT (not started by this script)"
    fi
  else
    if pid="$(kafka_pid)"; then
      echo "Kafka    down  $KAFKA_HOST:$KAFKA_PORT (pid $pid running but not serving yet)"
    else
      echo "Kafka    down  $KAFKA_HOST:$KAFKA_PORT"
    fi
    ok=1
  fi
  return "$ok"
}

cmd_logs() {
  [[ -f "$KAFKA_LOG" ]] || die "no Kafka log yet ($KAFKA_LOG)"
  case "${1:-}" in
    -f|--follow) exec tail -n 100 -F "$KAFKA_LOG" ;;
    "") exec tail -n 100 "$KAFKA_LOG" ;;
    *) die "usage: $0 logs [-f]" ;;
  esac
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  status) shift; cmd_status "$@" ;;
  logs) shift; cmd_logs "$@" ;;
  redis-cluster) shift; cmd_redis_cluster "$@" ;;
  *)
    cat >&2 <<EOF
usage: scripts/infra.sh up | down [--purge] | status | logs [-f]
  up        start MariaDB/Redis if down (+ create databases), fetch and start Kafka $KAFKA_VERSION
  down      stop the Kafka started by 'up' (--purge also deletes its data; jars are kept)
  status    one line per service; exit 0 only if all are up
  logs      last 100 lines of the Kafka log (-f to follow)
  redis-cluster up|down|status [ports]
            a local 3-master Redis Cluster (no replicas) for REDIS_CLUSTER_NODES, default ports
            7000,7001,7002, data under .cache/redis-cluster (down stops it and forgets it)
EOF
    exit 2 ;;
esac
