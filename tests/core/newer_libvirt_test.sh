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
root=${PALM_LIBVIRT_NEWER:-/opt/palm/libvirt-backports}
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)

if ! version=$(LD_LIBRARY_PATH="$root/usr/lib/$arch" "$root/usr/sbin/libvirtd" --version 2>/dev/null); then
	echo "1..0 # SKIP no newer libvirtd under $root (make deps unpacks libvirt 11 from bookworm-backports there)"
	exit 0
fi
cd "$src" || exit 1
export LV_PAIR_LIBVIRT="$root" PALM_BUILD="$build"
echo "# $version"
exec "$build/tests/core/migrate_libvirt_test" "$@"
