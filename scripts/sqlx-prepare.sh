#!/usr/bin/env bash
# Regenerates .sqlx/, the offline metadata of every compile-time checked query, after a query
# or a migration changes. Builds use it (SQLX_OFFLINE in .cargo/config.toml), so none needs a
# database; tests/queries.rs fails when it no longer matches the migrations.
#
# The app database (migrations/) and a profile's cache (migrations/cache/) are separate files
# with separate tables; the queries of both are checked against one scratch database holding
# both schemas.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_cargo_tool sqlx sqlx-cli 0.8.6 --no-default-features --features sqlite
db="$ROOT/target/sqlx-check.db"
rm -f "$db" "$db-wal" "$db-shm"
mkdir -p "$ROOT/target"
export DATABASE_URL="sqlite://$db?mode=rwc"
sqlx migrate run --source migrations
sqlx migrate run --source migrations/cache --ignore-missing
cargo sqlx prepare --workspace -- --all-targets
step "Wrote .sqlx/ from $(ls .sqlx | wc -l) queries"
