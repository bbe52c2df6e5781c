#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster in DIR on loopback PORT and prints its URL.
# Usage: scripts/start-postgres.sh DIR PORT     (stop: pg_ctl -D DIR/data stop)
# Installs PostgreSQL from Debian's packages if it is missing. Tuned for tests:
# fsync off (a crashed *machine* may lose the cluster; a crashed process loses nothing).
set -euo pipefail
dir="$1"
port="$2"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
    echo "installing postgresql…" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
mkdir -p "$dir"
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off" start >/dev/null
echo "postgres://postgres@127.0.0.1:$port/postgres"
