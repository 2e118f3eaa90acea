#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Quick manual check of the test guest under TCG; builds nothing.
#   tests/guest/smoke.sh build/tests/guest/palm-guest.elf
# Boots the guest four times (two at a time, ~5 s in all) and checks the
# serial protocol: header, ready, heartbeats, paced dirty rate, periodic
# verify, verify on request (serial 'v' and QMP send-key), detection of a
# corrupted page, and the bad-argument error. Exits non-zero on failure.

set -u

ELF=${1:-}
QEMU=${QEMU:-qemu-system-x86_64}

if [ -z "$ELF" ] || [ ! -f "$ELF" ]; then
	echo "usage: $0 path/to/palm-guest.elf" >&2
	exit 2
fi
if ! command -v "$QEMU" >/dev/null 2>&1; then
	echo "smoke: $QEMU not found" >&2
	exit 2
fi

tmp=$(mktemp -d /tmp/palm-guest-smoke.XXXXXX)
pids=""
failed=0

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*"
	failed=1
}

# Only ever run in the background: exec makes $! the QEMU (under a
# timeout, so nothing outlives an interrupted run) and not a subshell.
qemu() {
	exec timeout 30 "$QEMU" -accel tcg -m 256M -display none -nodefaults \
		-no-reboot -kernel "$ELF" "$@"
}

# wait_for FILE REGEX SECONDS PID: poll until a line matches; give up when
# time runs out or the QEMU has exited.
wait_for() {
	n=0
	while [ "$n" -lt $(($3 * 10)) ]; do
		grep -q -E "$2" "$1" 2>/dev/null && return 0
		kill -0 "$4" 2>/dev/null || break
		sleep 0.1
		n=$((n + 1))
	done
	grep -q -E "$2" "$1" 2>/dev/null
}

# --- A: paced uniform workload with periodic verify, 3 s ---------------
qemu -serial "file:$tmp/a.log" \
	-append "ws=32M rate=50 period=10 verify_every=100" 2>"$tmp/a.err" &
pid_a=$!
pids="$pids $pid_a"

# --- B: verify on request, over serial and over the PS/2 keyboard ------
mkfifo "$tmp/ser.in" "$tmp/ser.out" "$tmp/qmp.in" "$tmp/qmp.out"
qemu -chardev "pipe,id=ser,path=$tmp/ser" -serial chardev:ser \
	-chardev "pipe,id=qmp,path=$tmp/qmp" -mon chardev=qmp,mode=control \
	-append "ws=8M rate=10 verify_every=0" 2>"$tmp/b.err" &
pid_b=$!
pids="$pids $pid_b"
cat "$tmp/ser.out" >"$tmp/b.log" &
pids="$pids $!"
cat "$tmp/qmp.out" >"$tmp/qmp.log" &
pids="$pids $!"

if wait_for "$tmp/b.log" '^ready ' 10 "$pid_b"; then
	# QEMU holds the fifos open read-write, so these writes cannot block
	# unless it died; the timeout covers that case.
	timeout 2 sh -c "printf 'xv' >'$tmp/ser.in'"
	wait_for "$tmp/b.log" '^verify ' 3 "$pid_b" ||
		fail "B: no verify line after 'v' on the serial port"
	timeout 2 sh -c "printf '%s\n%s\n' \
		'{\"execute\":\"qmp_capabilities\"}' \
		'{\"execute\":\"send-key\",\"arguments\":{\"keys\":[{\"type\":\"qcode\",\"data\":\"v\"}]}}' \
		>'$tmp/qmp.in'"
	n=0
	while [ "$n" -lt 30 ] && kill -0 "$pid_b" 2>/dev/null &&
		[ "$(grep -c '^verify ' "$tmp/b.log")" -lt 2 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ "$(grep -c '^verify .*result=ok$' "$tmp/b.log")" -eq 2 ] ||
		fail "B: expected 2 ok verify lines (serial + send-key), got:" \
			"$(grep '^verify' "$tmp/b.log")"
else
	fail "B: guest never said ready"
fi
kill "$pid_b" 2>/dev/null

# 250 heartbeats: 2.5 s of guest time, two periodic verifies.
wait_for "$tmp/a.log" '^hb seq=250 ' 15 "$pid_a" ||
	fail "A: no hb seq=250 within 15 s"
