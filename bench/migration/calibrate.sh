#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# calibrate.sh DIR: fits palm's migration-model coefficients
# (qmp/qmp_model.h) to the measured runs in DIR (cell.sh's reports, every
# controller) and prints them in the format qmp_model_coef_load reads.
# The fit is mig_model's (bench/migration/mig_model.c): setup from every
# completed run; the switch-over's fixed part and in-flight bytes from
# palm's idle runs at each link rate (downtime = fixed + in flight /
# goodput); goodput and per-pass overhead from palm's pre-copy times;
# the guest-side pause beyond QEMU's downtime and the post-copy pause as
# medians.  Its out-of-sample error: `mig_model cv DIR/ws*.json`.
#
# Environment: PALM_BUILD (build dir with bench/migration/mig_model,
# default build).
set -eu
dir=$1
build=${PALM_BUILD:-build}
tool=$build/bench/migration/mig_model
[ -x "$tool" ] || { echo "calibrate.sh: $tool missing: run make first" >&2; exit 1; }
exec "$tool" fit "$dir"/ws*.json
