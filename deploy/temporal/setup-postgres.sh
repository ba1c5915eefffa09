#!/bin/sh
# Run by the temporal-admin-tools service before the server starts: creates Temporal's two
# databases (history and visibility) on temporal-postgresql and brings their schemas to the
# version of this admin-tools image, which matches the server's. Safe to run again: a database
# that exists is only updated. The password comes from SQL_PASSWORD (read by the tool itself).
set -eu
tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}
schema_dir=/etc/temporal/schema/postgresql/v12
for pair in temporal:temporal temporal_visibility:visibility; do
  database=${pair%%:*}
  if tool --db "$database" create; then
    tool --db "$database" setup-schema -v 0.0
  else
    echo "database $database exists; updating its schema"
  fi
  tool --db "$database" update-schema -d "$schema_dir/${pair#*:}/versioned"
done
echo "Temporal schemas are up to date"
