// SPDX-License-Identifier: GPL-2.0
/*
 * The telemetry aggregator without a network: loss, duplication,
 * reordering, corruption, sender restarts and silence are each detected
 * and counted exactly, and the latest state never rolls back.
 */
#include "tests/lib/harness.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/tel/tel_agg.h"
#include "core/tel/tel_frame.h"

#define MS 1000000ull

/* A frame from @host with one host record and one VM record. */
static int make_frame(struct tel_frame_builder *fb, uint32_t host,
		      uint32_t seq, uint64_t ts)
{
	struct tel_record r;

	tel_fb_init(fb);
	memset(&r, 0, sizeof(r));
	r.type = TEL_REC_HOST;
	r.host.ts_ns = ts;
	r.host.mem_total_kib = 1000;
	r.host.mem_avail_kib = seq % 1000;
	r.host.cpu_util_ppm = seq % 1000000;
	if (tel_fb_add(fb, &r))
		return -1;
	memset(&r, 0, sizeof(r));
	r.type = TEL_REC_VM;
	r.vm.vm_id = 1;
	r.vm.ts_ns = ts;
	r.vm.dirty_pages_per_s = seq;
	r.vm.mem_kib = 1 << 20;
	if (tel_fb_add(fb, &r))
		return -1;
	return tel_fb_finish(fb, host, seq, ts);
}

FIXTURE(agg) {
	struct tel_agg a;
	struct tel_frame_builder fb;
	uint64_t now;
};

FIXTURE_SETUP(agg)
{
	struct tel_agg_config cfg = {
		.max_hosts = 3,
		.stale_after_ns = 100 * MS,
	};

	ASSERT_EQ(0, tel_agg_init(&self->a, &cfg));
	self->now = 1000 * MS;
}

FIXTURE_TEARDOWN(agg)
{
	tel_agg_fini(&self->a);
}

/* Deliver frame @seq of @host (sent at time seq ms); returns ingest's result. */
static int deliver(FIXTURE_DATA(agg) *self, uint32_t host, uint32_t seq,
		   struct tel_agg_rx *rx)
{
	int len = make_frame(&self->fb, host, seq, (uint64_t)(seq + 1) * MS);

	if (len < 0)
		return -EINVAL;
	self->now += MS;
	return tel_agg_ingest(&self->a, self->fb.buf, (size_t)len, self->now,
			      rx);
}

TEST_F(agg, in_order_no_loss)
{
	struct tel_agg_host *h;
	uint32_t s;

	for (s = 0; s < 100; s++)
		ASSERT_EQ(2, deliver(self, 1, s, NULL));
	h = tel_agg_find(&self->a, 1);
	ASSERT_NE_NULL(h);
	ASSERT_EQ(100, h->c.frames);
	ASSERT_EQ(200, h->c.records);
	ASSERT_EQ(0, h->c.lost);
	ASSERT_EQ(0, h->c.dup);
	ASSERT_EQ(0, h->c.reordered);
	ASSERT_TRUE(h->have_host);
	ASSERT_EQ(99, h->vms[0].dirty_pages_per_s);
	ASSERT_EQ(1, h->nvms);
	ASSERT_EQ(99, h->max_seq);
	ASSERT_NULL(tel_agg_find(&self->a, 2));
}

TEST_F(agg, gaps_are_loss)
{
	struct tel_agg_host *h;
	uint32_t s;

	for (s = 0; s < 200; s++)
		if (s % 10 != 3)
			ASSERT_EQ(2, deliver(self, 1, s, NULL));
	ASSERT_EQ(2, deliver(self, 1, 1000, NULL));	/* a long gap */
	h = tel_agg_find(&self->a, 1);
	ASSERT_EQ(20 + 800, h->c.lost);
	ASSERT_EQ(0, h->c.reordered);
}

TEST_F(agg, duplicates_are_ignored)
{
	struct tel_agg_rx rx;
	struct tel_agg_host *h;

	ASSERT_EQ(2, deliver(self, 1, 0, NULL));
	ASSERT_EQ(2, deliver(self, 1, 1, NULL));
	ASSERT_EQ(0, deliver(self, 1, 1, &rx));
	ASSERT_EQ(TEL_SEQ_DUP, rx.verdict);
	ASSERT_EQ(2, deliver(self, 1, 2, NULL));
	ASSERT_EQ(0, deliver(self, 1, 0, &rx));	/* an older duplicate */
	ASSERT_EQ(TEL_SEQ_DUP, rx.verdict);
	h = tel_agg_find(&self->a, 1);
	ASSERT_EQ(2, h->c.dup);
	ASSERT_EQ(3, h->c.frames);
	ASSERT_EQ(0, h->c.lost);
}

