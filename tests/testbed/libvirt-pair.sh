#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# libvirt-pair.sh: two independent libvirtd (QEMU driver) on this machine,
# so that tests can live-migrate a real guest from one to the other through
# the libvirt API.  See tests/testbed/libvirt-pair.md.
#
#   lvp-TAG-a  netns of libvirtd A: lo, eth0 = 10.216.K.1/24
#   lvp-TAG-b  netns of libvirtd B: lo, eth0 = 10.216.K.2/24
#
# eth0 of A and eth0 of B are the two ends of one veth pair, optionally
# shaped with tc tbf in both directions.  TAG and K come from a checksum of
# the absolute path of DIR, so runs with different DIRs do not collide.
# Each libvirtd also runs in a private mount namespace in which DIR/A (or
# DIR/B) is bind-mounted over /etc/libvirt, /run/libvirt, /var/lib/libvirt,
# /var/cache/libvirt and /var/log/libvirt; its sockets are therefore
# reachable from the root namespace as DIR/A/run/libvirt-sock etc.
#
#   up DIR [RATE]   create both, start both libvirtd, write DIR/env
#   down DIR        destroy domains, stop the daemons and their QEMUs,
#                   remove the namespaces (idempotent)
#   check           exit 0 if this machine can run it, else 4
#
# LV_PAIR_LIBVIRT=ROOT runs the libvirtd unpacked under ROOT (a newer one,
# scripts/install-backports.sh) instead of the system's: in each daemon's
# mount namespace ROOT's driver modules, helpers and data are bound over
# the system's, and its libraries come first.
#
# Exit codes: 0 ok, 1 failure, 2 bad arguments, 4 unsupported here.
set -eu

