# PostgreSQL from Debian's packages, for the SQL catalog's shared mode and as the
# CDC source (wal_level=logical, for Debezium in connect.sh). The server refuses
# to run as root, so it runs as the 'postgres' system user.
postgres_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

postgres_provision() {
  [[ -n "$(postgres_bin)" ]] && return 0
  say "installing PostgreSQL from Debian's packages"
  apt_install postgresql
  [[ -n "$(postgres_bin)" ]] || die "PostgreSQL binaries not found after install"
}

pg_as_owner() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The cluster lives in .services/ unless the 'postgres' user cannot reach it (a
# checkout below a private directory such as one from `mktemp -d`); then in a
# directory of its own under /var/tmp, named after the checkout's state folder.
postgres_dir() {
  local dir="$FLOE_STATE/postgres"
  if [[ "$(id -u)" == 0 ]] && ! runuser -u postgres -- test -x "$FLOE_STATE"; then
    dir="/var/tmp/floe-postgres-$(printf '%s' "$FLOE_STATE" | sha256sum | cut -c1-12)"
  fi
  printf '%s\n' "$dir"
}

postgres_start() {
  local dir bin
  dir="$(postgres_dir)"
  bin="$(postgres_bin)"
  mkdir -p "$dir"
  [[ "$(id -u)" == 0 ]] && chown postgres:postgres "$dir" && chmod 700 "$dir"
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    local pwfile="$dir/pw"
    printf '%s\n' "$FLOE_PG_PASSWORD" > "$pwfile"
    [[ "$(id -u)" == 0 ]] && chown postgres "$pwfile"
    pg_as_owner "$bin/initdb" -D "$dir/data" -U "$FLOE_PG_USER" --pwfile="$pwfile" \
      -A scram-sha-256 >>"$FLOE_STATE/postgres.log" 2>&1 || { tail -n 20 "$FLOE_STATE/postgres.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"
  fi
  touch "$FLOE_STATE/postgres.log"; chmod 666 "$FLOE_STATE/postgres.log"
  local as_owner=()
  [[ "$(id -u)" == 0 ]] && as_owner=(runuser -u postgres --)
  spawn postgres "$FLOE_STATE/postgres.log" "${as_owner[@]}" "$bin/postgres" \
    -D "$dir/data" -c listen_addresses=127.0.0.1 -p "$FLOE_PG_PORT" \
    -c unix_socket_directories="$dir" -c fsync=off -c max_connections=50 \
    -c wal_level=logical -c max_replication_slots=20 -c max_wal_senders=20
}

postgres_healthy() {
  "$(postgres_bin)/pg_isready" -h 127.0.0.1 -p "$FLOE_PG_PORT" -q || return 1
  PGPASSWORD="$FLOE_PG_PASSWORD" psql -h 127.0.0.1 -p "$FLOE_PG_PORT" -U "$FLOE_PG_USER" -d postgres \
    -tAc "select 1 from pg_database where datname='$FLOE_PG_DATABASE'" | grep -q 1 && return 0
  PGPASSWORD="$FLOE_PG_PASSWORD" psql -h 127.0.0.1 -p "$FLOE_PG_PORT" -U "$FLOE_PG_USER" -d postgres \
    -qc "create database $FLOE_PG_DATABASE"
}
postgres_wait() { wait_for postgres 60 "$FLOE_STATE/postgres.log" postgres_healthy; }
