// SPDX-License-Identifier: GPL-2.0
/*
 * Iterative pre-copy model.
 *
 * Round 0 sends the used memory (zero pages are skipped); each later
 * round resends what was dirtied meanwhile, bounded by the writable
 * working set.  Rounds continue while the remaining dirty data exceeds
 * budget x bandwidth; after POL_MIG_MAX_ROUNDS, or when a round no longer
 * shrinks the remainder (dirty rate ~ bandwidth), QEMU-style forced
 * stop-and-copy follows.  Downtime = last copy + a fixed pause that grows
 * linearly with used guest memory and with host CPU load (the seed
 * OpenStack measurements: downtime grows with memory size, host load and
 * linearly with guest memory use).  A busy source also sends slower.
 */
#include "policy/pol_migration_model.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define POL_MIG_MAX_ROUNDS 30
#define GIB (1024.0 * 1024 * 1024)
/* hot (writable) working set as a share of used memory */
#define WSS_SHARE 0.5
/* fixed pause: device state + 20 ms per GiB in use, x(1 + load) */
#define PAUSE_BASE_S 0.03
#define PAUSE_PER_GIB_S 0.02
/* core-seconds per GiB sent / received (copy + checksum + TCP) */
#define CPU_SRC_PER_GIB 0.9
#define CPU_DST_PER_GIB 0.6

static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

int pol_mig_estimate(const struct pol_mig_input *in, struct pol_mig_cost *out)
{
	double bw, used, wss, remain, t, dirtied, load;

	memset(out, 0, sizeof(*out));
	if (!(in->mem_bytes > 0) || !(in->bw_bps > 0) || in->used_frac < 0 ||
	    in->used_frac > 1 || in->dirty_bps < 0 || in->budget_s < 0 ||
	    !isfinite(in->mem_bytes) || !isfinite(in->dirty_bps))
		return -EINVAL;
	load = clamp(in->src_load, 0, 2);
	/* sender competes with the guests for CPU above 70% load */
	bw = in->bw_bps * (1.0 - 0.3 * clamp((load - 0.7) / 0.3, 0, 1));
	used = in->used_frac * in->mem_bytes;
	wss = WSS_SHARE * used;
	remain = used;
	for (;;) {
		t = remain / bw + in->latency_s;
		out->total_s += t;
		out->bytes += remain;
		out->rounds++;
		dirtied = fmin(in->dirty_bps * t, wss);
		if (dirtied <= in->budget_s * bw) {
			out->converged = true;
			remain = dirtied;
			break;
		}
		if (out->rounds >= POL_MIG_MAX_ROUNDS || dirtied >= 0.95 * remain) {
			remain = dirtied;
			break;
		}
		remain = dirtied;
	}
	out->downtime_s = remain / bw + in->latency_s +
			  (PAUSE_BASE_S + PAUSE_PER_GIB_S * used / GIB) *
			  (1.0 + fmax(load, clamp(in->dst_load, 0, 2)));
	out->total_s += out->downtime_s;
	out->bytes += remain;
	out->src_cpu_s = CPU_SRC_PER_GIB * out->bytes / GIB;
	out->dst_cpu_s = CPU_DST_PER_GIB * out->bytes / GIB;
	return 0;
}
