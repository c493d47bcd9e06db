# One MySQL/MariaDB user per service, with every right on its own database and nothing else
# (least privilege: a compromised order-service cannot read user_service's password hashes).
# Idempotent: creates the users when missing and sets their passwords to the configured ones, so
# rerunning it after changing a password rotates it.
#
#   bash infra/mysql/users.sh | mysql -uroot ...   prints the SQL (scripts/infra.sh does this)
#   /docker-entrypoint-initdb.d/20-users.sh         sourced by the MariaDB image on its first start
#                                                   (keep this file non-executable: sourced, it can
#                                                   use the entrypoint's docker_process_sql)
#
# Users: user_service, order_service, inventory_service (named like their databases), at '%' and
# 'localhost'. Passwords: USER_SERVICE_DB_PASSWORD, ORDER_SERVICE_DB_PASSWORD,
# INVENTORY_SERVICE_DB_PASSWORD, by default the public development ones (<user>-dev-password),
# which are also the services' DB_PASSWORD defaults.
flash_service_users_sql() {
  local db var password host
  for db in user_service order_service inventory_service; do
    var="$(tr 'a-z' 'A-Z' <<<"$db")_DB_PASSWORD"
    password="${!var:-$db-dev-password}"
    password="${password//\\/\\\\}"
    password="${password//\'/\'\'}"
    for host in '%' 'localhost'; do
      printf "CREATE USER IF NOT EXISTS '%s'@'%s' IDENTIFIED BY '%s';\n" "$db" "$host" "$password"
      printf "ALTER USER '%s'@'%s' IDENTIFIED BY '%s';\n" "$db" "$host" "$password"
      printf "GRANT ALL PRIVILEGES ON \`%s\`.* TO '%s'@'%s';\n" "$db" "$db" "$host"
    done
  done
}

if declare -F docker_process_sql >/dev/null; then
  flash_service_users_sql | docker_process_sql
else
  flash_service_users_sql
fi
