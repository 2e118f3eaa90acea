// SPDX-License-Identifier: GPL-2.0
/* Nova's downtime steps; see qmp_baseline.h. */
#include "qmp/qmp_baseline.h"

#include <errno.h>
#include <math.h>

void qmp_nova_opts_defaults(struct qmp_nova_opts *o)
{
	/* nova/conf/libvirt.py defaults */
	o->downtime_ms = 500;
	o->steps = 10;
	o->delay_s_per_gib = 75;
	o->completion_s_per_gib = 800;
	o->min_gib = 2;
	o->time_scale = 1;
}

int qmp_nova_schedule(const struct qmp_nova_opts *o, double ram_bytes,
		      struct qmp_nova_schedule *s)
{
	double data_gb, delay, base, offset;
	int i;

	if (!(o->downtime_ms >= 100) || o->steps < 3 ||
	    o->steps > QMP_NOVA_MAX_STEPS || !(o->delay_s_per_gib >= 0) ||
	    !(o->completion_s_per_gib >= 0) || !(o->min_gib >= 0) ||
	    !(o->time_scale > 0 && o->time_scale <= 1) || !(ram_bytes > 0) ||
	    !isfinite(o->downtime_ms + o->delay_s_per_gib +
		      o->completion_s_per_gib + o->min_gib + ram_bytes))
		return -EINVAL;
	data_gb = fmax(ram_bytes / (1024.0 * 1024 * 1024), o->min_gib);
	/* int() as Nova does, then the one scale factor */
	delay = floor(o->delay_s_per_gib * data_gb) * o->time_scale;
	base = o->downtime_ms / o->steps;
	offset = (o->downtime_ms - base) / o->steps;
	s->nsteps = o->steps + 1;
	for (i = 0; i <= o->steps; i++) {
		s->at_s[i] = delay * i;
		s->downtime_ms[i] = (long)(base + offset * i);
	}
	s->completion_timeout_s = o->completion_s_per_gib * data_gb *
				  o->time_scale;
	return 0;
}

int qmp_nova_step_at(const struct qmp_nova_schedule *s, double t_s)
{
	int i, last = 0;

	for (i = 0; i < s->nsteps; i++)
		if (s->at_s[i] <= t_s)
			last = i;
	return last;
}