PATH=$PATH:/usr/sbin:/sbin
prog=${0##*/}
# die, usage_error, EX_USAGE
# shellcheck source=scripts/cli-lib.sh
. "$(dirname "$0")/../../scripts/cli-lib.sh"
# tbf_args (shared with scripts/testbed.sh)
# shellcheck source=scripts/tbf-lib.sh
. "$(dirname "$0")/../../scripts/tbf-lib.sh"

EX_FAIL=1
EX_NOSUPPORT=4

# Seconds for both daemons to answer (the first start probes QEMU).
UP_TIMEOUT=${LV_PAIR_TIMEOUT:-60}
# QEMU capabilities cache shared by all pairs: a fresh libvirtd probes
# every QEMU binary first (~15 s for two daemons on 2 busy cores); seeded
# from here it starts in about a second.  libvirt re-probes any entry whose
# QEMU, libvirt, kernel or KVM has changed.  Empty: no sharing.
CAPS_CACHE=${LV_PAIR_CAPS_CACHE-/var/tmp/palm-libvirt-pair/caps}
# An unpacked libvirt to run instead of the system's; empty: the system's.
LV_ROOT=${LV_PAIR_LIBVIRT:-}
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
# Mount points the private mount namespaces bind DIR/X/* over.
MNT_ETC=/etc/libvirt
MNT_RUN=/run/libvirt
MNT_LIB=/var/lib/libvirt
MNT_CACHE=/var/cache/libvirt
MNT_LOG=/var/log/libvirt

usage()
{
	cat <<EOF
usage: $prog up DIR [RATE]
       $prog down DIR
       $prog check

  up     create netns lvp-TAG-a/-b joined by a veth pair (10.216.K.1/.2),
         start libvirtd A and B in them with state under DIR/A and DIR/B,
         wait until both answer, write DIR/env (LV_SRC_URI, LV_DST_URI,
         LV_SRC_ADDR, LV_DST_ADDR, LV_SRC_NS, LV_DST_NS) and print it.
         RATE (tc units: 100mbit, 1gbit, 500kbit) shapes the veth both ways.
  down   destroy every domain, stop both libvirtd and their QEMUs, remove
         the namespaces and DIR/env; idempotent, also after a failed up
  check  exit 0 if this machine can run it, else print why and exit 4

  LV_PAIR_TIMEOUT      seconds up waits for the daemons (default 60)
  LV_PAIR_CAPS_CACHE   shared QEMU capabilities cache, seeds both daemons
                       (default /var/tmp/palm-libvirt-pair/caps, one per
                       libvirt version; empty: off)
  LV_PAIR_LIBVIRT      root of an unpacked libvirt to run instead of the
                       system's (scripts/install-backports.sh libvirt)

exit: 0 ok, 1 failure, 2 bad arguments, 4 unsupported here
EOF
}

# lv_env CMD...: CMD with the unpacked libvirt's libraries first, if any.
lv_env()
{
	if [ -n "$LV_ROOT" ]; then
		LD_LIBRARY_PATH=$LV_ROOT/usr/lib/$MULTIARCH "$@"
	else
		"$@"
	fi
}

# The version of the libvirtd the pair runs (e.g. 11.3.0).
lv_version()
{
	d=libvirtd
	[ -z "$LV_ROOT" ] || d=$LV_ROOT/usr/sbin/libvirtd
	lv_env "$d" --version 2>/dev/null | awk '{ print $NF }'
}

# Print why this machine cannot run a pair, or nothing if it can.
unsupported_reason()
{
	if [ "$(id -u)" -ne 0 ]; then
		echo "must run as root (network and mount namespaces, libvirtd)"
		return
	fi
	for t in libvirtd:libvirt-daemon virsh:libvirt-clients \
		qemu-system-x86_64:qemu-system-x86 ip:iproute2 tc:iproute2 \
		unshare:util-linux setsid:util-linux taskset:util-linux mount:mount \
		realpath:coreutils timeout:coreutils cksum:coreutils; do
		if ! command -v "${t%%:*}" >/dev/null 2>&1; then
			echo "'${t%%:*}' not found (Debian package ${t#*:})"
			return
		fi
	done
	found=""
	for f in /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so \
		/usr/lib64/libvirt/connection-driver/libvirt_driver_qemu.so \
		/usr/lib/libvirt/connection-driver/libvirt_driver_qemu.so; do
		[ -e "$f" ] && found=$f
	done
	if [ -z "$found" ]; then
		echo "libvirt QEMU driver not found (Debian package libvirt-daemon-driver-qemu)"
		return
	fi
	if [ -n "$LV_ROOT" ] && ! lv_env "$LV_ROOT/usr/sbin/libvirtd" --version >/dev/null 2>&1; then
		echo "no libvirtd that runs under LV_PAIR_LIBVIRT=$LV_ROOT (scripts/install-backports.sh libvirt unpacks one)"
		return
	fi
	if ! unshare -n -m true 2>/dev/null; then
		echo "cannot create network and mount namespaces (unshare -n -m failed)"
		return
	fi
}

do_check()
{
	reason=$(unsupported_reason)
	if [ -n "$reason" ]; then
		echo "$prog: $reason" >&2
		exit "$EX_NOSUPPORT"
	fi
}

# names DIR: set dir (absolute), nsa, nsb, addr_a, addr_b from DIR.
names()
{
	[ -n "$1" ] || usage_error "DIR must not be empty"
	dir=$(realpath -m -- "$1") || die "$EX_USAGE" "bad DIR '$1'"
	case $dir in
	*[!A-Za-z0-9_./+-]*)
		# it goes into libvirt URIs and shell assignments unescaped
		usage_error "DIR '$dir' may only hold letters, digits and '_./+-'"
		;;
	esac
	# sun_path holds 107 characters plus the NUL
	[ "${#dir}" -le 90 ] ||
		usage_error "DIR '$dir' too long for a unix socket path (> 90 characters)"
	sum=$(printf '%s' "$dir" | cksum | awk '{ print $1 }')
	tag=$(printf '%08x' "$sum")
	nsa=lvp-$tag-a
	nsb=lvp-$tag-b
	k=$((sum % 254 + 1))
	addr_a=10.216.$k.1
	addr_b=10.216.$k.2
}

