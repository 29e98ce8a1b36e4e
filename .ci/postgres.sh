#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (ecosystem/tests/db_pool.rs,
# the tokio_postgres example), on 127.0.0.1 only, in a directory of its own:
#
#   .ci/postgres.sh bindir      # where initdb and pg_ctl are; fails if nowhere
#   .ci/postgres.sh start DIR   # initdb into DIR/data and start; prints the URL
#                               # (also written to DIR/url)
#   .ci/postgres.sh stop DIR    # stop it and remove DIR
#
# The binaries are found on PATH or in Debian's /usr/lib/postgresql/*/bin
# (the newest). PostgreSQL refuses to run as root: as root, the cluster
# belongs to the `postgres` user (Debian's package makes it) or else
# `nobody`, and DIR is handed to that user. Trust authentication, a free
# port, the Unix socket in DIR; fsync off (the data is thrown away).
set -euo pipefail

bindir() {
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return
    fi
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] || {
        echo "postgres.sh: no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin" >&2
        return 1
    }
    echo "$dir"
}

# Run "$@" as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$owner" -- "$@"
    else
        "$@"
    fi
}

owner=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
    if id postgres >/dev/null 2>&1; then owner=postgres; else owner=nobody; fi
fi

case "${1:-}" in
bindir)
    bindir
    ;;
start)
    dir=${2:?usage: postgres.sh start DIR}
    bin=$(bindir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" -eq 0 ] && chown "$owner" "$dir"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port/postgres" | tee "$dir/url"
    ;;
stop)
    dir=${2:?usage: postgres.sh stop DIR}
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: postgres.sh bindir | start DIR | stop DIR" >&2
    exit 2
    ;;
esac
