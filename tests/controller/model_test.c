// SPDX-License-Identifier: GPL-2.0
/* The migration model: dirtying, pre-copy, post-copy, plans, coefficients. */
#include "tests/lib/harness.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "qmp/qmp_model.h"

#define MIB (1024.0 * 1024)

static struct qmp_model_coef coef(void)
{
	struct qmp_model_coef c;

	qmp_model_coef_defaults(&c);
	return c;
}

/* A 128 MiB guest with 32 MiB in use, over 100 Mbit/s. */
static struct qmp_model_input guest(double ws, double dirty)
{
	struct qmp_model_input in = {
		.ram_bytes = 128 * MIB, .used_bytes = 34 * MIB, .ws_bytes = ws,
		.dirty_bps = dirty, .link_bps = 100e6 / 8,
		.downtime_limit_ms = 300,
	};
	return in;
}

TEST(dirtied_grows_then_saturates_at_the_working_set)
{
	double ws = 32 * MIB, r = 80 * MIB;

	EXPECT_EQ(0, qmp_model_dirtied(0, r, 1));
	EXPECT_EQ(0, qmp_model_dirtied(ws, 0, 1));
	/* short windows: every write hits a new page */
	EXPECT_LT(fabs(qmp_model_dirtied(ws, r, 0.001) - r * 0.001), r * 0.001 * 0.01);
	EXPECT_LT(qmp_model_dirtied(ws, r, 0.1), qmp_model_dirtied(ws, r, 0.2));
	EXPECT_LE(qmp_model_dirtied(ws, r, 100), ws);
	EXPECT_GT(qmp_model_dirtied(ws, r, 100), ws * 0.999);
}

TEST(fit_recovers_a_saturating_working_set)
{
	double ws = 32 * MIB, r = 80 * MIB, fws, fr;
	double d1 = qmp_model_dirtied(ws, r, 1), d2 = qmp_model_dirtied(ws, r, 2);

	ASSERT_EQ(0, qmp_model_fit_dirty(d1, d2 / 2, 1, 128 * MIB, &fws, &fr));
	EXPECT_LT(fabs(fws - ws), ws * 0.01);
	EXPECT_LT(fabs(fr - r), r * 0.01);
}

TEST(fit_reads_a_linear_rise_as_unbounded)
{
	double fws, fr;

	/* 8 MiB/s over 1 s and over 2 s: no bound in sight */
	ASSERT_EQ(0, qmp_model_fit_dirty(8 * MIB, 7.9 * MIB, 1, 128 * MIB, &fws, &fr));
	EXPECT_EQ(128 * MIB, fws);
	EXPECT_LT(fabs(fr - 7.93 * MIB), 0.1 * MIB);
	ASSERT_EQ(0, qmp_model_fit_dirty(0, 0, 1, 128 * MIB, &fws, &fr));
	EXPECT_EQ(0, fws);
	EXPECT_EQ(0, fr);
	EXPECT_EQ(-EINVAL, qmp_model_fit_dirty(-1, 0, 1, 128 * MIB, &fws, &fr));
	EXPECT_EQ(-EINVAL, qmp_model_fit_dirty(NAN, 0, 1, 128 * MIB, &fws, &fr));
	EXPECT_EQ(-EINVAL, qmp_model_fit_dirty(1, 1, 0, 128 * MIB, &fws, &fr));
}

TEST(idle_guest_goes_in_one_pass_at_link_speed)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(0, 0);
	struct qmp_model_pred p;
	double goodput = in.link_bps * c.link_efficiency;

	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &p));
	EXPECT_TRUE(p.converges);
	EXPECT_EQ(2, p.passes);
	/* the used pages whole, the zero pages as markers */
	EXPECT_GT(p.bytes, 34 * MIB);
	EXPECT_LT(p.bytes, 34 * MIB * 1.01 + 94 * MIB / 4096 * c.zero_page_bytes + 1);
	EXPECT_LT(fabs(p.total_s - (c.setup_s + p.bytes / goodput + c.pass_overhead_s +
				    p.downtime_ms / 1000)), 1e-9);
	EXPECT_EQ(c.downtime_fixed_ms, p.downtime_ms);
}

