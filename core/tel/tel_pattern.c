// SPDX-License-Identifier: GPL-2.0
/* Deterministic telemetry records, for checking transports end to end. */
#include "core/tel/tel_pattern.h"

#include <errno.h>
#include <string.h>

void tel_pattern_record(uint32_t host, uint32_t seq, unsigned int i,
			struct tel_record *r)
{
	/* zeroed first, so that records compare with memcmp */
	memset(r, 0, sizeof(*r));
	if (i == 0) {
		r->type = TEL_REC_HOST;
		r->host.ncpus = (uint16_t)host;
		r->host.nvms = 1;
		r->host.ts_ns = seq;
		r->host.mem_total_kib = 1ull << 30;
		r->host.mem_avail_kib = seq % (1u << 30);
		r->host.cpu_util_ppm = seq % 1000001u;
		r->host.psi_cpu_ppm = host % 1000001u;
		return;
	}
	r->type = TEL_REC_VCPU;
	r->vcpu.vm_id = host;
	r->vcpu.ts_ns = seq;
	r->vcpu.vcpu = (uint16_t)i;
	r->vcpu.pcpu = (uint16_t)seq;
	r->vcpu.util_ppm = (seq * 7u + i) % 1000001u;
	r->vcpu.steal_ppm = i;
	r->vcpu.exits_per_s = seq ^ i;
}

int tel_pattern_fill(struct tel_frame_builder *fb, uint32_t host, uint32_t seq,
		     unsigned int nrecs)
{
	struct tel_record r;
	unsigned int i;
	int ret;

	if (!nrecs || nrecs > TEL_FRAME_MAX_RECORDS)
		return -EINVAL;
	tel_fb_init(fb);
	for (i = 0; i < nrecs; i++) {
		tel_pattern_record(host, seq, i, &r);
		ret = tel_fb_add(fb, &r);
		/* a host record is larger: the last vCPU may not fit */
		if (ret == -ENOSPC)
			break;
		if (ret)
			return ret;
	}
	return 0;
}

unsigned int tel_pattern_check(const struct tel_record *recs, unsigned int n,
			       uint32_t host, uint32_t seq)
{
	struct tel_record want;
	unsigned int i, bad = 0;

	for (i = 0; i < n; i++) {
		tel_pattern_record(host, seq, i, &want);
		if (memcmp(&want, &recs[i], sizeof(want)))
			bad++;
	}
	return bad;
}