TEST_F(agg, reordering_is_not_loss)
{
	struct tel_agg_rx rx;
	struct tel_agg_host *h;

	ASSERT_EQ(2, deliver(self, 1, 0, NULL));
	ASSERT_EQ(2, deliver(self, 1, 2, NULL));
	h = tel_agg_find(&self->a, 1);
	ASSERT_EQ(1, h->c.lost);
	ASSERT_EQ(2, deliver(self, 1, 1, &rx));
	ASSERT_EQ(TEL_SEQ_LATE, rx.verdict);
	ASSERT_EQ(0, h->c.lost);
	ASSERT_EQ(1, h->c.reordered);
	/* the late frame's older samples do not replace newer ones */
	ASSERT_EQ(2, h->vms[0].dirty_pages_per_s);
	ASSERT_EQ(2, h->host.mem_avail_kib);
	/* the same late frame again is a duplicate */
	ASSERT_EQ(0, deliver(self, 1, 1, &rx));
	ASSERT_EQ(TEL_SEQ_DUP, rx.verdict);
}

TEST_F(agg, too_old_is_counted)
{
	struct tel_agg_rx rx;
	struct tel_agg_host *h;
	uint32_t s;

	for (s = 0; s < 100; s++)
		if (s != 5)
			ASSERT_EQ(2, deliver(self, 1, s, NULL));
	ASSERT_EQ(0, deliver(self, 1, 5, &rx));
	ASSERT_EQ(TEL_SEQ_TOO_OLD, rx.verdict);
	h = tel_agg_find(&self->a, 1);
	ASSERT_EQ(1, h->c.too_old);
	ASSERT_EQ(1, h->c.lost);
}

TEST_F(agg, restart_resets_state)
{
	struct tel_agg_rx rx;
	struct tel_agg_host *h;
	int len;

	ASSERT_EQ(2, deliver(self, 1, 10, NULL));
	ASSERT_EQ(2, deliver(self, 1, 11, NULL));
	/* seq 0 again, but sent later: a new incarnation of the sender */
	len = make_frame(&self->fb, 1, 0, 500 * MS);
	ASSERT_EQ(2, tel_agg_ingest(&self->a, self->fb.buf, (size_t)len,
				    self->now + MS, &rx));
	ASSERT_EQ(TEL_SEQ_RESTART, rx.verdict);
	h = tel_agg_find(&self->a, 1);
	ASSERT_EQ(1, h->c.restarts);
	ASSERT_EQ(0, h->c.lost);
	ASSERT_EQ(0, h->max_seq);
	ASSERT_EQ(2, deliver(self, 1, 1, NULL));
	ASSERT_EQ(0, h->c.lost);
	/* a restart whose first number equals the newest seen */
	len = make_frame(&self->fb, 1, 1, 900 * MS);
	ASSERT_EQ(2, tel_agg_ingest(&self->a, self->fb.buf, (size_t)len,
				    self->now + MS, &rx));
	ASSERT_EQ(TEL_SEQ_RESTART, rx.verdict);
	ASSERT_EQ(2, h->c.restarts);
	ASSERT_EQ(0, h->c.dup);
}

TEST_F(agg, corruption_is_rejected_and_becomes_loss)
{
	struct tel_agg_host *h;
	int len;

	ASSERT_EQ(2, deliver(self, 1, 0, NULL));
	len = make_frame(&self->fb, 1, 1, 2 * MS);
	self->fb.buf[40] ^= 0x10;
	ASSERT_EQ(-EBADMSG, tel_agg_ingest(&self->a, self->fb.buf, (size_t)len,
					   self->now, NULL));
	ASSERT_EQ(1, self->a.dec.rejected[TEL_REJ_CHECK]);
	ASSERT_EQ(-EBADMSG, tel_agg_ingest(&self->a, self->fb.buf, 10,
					   self->now, NULL));
	ASSERT_EQ(1, self->a.dec.rejected[TEL_REJ_SHORT]);
	ASSERT_EQ(2, deliver(self, 1, 2, NULL));
	h = tel_agg_find(&self->a, 1);
	ASSERT_EQ(1, h->c.lost);
	ASSERT_EQ(2, self->a.dec.ok);
}

TEST_F(agg, silent_host_goes_stale)
{
	struct tel_agg_host *h1, *h2;
	uint64_t t0;

	ASSERT_EQ(2, deliver(self, 1, 0, NULL));
	ASSERT_EQ(2, deliver(self, 2, 0, NULL));
	t0 = self->now;
	h1 = tel_agg_find(&self->a, 1);
	h2 = tel_agg_find(&self->a, 2);
	ASSERT_EQ(0, tel_agg_tick(&self->a, t0 + 50 * MS));
	ASSERT_FALSE(h1->stale);
	/* host 2 keeps talking, host 1 falls silent */
	self->now = t0 + 90 * MS;
	ASSERT_EQ(2, deliver(self, 2, 1, NULL));
	ASSERT_EQ(1, tel_agg_tick(&self->a, t0 + 150 * MS));
	ASSERT_TRUE(h1->stale);
	ASSERT_FALSE(h2->stale);
	ASSERT_EQ(151 * MS, tel_agg_age_ns(h1, t0 + 150 * MS));
	/* marked once, however often the tick runs */
	ASSERT_EQ(0, tel_agg_tick(&self->a, t0 + 160 * MS));
	ASSERT_EQ(1, h1->c.stale_marks);
	/* talking again clears it */
	self->now = t0 + 200 * MS;
	ASSERT_EQ(2, deliver(self, 1, 1, NULL));
	ASSERT_FALSE(h1->stale);
	ASSERT_EQ(1, tel_agg_tick(&self->a, t0 + 250 * MS));
	ASSERT_TRUE(h2->stale);
	ASSERT_FALSE(h1->stale);
	ASSERT_EQ(1, tel_agg_tick(&self->a, t0 + 400 * MS));
	ASSERT_TRUE(h1->stale);
	ASSERT_TRUE(h2->stale);
	ASSERT_EQ(2, h1->c.stale_marks);
}