TEST(slow_dirtying_converges_in_a_few_shrinking_passes)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(32 * MIB, 8e6);
	struct qmp_model_pred p;

	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &p));
	EXPECT_TRUE(p.converges);
	EXPECT_LT(2, p.passes);
	EXPECT_GT(20, p.passes);
	EXPECT_LE(p.downtime_ms, in.downtime_limit_ms + c.downtime_fixed_ms);
	EXPECT_LT(34 * MIB, p.bytes);
}

TEST(dirtying_faster_than_the_link_never_converges)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(32 * MIB, 80 * MIB);
	struct qmp_model_pred p;

	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &p));
	EXPECT_FALSE(p.converges);
	/* stopping would have to move the whole working set */
	EXPECT_GT(p.downtime_ms, 32 * MIB * 0.99 / (in.link_bps * c.link_efficiency) * 1000);
	/* a limit that covers the working set converges */
	in.downtime_limit_ms = p.downtime_ms * 1.2;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &p));
	EXPECT_TRUE(p.converges);
}

TEST(throttling_brings_a_hot_guest_under_the_link)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(32 * MIB, 20e6);
	struct qmp_model_pred p;

	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &p));
	EXPECT_FALSE(p.converges);
	in.throttle = 0.7;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &p));
	EXPECT_TRUE(p.converges);
}

TEST(nonsense_input_is_refused)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(0, 0);
	struct qmp_model_pred p;

	in.used_bytes = in.ram_bytes * 2;
	EXPECT_EQ(-EINVAL, qmp_model_precopy(&c, &in, &p));
	in = guest(0, 0);
	in.link_bps = 0;
	EXPECT_EQ(-EINVAL, qmp_model_precopy(&c, &in, &p));
	in = guest(0, INFINITY);
	EXPECT_EQ(-EINVAL, qmp_model_postcopy(&c, &in, &p));
	in = guest(0, 0);
	in.throttle = 1;
	EXPECT_EQ(-EINVAL, qmp_model_precopy(&c, &in, &p));
}

TEST(switch_over_drains_what_is_in_flight)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(0, 0);
	struct qmp_model_pred slow, fast, rp;
	double b, drain_ms;

	c.inflight_bytes = 1 * MIB;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &slow));
	b = slow.goodput_bps;
	drain_ms = c.inflight_bytes / b * 1000;
	/* without a return path QEMU stops its clock before the drain */
	EXPECT_EQ(c.downtime_fixed_ms, slow.downtime_ms);
	EXPECT_LT(fabs(slow.pause_ms - (c.downtime_fixed_ms + drain_ms +
					c.pause_fixed_ms)), 1e-9);
	in.return_path = true;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &rp));
	EXPECT_LT(fabs(rp.downtime_ms - (c.downtime_fixed_ms + drain_ms)), 1e-9);
	/* the guest sees the same pause either way */
	EXPECT_LT(fabs(rp.pause_ms - slow.pause_ms), 1e-9);
	/* and QEMU completes once the destination has it all */
	EXPECT_LT(fabs(rp.total_s - slow.total_s - drain_ms / 1000), 1e-9);
	EXPECT_LT(fabs(rp.total_s - (c.setup_s + rp.bytes / b + c.pass_overhead_s +
				     c.downtime_fixed_ms / 1000)), 1e-9);
	/* the drain is bytes over the goodput, not a constant */
	in.link_bps *= 10;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &fast));
	EXPECT_LT(fabs(fast.downtime_ms - (c.downtime_fixed_ms + drain_ms / 10)), 1e-9);
}

