#!/usr/bin/env bash
# cact-backup.sh — back up the CACT database while CACT runs (pg_dump, custom format).
# Mencadangkan database CACT selagi CACT berjalan.
#
#   sudo /opt/cact/deploy/backup/cact-backup.sh                  # -> /var/backups/cact/
#   sudo /opt/cact/deploy/backup/cact-backup.sh --dir /mnt/usb/cact --keep 10
#
# The dump is one consistent snapshot: kiosks keep answering while it runs. It reads the
# database settings from /etc/cact/cact.env (CACT_DATABASE_URL, or CACT_DATA_DIR for the embedded
# PostgreSQL). Run it as root (the embedded PostgreSQL's socket is in /var/lib/cact/pgdata).
# Options and environment:
#   --dir DIR        where dumps go (CACT_BACKUP_DIR, default /var/backups/cact)
#   --keep N         keep the newest N dumps of this database there (CACT_BACKUP_KEEP, default 100)
#   --url URL        back up this database instead (CACT_BACKUP_DATABASE_URL)
#   --dbname NAME    database of the embedded PostgreSQL (default cact)
#   --env-file FILE  settings file (CACT_ENV_FILE, default /etc/cact/cact.env)
# Exit status 0 and the file's name on standard output when the dump is complete and readable.

set -euo pipefail
umask 077

HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
# shellcheck source=cact-pg-lib.sh source-path=SCRIPTDIR
. "$HERE/cact-pg-lib.sh"

usage() {
    sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

dest=${CACT_BACKUP_DIR:-/var/backups/cact}
keep=${CACT_BACKUP_KEEP:-100}
url=${CACT_BACKUP_DATABASE_URL:-}
dbname=cact
env_file=${CACT_ENV_FILE:-/etc/cact/cact.env}

while [ $# -gt 0 ]; do
    case $1 in
    --dir) dest=${2:?--dir needs a folder}; shift 2 ;;
    --keep) keep=${2:?--keep needs a number}; shift 2 ;;
    --url) url=${2:?--url needs a URL}; shift 2 ;;
    --dbname) dbname=${2:?--dbname needs a name}; shift 2 ;;
    --env-file) env_file=${2:?--env-file needs a file}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; cact_die "unknown option: $1" ;;
    esac
done
[[ $keep =~ ^[1-9][0-9]*$ ]] || cact_die "--keep must be a whole number of at least 1, not '$keep'"

cact_load_env_file "$env_file"
if ! cact_resolve_target "$url" "$dbname"; then
    cact_die "the embedded PostgreSQL in $CACT_PGDATA is not running: CACT is stopped (sudo systemctl start cact), so there is nothing changing to back up"
fi
cact_choose_bin 0

mkdir -p "$dest"
chmod 700 "$dest"
# One backup at a time in a folder (the timer and a technician may start one together).
exec 9>"$dest/.cact-backup.lock"
flock -w 600 9 || cact_die "another backup into $dest is still running"
rm -f "$dest"/*.partial

safe_db=${CACT_TARGET_DB//[^A-Za-z0-9_.-]/_}
# Names sort by time; two backups within one second wait for the next second.
file="$dest/cact-$safe_db-$(date +%Y%m%d-%H%M%S).dump"
while [ -e "$file" ]; do
    sleep 1
    file="$dest/cact-$safe_db-$(date +%Y%m%d-%H%M%S).dump"
done
partial="$file.partial"

cact_say "backing up $CACT_TARGET_DESC"
"$CACT_PG_DIR/pg_dump" --format=custom --no-password --lock-wait-timeout=120s \
    --file="$partial" --dbname="$CACT_CONNINFO"
# A dump that pg_restore cannot read is no backup.
"$CACT_PG_DIR/pg_restore" --list "$partial" >/dev/null ||
    cact_die "the dump $partial is unreadable"
mv "$partial" "$file"
sync "$file" 2>/dev/null || sync

# Keep the newest $keep dumps of this database (names sort by time).
mapfile -t old < <(find "$dest" -maxdepth 1 -type f -name "cact-$safe_db-*.dump" | sort -r | tail -n "+$((keep + 1))")
if [ "${#old[@]}" -gt 0 ]; then
    rm -f -- "${old[@]}"
    cact_say "removed ${#old[@]} older dump(s)"
fi

cact_say "OK: $file ($(du -h "$file" | cut -f1))"
printf '%s\n' "$file"
