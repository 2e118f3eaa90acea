#!/bin/sh
# A newer QEMU beside the system's, for the tests that check palm against
# what newer QEMUs change (QEMU 10 from Debian's bookworm-backports:
# avail-switchover-bandwidth, the dirty-limit capability, multifd bytes
# counted as sent).  The system's QEMU stays what `apt-get install
# qemu-system-x86` gives: the packages are unpacked into $dir, not
# installed, so nothing else on the host changes.  Backports are Debian's
# own archive and apt never prefers them on its own (NotAutomatic).
#
# Not fatal: without it those tests skip and say why.
set -eu

dir=${PALM_QEMU_NEWER_DIR:-/opt/palm/qemu-backports}
bin="$dir/usr/bin/qemu-system-x86_64"
suite=bookworm-backports
pkgs="qemu-system-x86 qemu-system-common qemu-system-data"

if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
	exit 0
fi
. /etc/os-release
if [ "${VERSION_CODENAME:-}" != bookworm ]; then
	echo "install-qemu-newer: not Debian 12 (bookworm): the system's QEMU is the one tested" >&2
	exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
warn() {
	echo "install-qemu-newer: $*; the tests of a newer QEMU will skip" >&2
	exit 0
}

src=/etc/apt/sources.list.d/palm-$suite.sources
if ! grep -rqs "$suite" /etc/apt/sources.list /etc/apt/sources.list.d; then
	echo "install-qemu-newer: adding Debian's $suite to apt ($src)"
	printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$suite" | $sudo tee "$src" >/dev/null || warn "cannot write $src"
	$sudo apt-get update -q || warn "apt-get update failed"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# apt's download sandbox user must be able to write there
chmod 755 "$tmp"
spec=""
for p in $pkgs; do
	spec="$spec $p/$suite"
done
echo "install-qemu-newer: unpacking$spec into $dir"
# shellcheck disable=SC2086
(cd "$tmp" && $sudo chown _apt "$tmp" 2>/dev/null; apt-get download -q $spec) ||
	warn "apt-get download failed"
$sudo mkdir -p "$dir"
for deb in "$tmp"/*.deb; do
	$sudo dpkg-deb -x "$deb" "$dir" || warn "cannot unpack $deb"
done
"$bin" --version | head -1 || warn "$bin does not run (a library missing?)"