TEST(remainder_goes_behind_the_drain)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(32 * MIB, 8e6);
	struct qmp_model_pred p;

	c.inflight_bytes = 1 * MIB;
	in.return_path = true;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &p));
	ASSERT_TRUE(p.converges);
	EXPECT_GT(p.steady_dirty_bytes, 0);
	EXPECT_LT(fabs(p.downtime_ms - (c.downtime_fixed_ms +
					(p.steady_dirty_bytes + c.inflight_bytes) /
					p.goodput_bps * 1000)), 1e-9);
	/* what qmp_ctl allows the remainder: pause - fixed - overhead */
	EXPECT_LT(fabs(p.pause_ms - (c.downtime_fixed_ms +
				     p.steady_dirty_bytes / p.goodput_bps * 1000 +
				     qmp_model_pause_overhead_ms(&c, p.goodput_bps, false))),
		  1e-9);
}

/*
 * QEMU weighs what is pending all through a pass: once a pass has left
 * more than the limit, the next one stops when it has drained to the
 * limit (switch_fill of it), not at its end.
 */
TEST(a_switch_over_during_a_pass_pauses_for_the_limits_share)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(8 * MIB, 4e6);
	struct qmp_model_pred at_end, mid, full, idle;
	double b;

	c.switch_fill = 0;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &at_end));
	ASSERT_TRUE(at_end.converges);
	ASSERT_LT(2, at_end.passes);	/* the case needs a pass that did not fit */
	b = at_end.goodput_bps;
	EXPECT_FALSE(at_end.mid_pass);
	EXPECT_LT(fabs(at_end.downtime_ms - (c.downtime_fixed_ms +
					     at_end.steady_dirty_bytes / b * 1000)), 1e-9);
	/* the pass's own remainder is well under the limit here */
	ASSERT_LT(at_end.steady_dirty_bytes / b * 1000, 0.8 * in.downtime_limit_ms);

	c.switch_fill = 0.8;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &mid));
	EXPECT_TRUE(mid.mid_pass);
	EXPECT_EQ(at_end.passes, mid.passes);
	EXPECT_LT(fabs(mid.downtime_ms - (c.downtime_fixed_ms +
					  0.8 * in.downtime_limit_ms)), 1e-6);
	EXPECT_GT(mid.pause_ms, at_end.pause_ms);
	/* the tail goes in the pause instead of the pass: no time or bytes */
	EXPECT_LT(fabs(mid.total_s - at_end.total_s), 1e-9);
	EXPECT_LT(fabs(mid.bytes - at_end.bytes), 1e-6);
	EXPECT_EQ(at_end.steady_dirty_bytes, mid.steady_dirty_bytes);

	c.switch_fill = 1;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &full));
	EXPECT_LT(fabs(full.downtime_ms - (c.downtime_fixed_ms +
					   in.downtime_limit_ms)), 1e-6);

	/* the first check, after the pass that sends everything, is as before */
	in = guest(0, 0);
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &idle));
	EXPECT_FALSE(idle.mid_pass);
	EXPECT_EQ(c.downtime_fixed_ms, idle.downtime_ms);
}

TEST(postcopy_pause_is_the_guests_and_costs_no_transfer_time)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(32 * MIB, 80 * MIB);
	struct qmp_model_pred p;

	c.postcopy_pause_ms = 190;
	ASSERT_EQ(0, qmp_model_postcopy(&c, &in, &p));
	/* QEMU's downtime ends with the device state; the guest waits on pages */
	EXPECT_EQ(c.downtime_fixed_ms, p.downtime_ms);
	EXPECT_EQ(190, p.pause_ms);
	/* the link stays busy through the pause */
	EXPECT_LT(fabs(p.total_s - (c.setup_s + p.bytes / p.goodput_bps +
				    c.pass_overhead_s + c.downtime_fixed_ms / 1000)),
		  1e-9);
}

