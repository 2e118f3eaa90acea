#!/bin/sh
# Install every Debian package palm needs to build and test, and nothing
# else.  Idempotent: packages already present are left alone, and apt is
# not touched at all when nothing is missing.  A newer QEMU is unpacked
# beside the system's, and a newer libvirt (install-backports.sh).
set -eu

# Build: compiler, Kconfig tools, libraries.
pkgs="build-essential pkg-config kconfig-frontends-nox libjansson-dev"
# The migration controller measures how a RAM sample compresses with zstd,
# as QEMU's multifd-zstd would.
pkgs="$pkgs libzstd-dev"
# Fuzzing: clang with libFuzzer and the sanitizer runtimes.
pkgs="$pkgs clang libclang-rt-14-dev"
# Tests: prove, QEMU, network namespaces and traffic shaping.
pkgs="$pkgs perl qemu-system-x86 iproute2 procps"
# Migration tests: two real libvirtd (QEMU driver), virsh, and tini to reap
# their QEMUs promptly; not libvirt-daemon-system (it starts services).
pkgs="$pkgs libvirt-dev libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients tini"
# Telemetry transport: DPDK (virtual ports here, NICs in production).
pkgs="$pkgs dpdk-dev libdpdk-dev"
# eBPF telemetry: CO-RE programs, skeletons, libbpf.
pkgs="$pkgs bpftool libbpf-dev libelf-dev zlib1g-dev"
# Benchmarks (plots, JSON summaries) and the demo's test (jq).
pkgs="$pkgs gnuplot-nox jq"

missing=""
for p in $pkgs; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	"install ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			sudo=sudo
		else
			echo "install-deps: need root (or sudo) to install:$missing" >&2
			exit 1
		fi
	fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -q
	# shellcheck disable=SC2086
	$sudo apt-get install -y -q --no-install-recommends $missing
fi

# A newer QEMU and libvirt beside the system's, for the tests of what they change.
sh "$(dirname "$0")/install-backports.sh" qemu libvirt
