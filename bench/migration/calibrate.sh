#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# calibrate.sh DIR...: fits palm's migration-model coefficients
# (qmp/qmp_model.h) to the measured runs in the DIRs (cell.sh's reports,
# every controller) and prints them in the format qmp_model_coef_load reads.
# The fit is mig_model's (bench/migration/mig_model.c): setup from every
# completed run; the switch-over's fixed part and in-flight bytes from
# palm's idle runs (cell rate 0) at each link rate (downtime = fixed + in flight /
# goodput); goodput and per-pass overhead from palm's pre-copy times
# (libvirt's runs: the stream's terms stay as in model.coef, and the runs
# fit the fixed time libvirt's job takes beyond QEMU's, job_overhead_s);
# the guest-side pause beyond QEMU's downtime and the post-copy pause as
# medians.  Its out-of-sample error: `mig_model cv DIR/ws*.json`.
#
# Environment: PALM_BUILD (build dir with bench/migration/mig_model,
# default build).
set -eu
[ $# -ge 1 ] || { echo "usage: calibrate.sh DIR..." >&2; exit 2; }
build=${PALM_BUILD:-build}
tool=$build/bench/migration/mig_model
[ -x "$tool" ] || { echo "calibrate.sh: $tool missing: run make first" >&2; exit 1; }
# what these runs cannot tell (e.g. no uncompressed pre-copy run to fit
# the link's efficiency on) stays as in the current coefficients
base=""
[ -f "$(dirname "$0")/model.coef" ] && base="--base $(dirname "$0")/model.coef"
files=""
for d in "$@"; do
	files="$files $(ls "$d"/ws*.json)"
done
# shellcheck disable=SC2086 # one word a file
exec "$tool" fit $base $files
