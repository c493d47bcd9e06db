#!/usr/bin/env bash
# Entrypoint of the Kafka containers of docker-compose.yml and docker-compose.dev.yml (image
# apache/kafka, which has bash and the distribution in /opt/kafka). The same broker as
# scripts/infra.sh runs, secured the same way, from the same files (this folder is mounted
# read-only at /etc/flash-kafka):
#
#   compose-entrypoint.sh broker   writes the runtime config from server.properties, formats the
#                                  storage with the SCRAM users on the first start, runs the broker
#   compose-entrypoint.sh acls     applies acls.conf as admin (the one-shot kafka-acls service,
#                                  once the broker is healthy); adding an existing ACL is a no-op
#   compose-entrypoint.sh adopt    records the current passwords as the storage's, after they were
#                                  changed on the broker with kafka-configs.sh (README, Docker)
#
# The image's own start-up (KAFKA_* variables turned into properties by /etc/kafka/docker/run) is
# not used: the properties come from server.properties, as for infra.sh, so the two cannot drift.
#
# Environment:
#   CLUSTER_ID                 the cluster id the storage is formatted with (broker)
#   KAFKA_ADVERTISED           host:port the broker is advertised as (broker; default kafka:9092)
#   KAFKA_BOOTSTRAP            host:port the ACL tool connects to (acls; default kafka:9092)
#   KAFKA_ADMIN_PASSWORD KAFKA_ORDER_SERVICE_PASSWORD KAFKA_INVENTORY_SERVICE_PASSWORD
#   KAFKA_USER_SERVICE_PASSWORD    the SCRAM-SHA-512 passwords (required: compose gives defaults;
#                                  acls needs only admin's)
#   RESET_STORAGE_ON_CHANGE=true   delete a storage formatted with other users or passwords (or
#                                  before SASL) instead of refusing to start (the dev file sets it)
set -euo pipefail

# The image's paths. The FLASH_KAFKA_* overrides exist for tests/prod/compose.test.mjs, which runs
# this script outside a container against stand-in Kafka commands.
KAFKA_BIN="${FLASH_KAFKA_BIN:-/opt/kafka/bin}"
CONF_DIR="${FLASH_KAFKA_CONF_DIR:-/etc/flash-kafka}" # this folder, mounted read-only
TEMPLATE="$CONF_DIR/server.properties"
ACLS="$CONF_DIR/acls.conf"
DATA="${FLASH_KAFKA_DATA:-/var/lib/kafka/data}" # the image's data volume
CONFIG_DIR="${FLASH_KAFKA_CONFIG_DIR:-/opt/kafka/config}" # writable by the image's user
PROPS="$CONFIG_DIR/flash-server.properties"
# Client config of the super user: the healthcheck and `docker compose exec kafka ...` use it.
ADMIN_CONFIG="$CONFIG_DIR/flash-admin.properties"
SECURITY_MARK="$DATA/.flash-security"
USERS=(admin order-service inventory-service user-service) # as scripts/infra.sh's KAFKA_USERS
CONTROLLER=127.0.0.1:9093 # the controller serves this node only: not reachable from outside

log() { printf '[kafka-entrypoint] %s\n' "$*" >&2; }
die() { printf '[kafka-entrypoint] ERROR: %s\n' "$*" >&2; exit 1; }

password() { # user -> its password, from KAFKA_<USER>_PASSWORD (no default here: compose has them)
  local var="${1^^}" # bash itself, not the image's busybox tr
  var="KAFKA_${var//-/_}_PASSWORD"
  [[ -n "${!var:-}" ]] || die "$var is not set"
  printf '%s' "${!var}"
}

