#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL server for the test suite.
#
#   eval "$(scripts/test-postgres.sh)"     # start; prints `export PEERBENCH_TEST_POSTGRES_URL=…`
#   scripts/test-postgres.sh stop          # stop it and delete its files
#   scripts/test-postgres.sh status
#
# Idempotent: starting again while it runs just prints the export line. The server
# listens only on 127.0.0.1 (trust authentication, so never on a shared network), on
# PEERBENCH_PG_PORT (default 55432, or the next free port). Its files live in
# PEERBENCH_PG_DIR (default ${TMPDIR:-/tmp}/peerbench-test-pg-$UID). If no PostgreSQL
# binaries are installed, it installs them with apt-get (Debian/Ubuntu, as root).
#
# Everything except the export line goes to stderr, so the output can be eval'd.
set -euo pipefail

BASE_DIR="${PEERBENCH_PG_DIR:-${TMPDIR:-/tmp}/peerbench-test-pg-$(id -u)}"
DATA_DIR="$BASE_DIR/data"
PORT_FILE="$BASE_DIR/port"
LOG_FILE="$BASE_DIR/server.log"
FIRST_PORT="${PEERBENCH_PG_PORT:-55432}"
ROLE="peerbench"
SUPERUSER="postgres"

log() { echo "test-postgres: $*" >&2; }
die() { log "$*"; exit 1; }

find_bindir() {
    local candidate
    if candidate="$(command -v pg_ctl 2>/dev/null)"; then
        # /usr/local/bin/pg_ctl may be a symlink; initdb and postgres sit beside the target.
        candidate="$(dirname "$(readlink -f "$candidate")")"
        if [[ -x "$candidate/initdb" && -x "$candidate/postgres" ]]; then
            echo "$candidate"
            return 0
        fi
    fi
    # Debian keeps server binaries off PATH, one directory per major version; take the newest.
    candidate="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$candidate" && -x "$candidate/pg_ctl" ]]; then
        echo "$candidate"
        return 0
    fi
    return 1
}

install_postgres() {
    [[ "$(id -u)" -eq 0 ]] || die "PostgreSQL is not installed; install it (or run as root)."
    command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is missing."
    log "installing PostgreSQL with apt-get"
    # policy-rc.d-less containers may try to start the packaged cluster; we do not use it.
    DEBIAN_FRONTEND=noninteractive apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
}

# Run a command as the cluster owner: initdb and postgres refuse to run as root.
as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        if command -v runuser >/dev/null; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

port_in_use() {
    # Bash's /dev/tcp connect succeeds only if something is listening.
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

running() {
    [[ -f "$DATA_DIR/PG_VERSION" ]] && as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1
}

print_export() {
    echo "export PEERBENCH_TEST_POSTGRES_URL=postgresql+psycopg://$ROLE@127.0.0.1:$(cat "$PORT_FILE")/postgres"
}

start() {
    if ! BINDIR="$(find_bindir)"; then
        install_postgres
        BINDIR="$(find_bindir)" || die "PostgreSQL binaries not found even after installing."
    fi
    if running; then
        log "already running on port $(cat "$PORT_FILE")"
        print_export
        return 0
    fi

    mkdir -p "$BASE_DIR"
    if [[ "$(id -u)" -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "no 'postgres' user to own the cluster"
        chown postgres: "$BASE_DIR"
    fi
    if [[ ! -f "$DATA_DIR/PG_VERSION" ]]; then
        rm -rf "$DATA_DIR"
        log "creating a cluster in $DATA_DIR"
        if ! as_owner "$BINDIR/initdb" -D "$DATA_DIR" -U "$SUPERUSER" --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >"$BASE_DIR/initdb.log" 2>&1; then
            # Older or minimal systems may lack the C.UTF-8 locale.
            rm -rf "$DATA_DIR"
            as_owner "$BINDIR/initdb" -D "$DATA_DIR" -U "$SUPERUSER" --auth=trust \
                --encoding=UTF8 --no-locale >"$BASE_DIR/initdb.log" 2>&1 \
                || die "initdb failed; see $BASE_DIR/initdb.log"
        fi
        # Trust only loopback TCP; the Unix socket lives in our own directory.
        cat >"$BASE_DIR/pg_hba.conf" <<'EOF'
local all all              trust
host  all all 127.0.0.1/32 trust
EOF
        if [[ "$(id -u)" -eq 0 ]]; then
            chown postgres: "$BASE_DIR/pg_hba.conf"
        fi
        as_owner cp "$BASE_DIR/pg_hba.conf" "$DATA_DIR/pg_hba.conf"
    fi

    local port="$FIRST_PORT"
    while port_in_use "$port"; do
        port=$((port + 1))
        ((port < FIRST_PORT + 100)) || die "no free port in $FIRST_PORT..$((FIRST_PORT + 99))"
    done
    echo "$port" >"$PORT_FILE"

    log "starting on 127.0.0.1:$port"
    as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $DATA_DIR -c fsync=off" start >&2 \
        || { tail -n 20 "$LOG_FILE" >&2 || true; die "server did not start"; }

    # The test role may create (and drop) its own per-session databases. DROP DATABASE
    # ... WITH (FORCE) must also end an autovacuum worker busy in that database, which
    # a role without pg_signal_backend may not do ("must be a member of the role whose
    # process is being terminated"), so the role gets it.
    as_owner "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" \
        -U "$SUPERUSER" -d postgres >&2 <<SQL
DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
        CREATE ROLE $ROLE LOGIN CREATEDB;
    END IF;
END \$\$;
GRANT pg_signal_backend TO $ROLE;
SQL
    print_export
}

stop() {
    BINDIR="$(find_bindir)" || { log "PostgreSQL is not installed; nothing to stop"; return 0; }
    if running; then
        log "stopping"
        as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" -m fast -w -t 30 stop >&2
    fi
    rm -rf "$BASE_DIR"
}

status() {
    BINDIR="$(find_bindir)" || die "PostgreSQL is not installed"
    if running; then
        log "running on port $(cat "$PORT_FILE")"
        print_export
    else
        die "not running"
    fi
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) die "usage: $0 [start|stop|status]" ;;
esac
