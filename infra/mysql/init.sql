-- One schema per service (database-per-service). Idempotent.
-- Used by scripts/infra.sh (`mysql < infra/mysql/init.sql`) and suitable for a MySQL/MariaDB
-- container's /docker-entrypoint-initdb.d/.
CREATE DATABASE IF NOT EXISTS `user_service`
  CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS `order_service`
  CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS `inventory_service`
  CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