TEST(plan_counts_the_drain_in_qemus_downtime_when_postcopy_is_allowed)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(0, 0);
	struct qmp_model_target t = { .max_pause_ms = 300, .max_total_s = 60 };
	struct qmp_model_plan without, with;

	c.inflight_bytes = 1 * MIB;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &without));
	t.allow_postcopy = true;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &with));
	ASSERT_EQ(QMP_MODEL_PRECOPY, with.mode);
	/* postcopy-ram brings the return path: QEMU waits for the drain */
	EXPECT_LT(fabs(with.pred.downtime_ms - without.pred.downtime_ms -
		       c.inflight_bytes / with.pred.goodput_bps * 1000), 1e-9);
	EXPECT_LT(fabs(with.pred.pause_ms - without.pred.pause_ms), 1e-9);
}

static struct qmp_model_target target(double pause_ms, double total_s)
{
	struct qmp_model_target t = { .max_pause_ms = pause_ms,
				      .max_total_s = total_s };
	return t;
}

TEST(plan_picks_plain_precopy_when_it_meets_the_target)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(32 * MIB, 8e6);
	struct qmp_model_target t = target(300, 60);
	struct qmp_model_plan p;

	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	EXPECT_EQ(QMP_MODEL_PRECOPY, p.mode);
	EXPECT_LE(p.pred.pause_ms, 300);
	EXPECT_LE(p.pred.total_s, 60);
	/* the limit leaves room for what the guest sees beyond QEMU's downtime */
	EXPECT_LT(p.downtime_limit_ms, 300);
}

TEST(plan_reports_infeasible_with_what_would_do)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(32 * MIB, 80 * MIB);
	struct qmp_model_target t = target(300, 30);
	struct qmp_model_plan p, again;

	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	ASSERT_EQ(QMP_MODEL_INFEASIBLE, p.mode);
	TH_LOG("%s", p.reason);
	EXPECT_NE_NULL(strstr(p.reason, "needs >="));
	EXPECT_NE_NULL(strstr(p.reason, "post-copy not allowed"));
	/* the pause it names is about the working set at the link's goodput */
	EXPECT_GT(p.needed_pause_ms, 32 * MIB / (in.link_bps * c.link_efficiency) * 1000);
	EXPECT_GT(p.needed_link_bps, in.link_bps);
	/* and either one really makes it feasible */
	t.max_pause_ms = p.needed_pause_ms * 1.01;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &again));
	EXPECT_NE(QMP_MODEL_INFEASIBLE, again.mode);
	t.max_pause_ms = 300;
	in.link_bps = p.needed_link_bps * 1.01;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &again));
	EXPECT_NE(QMP_MODEL_INFEASIBLE, again.mode);
}

TEST(a_pause_below_the_switch_over_cost_is_infeasible_whatever_the_link)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(16 * MIB, 40 * MIB);
	struct qmp_model_target t = target(c.downtime_fixed_ms / 3, 2);
	struct qmp_model_plan p;

	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	ASSERT_EQ(QMP_MODEL_INFEASIBLE, p.mode);
	TH_LOG("%s", p.reason);
	EXPECT_NE_NULL(strstr(p.reason, "below the switch-over's own"));
	EXPECT_TRUE(strstr(p.reason, "needs no pause") == NULL);
}

/* a backend whose switch-over stops the guest a fixed time: a pause floor */
TEST(a_pause_floor_holds_for_small_remainders_and_hides_under_big_ones)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input idle = guest(0, 0), hot = guest(32 * MIB, 4 * MIB);
	struct qmp_model_target t = target(300, 30);
	struct qmp_model_pred small, big, no_floor;
	struct qmp_model_plan p;

	c.pause_fixed_ms = 0;
	ASSERT_EQ(0, qmp_model_precopy(&c, &hot, &no_floor));
	ASSERT_TRUE(no_floor.converges);
	c.pause_floor_ms = 150;
	ASSERT_EQ(0, qmp_model_precopy(&c, &idle, &small));
	EXPECT_EQ(150, small.pause_ms);
	/* QEMU's own downtime is untouched by it */
	EXPECT_EQ(c.downtime_fixed_ms, small.downtime_ms);
	/* a remainder that pauses longer than the floor is not added to it */
	c.pause_floor_ms = no_floor.pause_ms / 2;
	ASSERT_EQ(0, qmp_model_precopy(&c, &hot, &big));
	EXPECT_LT(fabs(big.pause_ms - no_floor.pause_ms), 1e-9);
	/* a target below the floor is infeasible, and says why */
	c.pause_floor_ms = 150;
	t.max_pause_ms = 100;
	ASSERT_EQ(0, qmp_model_plan(&c, &idle, &t, &p));
	ASSERT_EQ(QMP_MODEL_INFEASIBLE, p.mode);
	TH_LOG("%s", p.reason);
	EXPECT_NE_NULL(strstr(p.reason, "150 ms this backend's switch-over"));
	t.max_pause_ms = 160;
	ASSERT_EQ(0, qmp_model_plan(&c, &idle, &t, &p));
	EXPECT_EQ(QMP_MODEL_PRECOPY, p.mode);
}