sock()
{
	echo "$dir/$1/run/libvirt-sock"
}

uri()
{
	echo "qemu+unix:///system?socket=$(sock "$1")"
}

# The libvirtd of side $1 (A or B) if it is alive, else nothing.
daemon_pid()
{
	f=$dir/$1/libvirtd.pid
	[ -f "$f" ] || return 0
	p=$(cat "$f" 2>/dev/null) || return 0
	case $p in
	'' | *[!0-9]*) return 0 ;;
	esac
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = libvirtd ] && echo "$p"
	return 0
}

# kill_in NS SIG: signal every process whose network namespace is NS.
kill_in()
{
	[ -e "/run/netns/$1" ] || return 0
	pids=$(ip netns pids "$1" 2>/dev/null) || return 0
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086 # one word per pid
	kill -s "$2" $pids 2>/dev/null || true
}

ns_empty()
{
	[ -e "/run/netns/$1" ] || return 0
	[ -z "$(ip netns pids "$1" 2>/dev/null)" ]
}

# poll TENTHS CMD...: true once CMD is, trying every 0.1 s, TENTHS times
poll()
{
	_left=$1
	shift
	while [ "$_left" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_left=$((_left - 1))
	done
	return 1
}

daemons_gone()
{
	[ -z "$(daemon_pid A)$(daemon_pid B)" ]
}

both_ns_empty()
{
	ns_empty "$nsa" && ns_empty "$nsb"
}

# Tear down the pair of the current $dir; quiet, never fails midway.
teardown()
{
	rm -f "$dir/env"
	for side in A B; do
		p=$(daemon_pid "$side")
		if [ -z "$p" ] || [ ! -S "$(sock "$side")" ]; then
			continue
		fi
		u=$(uri "$side")
		doms=$(timeout 10 virsh -q -c "$u" list --name 2>/dev/null) || doms=""
		for d in $doms; do
			timeout 10 virsh -q -c "$u" destroy "$d" >/dev/null 2>&1 || true
		done
	done
	for side in A B; do
		p=$(daemon_pid "$side")
		if [ -n "$p" ]; then
			kill -s TERM "$p" 2>/dev/null || true
		fi
	done
	# libvirtd leaves its QEMUs running on exit; TERM them, then KILL
	poll 50 daemons_gone || true
	for ns in "$nsa" "$nsb"; do
		kill_in "$ns" TERM
	done
	poll 30 both_ns_empty || true
	for ns in "$nsa" "$nsb"; do
		kill_in "$ns" KILL
	done
	for side in A B; do
		p=$(daemon_pid "$side")
		if [ -n "$p" ]; then
			kill -s KILL "$p" 2>/dev/null || true
		fi
	done
	rc=0
	for ns in "$nsa" "$nsb"; do
		[ -e "/run/netns/$ns" ] || continue
		poll 20 ns_empty "$ns" || true
		out=$(ip netns del "$ns" 2>&1) ||
			{ echo "$prog: cannot remove $ns: $out" >&2; rc=$EX_FAIL; }
	done
	rm -f "$dir/A/libvirtd.pid" "$dir/B/libvirtd.pid"
	return "$rc"
}

do_down()
{
	[ $# -eq 1 ] || usage_error "down needs DIR"
	names "$1"
	[ "$(id -u)" -eq 0 ] || die "$EX_NOSUPPORT" "must run as root"
	teardown
}

# write_config SIDE ADDR: DIR/SIDE/etc/{libvirtd,qemu}.conf, written
# fresh (the host's /etc/libvirt is not copied: its domains, networks and
# pools would autostart in both daemons, and its settings may clash).
write_config()
{
	e=$dir/$1/etc
	uuid=$(cat /proc/sys/kernel/random/uuid)
	cat >"$e/libvirtd.conf" <<EOF
# libvirt-pair.sh: libvirtd $1 of $dir
# Distinct per daemon: libvirt refuses to migrate to the same host UUID.
host_uuid = "$uuid"
# No polkit/dbus here; the sockets are root-only (0700) anyway.
auth_unix_ro = "none"
auth_unix_rw = "none"
unix_sock_rw_perms = "0700"
unix_sock_admin_perms = "0700"
# Errors and warnings, in DIR/$1/log/libvirtd.log.
log_outputs = "3:file:$MNT_LOG/libvirtd.log"
EOF
	cat >"$e/qemu.conf" <<EOF
# libvirt-pair.sh: QEMU driver of libvirtd $1 of $dir
# No AppArmor/SELinux labelling (no profiles, no virt-aa-helper setup).
security_driver = "none"
# QEMU as root: it opens /dev/kvm, the kernel image and the serial file
# as they are, nothing gets chowned or relabelled.
user = "root"
group = "root"
# Leave the owners of the kernel image and serial files alone.
dynamic_ownership = 0
remember_owner = 0
# No systemd/machined; two daemons would also clash on the same cgroup.
cgroup_controllers = [ ]
# No per-QEMU private /dev: QEMU sees the files the test gave it directly.
namespaces = [ ]
# No virtlogd: QEMU's stdout/stderr go to DIR/$1/log/qemu/NAME.log.
stdio_handler = "file"
# Incoming migrations listen on the veth only, and that is the address
# this daemon tells a source to connect to when no migrate URI is given.
migration_address = "$2"
migration_host = "$2"
EOF
}

# nss_copies SIDE: the QEMU driver resolves its compiled-in default user
# and group "libvirt-qemu" before it reads qemu.conf, and fails if they do
# not exist.  libvirt-daemon-system would create them (and start services);
# instead, when missing, give the daemon copies of /etc/passwd and
# /etc/group that have them, bind-mounted in its private mount namespace.
nss_copies()
{
	n=$dir/$1/nss
	getent passwd libvirt-qemu >/dev/null 2>&1 &&
		getent group libvirt-qemu >/dev/null 2>&1 && return 0
	mkdir -p "$n"
	id=64055
	while getent passwd "$id" >/dev/null 2>&1 || getent group "$id" >/dev/null 2>&1; do
		id=$((id + 1))
	done
	cp /etc/passwd "$n/passwd"
	cp /etc/group "$n/group"
	getent passwd libvirt-qemu >/dev/null 2>&1 ||
		echo "libvirt-qemu:x:$id:$id:libvirt-pair.sh:/var/lib/libvirt:/usr/sbin/nologin" >>"$n/passwd"
	getent group libvirt-qemu >/dev/null 2>&1 ||
		echo "libvirt-qemu:x:$id:" >>"$n/group"
}

# start_daemon SIDE NS: start libvirtd in NS with its own mount namespace.
start_daemon()
{
	d=$dir/$1
	nss_copies "$1"
	# tini -s: a subreaper for the QEMUs libvirt daemonizes.  Without one
	# they are reaped by PID 1, which here takes up to ~2 s, and libvirt
	# waits for that (2 s per QEMU probe, destroy and migration).
	reaper=""
	command -v tini >/dev/null 2>&1 && reaper="tini -s --"
	# Always the same CPU (the first one we may use): libvirt checks its
	# capabilities cache against the host CPUID read on whatever CPU the
	# daemon runs on, which here differs between CPUs ("Outdated
	# capabilities ... host cpuid changed"), so an unpinned daemon keeps
	# re-probing QEMU.  QEMU itself gets all host CPUs: libvirt sets a
	# guest's affinity to every online CPU unless the XML says otherwise.
	cpu=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status |
		cut -d, -f1 | cut -d- -f1)
	[ -n "$cpu" ] || cpu=0
	# $1 is DIR/SIDE, $2 the unpacked libvirt's root or empty; mount
	# points are created in the root ns
	# shellcheck disable=SC2016 # expanded by the inner shell
	setsid ip netns exec "$2" unshare -m --propagation private sh -c '
		set -e
		daemon=libvirtd
		if [ -n "$2" ]; then
			# its modules, helpers and data, not the system ones
			for m in /usr/lib/'"$MULTIARCH"'/libvirt /usr/lib/libvirt /usr/share/libvirt; do
				[ -d "$2$m" ] && mount --bind "$2$m" "$m"
			done
			export LD_LIBRARY_PATH="$2/usr/lib/'"$MULTIARCH"'"
			daemon=$2/usr/sbin/libvirtd
		fi
		mount --bind "$1/etc" '"$MNT_ETC"'
		mount --bind "$1/run" '"$MNT_RUN"'
		mount --bind "$1/lib" '"$MNT_LIB"'
		mount --bind "$1/cache" '"$MNT_CACHE"'
		mount --bind "$1/log" '"$MNT_LOG"'
		if [ -f "$1/nss/passwd" ]; then
			mount --bind "$1/nss/passwd" /etc/passwd
			mount --bind "$1/nss/group" /etc/group
		fi
		exec '"$reaper"' taskset -c '"$cpu"' "$daemon" --pid-file "$1/libvirtd.pid"
	' sh "$d" "$LV_ROOT" </dev/null >"$d/libvirtd.out" 2>&1 &
	echo $!
}

# State of the `up` in progress, for the EXIT trap.
up_ok=0

up_exit()
{
	rc=$?
	trap - EXIT INT TERM HUP
	if [ "$up_ok" != 1 ]; then
		teardown >/dev/null 2>&1 || true
		[ "$rc" -ne 0 ] || rc=$EX_FAIL
	fi
	exit "$rc"
}

fail_up()
{
	echo "$prog: up $dir: $*" >&2
	exit "$EX_FAIL"
}

# try WHAT CMD...: run CMD or fail the up with its output.
try()
{
	what=$1
	shift
	out=$("$@" 2>&1) || fail_up "$what: ${out:-failed}"
}

# Put A's (now valid) capabilities into the shared cache; best effort,
# each file replaced atomically so that concurrent runs do not mix.
save_caps()
{
	[ -n "$CAPS_CACHE" ] || return 0
	mkdir -p "$CAPS_CACHE" 2>/dev/null || return 0
	for f in "$dir/A/cache/qemu/capabilities"/*.xml; do
		[ -f "$f" ] || continue
		b=${f##*/}
		cmp -s "$f" "$CAPS_CACHE/$b" && continue
		t=$CAPS_CACHE/.$b.$$
		if ! { cp "$f" "$t" && mv -f "$t" "$CAPS_CACHE/$b"; } 2>/dev/null; then
			rm -f "$t"
		fi
	done
	return 0
}

