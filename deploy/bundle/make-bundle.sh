#!/usr/bin/env bash
# make-bundle.sh — on the office machine (with internet): an offline, pinned install bundle of
# CACT for a room server with no internet. Buat paket pemasangan luring di komputer kantor.
#
#   deploy/bundle/make-bundle.sh /media/usb/cact-bundle
#
# The bundle holds the committed code (git archive of HEAD, with its migrations and deploy/),
# the wheels of every runtime dependency and nothing of the development extras, and
# requirements.lock naming exactly those wheels: a spare set up from it months later is the
# same. Build it with the Python of the room servers (Debian 12: /usr/bin/python3, 3.11).
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:?usage: make-bundle.sh OUTPUT-FOLDER}
PYTHON=${PYTHON:-/usr/bin/python3}

if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT")" ]; then
    echo "make-bundle: $OUT is not empty; choose a new folder" >&2
    exit 2
fi
mkdir -p "$OUT/wheels"
git -C "$ROOT" archive --format=tar --prefix=cact/ HEAD | tar -x -C "$OUT"
# setuptools: the room installs the code in place (-e) with no index to fetch a build backend.
"$PYTHON" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$OUT/wheels" \
    "$OUT/cact" setuptools
rm -f "$OUT"/wheels/cact-*.whl
(cd "$OUT/wheels" && ls -- *.whl) | sed -E 's/^([^-]+)-([^-]+)-.*$/\1==\2/' >"$OUT/requirements.lock"
cp "$HERE/install-offline.sh" "$OUT/"
git -C "$ROOT" describe --always --dirty >"$OUT/VERSION"
echo "bundle ready: $OUT ($(wc -l <"$OUT/requirements.lock") wheels, version $(cat "$OUT/VERSION"))"
