// SPDX-License-Identifier: GPL-2.0
/*
 * Telemetry aggregation: per-host latest state, sequence accounting and
 * staleness.  A gap counts as loss at once and is taken back when the
 * missing frame arrives late, so "lost" is exact once the window passed.
 */
#include "core/tel/tel_agg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HOSTS_LIMIT 65536u

static const char *const verdict_names[] = {
	[TEL_SEQ_FIRST] = "first",
	[TEL_SEQ_NEXT] = "next",
	[TEL_SEQ_LATE] = "late",
	[TEL_SEQ_DUP] = "dup",
	[TEL_SEQ_TOO_OLD] = "too_old",
	[TEL_SEQ_RESTART] = "restart",
};

const char *tel_seq_verdict_name(enum tel_seq_verdict v)
{
	return (unsigned int)v <= TEL_SEQ_RESTART ? verdict_names[v] : "?";
}

int tel_agg_init(struct tel_agg *a, const struct tel_agg_config *cfg)
{
	memset(a, 0, sizeof(*a));
	if (!cfg || !cfg->max_hosts || cfg->max_hosts > MAX_HOSTS_LIMIT ||
	    !cfg->stale_after_ns)
		return -EINVAL;
	a->hosts = calloc(cfg->max_hosts, sizeof(*a->hosts));
	if (!a->hosts)
		return -ENOMEM;
	a->cfg = *cfg;
	return 0;
}

void tel_agg_fini(struct tel_agg *a)
{
	free(a->hosts);
	a->hosts = NULL;
	a->nhosts = 0;
}

struct tel_agg_host *tel_agg_find(struct tel_agg *a, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < a->nhosts; i++)
		if (a->hosts[i].id == id)
			return &a->hosts[i];
	return NULL;
}

uint64_t tel_agg_age_ns(const struct tel_agg_host *h, uint64_t now_ns)
{
	return now_ns > h->last_rx_ns ? now_ns - h->last_rx_ns : 0;
}

/* Start (or restart) the sequence state of @h at @hdr. */
static void seq_reset(struct tel_agg_host *h, const struct tel_frame_hdr *hdr)
{
	h->max_seq = hdr->seq;
	h->seen = 1;
	h->last_ts_ns = hdr->ts_ns;
}

static enum tel_seq_verdict seq_check(struct tel_agg_host *h,
				      const struct tel_frame_hdr *hdr,
				      bool first)
{
	int32_t d = (int32_t)(hdr->seq - h->max_seq);
	uint32_t back;

	if (first) {
		seq_reset(h, hdr);
		return TEL_SEQ_FIRST;
	}
	if (d > 0) {
		h->c.lost += (uint64_t)d - 1;
		h->seen = d >= TEL_AGG_SEQ_WINDOW ? 1 : h->seen << d | 1;
		h->max_seq = hdr->seq;
		if (hdr->ts_ns > h->last_ts_ns)
			h->last_ts_ns = hdr->ts_ns;
		return TEL_SEQ_NEXT;
	}
	/*
	 * Not ahead of the newest: a duplicate or reordered frame carries
	 * an older (or the same) send time, a restarted sender counting
	 * from 0 again a newer one.
	 */
	if (hdr->ts_ns > h->last_ts_ns) {
		h->c.restarts++;
		seq_reset(h, hdr);
		return TEL_SEQ_RESTART;
	}
	if (d == 0)
		return TEL_SEQ_DUP;
	back = (uint32_t)-d;
	if (back >= TEL_AGG_SEQ_WINDOW) {
		h->c.too_old++;
		return TEL_SEQ_TOO_OLD;
	}
	if (h->seen & (1ull << back))
		return TEL_SEQ_DUP;
	h->seen |= 1ull << back;
	h->c.reordered++;
	if (h->c.lost)
		h->c.lost--;
	return TEL_SEQ_LATE;
}

/* Keep the newer of two samples: reordered frames must not roll back. */
static bool newer(uint64_t have_ts, uint64_t ts)
{
	return ts >= have_ts;
}

static void apply_vm(struct tel_agg_host *h, const struct tel_vm_sample *s)
{
	unsigned int i;

	for (i = 0; i < h->nvms; i++) {
		if (h->vms[i].vm_id == s->vm_id) {
			if (newer(h->vms[i].ts_ns, s->ts_ns))
				h->vms[i] = *s;
			return;
		}
	}
	if (h->nvms == TEL_AGG_MAX_VMS) {
		h->c.table_full++;
		return;
	}
	h->vms[h->nvms++] = *s;
}

