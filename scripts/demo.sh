#!/bin/sh
# palm's main job for now: live-migrate a running guest between two local
# QEMU processes with palm's controller, and print the measured report and
# every decision with the numbers behind it.
#
# The guest is palm's test guest dirtying a 32 MiB working set at 20
# pages/ms, mostly in a hot tenth of it; the migration link is loopback,
# which palm is told runs at 1 gbit: it measures the guest (eBPF on the KVM
# dirty ring where it can), predicts, plans the downtime limit and
# bandwidth, and controls each pass.  Arguments go to palmctl migrate
# (e.g. --json, or --controller qemu for QEMU's defaults).
set -eu
# wait_guest_log
# shellcheck source=scripts/guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"

build=${PALM_BUILD:-build}
palmctl="$build/core/palmctl"
guest="$build/tests/guest/palm-guest.elf"
# KVM where it works: QEMU before 9.0 can lose dirty pages of a TCG guest
# during migration, which the guest's verification would (rightly) report.
ring_fallback=""
if [ -z "${PALM_DEMO_ACCEL:-}" ]; then
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		# the dirty ring lets palm read the guest's dirtying with eBPF
		PALM_DEMO_ACCEL=kvm,dirty-ring-size=4096
		ring_fallback=kvm
	else
		PALM_DEMO_ACCEL=tcg
		echo "demo: no usable /dev/kvm: using TCG (QEMU < 9.0 TCG may lose dirty pages in migration)" >&2
	fi
fi
accel=$PALM_DEMO_ACCEL
append=${PALM_DEMO_GUEST:-"ws=32M rate=20 pattern=hotcold hot=10 period=10"}

for f in "$palmctl" "$guest"; do
	[ -e "$f" ] || { echo "demo: $f is missing: run 'make' first" >&2; exit 1; }
done
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "demo: qemu-system-x86_64 is missing: run 'make deps'" >&2; exit 1; }

dir=$(mktemp -d /tmp/palm-demo-XXXXXX)
src_pid="" dst_pid=""
cleanup() {
	for p in $src_pid $dst_pid; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

qemu() {
	name=$1
	shift
	qemu-system-x86_64 -accel "$accel" -m 128M -nodefaults -display none \
		-qmp "unix:$dir/$name.qmp,server=on,wait=off" \
		-serial "file:$dir/$name.log" \
		-kernel "$guest" -append "$append" "$@" 2>"$dir/$name.err" &
}

# The destination listens here; the pid spreads concurrent demos apart.
port=$(( 40000 + $$ % 20000 ))

# With the dirty ring first; on a kernel without it (before 5.11) plain
# KVM, and palm measures with QEMU's calc-dirty-rate instead.
for accel in $accel $ring_fallback; do
	echo "demo: starting the source guest ($append, $accel)"
	: >"$dir/src.log"
	qemu src
	src_pid=$!
	wait_guest_log "$dir/src.log" '^ready' 300 "$src_pid" && break
	echo "demo: the guest did not start with $accel:" >&2
	cat "$dir/src.err" >&2
	kill "$src_pid" 2>/dev/null || true
	wait "$src_pid" 2>/dev/null || true
	src_pid=""
done
[ -n "$src_pid" ] || exit 1
echo "demo: starting the destination (-incoming defer)"
qemu dst -incoming defer
dst_pid=$!
i=0
until [ -S "$dir/dst.qmp" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "demo: the destination did not start" >&2; exit 1; }
	sleep 0.1
done
sleep 1

echo "demo: palmctl migrate"
"$palmctl" migrate --src "unix:$dir/src.qmp" --dst "unix:$dir/dst.qmp" \
	--uri "tcp:127.0.0.1:$port" --controller palm --link-rate 1gbit \
	--max-pause 300 --budget 60s --explain \
	--guest-log-src "$dir/src.log" --guest-log-dst "$dir/dst.log" \
	--verify-guest "$@"