/*
 * A backend's job (libvirt's phases) adds its time once to every mode's
 * total and nothing to the stream, and a total target within it is
 * infeasible, said so.
 */
TEST(a_backends_job_time_is_added_once_to_the_total)
{
	struct qmp_model_coef c = coef(), job = coef();
	struct qmp_model_input in = guest(8 * MIB, 2 * MIB);
	struct qmp_model_target t = target(300, 30);
	struct qmp_model_pred a, b;
	struct qmp_model_plan p;

	job.job_overhead_s = 0.4;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &a));
	ASSERT_EQ(0, qmp_model_precopy(&job, &in, &b));
	ASSERT_TRUE(a.converges);
	EXPECT_LT(fabs(b.total_s - a.total_s - 0.4), 1e-9);
	EXPECT_EQ(a.bytes, b.bytes);
	EXPECT_EQ(a.passes, b.passes);
	EXPECT_EQ(a.pause_ms, b.pause_ms);
	ASSERT_EQ(0, qmp_model_postcopy(&c, &in, &a));
	ASSERT_EQ(0, qmp_model_postcopy(&job, &in, &b));
	EXPECT_LT(fabs(b.total_s - a.total_s - 0.4), 1e-9);
	EXPECT_EQ(a.pause_ms, b.pause_ms);

	t.max_total_s = 0.3;
	ASSERT_EQ(0, qmp_model_plan(&job, &in, &t, &p));
	ASSERT_EQ(QMP_MODEL_INFEASIBLE, p.mode);
	TH_LOG("%s", p.reason);
	EXPECT_NE_NULL(strstr(p.reason, "migration job takes whatever the guest"));
}

TEST(plan_throttles_or_switches_only_when_allowed)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(32 * MIB, 20e6);
	struct qmp_model_target t = target(300, 60);
	struct qmp_model_plan p;

	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	EXPECT_EQ(QMP_MODEL_INFEASIBLE, p.mode);
	t.max_slowdown = 0.9;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	EXPECT_EQ(QMP_MODEL_PRECOPY_THROTTLED, p.mode);
	/* the least throttling that works, not the whole allowance */
	EXPECT_LT(p.throttle, 0.9);
	EXPECT_GT(p.throttle, 1 - in.link_bps * c.link_efficiency / in.dirty_bps - 0.05);
	t.max_slowdown = 0;
	t.allow_postcopy = true;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	EXPECT_EQ(QMP_MODEL_POSTCOPY, p.mode);
	EXPECT_LE(p.pred.pause_ms, 300);
	EXPECT_EQ(-EINVAL, qmp_model_plan(&c, &in, &(struct qmp_model_target){ 0 }, &p));
}

