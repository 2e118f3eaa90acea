// SPDX-License-Identifier: GPL-2.0
/* RAS memory-error aggregation per DIMM (ptel_ras.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/telemetry/ptel_ras.h"

void ptel_ras_init(struct ptel_ras *r, double tau_s)
{
	memset(r, 0, sizeof(*r));
	r->tau_s = tau_s > 0 ? tau_s : 3600;
}

static struct ptel_ras_dimm *find_dimm(struct ptel_ras *r,
				       const struct ptel_event *ev)
{
	struct ptel_ras_dimm *d;
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		d = &r->dimm[i];
		if (d->mc == ev->mc_index && d->top == ev->top_layer &&
		    d->mid == ev->middle_layer && d->low == ev->lower_layer &&
		    !strncmp(d->label, ev->label, sizeof(d->label)))
			return d;
	}
	if (r->n == PTEL_RAS_MAX_DIMMS)
		return NULL;
	d = &r->dimm[r->n++];
	memset(d, 0, sizeof(*d));
	d->mc = ev->mc_index;
	d->top = ev->top_layer;
	d->mid = ev->middle_layer;
	d->low = ev->lower_layer;
	memcpy(d->label, ev->label, sizeof(d->label));
	d->label[sizeof(d->label) - 1] = '\0';
	d->first_ns = ev->ts_ns;
	d->rate_ns = ev->ts_ns;
	return d;
}

double ptel_ras_ce_rate(const struct ptel_ras *r, const struct ptel_ras_dimm *d,
			uint64_t now_ns)
{
	double dt = now_ns > d->rate_ns ? (double)(now_ns - d->rate_ns) / 1e9 : 0;

	return d->ce_rate * exp(-dt / r->tau_s);
}

int ptel_ras_add(struct ptel_ras *r, const struct ptel_event *ev)
{
	struct ptel_ras_dimm *d;
	uint64_t n;

	if (ev->type != PTEL_EV_MC)
		return 0;
	if (ev->error_type > PTEL_RAS_INFO || ev->error_count < 0)
		return -EINVAL;
	d = find_dimm(r, ev);
	if (!d) {
		r->dropped++;
		return -ENOSPC;
	}
	/* error_count 0 still reports one error (the kernel prints 0 too) */
	n = ev->error_count ? (uint64_t)ev->error_count : 1;
	d->count[ev->error_type] += n;
	if (ev->ts_ns > d->last_ns)
		d->last_ns = ev->ts_ns;
	if (ev->error_type == PTEL_RAS_CORRECTED) {
		/* exponentially decaying count / tau, in errors per hour */
		d->ce_rate = ptel_ras_ce_rate(r, d, ev->ts_ns) +
			     (double)n * 3600.0 / r->tau_s;
		if (ev->ts_ns > d->rate_ns)
			d->rate_ns = ev->ts_ns;
	}
	return 0;
}

static int type_of(const char *s)
{
	static const char *const names[] = {
		"Corrected", "Uncorrected", "Deferred", "Fatal", "Info",
	};
	int i;

	for (i = 0; i < 5; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

int ptel_ras_parse_line(const char *line, size_t len, struct ptel_event *ev)
{
	char buf[512], tname[16];
	char *p, *colon, *on, *loc, *ts_end;
	int count, mc, top, mid, low, type, n;
	unsigned long long addr = 0;
	double ts;

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, line, len);
	buf[len] = '\0';
	p = strstr(buf, ": mc_event: ");
	if (!p)
		return -EINVAL;
	/* the timestamp is the last field before ": mc_event" */
	*p = '\0';
	ts_end = strrchr(buf, ' ');
	ts_end = ts_end ? ts_end + 1 : buf;
	if (sscanf(ts_end, "%lf%n", &ts, &n) != 1 || ts_end[n] || ts < 0 ||
	    ts > 1e9)
		return -EINVAL;
	p += strlen(": mc_event: ");
	if (sscanf(p, "%d %15s error%n", &count, tname, &n) != 2 || count < 0)
		return -EINVAL;
	type = type_of(tname);
	if (type < 0)
		return -EINVAL;
	colon = p + n;
	/* "error:" or "errors:", then an optional message, then " on LABEL" */
	if (*colon == 's')
		colon++;
	if (*colon != ':')
		return -EINVAL;
	loc = strstr(colon, " (mc:");
	if (!loc)
		return -EINVAL;
	*loc = '\0';
	on = strstr(colon, " on ");
	if (!on)
		return -EINVAL;
	*on = '\0';
	if (sscanf(loc + 1, "(mc:%d location:%d:%d:%d address:0x%llx", &mc,
		   &top, &mid, &low, &addr) < 4)
		return -EINVAL;
	if (mc < 0 || mc > 255 || top < -128 || top > 127 || mid < -128 ||
	    mid > 127 || low < -128 || low > 127)
		return -EINVAL;
	memset(ev, 0, sizeof(*ev));
	ev->type = PTEL_EV_MC;
	ev->ts_ns = (uint64_t)(ts * 1e9);
	ev->error_type = (uint32_t)type;
	ev->error_count = count;
	ev->mc_index = (uint8_t)mc;
	ev->top_layer = (int8_t)top;
	ev->middle_layer = (int8_t)mid;
	ev->lower_layer = (int8_t)low;
	ev->address = addr;
	snprintf(ev->label, sizeof(ev->label), "%s", on + 4);
	snprintf(ev->msg, sizeof(ev->msg), "%s", colon[1] == ' ' ? colon + 2 : colon + 1);
	return 0;
}
