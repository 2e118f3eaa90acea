#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# cell.sh: one real migration of palm's test guest between two emulated
# hosts (network namespaces, scripts/testbed.sh) over a tc-tbf link, with
# one controller, and its JSON report with the cell's parameters and the
# guest's work lost added.
#
#   cell.sh OUT CONTROLLER WS RATE PATTERN LINK [palmctl args...]
#
#   CONTROLLER  palm | qemu | nova | autoconverge
#   WS          guest working set (test guest ws=, e.g. 32M)
#   RATE        test guest rate= (pages/ms, or max)
#   PATTERN     uniform | hotcold
#   LINK        tc rate (100mbit, 1gbit) or "off" (unshaped)
#
# Environment: PALM_BUILD (build dir, default build), MIG_MEM (guest RAM,
# default 128M), MIG_ACCEL (tcg), MIG_BASE_S (seconds of unmigrated
# guest work to compare against, default 2), MIG_FILL (test guest fill=: the
# percent of each page that compresses, default 0), MIG_DELTA (test guest
# delta=: the percent of a page a rewrite changes, default 100).
set -eu
[ $# -ge 6 ] || { sed -n '2,20p' "$0"; exit 2; }
out=$1 ctl=$2 ws=$3 rate=$4 pattern=$5 link=$6
shift 6
src_dir=$(cd "$(dirname "$0")/../.." && pwd)
# wait_guest_log
# shellcheck source=scripts/guest-lib.sh
. "$src_dir/scripts/guest-lib.sh"
build=${PALM_BUILD:-build}
case $build in /*) ;; *) build=$src_dir/$build ;; esac
mem=${MIG_MEM:-128M}
accel=${MIG_ACCEL:-tcg}
base_s=${MIG_BASE_S:-2}
fill=${MIG_FILL:-0}
delta=${MIG_DELTA:-100}
tb=pm$$
testbed=$src_dir/scripts/testbed.sh
dir=$(mktemp -d /tmp/palm-mig.XXXXXX)
spid="" dpid=""

# A destination started with -incoming defer exits by itself when the
# migration is cancelled: a failing kill is no failure of the cell.
cleanup()
{
	status=$?
	set +e
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null
	wait 2>/dev/null
	sh "$testbed" down "$tb" --kill >/dev/null 2>&1
	rm -rf "$dir"
	exit $status
}
trap cleanup EXIT INT TERM

# A cell killed outright (SIGKILL) leaves its testbed behind: remove the
# ones whose cell process is gone.
for stale in $(ip netns list 2>/dev/null | sed -n 's/^pm\([0-9][0-9]*\)-br.*/\1/p'); do
	kill -0 "$stale" 2>/dev/null || sh "$testbed" down "pm$stale" --kill >/dev/null 2>&1
done

if [ "$link" = off ]; then
	sh "$testbed" up "$tb" 2 >/dev/null
else
	sh "$testbed" up "$tb" 2 --rate "$link" >/dev/null
fi
dst_ip=$(sh "$testbed" addr "$tb" 2)
append="ws=$ws rate=$rate pattern=$pattern period=10 fill=$fill delta=$delta"
qemu()
{
	ns=$1 name=$2
	shift 2
	ip netns exec "$tb-$ns" qemu-system-x86_64 -accel "$accel" -m "$mem" \
		-display none -nodefaults -no-reboot \
		-serial "file:$dir/$name.log" -kernel "$build/tests/guest/palm-guest.elf" \
		-append "$append" -qmp "unix:$dir/$name.sock,server=on,wait=off" \
		"$@" 2>"$dir/$name.err" &
}
qemu h1 src
spid=$!
qemu h2 dst -incoming defer
dpid=$!

# the guest's unmigrated work rate: heartbeats over base_s after ready
wait_guest_log "$dir/src.log" '^ready' ||
	{ echo "cell: guest not ready" >&2; cat "$dir/src.err" >&2; exit 1; }
sleep "$base_s"
base=$(awk '/^hb /{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	n++; if (n == 1) { t0 = v["t_ms"]; w0 = v["work"] } t1 = v["t_ms"]; w1 = v["work"] }
	END { if (t1 > t0) printf "%.6f", (w1 - w0) / ((t1 - t0) / 1000); else print 0 }' "$dir/src.log")

# bytes on the wire (QEMU 7.2 counts multifd pages uncompressed)
tx_bytes()
{
	ip netns exec "$tb-h1" cat /sys/class/net/eth0/statistics/tx_bytes
}
tx0=$(tx_bytes)
set +e
"$build/core/palmctl" migrate --src "unix:$dir/src.sock" --dst "unix:$dir/dst.sock" \
	--uri "tcp:$dst_ip:4444" --json --quiet --controller "$ctl" \
	--guest-log-src "$dir/src.log" --guest-log-dst "$dir/dst.log" \
	"$@" >"$dir/report.json" 2>"$dir/palmctl.err"
rc=$?
set -e
tx1=$(tx_bytes)
if ! jq -e . "$dir/report.json" >/dev/null 2>&1; then
	echo "cell: palmctl gave no report (rc $rc):" >&2
	cat "$dir/palmctl.err" >&2
	exit 1
fi
jq --arg ctl "$ctl" --arg ws "$ws" --arg rate "$rate" --arg pattern "$pattern" \
	--arg link "$link" --arg mem "$mem" --arg accel "$accel" --arg backend qmp \
	--argjson fill "$fill" --argjson delta "$delta" --argjson base "$base" --argjson rc "$rc" \
	--argjson wire "$((tx1 - tx0))" -f "$src_dir/bench/migration/cell-report.jq" \
	"$dir/report.json" >"$out"