kill "$pid_a" 2>/dev/null
wait "$pid_a" 2>/dev/null

# --- C: the verifier must catch a corrupted page ------------------------
qemu -serial "file:$tmp/c.log" \
	-append "ws=4M rate=100 verify_every=20 corrupt=777" 2>"$tmp/c.err" &
pid_c=$!
pids="$pids $pid_c"

# --- D: a bad argument is refused -----------------------------------------
qemu -serial "file:$tmp/d.log" -append "ws=16M rate=fast" 2>"$tmp/d.err" &
pid_d=$!
pids="$pids $pid_d"

wait_for "$tmp/c.log" '^verify ' 10 "$pid_c" ||
	fail "C: no verify line"
wait_for "$tmp/d.log" '^error' 10 "$pid_d" ||
	fail "D: no error line"
kill "$pid_c" "$pid_d" 2>/dev/null
wait 2>/dev/null

# --- checks on A ----------------------------------------------------------
A=$tmp/a.log
grep -q -E '^palm-guest v1 ws_pages=8192 rate=50 pattern=uniform hot=10 hotw=90 on=1000 off=1000 period_ms=10 seed=1 fill=0 tsc_khz=[1-9][0-9]* delta=100$' "$A" ||
	fail "A: header line: $(head -1 "$A")"
grep -q -x 'ready ws_pages=8192' "$A" ||
	fail "A: no 'ready ws_pages=8192'"
grep -q '^error' "$A" && fail "A: $(grep '^error' "$A")"

# Heartbeats: consecutive seq from 0, t_ms and work never going back,
# at least 2.5 s worth, and a paced rate near 50 pages/ms: never above
# (plus rounding), and not far below even on a busy host, where the vCPU
# thread may not get the CPU it needs to keep up.
awk '
/^hb / {
	if ($0 !~ /^hb seq=[0-9]+ t_ms=[0-9]+ work=[0-9]+ gen=[0-9]+$/) {
		print "A: malformed hb: " $0; bad = 1; next
	}
	split($2, s, "="); split($3, t, "="); split($4, w, "=")
	if (s[2] != n) { print "A: hb seq " s[2] " expected " n; bad = 1 }
	if (n && (t[2] < t1 || w[2] < w1)) { print "A: hb went back: " $0; bad = 1 }
	if (n == 0) { t0 = t[2]; w0 = w[2] }
	t1 = t[2]; w1 = w[2]; n++
}
/^verify / {
	if ($0 !~ /^verify seq=[0-9]+ pages=8192 bad=0 first_bad=-1 result=ok$/) {
		print "A: verify: " $0; bad = 1
	}
	split($2, s, "=")
	if (s[2] % 100 != 99) { print "A: verify at seq " s[2]; bad = 1 }
	nv++
}
END {
	if (n < 250) { print "A: only " n " heartbeats"; bad = 1 }
	if (nv < 1) { print "A: no periodic verify"; bad = 1 }
	if (t1 > t0) {
		rate = (w1 - w0) / (t1 - t0)
		printf "A: %d hb over %d guest ms, %.1f pages/ms, %d verifies\n", n, t1 - t0, rate, nv
		if (rate < 25 || rate > 51) { print "A: rate off target"; bad = 1 }
	}
	exit bad
}' "$A" || failed=1

# --- checks on C and D ----------------------------------------------------
grep -q -x 'verify seq=19 pages=1024 bad=1 first_bad=777 result=FAIL' "$tmp/c.log" ||
	fail "C: corruption not reported: $(grep -m1 '^verify' "$tmp/c.log")"
grep -q -x "error: bad argument 'rate=fast'" "$tmp/d.log" ||
	fail "D: $(head -1 "$tmp/d.log")"
grep -q '^palm-guest' "$tmp/d.log" &&
	fail "D: guest started despite a bad argument"

if [ "$failed" -ne 0 ]; then
	for f in a b c d; do
		echo "--- $f.log (head)"
		head -5 "$tmp/$f.log" 2>/dev/null
	done
	echo "smoke: FAILED"
	exit 1
fi
echo "smoke: ok"
