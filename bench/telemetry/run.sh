#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# palm's host telemetry, measured (bench/telemetry/RESULTS.md):
#  - the sampling loop at 10 Hz over 1, 10 and 100 VMs: CPU% of one core
#    and RSS, with and without serialising each sample to JSON;
#  - eBPF dirty-ring measurement vs QEMU page-sampling on the test guest
#    under KVM: accuracy against the guest's own count, time to answer,
#    and the eBPF cost per event (kernel BPF run-time stats).
#
#   sh bench/telemetry/run.sh          (root; bench/run.sh calls it)
#   PALM_BUILD=build LOOP_S=10 sh bench/telemetry/run.sh
#
# Writes bench/results/telemetry/{loop,dirty,cost}.json and prints the
# command of every figure.
set -eu
# wait_guest_log
# shellcheck source=scripts/guest-lib.sh
. scripts/guest-lib.sh

BUILD=${PALM_BUILD:-build}
BENCH=$BUILD/bench/telemetry/ptel_bench
GUEST=$BUILD/tests/guest/palm-guest.elf
OUT=bench/results/telemetry
LOOP_S=${LOOP_S:-10}
TMP=$(mktemp -d /tmp/palm-bench-ptel.XXXXXX)
QPID=

cleanup()
{
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

[ -x "$BENCH" ] || { echo "bench/telemetry: $BENCH not built (make)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench/telemetry: skipped: needs root (eBPF)"; exit 0; }
mkdir -p "$OUT"

echo "-- sampling loop, 10 Hz, ${LOOP_S} s each"
: >"$TMP/loop"
for n in 1 10 100; do
	for j in json nojson; do
		echo "\$ $BENCH loop $n 10 $LOOP_S $j"
		"$BENCH" loop "$n" 10 "$LOOP_S" "$j" | tee -a "$TMP/loop"
	done
done
{ echo "["; sed '$!s/$/,/' "$TMP/loop"; echo "]"; } >"$OUT/loop.json"

if [ ! -r /dev/kvm ] || [ ! -r "$GUEST" ]; then
	echo "bench/telemetry: dirty part skipped: needs /dev/kvm and $GUEST"
	exit 0
fi

echo "-- dirty pages: eBPF (dirty ring) vs QEMU page-sampling vs the guest"
: >"$TMP/dirty"
# ws=200M is 51200 pages; windows of 1-2 s at these rates saturate it partly.
for cfg in "200M 51200 5 1" "200M 51200 20 2" "200M 51200 50 2"; do
	set -- $cfg
	ws=$1 pages=$2 rate=$3 calc=$4
	rm -f "$TMP/q.sock" "$TMP/serial.log"
	qemu-system-x86_64 -accel kvm,dirty-ring-size=4096 -m 256M -display none \
		-nodefaults -qmp "unix:$TMP/q.sock,server=on,wait=off" \
		-serial "file:$TMP/serial.log" -kernel "$GUEST" \
		-append "ws=$ws rate=$rate period=10" 2>"$TMP/qemu.err" &
	QPID=$!
	wait_guest_log "$TMP/serial.log" '^hb ' 200 ||
		{ cat "$TMP/qemu.err" >&2; exit 1; }
	sleep 0.5
	echo "\$ qemu-system-x86_64 -accel kvm,dirty-ring-size=4096 -m 256M ... -append \"ws=$ws rate=$rate period=10\""
	echo "\$ $BENCH dirty \$QMP_SOCK \$QEMU_PID \$SERIAL_LOG $pages $calc"
	"$BENCH" dirty "$TMP/q.sock" "$QPID" "$TMP/serial.log" "$pages" "$calc" |
		tee -a "$TMP/dirty"
	if [ "$rate" = 20 ]; then
		echo "\$ $BENCH cost \$QMP_SOCK \$QEMU_PID \$SERIAL_LOG 2 2"
		"$BENCH" cost "$TMP/q.sock" "$QPID" "$TMP/serial.log" 2 2 |
			tee "$OUT/cost.json"
	fi
	kill "$QPID"
	wait "$QPID" 2>/dev/null || true
	QPID=
done
{ echo "["; sed '$!s/$/,/' "$TMP/dirty"; echo "]"; } >"$OUT/dirty.json"
echo "bench/telemetry: wrote $OUT/loop.json $OUT/dirty.json $OUT/cost.json"
