#!/bin/sh
# First start: a cluster in $PGDATA with the database and user from POSTGRES_DB/USER/PASSWORD
# (password auth over the network); then the server in the foreground as the postgres user, as PID 1.
set -eu
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
mkdir -p "$PGDATA" /run/postgresql
chown -R postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
  pw="$(mktemp)"; printf '%s' "$POSTGRES_PASSWORD" > "$pw"; chown postgres "$pw"
  runuser -u postgres -- initdb -D "$PGDATA" -U "${POSTGRES_USER:-sentinel}" --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
  rm -f "$pw"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  runuser -u postgres -- pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  runuser -u postgres -- psql -U "${POSTGRES_USER:-sentinel}" -d postgres -c "CREATE DATABASE \"${POSTGRES_DB:-sentinel}\"" >/dev/null
  runuser -u postgres -- pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
# setpriv, not runuser: runuser stays PID 1 and ignores SIGINT (podman stop waited 10 s, then
# SIGKILL) and answers SIGTERM with exit 143; postgres as PID 1 shuts down on either and exits 0
exec setpriv --reuid=postgres --regid=postgres --init-groups -- postgres -D "$PGDATA" -c listen_addresses='*'