TEST_F(agg, host_table_full)
{
	ASSERT_EQ(2, deliver(self, 1, 0, NULL));
	ASSERT_EQ(2, deliver(self, 2, 0, NULL));
	ASSERT_EQ(2, deliver(self, 3, 0, NULL));
	ASSERT_EQ(-ENOSPC, deliver(self, 4, 0, NULL));
	ASSERT_EQ(1, self->a.hosts_full);
	ASSERT_EQ(3, self->a.nhosts);
}

TEST_F(agg, totals_sum_hosts)
{
	struct tel_agg_counters sum;

	ASSERT_EQ(2, deliver(self, 1, 0, NULL));
	ASSERT_EQ(2, deliver(self, 1, 2, NULL));
	ASSERT_EQ(2, deliver(self, 2, 0, NULL));
	ASSERT_EQ(2, deliver(self, 2, 3, NULL));
	ASSERT_EQ(0, deliver(self, 2, 3, NULL));
	tel_agg_totals(&self->a, &sum);
	ASSERT_EQ(4, sum.frames);
	ASSERT_EQ(8, sum.records);
	ASSERT_EQ(3, sum.lost);
	ASSERT_EQ(1, sum.dup);
}

TEST(vm_table_full_is_counted)
{
	struct tel_agg_config cfg = { .max_hosts = 1, .stale_after_ns = 1 };
	struct tel_frame_builder fb;
	struct tel_record r;
	struct tel_agg a;
	uint32_t vm, seq = 0;
	int len;

	ASSERT_EQ(0, tel_agg_init(&a, &cfg));
	memset(&r, 0, sizeof(r));
	r.type = TEL_REC_VM;
	for (vm = 0; vm < TEL_AGG_MAX_VMS + 5; vm++) {
		tel_fb_init(&fb);
		r.vm.vm_id = vm;
		ASSERT_EQ(0, tel_fb_add(&fb, &r));
		len = tel_fb_finish(&fb, 9, seq++, vm);
		ASSERT_EQ(1, tel_agg_ingest(&a, fb.buf, (size_t)len, vm, NULL));
	}
	ASSERT_EQ(TEL_AGG_MAX_VMS, tel_agg_find(&a, 9)->nvms);
	ASSERT_EQ(5, tel_agg_find(&a, 9)->c.table_full);
	tel_agg_fini(&a);
}

TEST(init_validates_config)
{
	struct tel_agg_config cfg = { .max_hosts = 0, .stale_after_ns = 1 };
	struct tel_agg a;

	ASSERT_EQ(-EINVAL, tel_agg_init(&a, &cfg));
	cfg.max_hosts = 1 << 20;
	ASSERT_EQ(-EINVAL, tel_agg_init(&a, &cfg));
	cfg.max_hosts = 4;
	cfg.stale_after_ns = 0;
	ASSERT_EQ(-EINVAL, tel_agg_init(&a, &cfg));
	ASSERT_EQ(-EINVAL, tel_agg_init(&a, NULL));
	ASSERT_STREQ("late", tel_seq_verdict_name(TEL_SEQ_LATE));
}

TEST(probe_frames_are_not_state)
{
	struct tel_agg_config cfg = { .max_hosts = 2, .stale_after_ns = 1 };
	struct tel_frame_builder fb;
	struct tel_record r;
	struct tel_agg a;
	int len;

	ASSERT_EQ(0, tel_agg_init(&a, &cfg));
	memset(&r, 0, sizeof(r));
	r.type = TEL_REC_PROBE;
	r.probe.op = TEL_PROBE_REQUEST;
	tel_fb_init(&fb);
	ASSERT_EQ(0, tel_fb_add(&fb, &r));
	len = tel_fb_finish(&fb, 5, 0, 1);
	ASSERT_EQ(0, tel_agg_ingest(&a, fb.buf, (size_t)len, 1, NULL));
	ASSERT_EQ(1, a.probe_frames);
	ASSERT_EQ(0, a.nhosts);
	tel_agg_fini(&a);
}
