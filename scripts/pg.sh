#!/usr/bin/env bash
# A local PostgreSQL server for tests and demonstrations (Debian's package, loopback only).
#
#   scripts/pg.sh up [WAREHOUSE.duckdb]   install if absent, start, load a warehouse, print DWH_URL
#   scripts/pg.sh start                   install if absent and start (no load)
#   scripts/pg.sh down                    stop the server (the data folder stays)
#   scripts/pg.sh status                  exit 0 when the server answers
#   scripts/pg.sh url                     print the DWH_URL
#
# Environment: PG_PORT (55432), PG_DIR (.pg under the checkout), PG_DB (asylstat),
# PYTHON (.venv/bin/python). The server trusts local connections: it is a scratch server
# listening on 127.0.0.1 only, never a production warehouse.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PG_PORT=${PG_PORT:-55432}
PG_DB=${PG_DB:-asylstat}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
if [[ -z "${PG_DIR:-}" ]]; then
    PG_DIR=$ROOT/.pg
    # root runs the server as 'postgres', who must be able to reach the folder: a checkout
    # under a private folder (mode 700) gets a scratch folder of its own instead
    if [[ $(id -u) -eq 0 ]] && id postgres >/dev/null 2>&1 \
            && ! runuser -u postgres -- test -x "$ROOT" 2>/dev/null; then
        PG_DIR=/var/tmp/asylstat-pg-$(echo "$ROOT" | sha1sum | cut -c1-10)
    fi
fi
DATA=$PG_DIR/data
LOG=$PG_DIR/server.log

say() { echo "pg.sh: $*" >&2; }

pg_bin() {  # the newest installed server's bin folder
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$dir" || ! -x "$dir/pg_ctl" ]]; then
        return 1
    fi
    echo "$dir"
}

install_server() {
    if pg_bin >/dev/null; then return 0; fi
    if [[ $(id -u) -ne 0 ]]; then
        say "PostgreSQL is not installed; run: sudo apt-get install -y postgresql"; exit 1
    fi
    say "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq postgresql >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null; }
    pg_bin >/dev/null || { say "the postgresql package installed no server"; exit 1; }
}

# run a server program as a user allowed to: root cannot run postgres, so use 'postgres'
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

url() { echo "postgresql://postgres@127.0.0.1:$PG_PORT/$PG_DB"; }

running() {
    local bin; bin=$(pg_bin) || return 1
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null
}

start() {
    install_server
    local bin; bin=$(pg_bin)
    if ! running; then
        launch "$bin"
    fi
    if ! "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc \
            "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1; then
        "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DB"
    fi
}

launch() {
    local bin=$1
    mkdir -p "$PG_DIR"
    if [[ $(id -u) -eq 0 ]]; then chown postgres: "$PG_DIR"; fi
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        say "creating a cluster in $DATA"
        as_owner "$bin/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 \
            --locale=C.UTF-8 >/dev/null
    fi
    # TCP on the loopback only, no Unix socket (/var/run/postgresql may not be writable);
    # a scratch server: no durability needed; statements slower than 10 s are logged
    as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' \
            -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
            -c log_min_duration_statement=10000" start >/dev/null
    say "server up on 127.0.0.1:$PG_PORT (data and log in $PG_DIR)"
}

down() {
    local bin; bin=$(pg_bin) || { say "no server installed"; return 0; }
    if [[ -f "$DATA/postmaster.pid" ]]; then
        as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null && say "server stopped"
    else
        say "no server running in $DATA"
    fi
}

case "${1:-}" in
    up)
        start
        source_file=${2:-}
        if [[ -z "$source_file" ]]; then
            source_file=$ROOT/data/demo.duckdb
            if [[ ! -f "$source_file" ]]; then "$ROOT/.venv/bin/asylstat" demo-dwh; fi
        fi
        "$PYTHON" -m asylstat.warehouse.load "$source_file" "$(url)" --schema dwh >&2
        echo "DWH_URL=$(url)"
        ;;
    start) start; echo "DWH_URL=$(url)" ;;
    down) down ;;
    status) running ;;
    url) url ;;
    *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