TEST(compression_multiplies_the_link_up_to_what_the_threads_do)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(32 * MIB, 0);
	struct qmp_model_pred plain, packed;

	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &plain));
	in.compress_ratio = 2;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &packed));
	/* QEMU 7.2 counts pages uncompressed: same bytes, twice the rate */
	EXPECT_LT(fabs(plain.bytes - packed.bytes), 1e-9 * plain.bytes);
	EXPECT_LT(fabs(2 * plain.goodput_bps - packed.goodput_bps), 1e-9 * 2 * plain.goodput_bps);
	EXPECT_LT(packed.total_s, plain.total_s * 0.6);
	/* threads slower than the link: they set the pace */
	in.compress_bps = plain.goodput_bps * 1.2;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &packed));
	EXPECT_LT(fabs(plain.goodput_bps * 1.2 - packed.goodput_bps), 1e-9 * plain.goodput_bps * 1.2);
	in.compress_ratio = -1;
	EXPECT_EQ(-EINVAL, qmp_model_precopy(&c, &in, &packed));
}

TEST(compressed_pause_drains_multifds_queue_at_the_wire_rate)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(32 * MIB, 2e6);
	struct qmp_model_pred p;

	in.compress_ratio = 2;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &p));
	EXPECT_LT(fabs(p.wire_bps - p.goodput_bps / 2), 1e-6);
	/* the remainder at the page rate, the queue at the wire's */
	EXPECT_LT(fabs(p.pause_ms - (c.downtime_fixed_ms +
				     p.steady_dirty_bytes / p.goodput_bps * 1000 +
				     c.pause_fixed_ms +
				     c.multifd_inflight_bytes / p.wire_bps * 1000)),
		  1e-9);
}

TEST(limits_reserve_more_for_multifds_varying_drain)
{
	struct qmp_model_coef c = coef();
	const double wire = 12e6;

	/* the prediction keeps the median; the limit leaves room for more */
	EXPECT_LT(fabs(qmp_model_pause_reserve_ms(&c, wire, false) -
		       qmp_model_pause_overhead_ms(&c, wire, false)), 1e-9);
	EXPECT_LT(fabs(qmp_model_pause_reserve_ms(&c, wire, true) -
		       qmp_model_pause_overhead_ms(&c, wire, true) -
		       (QMP_MODEL_MULTIFD_DRAIN_RESERVE - 1) *
		       c.multifd_inflight_bytes / wire * 1000), 1e-9);
}

TEST(plan_compresses_only_where_it_pays)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(32 * MIB, 1e6);
	struct qmp_model_target t = target(300, 60);
	struct qmp_model_plan p;

	/* halves the time over 100 Mbit/s */
	in.compress_ratio = 2;
	in.compress_bps = 400e6;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	TH_LOG("%s", p.reason);
	EXPECT_TRUE(p.compress);
	EXPECT_EQ(QMP_MODEL_PRECOPY, p.mode);
	EXPECT_NE_NULL(strstr(p.reason, "multifd zstd"));
	/* memory that barely compresses: under the 10 % gain, not worth it */
	in.compress_ratio = 1.05;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	EXPECT_FALSE(p.compress);
	/* a link faster than the threads: no gain either */
	in.compress_ratio = 2;
	in.link_bps = 10e9 / 8;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	EXPECT_FALSE(p.compress);
}

TEST(compression_can_make_an_infeasible_target_feasible)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(32 * MIB, 12e6);
	struct qmp_model_target t = target(300, 60);
	struct qmp_model_plan p;

	/* dirtying at about the link's goodput: pre-copy never converges */
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	ASSERT_EQ(QMP_MODEL_INFEASIBLE, p.mode);
	in.compress_ratio = 3;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	TH_LOG("%s", p.reason);
	EXPECT_TRUE(p.compress);
	EXPECT_NE(QMP_MODEL_INFEASIBLE, p.mode);
	EXPECT_NE_NULL(strstr(p.reason, "only with multifd zstd"));
}

TEST(compression_is_never_planned_with_postcopy)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(32 * MIB, 200e6);
	struct qmp_model_target t = target(300, 60);
	struct qmp_model_plan p;

	/* far above the link even compressed: only post-copy does */
	t.allow_postcopy = true;
	in.compress_ratio = 2;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	EXPECT_EQ(QMP_MODEL_POSTCOPY, p.mode);
	EXPECT_FALSE(p.compress);
}

