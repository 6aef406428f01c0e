#!/usr/bin/env bash
# cact-copy-to-usb.sh — copy CACT backups to a mounted USB disk and check the copies.
# Menyalin cadangan CACT ke flashdisk/hard disk USB yang sudah di-mount, lalu memeriksanya.
#
#   lsblk -f                                  # find the USB disk, e.g. sdb1 / cari disk USB
#   sudo mkdir -p /mnt/usb && sudo mount /dev/sdb1 /mnt/usb
#   sudo /opt/cact/deploy/backup/cact-copy-to-usb.sh /mnt/usb          # the newest backup
#   sudo /opt/cact/deploy/backup/cact-copy-to-usb.sh --all /mnt/usb    # every backup
#   sudo umount /mnt/usb                      # before unplugging / sebelum dicabut
#
# Copies into MOUNTPOINT/cact-backups/<server name>/, then compares checksums (sha256) of each
# copy with its original, and writes SHA256SUMS there. Backups folder: CACT_BACKUP_DIR or
# /var/backups/cact (--from DIR).

set -euo pipefail

src=${CACT_BACKUP_DIR:-/var/backups/cact}
all=0
mountpoint=""
while [ $# -gt 0 ]; do
    case $1 in
    --all) all=1; shift ;;
    --from) src=${2:?--from needs a folder}; shift 2 ;;
    -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "ERROR: unknown option $1" >&2; exit 1 ;;
    *) mountpoint=$1; shift ;;
    esac
done
[ -n "$mountpoint" ] || { echo "ERROR: where is the USB disk mounted? e.g. /mnt/usb" >&2; exit 1; }
[ -d "$mountpoint" ] || { echo "ERROR: $mountpoint is not a folder" >&2; exit 1; }
if command -v mountpoint >/dev/null 2>&1 && ! mountpoint -q "$mountpoint"; then
    echo "ERROR: nothing is mounted on $mountpoint: the copy would land on the server's own disk" >&2
    echo "       Tidak ada disk USB di $mountpoint: mount dulu (sudo mount /dev/sdb1 $mountpoint)" >&2
    exit 1
fi

mapfile -t dumps < <(find "$src" -maxdepth 1 -type f -name 'cact-*.dump' | sort)
[ "${#dumps[@]}" -gt 0 ] || { echo "ERROR: no backups in $src" >&2; exit 1; }
if [ "$all" != 1 ]; then
    dumps=("${dumps[-1]}")
fi

dest="$mountpoint/cact-backups/$(hostname -s)"
mkdir -p "$dest"
for dump in "${dumps[@]}"; do
    name=$(basename "$dump")
    cp --preserve=timestamps "$dump" "$dest/$name.partial"
    mv "$dest/$name.partial" "$dest/$name"
done
sync

# Read every copy back from the disk (not from memory) and compare it with its original.
failed=0
for dump in "${dumps[@]}"; do
    name=$(basename "$dump")
    dd if="$dest/$name" iflag=nocache count=0 status=none 2>/dev/null || true
    original=$(sha256sum "$dump" | cut -d' ' -f1)
    copy=$(sha256sum "$dest/$name" | cut -d' ' -f1)
    if [ "$original" = "$copy" ]; then
        echo "OK      $dest/$name"
    else
        echo "DIFFERS $dest/$name" >&2
        failed=1
    fi
done
(cd "$dest" && sha256sum cact-*.dump >SHA256SUMS)
sync
[ "$failed" = 0 ] || { echo "ERROR: a copy differs from its original: use another USB disk" >&2; exit 1; }
echo "Copied ${#dumps[@]} backup(s). Unmount before unplugging: sudo umount $mountpoint"
echo "Tersalin ${#dumps[@]} cadangan. Lepas mount sebelum dicabut: sudo umount $mountpoint"