# JAAS option values are double-quoted strings and --add-scram takes [name=...,password=...]: a
# password with " \ ] , or = would break one of them, so refuse it with a clear message.
check_passwords() {
  local user value
  for user in "$@"; do
    value="$(password "$user")"
    [[ "$value" != *[\"\\\],=]* ]] || die "the password of $user contains one of \" \\ ] , = (not supported here)"
  done
}

write_admin_config() {
  (
    umask 077
    {
      echo "security.protocol=SASL_PLAINTEXT"
      echo "sasl.mechanism=SCRAM-SHA-512"
      echo "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$(password admin)\";"
    } >"$ADMIN_CONFIG"
  )
}

# The same runtime copy as scripts/infra.sh's write_props, for the container's addresses.
write_props() {
  local admin advertised="${KAFKA_ADVERTISED:-kafka:9092}"
  admin="$(password admin)"
  (
    umask 077
    {
      grep -vE '^[[:space:]]*(log\.dirs|listeners|advertised\.listeners|controller\.quorum\.bootstrap\.servers)[[:space:]]*=' "$TEMPLATE"
      echo
      echo "# ---- written by infra/kafka/compose-entrypoint.sh"
      echo "log.dirs=$DATA"
      echo "listeners=BROKER://0.0.0.0:${advertised##*:},CONTROLLER://$CONTROLLER"
      echo "advertised.listeners=BROKER://$advertised,CONTROLLER://$CONTROLLER"
      echo "controller.quorum.bootstrap.servers=$CONTROLLER"
      echo "listener.name.broker.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$admin\";"
      echo "listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"$admin\" user_admin=\"$admin\";"
    } >"$PROPS"
  )
}

# What the storage was formatted with (hashed: the marker holds no password), as infra.sh's.
security_mark() {
  local user
  {
    echo "sasl-scram-sha-512+acls v1 controller=$CONTROLLER"
    for user in "${USERS[@]}"; do printf '%s=%s\n' "$user" "$(password "$user")"; done
  } | sha256sum | cut -d' ' -f1
}

format_storage() {
  local mark user scram=()
  mark="$(security_mark)"
  if [[ -f "$DATA/meta.properties" ]]; then
    [[ -f "$SECURITY_MARK" && "$(cat "$SECURITY_MARK")" == "$mark" ]] && return 0
    if [[ "${RESET_STORAGE_ON_CHANGE:-false}" != true ]]; then
      die "the kafka-data volume was formatted without these SCRAM users and passwords (before SASL, or with other KAFKA_*_PASSWORD values). Either delete it (topics and offsets are lost): docker compose rm -sf kafka && docker volume rm <project>_kafka-data; or, having changed the passwords on the broker with kafka-configs.sh, record them: docker compose run --rm --no-deps kafka adopt (README, Docker)"
    fi
    log "the storage was formatted without these SCRAM users: deleting it (development data)"
    (shopt -s dotglob nullglob; rm -rf -- "${DATA:?}"/*)
  fi
  [[ -n "${CLUSTER_ID:-}" ]] || die "CLUSTER_ID is not set"
  for user in "${USERS[@]}"; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(password "$user")]")
  done
  log "formatting the storage (cluster id $CLUSTER_ID, SCRAM users: ${USERS[*]})"
  "$KAFKA_BIN/kafka-storage.sh" format -t "$CLUSTER_ID" -c "$PROPS" --standalone "${scram[@]}"
  echo "$mark" >"$SECURITY_MARK"
}

# infra/kafka/acls.conf, parsed as scripts/infra.sh's apply_acls does: one kafka-acls.sh per rule,
# all at once (each spends most of its time starting a JVM).
apply_acls() {
  local bootstrap="${KAFKA_BOOTSTRAP:-kafka:9092}" count=0 failed=0
  local principal ops kind pattern names op name args pids=() pid out
  out="$(mktemp -d)"
  log "granting the services' ACLs (acls.conf) on $bootstrap"
  while read -r principal ops kind pattern names; do
    [[ -z "$principal" || "$principal" == \#* ]] && continue
    count=$((count + 1))
    args=(--bootstrap-server "$bootstrap" --command-config "$ADMIN_CONFIG" --add
      --allow-principal "User:$principal" --resource-pattern-type "$pattern")
    for op in ${ops//,/ }; do args+=(--operation "$op"); done
    for name in ${names//,/ }; do args+=("--$kind" "$name"); done
    echo "User:$principal $ops $kind $names" >"$out/$count"
    KAFKA_HEAP_OPTS=-Xmx128m "$KAFKA_BIN/kafka-acls.sh" "${args[@]}" </dev/null >>"$out/$count" 2>&1 &
    pids+=("$!:$count")
  done <"$ACLS"
  for pid in "${pids[@]}"; do
    if ! wait "${pid%%:*}"; then
      failed=1
      log "kafka-acls.sh failed for $(head -n1 "$out/${pid##*:}"):"
      tail -n 20 "$out/${pid##*:}" >&2
    fi
  done
  ((failed)) && die "could not grant the Kafka ACLs"
  ((count > 0)) || die "no rule in $ACLS"
  rm -rf "$out"
  log "ACLs granted ($count rules)"
}

case "${1:-broker}" in
  broker)
    check_passwords "${USERS[@]}"
    write_props
    write_admin_config
    format_storage
    exec "$KAFKA_BIN/kafka-server-start.sh" "$PROPS"
    ;;
  adopt)
    # After a rotation on the running broker (kafka-configs.sh --alter ... SCRAM-SHA-512=[...]):
    # the storage's credentials are now the current KAFKA_*_PASSWORD values.
    check_passwords "${USERS[@]}"
    [[ -f "$DATA/meta.properties" ]] || die "the storage is not formatted yet: nothing to adopt"
    security_mark >"$SECURITY_MARK"
    log "recorded the current passwords as the storage's SCRAM credentials"
    ;;
  acls)
    check_passwords admin
    ADMIN_CONFIG="$(mktemp)"
    trap 'rm -f "$ADMIN_CONFIG"' EXIT
    write_admin_config
    apply_acls
    ;;
  *) die "usage: compose-entrypoint.sh broker|acls|adopt" ;;
esac
