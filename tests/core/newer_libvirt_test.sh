#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# palm's libvirt backend tests again, on a newer libvirt than the
# system's: libvirt 11 from Debian's bookworm-backports, unpacked beside
# the system's by scripts/install-backports.sh (make deps) and run by
# tests/testbed/libvirt-pair.sh (LV_PAIR_LIBVIRT).  libvirt 9.4 and later
# take multifd zstd in the migrate call, which palm plans where the guest's
# memory compresses; the rest must work as on the system's libvirt.  TAP
# for prove: the test program's own.
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${PALM_BUILD:-build}
case "$build" in
/*) ;;
*) build="$src/$build" ;;
esac
# the pair script decides whether that libvirtd runs here, and says why not
export LV_PAIR_LIBVIRT="${PALM_LIBVIRT_NEWER:-/opt/palm/libvirt-backports}"
cd "$src" || exit 1
if ! why=$(sh tests/testbed/libvirt-pair.sh check 2>&1); then
	echo "1..0 # SKIP ${why:-the newer libvirt cannot run here}"
	exit 0
fi
export PALM_BUILD="$build"
exec "$build/tests/core/migrate_libvirt_test" "$@"