static void apply_vcpu(struct tel_agg_host *h, const struct tel_vcpu_sample *s)
{
	unsigned int i;

	for (i = 0; i < h->nvcpus; i++) {
		if (h->vcpus[i].vm_id == s->vm_id &&
		    h->vcpus[i].vcpu == s->vcpu) {
			if (newer(h->vcpus[i].ts_ns, s->ts_ns))
				h->vcpus[i] = *s;
			return;
		}
	}
	if (h->nvcpus == TEL_AGG_MAX_VCPUS) {
		h->c.table_full++;
		return;
	}
	h->vcpus[h->nvcpus++] = *s;
}

static void apply_link(struct tel_agg_host *h, const struct tel_link_sample *s)
{
	unsigned int i;

	for (i = 0; i < h->nlinks; i++) {
		if (h->links[i].peer_host_id == s->peer_host_id) {
			if (newer(h->links[i].ts_ns, s->ts_ns))
				h->links[i] = *s;
			return;
		}
	}
	if (h->nlinks == TEL_AGG_MAX_LINKS) {
		h->c.table_full++;
		return;
	}
	h->links[h->nlinks++] = *s;
}

static void apply_record(struct tel_agg_host *h, const struct tel_record *r)
{
	switch (r->type) {
	case TEL_REC_HOST:
		if (!h->have_host || newer(h->host.ts_ns, r->host.ts_ns))
			h->host = r->host;
		h->have_host = true;
		break;
	case TEL_REC_VM:
		apply_vm(h, &r->vm);
		break;
	case TEL_REC_VCPU:
		apply_vcpu(h, &r->vcpu);
		break;
	case TEL_REC_LINK:
		apply_link(h, &r->link);
		break;
	case TEL_REC_FAULT:
		/* events count once each: duplicates never get here */
		h->faults++;
		if (newer(h->last_fault.ts_ns, r->fault.ts_ns))
			h->last_fault = r->fault;
		break;
	case TEL_REC_PREDICT:
		h->predicts++;
		if (newer(h->last_predict.ts_ns, r->predict.ts_ns))
			h->last_predict = r->predict;
		break;
	}
}

int tel_agg_ingest(struct tel_agg *a, const void *buf, size_t len,
		   uint64_t now_ns, struct tel_agg_rx *rx)
{
	struct tel_frame_hdr hdr;
	struct tel_agg_host *h;
	enum tel_seq_verdict v;
	bool first = false;
	int n, i;

	n = tel_frame_decode(buf, len, &hdr, a->scratch, TEL_FRAME_MAX_RECORDS,
			     NULL, &a->dec);
	if (rx) {
		memset(rx, 0, sizeof(*rx));
		rx->nrecs = n;
	}
	if (n < 0)
		return n;
	if (a->scratch[0].type == TEL_REC_PROBE) {
		a->probe_frames++;
		return 0;
	}
	h = tel_agg_find(a, hdr.sender);
	if (!h) {
		if (a->nhosts == a->cfg.max_hosts) {
			a->hosts_full++;
			return -ENOSPC;
		}
		h = &a->hosts[a->nhosts++];
		memset(h, 0, sizeof(*h));
		h->id = hdr.sender;
		first = true;
	}
	v = seq_check(h, &hdr, first);
	if (rx) {
		rx->hdr = hdr;
		rx->recs = a->scratch;
		rx->verdict = v;
		rx->host = h;
	}
	if (v == TEL_SEQ_DUP) {
		h->c.dup++;
		return 0;
	}
	if (v == TEL_SEQ_TOO_OLD)
		return 0;
	if (v == TEL_SEQ_RESTART) {
		/* what the old incarnation said no longer holds */
		h->have_host = false;
		h->nvms = h->nvcpus = h->nlinks = 0;
	}
	for (i = 0; i < n; i++)
		apply_record(h, &a->scratch[i]);
	h->c.frames++;
	h->c.records += (uint64_t)n;
	if (v != TEL_SEQ_LATE || now_ns > h->last_rx_ns)
		h->last_rx_ns = now_ns;
	h->stale = false;
	return n;
}

unsigned int tel_agg_tick(struct tel_agg *a, uint64_t now_ns)
{
	unsigned int marked = 0;
	uint32_t i;

	for (i = 0; i < a->nhosts; i++) {
		struct tel_agg_host *h = &a->hosts[i];

		if (h->stale ||
		    tel_agg_age_ns(h, now_ns) <= a->cfg.stale_after_ns)
			continue;
		h->stale = true;
		h->c.stale_marks++;
		marked++;
	}
	return marked;
}

void tel_agg_totals(const struct tel_agg *a, struct tel_agg_counters *sum)
{
	uint32_t i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < a->nhosts; i++) {
		const struct tel_agg_counters *c = &a->hosts[i].c;

		sum->frames += c->frames;
		sum->records += c->records;
		sum->lost += c->lost;
		sum->dup += c->dup;
		sum->reordered += c->reordered;
		sum->too_old += c->too_old;
		sum->restarts += c->restarts;
		sum->stale_marks += c->stale_marks;
		sum->table_full += c->table_full;
	}
}
