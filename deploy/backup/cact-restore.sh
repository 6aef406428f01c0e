#!/usr/bin/env bash
# cact-restore.sh — put a backup made by cact-backup.sh back into an EMPTY CACT database.
# Memulihkan cadangan dari cact-backup.sh ke database CACT yang KOSONG.
#
#   sudo systemctl stop cact
#   sudo /opt/cact/deploy/backup/cact-restore.sh /var/backups/cact/cact-cact-20261122-101000.dump
#   sudo /opt/cact/deploy/backup/cact-restore.sh --wipe FILE   # the database holds data: replace it
#   sudo systemctl start cact
#
# It asks for a typed confirmation unless --yes is given. A database that is not empty is only
# replaced with --wipe (it is dropped and created again, empty). CACT must be stopped: the
# restore refuses while anything else is connected to the database. For the embedded PostgreSQL
# it starts the server itself for the restore when CACT is stopped, and stops it afterwards.
# Options (same settings as cact-backup.sh):
#   --yes            do not ask (scripts)
#   --wipe           the target database holds data: drop it and restore into a new empty one
#   --url URL        restore into this database (CACT_RESTORE_DATABASE_URL)
#   --dbname NAME    database of the embedded PostgreSQL (default cact)
#   --env-file FILE  settings file (CACT_ENV_FILE, default /etc/cact/cact.env)

set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
# shellcheck source=cact-pg-lib.sh source-path=SCRIPTDIR
. "$HERE/cact-pg-lib.sh"

usage() {
    sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

yes=0
wipe=0
url=${CACT_RESTORE_DATABASE_URL:-}
dbname=cact
env_file=${CACT_ENV_FILE:-/etc/cact/cact.env}
dump=""

while [ $# -gt 0 ]; do
    case $1 in
    --yes | -y) yes=1; shift ;;
    --wipe) wipe=1; shift ;;
    --url) url=${2:?--url needs a URL}; shift 2 ;;
    --dbname) dbname=${2:?--dbname needs a name}; shift 2 ;;
    --env-file) env_file=${2:?--env-file needs a file}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; cact_die "unknown option: $1" ;;
    *) [ -z "$dump" ] || cact_die "one backup file at a time"; dump=$1; shift ;;
    esac
done
[ -n "$dump" ] || { usage >&2; cact_die "which backup file? (ls -lt /var/backups/cact)"; }
[ -r "$dump" ] || cact_die "cannot read the backup file $dump"

cact_load_env_file "$env_file"

started_here=0
ctl_dir=""
stop_started_server() {
    if [ "$started_here" = 1 ]; then
        cact_say "stopping the embedded PostgreSQL again"
        cact_as_pgdata_owner "$ctl_dir/pg_ctl" -w -D "$CACT_PGDATA" -m fast stop >/dev/null || true
    fi
}
trap stop_started_server EXIT

# The embedded PostgreSQL runs only while CACT runs: start it for the restore when CACT is stopped.
start_embedded() {
    local version dir major
    version=$(cat "$CACT_PGDATA/PG_VERSION")
    ctl_dir=""
    while IFS= read -r dir; do
        major=$(cact_bin_major "$dir") || continue
        if [ "$major" = "$version" ] && [ -x "$dir/pg_ctl" ]; then
            ctl_dir=$dir
            break
        fi
    done < <(cact_pg_bin_candidates)
    [ -n "$ctl_dir" ] || cact_die "no PostgreSQL $version programs found to start $CACT_PGDATA (CACT's virtualenv has them: set CACT_PYTHON=/opt/cact/.venv/bin/python)"
    [ "${#CACT_PGDATA}" -lt 90 ] || cact_die "the path $CACT_PGDATA is too long for PostgreSQL's socket: start CACT instead"
    cact_say "starting the embedded PostgreSQL in $CACT_PGDATA for the restore (CACT stays stopped)"
    cact_as_pgdata_owner "$ctl_dir/pg_ctl" -w -t 60 -D "$CACT_PGDATA" -l "$CACT_PGDATA/log" \
        -o "-h '' -k $CACT_PGDATA" start >/dev/null
    started_here=1
}

if ! cact_resolve_target "$url" "$dbname"; then
    start_embedded
    cact_resolve_target "$url" "$dbname" || cact_die "the embedded PostgreSQL did not start: see $CACT_PGDATA/log"
fi
# The dump's header: which pg_dump made it, from which server version.
header=$("$(cact_newest_bin)/pg_restore" --list "$dump" 2>&1) ||
    cact_die "$dump is not a backup made by cact-backup.sh (pg_restore cannot read it)"
[[ $header =~ Dumped\ by\ pg_dump\ version:\ ([0-9]+) ]] ||
    cact_die "$dump is not a backup made by cact-backup.sh (pg_restore cannot read it)"
