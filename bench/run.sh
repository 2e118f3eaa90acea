#!/bin/sh
# make bench: run every benchmark suite under bench/<suite>/run.sh.  Each
# writes JSON under bench/results/<suite>/ and prints the command lines
# that produced its figures.  BENCH=suite runs one.
set -eu
cd "$(dirname "$0")/.."
status=0
ran=0
for script in bench/*/run.sh; do
	[ -e "$script" ] || continue
	suite=$(basename "$(dirname "$script")")
	if [ -n "${BENCH:-}" ] && [ "$BENCH" != "$suite" ]; then
		continue
	fi
	echo "== bench: $suite ($script)"
	ran=$((ran + 1))
	sh "$script" || { echo "bench: $suite failed" >&2; status=1; }
done
[ "$ran" -gt 0 ] || { echo "bench: no suite matched '${BENCH:-}'" >&2; exit 1; }
exit $status
