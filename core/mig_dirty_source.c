// SPDX-License-Identifier: GPL-2.0
/* The source of the controller's dirty input; see mig_dirty_source.h. */
#include "core/mig_dirty_source.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/telemetry/ptel_bpf.h"
#include "core/telemetry/ptel_dirty.h"
#include "qmp/qmp_client.h"
#include "qmp/qmp_model.h"

#define PAGE_BYTES 4096.0
#define MIN_T1_MS 100		/* shorter windows see the start's jitter */
#define SATURATION_X 0.15	/* d(2 t1) / d(t1) - 1 still well above 0 */

/* W(t) by linear interpolation, with W(0) = 0; t beyond the curve: last. */
static double curve_at(const uint32_t *t_ms, const uint64_t *pages,
		       unsigned int n, double t)
{
	double ta = 0, wa = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		double tb = t_ms[i], wb = (double)pages[i];

		if (t <= tb) {
			if (tb <= ta)
				return wb;
			return wa + (wb - wa) * (t - ta) / (tb - ta);
		}
		ta = tb;
		wa = wb;
	}
	return wa;
}

int mig_dirty_fit_curve(const uint32_t *t_ms, const uint64_t *pages,
			unsigned int n, double cap_bytes, double *ws_bytes,
			double *dirty_bps, uint32_t *t1_ms)
{
	double t1, d1, d2, ws = 0, rate = 0;
	uint32_t span;
	int err = -EINVAL;

	if (n < 2 || !(cap_bytes > 0))
		return -EINVAL;
	span = t_ms[n - 1];
	for (t1 = span / 2.0; t1 >= MIN_T1_MS; t1 /= 2) {
		d1 = curve_at(t_ms, pages, n, t1) * PAGE_BYTES;
		d2 = curve_at(t_ms, pages, n, 2 * t1) * PAGE_BYTES;
		err = qmp_model_fit_dirty(d1 / (t1 / 1000), d2 / (2 * t1 / 1000),
					  t1 / 1000, cap_bytes, &ws, &rate);
		if (err)
			return err;
		*ws_bytes = ws;
		*dirty_bps = rate;
		*t1_ms = (uint32_t)t1;
		if (d1 <= 0 || d2 / d1 - 1 >= SATURATION_X)
			break;
	}
	return err;
}

int mig_dirty_measure_ebpf(struct ptel_bpf *b, pid_t pid,
			   struct qmp_client *src, int measure_s,
			   double cap_bytes, struct mig_dirty_source *d)
{
	struct ptel_dirty_measure m;
	uint32_t t_ms[PTEL_CURVE_MAX];
	uint64_t pages[PTEL_CURVE_MAX];
	unsigned int i, step_ms;
	int calc_s, err;

	memset(d, 0, sizeof(*d));
	d->src = MIG_DIRTY_QMP_SAMPLING;
	if (measure_s < 1 || measure_s > 60)
		return -EINVAL;
	/* one window as long as QMP's two; the curve has its halves */
	calc_s = 2 * measure_s;
	step_ms = (unsigned int)calc_s * 1000 / (PTEL_CURVE_MAX - 8);
	if (step_ms < 50)
		step_ms = 50;
	err = ptel_dirty_measure(b, src, pid, calc_s, step_ms, &m);
	if (err) {
		/* QEMU refuses dirty-ring mode without -accel kvm,dirty-ring-size */
		if (err == -EREMOTEIO)
			snprintf(d->why_not_ebpf, sizeof(d->why_not_ebpf),
				 "QEMU: %s", qmp_last_error(src));
		else
			snprintf(d->why_not_ebpf, sizeof(d->why_not_ebpf),
				 "eBPF dirty ring: %s", strerror(-err));
		return err;
	}
	for (i = 0; i < m.npoints; i++) {
		t_ms[i] = m.curve[i].t_ms;
		pages[i] = m.curve[i].distinct;
	}
	err = mig_dirty_fit_curve(t_ms, pages, m.npoints, cap_bytes,
				  &d->ws_bytes, &d->dirty_bps, &d->short_ms);
	if (err) {
		snprintf(d->why_not_ebpf, sizeof(d->why_not_ebpf),
			 "eBPF dirty ring: %u points do not fit", m.npoints);
		return err;
	}
	d->src = MIG_DIRTY_EBPF;
	d->window_ms = m.window_ms;
	d->distinct = m.distinct;
	d->pushes = m.pushes;
	return 0;
}

const char *mig_dirty_src_name(enum mig_dirty_src src)
{
	switch (src) {
	case MIG_DIRTY_GIVEN:
		return "given";
	case MIG_DIRTY_EBPF:
		return "ebpf-dirty-ring";
	case MIG_DIRTY_QMP_SAMPLING:
		return "qmp-page-sampling";
	case MIG_DIRTY_QMP_BITMAP:
		return "qmp-dirty-bitmap";
	case MIG_DIRTY_LIBVIRT:
		return "libvirt-dirty-rate";
	}
	return "unknown";
}

void mig_dirty_describe(const struct mig_dirty_source *d, char *buf,
			size_t len)
{
	double ppms = d->dirty_bps / PAGE_BYTES / 1000;
	double ws_mib = d->ws_bytes / 1048576;

	switch (d->src) {
	case MIG_DIRTY_GIVEN:
		snprintf(buf, len, "dirty rate %.1f pages/ms, working set %.1f MiB (given)",
			 ppms, ws_mib);
		break;
	case MIG_DIRTY_EBPF:
		snprintf(buf, len, "dirty rate %.1f pages/ms, working set %.1f MiB "
			 "(eBPF dirty ring, %g s window, %llu distinct pages)",
			 ppms, ws_mib, d->window_ms / 1000.0,
			 (unsigned long long)d->distinct);
		break;
	case MIG_DIRTY_LIBVIRT:
		snprintf(buf, len, "dirty rate %.1f pages/ms, working set %.1f MiB "
			 "(libvirt dirty-rate calculation, %g s and %g s windows; no eBPF: %s)",
			 ppms, ws_mib, d->short_ms / 1000.0, d->window_ms / 1000.0,
			 d->why_not_ebpf);
		break;
	default:
		snprintf(buf, len, "dirty rate %.1f pages/ms, working set %.1f MiB "
			 "(QEMU calc-dirty-rate %s, %g s and %g s windows; no eBPF: %s)",
			 ppms, ws_mib,
			 d->src == MIG_DIRTY_QMP_BITMAP ? "dirty-bitmap" : "page-sampling",
			 d->short_ms / 1000.0, d->window_ms / 1000.0,
			 d->why_not_ebpf[0] ? d->why_not_ebpf : "unknown");
		break;
	}
}
