#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# README's first command, `make demo`, is scripts/demo.sh after a build.
# This runs that script on the build under test and checks what README
# promises of it: a live migration under palm's controller that was
# predicted before the start, completed, kept the guest's pause within
# the target, and left the guest's memory intact on the destination.
# TAP for prove.
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
cd "$src" || exit 1
build=${PALM_BUILD:-build}

echo "1..1"
name="demo migrates a dirtying guest under palm's controller"
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	# the demo would run TCG, whose dirty tracking before QEMU 9.0 can
	# lose pages: the verification would fail for QEMU's reason, not palm's
	echo "ok 1 $name # SKIP no usable /dev/kvm (the demo under TCG needs QEMU >= 9.0)"
	exit 0
fi
for tool in jq qemu-system-x86_64; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "ok 1 $name # SKIP $tool not installed (make deps)"
		exit 0
	fi
done

tmp=$(mktemp -d /tmp/palm-demo-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

PALM_BUILD=$build sh scripts/demo.sh --json --quiet >"$tmp/out" 2>"$tmp/err"
rc=$?
grep -v '^demo:' "$tmp/out" >"$tmp/report.json"

# each check: a jq test on the report, and what it means
failed=""
check()
{
	if ! jq -e "$1" "$tmp/report.json" >/dev/null 2>&1; then
		failed="$failed
# not so: $2 ($1)"
	fi
}
if [ "$rc" -ne 0 ]; then
	failed="
# scripts/demo.sh exited with $rc"
fi
check '.controller == "palm"' "palm's controller ran"
check '.prediction.converges == true' "palm predicted a converging plan before the start"
check '.status == "completed"' "the migration completed"
check '.destination.status == "running"' "the guest runs on the destination"
check '.guest.verify.ok == true and .guest.verify.bad == 0' "the guest verified its memory"
check '.guest.pause_ms <= .target.max_pause_ms' "the guest's pause is within the target"
check '.dirty_input.source | type == "string"' "palm measured the guest's dirtying"
check '.total_time_ms > 1000 or .dirty_pages_rate_rated == false' "a migration under 1 s is not said to have a QEMU dirty rate"

if [ -z "$failed" ]; then
	echo "ok 1 $name"
	exit 0
fi
echo "not ok 1 $name"
echo "$failed"
sed 's/^/# stderr: /' "$tmp/err" | tail -20
head -c 2000 "$tmp/report.json" | sed 's/^/# report: /'
if [ -n "${PALM_TEST_FAILLOG:-}" ]; then
	{
		echo "tests/core/demo_test.sh: $name:$failed"
		tail -5 "$tmp/err"
	} >>"$PALM_TEST_FAILLOG"
fi
exit 1