dumped_by=${BASH_REMATCH[1]}
dumped_from=0
[[ $header =~ Dumped\ from\ database\ version:\ ([0-9]+) ]] && dumped_from=${BASH_REMATCH[1]}
cact_choose_bin "$dumped_by"
if [ "$CACT_SERVER_MAJOR" -lt "$dumped_from" ]; then
    cact_die "this backup comes from PostgreSQL $dumped_from; it can only go into PostgreSQL $dumped_from or newer (this server is $CACT_SERVER_MAJOR)"
fi
db=$CACT_TARGET_DB
db_sql=${db//\"/\"\"}
db_literal=${db//\'/\'\'}

exists=$(cact_psql -c "SELECT count(*) FROM pg_database WHERE datname = '$db_literal'" "$CACT_MAINT_CONNINFO")
tables=0
others=0
if [ "$exists" = 1 ]; then
    tables=$(cact_psql -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'" "$CACT_CONNINFO")
    others=$(cact_psql -c "SELECT count(*) FROM pg_stat_activity
        WHERE datname = '$db_literal' AND pid <> pg_backend_pid()" "$CACT_MAINT_CONNINFO")
fi

if [ "$others" != 0 ]; then
    cact_die "$others connection(s) still use $CACT_TARGET_DESC: stop CACT first (sudo systemctl stop cact) / hentikan CACT dulu"
fi
if [ "$tables" != 0 ] && [ "$wipe" != 1 ]; then
    cact_die "$CACT_TARGET_DESC is not empty ($tables tables). To REPLACE everything in it with the backup, run again with --wipe / Database tidak kosong: jalankan lagi dengan --wipe untuk MENGGANTI isinya."
fi

when=$(date -r "$dump" '+%Y-%m-%d %H:%M:%S')
cat >&2 <<EOF

==========================================================================================
  RESTORE A BACKUP / MEMULIHKAN CADANGAN
  backup / cadangan : $dump  (made / dibuat $when)
  into / ke         : $CACT_TARGET_DESC
EOF
if [ "$tables" != 0 ]; then
    cat >&2 <<EOF

  !!! THE DATABASE HOLDS DATA ($tables tables). ALL OF IT WILL BE DELETED AND REPLACED.
  !!! DATABASE INI BERISI DATA. SEMUANYA AKAN DIHAPUS DAN DIGANTI DENGAN CADANGAN.
  Answers given after $when are NOT in the backup. / Jawaban setelah $when TIDAK ada di cadangan.
EOF
fi
echo "==========================================================================================" >&2

if [ "$yes" != 1 ]; then
    [ -t 0 ] || cact_die "no terminal to confirm on: add --yes to restore without asking"
    printf '\nType RESTORE to continue / Ketik RESTORE untuk melanjutkan: ' >&2
    read -r answer
    [ "$answer" = RESTORE ] || cact_die "not confirmed; nothing changed / tidak dikonfirmasi; tidak ada yang berubah"
fi

if [ "$tables" != 0 ] || [ "$exists" != 1 ]; then
    if [ "$tables" != 0 ]; then
        cact_say "dropping the database \"$db\""
        cact_psql -c "DROP DATABASE \"$db_sql\" WITH (FORCE)" "$CACT_MAINT_CONNINFO" ||
            cact_die "could not drop \"$db\". As root: sudo -u postgres dropdb '$db' && sudo -u postgres createdb --owner=cact '$db', then run this again without --wipe"
    fi
    cact_say "creating the empty database \"$db\""
    cact_psql -c "CREATE DATABASE \"$db_sql\"" "$CACT_MAINT_CONNINFO" ||
        cact_die "could not create \"$db\". As root: sudo -u postgres createdb --owner=cact '$db', then run this again"
fi

cact_say "restoring… / memulihkan…"
# One transaction: the database ends with all of the backup or, on an error, stays empty.
"$CACT_PG_DIR/pg_restore" --no-owner --no-privileges --exit-on-error --single-transaction \
    --no-password --dbname="$CACT_CONNINFO" "$dump"
cact_psql -c "ANALYZE" "$CACT_CONNINFO"

summary=$(cact_psql -F ' ' -c "SELECT
    (SELECT string_agg(version_num, ',') FROM alembic_version),
    (SELECT count(*) FROM attempt), (SELECT count(*) FROM response),
    (SELECT count(*) FROM answer_log)" "$CACT_CONNINFO" 2>/dev/null || true)
if [ -n "$summary" ]; then
    read -r revision attempts responses logged <<<"$summary"
    cact_say "restored: schema $revision; $attempts attempts, $responses answers, $logged answer changes"
fi
cact_say "OK. Start CACT again / Jalankan CACT lagi: sudo systemctl start cact"