TEST(xbzrle_sends_re_dirtied_pages_as_differences_from_the_third_pass)
{
	struct qmp_model_coef c = coef();
	/* a hot 8 MiB working set at 40 MB/s over 100 Mbit/s: 3x the link */
	struct qmp_model_input in = guest(8 * MIB, 40e6);
	struct qmp_model_pred plain, x;

	in.downtime_limit_ms = 100;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &plain));
	in.xbzrle_ratio = 10;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &x));
	TH_LOG("plain: %d passes %.2f s %.1f MB; xbzrle: %d passes %.2f s %.1f MB",
	       plain.passes, plain.total_s, plain.bytes / 1e6, x.passes,
	       x.total_s, x.bytes / 1e6);
	EXPECT_FALSE(plain.converges);
	ASSERT_TRUE(x.converges);
	/* the first two passes go whole: at least RAM's pages and the working set */
	EXPECT_GT(x.bytes, in.used_bytes + 0.9 * in.ws_bytes);
	/*
	 * QEMU weighs what is pending whole, against a limit palm raises by
	 * xbzrle's gain from the third pass on, but sends its difference
	 */
	EXPECT_GE(x.passes, 3);
	EXPECT_GT(x.steady_dirty_bytes, x.goodput_bps * in.downtime_limit_ms / 1000);
	EXPECT_LE(x.steady_dirty_bytes, x.goodput_bps * in.downtime_limit_ms / 1000 *
					(1 + (in.xbzrle_ratio - 1) *
					     QMP_MODEL_XBZRLE_LIMIT_SHARE));
	EXPECT_LT(x.downtime_ms, c.downtime_fixed_ms +
				 x.steady_dirty_bytes / x.goodput_bps * 1000 / 5);
	/* and the pause stays within what the limit was meant for */
	EXPECT_LT(x.downtime_ms, c.downtime_fixed_ms + in.downtime_limit_ms);
}

TEST(xbzrle_changes_nothing_where_two_passes_do)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(32 * MIB, 0.2e6);
	struct qmp_model_pred plain, x;

	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &plain));
	in.xbzrle_ratio = 10;
	ASSERT_EQ(0, qmp_model_precopy(&c, &in, &x));
	ASSERT_TRUE(plain.converges);
	ASSERT_EQ(2, plain.passes);
	EXPECT_EQ(plain.total_s, x.total_s);
	EXPECT_EQ(plain.bytes, x.bytes);
	EXPECT_EQ(plain.downtime_ms, x.downtime_ms);
}

TEST(plan_takes_xbzrle_where_it_pays_and_never_with_compression)
{
	struct qmp_model_coef c = coef();
	struct qmp_model_input in = guest(8 * MIB, 40e6);
	struct qmp_model_target t = target(300, 60);
	struct qmp_model_plan p;

	/* plain pre-copy cannot; post-copy not allowed */
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	EXPECT_EQ(QMP_MODEL_INFEASIBLE, p.mode);
	in.xbzrle_ratio = 10;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	TH_LOG("%s", p.reason);
	EXPECT_EQ(QMP_MODEL_PRECOPY, p.mode);
	EXPECT_TRUE(p.xbzrle);
	EXPECT_FALSE(p.compress);
	EXPECT_NE_NULL(strstr(p.reason, "only with xbzrle"));
	/* post-copy allowed: xbzrle is weighed against it, never with it */
	t.allow_postcopy = true;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	TH_LOG("%s", p.reason);
	EXPECT_FALSE(p.mode == QMP_MODEL_POSTCOPY && p.xbzrle);
	/* pages that barely differ less: no gain, plain plan */
	t.allow_postcopy = false;
	in = guest(32 * MIB, 0.2e6);
	in.xbzrle_ratio = 10;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	EXPECT_FALSE(p.xbzrle);
	/* both offered: one of them at most */
	in = guest(8 * MIB, 40e6);
	in.xbzrle_ratio = 10;
	in.compress_ratio = 2;
	in.compress_bps = 400e6;
	ASSERT_EQ(0, qmp_model_plan(&c, &in, &t, &p));
	TH_LOG("%s", p.reason);
	EXPECT_FALSE(p.xbzrle && p.compress);
	EXPECT_NE(QMP_MODEL_INFEASIBLE, p.mode);
}

