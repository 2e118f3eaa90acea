#!/bin/sh
# Newer QEMU and libvirt beside the system's, for the tests that check
# palm against what they change: QEMU 10 (avail-switchover-bandwidth, the
# dirty-limit capability, multifd bytes counted as sent) and libvirt 11
# (multifd zstd through the migration API, libvirt >= 9.4), both from
# Debian's bookworm-backports.  The system's stay what apt installs: the
# packages are unpacked under /opt/palm, not installed, so nothing else
# on the host changes.  Backports are Debian's own archive and apt never
# prefers them on its own (NotAutomatic).
#
#   install-backports.sh qemu|libvirt ...
#
# Not fatal: without them those tests skip and say why.
set -eu

suite=bookworm-backports
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo

# what NAME: set dir, pkgs and the command that proves the unpacked copy runs
what()
{
	case $1 in
	qemu)
		dir=${PALM_QEMU_NEWER_DIR:-/opt/palm/qemu-backports}
		pkgs="qemu-system-x86 qemu-system-common qemu-system-data"
		check="$dir/usr/bin/qemu-system-x86_64 --version"
		;;
	libvirt)
		dir=${PALM_LIBVIRT_NEWER_DIR:-/opt/palm/libvirt-backports}
		# the daemon, its QEMU driver and the libraries both load
		pkgs="libvirt-daemon libvirt-daemon-common libvirt-daemon-driver-qemu libvirt0 libvirt-common"
		check="env LD_LIBRARY_PATH=$dir/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu) $dir/usr/sbin/libvirtd --version"
		;;
	*)
		echo "install-backports: unknown package set '$1' (qemu, libvirt)" >&2
		exit 2
		;;
	esac
}

warn()
{
	echo "install-backports: $*; the tests of a newer $name will skip" >&2
}

add_suite()
{
	src=/etc/apt/sources.list.d/palm-$suite.sources
	grep -rqs "$suite" /etc/apt/sources.list /etc/apt/sources.list.d && return 0
	echo "install-backports: adding Debian's $suite to apt ($src)"
	printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$suite" | $sudo tee "$src" >/dev/null || return 1
	$sudo apt-get update -q
}

# unpack NAME: 0 when the unpacked copy runs (or already did)
unpack()
{
	name=$1
	what "$name"
	$check >/dev/null 2>&1 && return 0
	add_suite || { warn "cannot add $suite to apt"; return 0; }
	tmp=$(mktemp -d)
	# apt's download sandbox user must be able to write there
	chmod 755 "$tmp"
	$sudo chown _apt "$tmp" 2>/dev/null || true
	spec=""
	for p in $pkgs; do
		spec="$spec $p/$suite"
	done
	echo "install-backports: unpacking$spec into $dir"
	# shellcheck disable=SC2086 # one word per package
	if ! (cd "$tmp" && apt-get download -q $spec); then
		warn "apt-get download failed"
		rm -rf "$tmp"
		return 0
	fi
	$sudo mkdir -p "$dir"
	for deb in "$tmp"/*.deb; do
		$sudo dpkg-deb -x "$deb" "$dir" || warn "cannot unpack $deb"
	done
	rm -rf "$tmp"
	$check | head -1 || warn "$dir does not run (a library missing?)"
}

[ $# -ge 1 ] || { echo "usage: install-backports.sh qemu|libvirt ..." >&2; exit 2; }
. /etc/os-release
if [ "${VERSION_CODENAME:-}" != bookworm ]; then
	echo "install-backports: not Debian 12 (bookworm): the system's QEMU and libvirt are the ones tested" >&2
	exit 0
fi
for n in "$@"; do
	unpack "$n"
done
