#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# palm's controller tests again, on a newer QEMU than the system's: QEMU
# 10 from Debian's bookworm-backports, unpacked beside the system's by
# scripts/install-backports.sh (make deps).  Newer QEMUs count multifd
# bytes as sent rather than as pages, and offer avail-switchover-bandwidth
# and the dirty-limit capability; palm must work with either.  TAP for
# prove: the test programs' own.
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${PALM_BUILD:-build}
case "$build" in
/*) ;;
*) build="$src/$build" ;;
esac
qemu=${PALM_QEMU_NEWER:-/opt/palm/qemu-backports/usr/bin/qemu-system-x86_64}

if ! "$qemu" --version >/dev/null 2>&1; then
	echo "1..0 # SKIP no newer QEMU at $qemu (make deps unpacks QEMU 10 from bookworm-backports there)"
	exit 0
fi
cd "$src" || exit 1
export PALM_QEMU="$qemu" PALM_BUILD="$build"
echo "# $("$qemu" --version | head -1)"
exec "$build/tests/core/migrate_controller_test" "$@"