TEST(coefficients_parse_strictly)
{
	static const char good[] =
		"# fitted by bench/migration/calibrate.sh\n"
		"link_efficiency = 0.9   # goodput\n"
		"\n"
		"  inflight_bytes=2500000\r\n"
		"pause_floor_ms = 150\n"
		"job_overhead_s = 0.4\n"
		"switch_fill = 0.7\n"
		"downtime_fixed_ms = 12.5";
	static const char *const bad[] = {
		"link_efficiency 0.9\n",
		"link_efficiency = \n",
		"link_efficiency = 0.9x\n",
		"link_efficiency = nan\n",
		"link_efficiency = 7\n",
		"setup_s = -1\n",
		"nonsense = 1\n",
		"inflight_bytes = 1e300\n",
		"pause_floor_ms = -5\n",
		"job_overhead_s = 1e9\n",
		"switch_fill = 1.2\n",
	};
	struct qmp_model_coef c = coef(), d = coef();
	char err[256], longline[400];
	size_t i;

	ASSERT_EQ(0, qmp_model_coef_parse(good, sizeof(good) - 1, &c, err, sizeof(err)));
	EXPECT_EQ(0.9, c.link_efficiency);
	EXPECT_EQ(0.4, c.job_overhead_s);
	EXPECT_EQ(2500000, c.inflight_bytes);
	EXPECT_EQ(12.5, c.downtime_fixed_ms);
	EXPECT_EQ(150, c.pause_floor_ms);
	EXPECT_EQ(0.7, c.switch_fill);
	EXPECT_EQ(d.setup_s, c.setup_s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = coef();
		EXPECT_EQ(-EINVAL, qmp_model_coef_parse(bad[i], strlen(bad[i]), &c,
							err, sizeof(err)));
		/* a bad file changes nothing */
		EXPECT_EQ(d.link_efficiency, c.link_efficiency);
		EXPECT_EQ(d.setup_s, c.setup_s);
	}
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	EXPECT_EQ(-EINVAL, qmp_model_coef_parse(longline, strlen(longline), &c, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, qmp_model_coef_parse("setup_s = 1\0", 12, &c, err, sizeof(err)));
	EXPECT_EQ(-ENOENT, qmp_model_coef_load("/nonexistent/palm.coef", &c, err, sizeof(err)));
}

/* What a fit writes (mig_model fit), palm reads back: every key, each to its precision. */
TEST(model_coefficients_written_are_read_back)
{
	struct qmp_model_coef w = coef(), r;
	const char *wname, *rname;
	double wv, rv;
	char err[256], *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	w.link_efficiency = 0.96141;
	w.job_overhead_s = 0.41283;
	w.inflight_bytes = 674312.4;
	w.postcopy_pause_ms = 128.84;
	w.switch_fill = 0.734;
	f = open_memstream(&buf, &len);
	ASSERT_NE_NULL(f);
	qmp_model_coef_write(f, &w);
	ASSERT_EQ(0, fclose(f));
	memset(&r, 0, sizeof(r));
	EXPECT_EQ(0, qmp_model_coef_parse(buf, len, &r, err, sizeof(err)));
	for (i = 0; qmp_model_coef_get(&w, i, &wname, &wv) == 0; i++) {
		ASSERT_EQ(0, qmp_model_coef_get(&r, i, &rname, &rv));
		EXPECT_STREQ(wname, rname);
		/* rounded as written: switch_fill's 2 decimals lose the most */
		EXPECT_GE(fmax(1e-9, 0.01 * fabs(wv)), fabs(wv - rv));
	}
	EXPECT_LT(0, i);
	free(buf);
}
