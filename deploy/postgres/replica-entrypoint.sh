#!/bin/bash
# The streaming replica (docker-compose.yml: `postgres-replica`): on first boot a base backup
# of the primary with -R (standby.signal and primary_conninfo written for us) and the WAL
# streamed during it; afterwards the official entrypoint starts it as a hot standby. The same
# recipe as bin/replica on a development machine.
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$PRIMARY_HOST" -p 5432 -q; do sleep 1; done
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  PGPASSWORD="$POSTGRES_REPLICATION_PASSWORD" gosu postgres pg_basebackup \
    -h "$PRIMARY_HOST" -p 5432 -U replicator -D "$PGDATA" -R -X stream -c fast
fi
exec docker-entrypoint.sh postgres -c hot_standby=on