# Last lines of a daemon's logs, for a failed up.
daemon_logs()
{
	for f in "$dir/$1/libvirtd.out" "$dir/$1/log/libvirtd.log"; do
		[ -s "$f" ] || continue
		echo
		echo "--- $f (last lines)"
		tail -n 5 "$f"
	done
}

# wait_ready SIDE PID: until libvirtd SIDE answers, it dies or the
# deadline passes.
wait_ready()
{
	while :; do
		if ! kill -0 "$2" 2>/dev/null; then
			fail_up "libvirtd $1 exited during start$(daemon_logs "$1")"
		fi
		if [ -S "$(sock "$1")" ] &&
			timeout 10 virsh -q -c "$(uri "$1")" version >/dev/null 2>&1; then
			return 0
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			fail_up "libvirtd $1 did not answer within ${UP_TIMEOUT}s$(daemon_logs "$1")"
		fi
		sleep 0.1
	done
}

do_up()
{
	if [ $# -lt 1 ] || [ $# -gt 2 ]; then
		usage_error "up needs DIR and an optional RATE"
	fi
	names "$1"
	rate=${2:-}
	tbf=""
	if [ -n "$rate" ]; then
		# burst: 10 ms at RATE, at least 16 KiB; latency 50 ms
		tbf=$(tbf_args "$rate" "" "") || exit
	fi
	do_check
	# libvirt re-probes a cache entry of another libvirt version
	[ -z "$CAPS_CACHE" ] || CAPS_CACHE=$CAPS_CACHE/$(lv_version)

	teardown >/dev/null 2>&1 || die "$EX_FAIL" "cannot remove the stale pair of $dir"
	trap up_exit EXIT
	trap 'exit 1' INT TERM HUP

	for side in A B; do
		rm -rf "${dir:?}/$side"
		for s in etc run lib cache log; do
			try "mkdir" mkdir -p "$dir/$side/$s"
		done
	done
	if [ -n "$CAPS_CACHE" ] && [ -d "$CAPS_CACHE" ]; then
		for side in A B; do
			c=$dir/$side/cache/qemu/capabilities
			mkdir -p "$c"
			cp "$CAPS_CACHE"/*.xml "$c/" 2>/dev/null || true
		done
	fi
	try "mount points" mkdir -p "$MNT_ETC" "$MNT_RUN" "$MNT_LIB" "$MNT_CACHE" "$MNT_LOG"

	try "cannot create network namespace $nsa" ip netns add "$nsa"
	try "cannot create network namespace $nsb" ip netns add "$nsb"
	try "$nsa: lo up" ip -n "$nsa" link set lo up
	try "$nsb: lo up" ip -n "$nsb" link set lo up
	try "cannot create a veth pair" \
		ip -n "$nsa" link add eth0 type veth peer name eth0 netns "$nsb"
	try "$nsa: address" ip -n "$nsa" addr add "$addr_a/24" dev eth0
	try "$nsb: address" ip -n "$nsb" addr add "$addr_b/24" dev eth0
	try "$nsa: eth0 up" ip -n "$nsa" link set eth0 up
	try "$nsb: eth0 up" ip -n "$nsb" link set eth0 up
	if [ -n "$tbf" ]; then
		for ns in "$nsa" "$nsb"; do
			# shellcheck disable=SC2086 # tbf holds several words
			try "cannot shape $ns eth0 (tbf)" \
				tc -n "$ns" qdisc replace dev eth0 root tbf $tbf
		done
	fi

	write_config A "$addr_a"
	write_config B "$addr_b"
	pid_a=$(start_daemon A "$nsa")
	pid_b=$(start_daemon B "$nsb")

	deadline=$(($(date +%s) + UP_TIMEOUT))
	wait_ready A "$pid_a"
	wait_ready B "$pid_b"
	save_caps
	cat >"$dir/env.tmp" <<EOF
LV_SRC_URI='$(uri A)'
LV_DST_URI='$(uri B)'
LV_SRC_ADDR='$addr_a'
LV_DST_ADDR='$addr_b'
LV_SRC_NS='$nsa'
LV_DST_NS='$nsb'
LV_SRC_DIR='$dir/A'
LV_DST_DIR='$dir/B'
LV_RATE='$rate'
LV_VERSION='$(lv_version)'
EOF
	mv "$dir/env.tmp" "$dir/env"
	up_ok=1
	trap - EXIT INT TERM HUP
	cat "$dir/env"
}

[ $# -ge 1 ] || usage_error "missing command"
cmd=$1
shift
case $cmd in
up) do_up "$@" ;;
down) do_down "$@" ;;
check)
	[ $# -eq 0 ] || usage_error "check takes no arguments"
	do_check
	;;
help | -h | --help) usage ;;
*) usage_error "unknown command '$cmd'" ;;
esac
