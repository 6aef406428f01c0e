#!/usr/bin/env bash
# install-offline.sh — in the room, with no internet: install CACT from this bundle.
# Pasang CACT dari paket ini, tanpa internet.
#
#   sudo /media/usb/cact-bundle/install-offline.sh            # into /opt/cact
#   sudo /media/usb/cact-bundle/install-offline.sh /opt/cact-new
#
# Nothing is fetched from the network (pip runs with --no-index): every package comes from
# wheels/, at the version requirements.lock names. The target folder must be new or empty; for
# an upgrade, move the old one aside first (deploy/README.md section 11).
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
TARGET=${1:-/opt/cact}
PYTHON=${PYTHON:-/usr/bin/python3}

if [ -e "$TARGET" ] && [ -n "$(ls -A "$TARGET")" ]; then
    echo "install-offline: $TARGET is not empty; move it aside first (mv $TARGET $TARGET.old)" >&2
    exit 2
fi
export PIP_NO_INDEX=1 PIP_FIND_LINKS="$HERE/wheels" PIP_DISABLE_PIP_VERSION_CHECK=1
mkdir -p "$TARGET"
cp -a "$HERE/cact/." "$TARGET/"
"$PYTHON" -m venv "$TARGET/.venv"
"$TARGET/.venv/bin/pip" install --quiet --no-index --find-links "$HERE/wheels" \
    -r "$HERE/requirements.lock"
"$TARGET/.venv/bin/pip" install --quiet --no-index --no-deps --no-build-isolation -e "$TARGET"
cp "$HERE/VERSION" "$TARGET/BUNDLE-VERSION"
"$TARGET/.venv/bin/cact" --version
