// SPDX-License-Identifier: GPL-2.0
/*
 * The controllers' decisions replayed on recorded query-migrate
 * sequences (tests/controller/fixtures/, JSON lines, written by palmctl
 * migrate --trace from real migrations: QEMU's defaults over a 100 Mbit/s
 * tbf link (TCG guest), and capped at 1 Gbit/s (KVM guest, 2 vCPUs, 64 MiB
 * rewritten as fast as it can), and Nova's schedule.
 */
#include "tests/lib/harness.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#include "qmp/qmp_baseline.h"
#include "qmp/qmp_ctl.h"

#define MAX_SAMPLES 2048
#define MIB (1024.0 * 1024)

struct trace {
	int n;
	double t[MAX_SAMPLES];
	struct qmp_migrate_info info[MAX_SAMPLES];
};

static unsigned long long jull(const json_t *o, const char *key)
{
	return (unsigned long long)json_integer_value(json_object_get(o, key));
}

/* Loads a fixture; every line must be a sample. */
static int load_trace(const char *name, struct trace *tr)
{
	char rel[256], path[4096], line[1024];
	FILE *f;

	snprintf(rel, sizeof(rel), "tests/controller/fixtures/%s", name);
	if (th_src_path(rel, path, sizeof(path)))
		return -ENOENT;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	tr->n = 0;
	while (fgets(line, sizeof(line), f) && tr->n < MAX_SAMPLES) {
		struct qmp_migrate_info *i = &tr->info[tr->n];
		json_t *o = json_loads(line, 0, NULL);

		if (!json_is_object(o)) {
			json_decref(o);
			fclose(f);
			return -EINVAL;
		}
		memset(i, 0, sizeof(*i));
		tr->t[tr->n] = json_real_value(json_object_get(o, "t"));
		snprintf(i->status, sizeof(i->status), "%s",
			 json_string_value(json_object_get(o, "status")) ?: "");
		i->has_ram = true;
		i->ram_transferred = jull(o, "transferred");
		i->ram_remaining = jull(o, "remaining");
		i->ram_total = jull(o, "total");
		i->ram_dirty_pages_rate = jull(o, "dirty_pages_rate");
		i->ram_dirty_sync_count = jull(o, "dirty_sync_count");
		i->ram_page_size = jull(o, "page_size");
		i->ram_mbps = json_real_value(json_object_get(o, "mbps"));
		json_decref(o);
		tr->n++;
	}
	fclose(f);
	return tr->n > 0 ? 0 : -EINVAL;
}

static struct qmp_ctl *palm(struct qmp_model_target t,
			    struct qmp_ctl_caps caps)
{
	static struct qmp_ctl ctl;
	struct qmp_ctl_setup s;
	struct qmp_model_coef c;

	qmp_model_coef_defaults(&c);
	qmp_ctl_init(&ctl, QMP_CTL_PALM, &c, &t);
	qmp_ctl_plan(&ctl, NULL, &caps, &s);
	return &ctl;
}

/* Replays until the first action matching stop; returns its index or -1. */
static int replay(struct qmp_ctl *ctl, const struct trace *tr,
		  struct qmp_ctl_action *act, bool stop_on_any)
{
	int i;

	for (i = 0; i < tr->n; i++) {
		qmp_ctl_step(ctl, &tr->info[i], tr->t[i], act);
		if (act->cancel || act->start_postcopy || act->ndirty_limits ||
		    (stop_on_any && act->set_downtime))
			return i;
	}
	return -1;
}

static void dump_log(const struct qmp_ctl *ctl)
{
	int i;

	for (i = 0; i < ctl->nlog; i++)
		TH_LOG("%7.2f %-15s %8.1f %s", ctl->log[i].t_s,
		       ctl->log[i].action, ctl->log[i].value, ctl->log[i].why);
}

static const struct qmp_model_target target300 = {
	.max_pause_ms = 300, .max_total_s = 60,
};

TEST(hot_guest_is_aborted_early_when_nothing_may_help)
{
	static struct trace tr;
	struct qmp_ctl_caps caps = { .postcopy = true, .auto_converge = true, .nvcpu = 1 };
	struct qmp_ctl_action act;
	struct qmp_ctl *ctl;
	int i;

	ASSERT_EQ(0, load_trace("hot_qemu_100mbit.jsonl", &tr));
	ctl = palm(target300, caps);
	i = replay(ctl, &tr, &act, false);
	dump_log(ctl);
	ASSERT_LE(0, i);
	EXPECT_TRUE(act.cancel);
	EXPECT_FALSE(act.start_postcopy);
	/* after four passes failed to shrink, before QEMU's 8 s budget */
	EXPECT_LT(2.5, tr.t[i]);
	EXPECT_GT(7.5, tr.t[i]);
	EXPECT_NE_NULL(strstr(ctl->log[ctl->nlog - 1].why, "does not converge"));
	EXPECT_NE_NULL(strstr(ctl->log[ctl->nlog - 1].why, "post-copy not allowed"));
}

TEST(hot_guest_switches_to_postcopy_when_allowed)
{
	static struct trace tr;
	struct qmp_model_target t = target300;
	struct qmp_ctl_caps caps = { .postcopy = true, .nvcpu = 1 };
	struct qmp_ctl_action act;
	struct qmp_ctl *ctl;
	int i;

	ASSERT_EQ(0, load_trace("hot_qemu_100mbit.jsonl", &tr));
	t.allow_postcopy = true;
	ctl = palm(t, caps);
	i = replay(ctl, &tr, &act, false);
	ASSERT_LE(0, i);
	EXPECT_TRUE(act.start_postcopy);
	EXPECT_FALSE(act.cancel);
	/* and without postcopy-ram on the pair it does not try */
	caps.postcopy = false;
	ctl = palm(t, caps);
	i = replay(ctl, &tr, &act, false);
	ASSERT_LE(0, i);
	EXPECT_TRUE(act.cancel);
	EXPECT_NE_NULL(strstr(ctl->log[ctl->nlog - 1].why, "no postcopy-ram"));
}

TEST(hot_guest_gets_a_dirty_limit_first_when_slowdown_is_allowed)
{
	static struct trace tr;
	struct qmp_model_target t = target300;
	struct qmp_ctl_caps caps = { .postcopy = true, .vcpu_dirty_limit = true, .nvcpu = 2 };
	struct qmp_ctl_action act;
	struct qmp_ctl *ctl;
	int i;

	/* KVM guest dirtying ~120 MB/s, QEMU capped at 1 Gbit/s */
	ASSERT_EQ(0, load_trace("hot_kvm_1gbit.jsonl", &tr));
	t.max_slowdown = 0.5;
	ctl = palm(t, caps);
	i = replay(ctl, &tr, &act, false);
	dump_log(ctl);
	ASSERT_LE(0, i);
	ASSERT_EQ(1, act.ndirty_limits);
	EXPECT_FALSE(act.cancel);
	EXPECT_FALSE(act.start_postcopy);
	/* no per-vCPU rates: every vCPU, together at least the allowance */
	EXPECT_EQ(-1, act.dirty_limit[0].cpu_index);
	EXPECT_LE(1, act.dirty_limit[0].mbps);
	EXPECT_GE(act.dirty_limit[0].mbps * 2 * 1048576.0,
		  tr.info[i].ram_dirty_pages_rate * 4096.0 * 0.5 - 2 * 1048576.0);
}

/*
 * At 100 Mbit/s the guest would have to dirty under 12 MB/s, and QEMU's
 * dirty limit stops steering within 25 MB/s of its limit: palm does not
 * pretend, it goes on to post-copy.
 */
TEST(dirty_limit_is_not_used_where_qemu_cannot_hold_it)
{
	static struct trace tr;
	struct qmp_model_target t = target300;
	struct qmp_ctl_caps caps = { .postcopy = true, .vcpu_dirty_limit = true, .nvcpu = 2 };
	struct qmp_ctl_action act;
	struct qmp_ctl *ctl;
	int i, k;
	bool said = false;

	ASSERT_EQ(0, load_trace("hot_qemu_100mbit.jsonl", &tr));
	t.max_slowdown = 0.5;
	t.allow_postcopy = true;
	ctl = palm(t, caps);
	i = replay(ctl, &tr, &act, false);
	dump_log(ctl);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, act.ndirty_limits);
	EXPECT_TRUE(act.start_postcopy);
	for (k = 0; k < ctl->nlog; k++)
		said |= !strcmp(ctl->log[k].action, "dirty-limit") &&
			strstr(ctl->log[k].why, "25 MB/s") != NULL;
	EXPECT_TRUE(said);
}

/* Feeds a per-vCPU observation with every sample: vCPU 0 makes it all. */
static int replay_with_vcpus(struct qmp_ctl *ctl, const struct trace *tr,
			     struct qmp_ctl_action *act, bool fresh)
{
	struct qmp_ctl_vcpu_dirty v = { .nvcpu = 3, .window_s = 1,
					.cpu_index = { 0, 1, 2 } };
	int i;

	for (i = 0; i < tr->n; i++) {
		v.dirty_bps[0] = tr->info[i].ram_dirty_pages_rate * 4096.0;
		v.dirty_bps[1] = 0;
		v.dirty_bps[2] = v.dirty_bps[0] * 0.01;
		/* stale: one observation, long before the start */
		if (fresh || i == 0)
			qmp_ctl_observe_vcpus(ctl, fresh ? tr->t[i] : -10, &v);
		qmp_ctl_step(ctl, &tr->info[i], tr->t[i], act);
		if (act->cancel || act->start_postcopy || act->ndirty_limits)
			return i;
	}
	return -1;
}

TEST(dirty_limit_goes_to_the_vcpus_that_dirty)
{
	static struct trace tr;
	struct qmp_model_target t = target300;
	struct qmp_ctl_caps caps = { .vcpu_dirty_limit = true, .nvcpu = 3,
				     .dirty_ring_pages = 4096 };
	double want;
	struct qmp_ctl_action act;
	struct qmp_ctl *ctl;
	int i;

	ASSERT_EQ(0, load_trace("hot_kvm_1gbit.jsonl", &tr));
	t.max_slowdown = 0.5;
	ctl = palm(t, caps);
	i = replay_with_vcpus(ctl, &tr, &act, true);
	dump_log(ctl);
	ASSERT_LE(0, i);
	/* cpu 0 alone makes 99 %: it alone gets a limit, and nearly all of it */
	ASSERT_EQ(1, act.ndirty_limits);
	EXPECT_EQ(0, act.dirty_limit[0].cpu_index);
	want = ctl->log[ctl->nlog - 1].value;	/* MiB/s for the guest */
	EXPECT_GE(act.dirty_limit[0].mbps + 1.0, want * 0.98);
	EXPECT_LE(act.dirty_limit[0].mbps, want);
	EXPECT_NE_NULL(strstr(ctl->log[ctl->nlog - 1].why, "eBPF"));

	/* rates that stopped coming are not used: every vCPU again */
	ctl = palm(t, caps);
	i = replay_with_vcpus(ctl, &tr, &act, false);
	ASSERT_LE(0, i);
	ASSERT_EQ(1, act.ndirty_limits);
	EXPECT_EQ(-1, act.dirty_limit[0].cpu_index);
}

TEST(bad_vcpu_observations_are_ignored)
{
	struct qmp_ctl_vcpu_dirty v = { .nvcpu = 1, .window_s = 1 };
	struct qmp_ctl *ctl = palm(target300, (struct qmp_ctl_caps){ .nvcpu = 1 });

	v.dirty_bps[0] = NAN;
	qmp_ctl_observe_vcpus(ctl, 0, &v);
	EXPECT_FALSE(ctl->have_vcpus);
	v.dirty_bps[0] = -1;
	qmp_ctl_observe_vcpus(ctl, 0, &v);
	EXPECT_FALSE(ctl->have_vcpus);
	v.dirty_bps[0] = 1e6;
	v.cpu_index[0] = -3;
	qmp_ctl_observe_vcpus(ctl, 0, &v);
	EXPECT_FALSE(ctl->have_vcpus);
	v.cpu_index[0] = 0;
	v.nvcpu = QMP_CTL_MAX_VCPUS + 1;
	qmp_ctl_observe_vcpus(ctl, 0, &v);
	EXPECT_FALSE(ctl->have_vcpus);
	v.nvcpu = 1;
	v.window_s = 0;
	qmp_ctl_observe_vcpus(ctl, 0, &v);
	EXPECT_FALSE(ctl->have_vcpus);
	v.window_s = 0.5;
	qmp_ctl_observe_vcpus(ctl, 0, &v);
	EXPECT_TRUE(ctl->have_vcpus);
}

TEST(converging_guest_is_left_to_converge_within_the_pause)
{
	static struct trace tr;
	struct qmp_ctl_caps caps = { .nvcpu = 1 };
	struct qmp_ctl_action act;
	struct qmp_ctl *ctl;
	int i;

	ASSERT_EQ(0, load_trace("warm_qemu_100mbit.jsonl", &tr));
	ctl = palm(target300, caps);
	/* the last samples are the completion's burst into socket buffers */
	for (i = 0; i < tr.n - 3; i++) {
		qmp_ctl_step(ctl, &tr.info[i], tr.t[i], &act);
		EXPECT_FALSE(act.cancel);
		EXPECT_FALSE(act.start_postcopy);
		/* whatever it sets stays inside the pause target */
		if (act.set_downtime)
			EXPECT_GE(300, act.downtime_ms);
	}
	dump_log(ctl);
	EXPECT_LT(0, ctl->bw_bps);
	/* the goodput it measured is the link's, give or take tbf's burst */
	EXPECT_GT(100e6 / 8 * 1.15, ctl->bw_bps);
	EXPECT_LT(100e6 / 8 * 0.6, ctl->bw_bps);
}

/* A guest that turns hot mid-migration: the remainder stops shrinking. */
TEST(controller_reacts_to_a_dirty_rate_change)
{
	struct qmp_ctl_caps caps = { .postcopy = true, .nvcpu = 1 };
	struct qmp_model_target t = target300;
	struct qmp_migrate_info info;
	struct qmp_ctl_action act;
	struct qmp_ctl *ctl;
	double tt = 0, first_limit = -1;
	uint64_t sent = 0;
	int pass, k;

	t.allow_postcopy = true;
	ctl = palm(t, caps);
	memset(&info, 0, sizeof(info));
	snprintf(info.status, sizeof(info.status), "active");
	info.ram_page_size = 4096;
	info.has_ram = true;
	/* 2 MB passes (cold), then 12 MB passes (hot), at 10 MB/s */
	for (pass = 1; pass <= 20; pass++) {
		int steps = pass < 12 ? 2 : 12;

		info.ram_dirty_sync_count = pass;
		for (k = 0; k < steps; k++) {
			/* polled half an interval after each 1 MB step */
			info.ram_remaining = (uint64_t)((steps - k) * 1e6 - 0.5e6);
			sent += 1000000;
			info.ram_transferred = sent;
			tt += 0.1;
			qmp_ctl_step(ctl, &info, tt, &act);
			if (act.set_downtime && first_limit < 0)
				first_limit = act.downtime_ms;
			if (act.start_postcopy || act.cancel)
				break;
		}
		if (act.start_postcopy || act.cancel)
			break;
	}
	dump_log(ctl);
	EXPECT_TRUE(act.start_postcopy);
	/* only once the guest turned hot, two passes later */
	EXPECT_LE(13, pass);
	/* while cold it asked for what 1.5 MB at 10 MB/s need, with margin */
	EXPECT_LE(150, first_limit);
	EXPECT_GT(275, first_limit);
}

TEST(nova_steps_follow_novas_formula)
{
	struct qmp_nova_schedule s;
	struct qmp_nova_opts o;
	int i;

	qmp_nova_opts_defaults(&o);
	/* 128 MiB counts as Nova's 2 GiB floor: delay int(75 * 2) = 150 s */
	ASSERT_EQ(0, qmp_nova_schedule(&o, 128 * MIB, &s));
	ASSERT_EQ(11, s.nsteps);
	EXPECT_EQ(0, s.at_s[0]);
	EXPECT_EQ(50, s.downtime_ms[0]);
	EXPECT_EQ(150, s.at_s[1]);
	EXPECT_EQ(95, s.downtime_ms[1]);
	EXPECT_EQ(1500, s.at_s[10]);
	EXPECT_EQ(500, s.downtime_ms[10]);
	EXPECT_EQ(1600, s.completion_timeout_s);
	for (i = 1; i < s.nsteps; i++)
		EXPECT_LT(s.downtime_ms[i - 1], s.downtime_ms[i]);
	/* 5 GiB: int(75 * 5) = 375 s per step, 4000 s to abort */
	ASSERT_EQ(0, qmp_nova_schedule(&o, 5 * 1024 * MIB, &s));
	EXPECT_EQ(375, s.at_s[1]);
	EXPECT_EQ(4000, s.completion_timeout_s);
	/* one scale factor for every delay and the timeout */
	o.time_scale = 0.01;
	ASSERT_EQ(0, qmp_nova_schedule(&o, 128 * MIB, &s));
	EXPECT_LT(fabs(s.at_s[1] - 1.5), 1e-9);
	EXPECT_LT(fabs(s.completion_timeout_s - 16), 1e-9);
	EXPECT_EQ(0, qmp_nova_step_at(&s, 1.49));
	EXPECT_EQ(1, qmp_nova_step_at(&s, 1.5));
	EXPECT_EQ(10, qmp_nova_step_at(&s, 1e9));
	o.time_scale = 0;
	EXPECT_EQ(-EINVAL, qmp_nova_schedule(&o, 128 * MIB, &s));
	qmp_nova_opts_defaults(&o);
	o.steps = 2;
	EXPECT_EQ(-EINVAL, qmp_nova_schedule(&o, 128 * MIB, &s));
}

TEST(nova_controller_raises_the_limit_on_its_timer_and_aborts)
{
	static struct qmp_ctl ctl;
	struct qmp_ctl_caps caps = { .nvcpu = 1 };
	struct qmp_model_input in = { .ram_bytes = 128 * MIB };
	struct qmp_model_coef c;
	struct qmp_migrate_info info = { .status = "active" };
	struct qmp_nova_opts o;
	struct qmp_ctl_setup s;
	struct qmp_ctl_action act;
	double t;
	int sets = 0;

	qmp_model_coef_defaults(&c);
	qmp_ctl_init(&ctl, QMP_CTL_NOVA, &c, &target300);
	qmp_nova_opts_defaults(&o);
	o.time_scale = 0.01;
	ASSERT_EQ(0, qmp_nova_schedule(&o, in.ram_bytes, &ctl.nova));
	ASSERT_EQ(0, qmp_ctl_plan(&ctl, &in, &caps, &s));
	EXPECT_EQ(50, s.downtime_ms);
	EXPECT_LT(1e15, (double)s.bandwidth_bps);
	for (t = 0; t < 20; t += 0.5) {
		qmp_ctl_step(&ctl, &info, t, &act);
		if (act.set_downtime)
			sets++;
		if (act.cancel)
			break;
	}
	EXPECT_EQ(10, sets);
	EXPECT_EQ(500, ctl.downtime_ms);
	EXPECT_TRUE(act.cancel);
	EXPECT_LT(16, t);
	EXPECT_GT(17, t);
}

TEST(baselines_plan_what_their_projects_do)
{
	static struct qmp_ctl ctl;
	struct qmp_ctl_caps caps = { .auto_converge = true, .postcopy = true, .nvcpu = 1 };
	struct qmp_model_coef c;
	struct qmp_ctl_setup s;
	enum qmp_ctl_kind k;

	qmp_model_coef_defaults(&c);
	qmp_ctl_init(&ctl, QMP_CTL_QEMU, &c, &target300);
	ASSERT_EQ(0, qmp_ctl_plan(&ctl, NULL, &caps, &s));
	EXPECT_EQ(-1, s.downtime_ms);
	EXPECT_EQ(-1, s.bandwidth_bps);
	EXPECT_FALSE(s.auto_converge);
	EXPECT_FALSE(s.postcopy);
	qmp_ctl_init(&ctl, QMP_CTL_AUTOCONVERGE, &c, &target300);
	ASSERT_EQ(0, qmp_ctl_plan(&ctl, NULL, &caps, &s));
	EXPECT_TRUE(s.auto_converge);
	EXPECT_EQ(-1, s.max_cpu_throttle_pct);
	caps.auto_converge = false;
	qmp_ctl_init(&ctl, QMP_CTL_AUTOCONVERGE, &c, &target300);
	EXPECT_EQ(-EOPNOTSUPP, qmp_ctl_plan(&ctl, NULL, &caps, &s));
	ASSERT_EQ(0, qmp_ctl_kind_parse("nova", &k));
	EXPECT_EQ(QMP_CTL_NOVA, k);
	EXPECT_EQ(-EINVAL, qmp_ctl_kind_parse("Nova", &k));
	EXPECT_EQ(-EINVAL, qmp_ctl_kind_parse("", &k));
}

TEST(palm_refuses_an_infeasible_target_before_the_start)
{
	static struct qmp_ctl ctl;
	struct qmp_ctl_caps caps = { .auto_converge = true, .postcopy = true, .nvcpu = 1 };
	struct qmp_model_input in = {
		.ram_bytes = 128 * MIB, .used_bytes = 34 * MIB,
		.ws_bytes = 32 * MIB, .dirty_bps = 80 * MIB, .link_bps = 100e6 / 8,
	};
	struct qmp_model_coef c;
	struct qmp_ctl_setup s;

	qmp_model_coef_defaults(&c);
	qmp_ctl_init(&ctl, QMP_CTL_PALM, &c, &target300);
	EXPECT_EQ(-ECANCELED, qmp_ctl_plan(&ctl, &in, &caps, &s));
	EXPECT_EQ(QMP_MODEL_INFEASIBLE, ctl.plan.mode);
	EXPECT_STREQ("infeasible", ctl.log[ctl.nlog - 1].action);
	/* post-copy would do, but only where the pair can */
	ctl.target.allow_postcopy = true;
	caps.postcopy = false;
	EXPECT_EQ(-ECANCELED, qmp_ctl_plan(&ctl, &in, &caps, &s));
	EXPECT_NE_NULL(strstr(ctl.plan.reason, "postcopy-ram"));
	caps.postcopy = true;
	EXPECT_EQ(0, qmp_ctl_plan(&ctl, &in, &caps, &s));
	EXPECT_TRUE(s.postcopy);
	EXPECT_EQ(QMP_MODEL_POSTCOPY, ctl.plan.mode);
}

/*
 * Compression is planned from the measured sample: per-thread rate
 * times the threads this pair offers, post-copy off with it (QEMU 7.2's
 * destination asserts when post-copy meets multifd), and nothing without
 * the threads.
 */
TEST(palm_compresses_where_the_sample_says_it_pays)
{
	static struct qmp_ctl ctl;
	struct qmp_ctl_caps caps = { .postcopy = true, .nvcpu = 1,
				     .compress_threads = 2 };
	struct qmp_model_target t = target300;
	struct qmp_model_input in = {
		.ram_bytes = 128 * MIB, .used_bytes = 49 * MIB,
		.ws_bytes = 48 * MIB, .dirty_bps = 0, .link_bps = 100e6 / 8,
		.compress_ratio = 2, .compress_bps = 300e6,
	};
	struct qmp_model_coef c;
	struct qmp_ctl_setup s;
	int i;

	qmp_model_coef_defaults(&c);
	t.allow_postcopy = true;
	qmp_ctl_init(&ctl, QMP_CTL_PALM, &c, &t);
	ASSERT_EQ(0, qmp_ctl_plan(&ctl, &in, &caps, &s));
	dump_log(&ctl);
	EXPECT_TRUE(ctl.plan.compress);
	EXPECT_EQ(2, s.compress_channels);
	EXPECT_FALSE(s.postcopy);
	EXPECT_FALSE(ctl.caps.postcopy);
	EXPECT_LT(fabs(ctl.input.compress_bps - 600e6), 1);
	/* QEMU 7.2 rate-limits multifd in page bytes: above the link */
	EXPECT_LT((int64_t)(100e6 / 8), s.bandwidth_bps);
	/* the pair offers no multifd zstd */
	caps.compress_threads = 0;
	qmp_ctl_init(&ctl, QMP_CTL_PALM, &c, &t);
	ASSERT_EQ(0, qmp_ctl_plan(&ctl, &in, &caps, &s));
	EXPECT_FALSE(ctl.plan.compress);
	EXPECT_EQ(0, s.compress_channels);
	EXPECT_TRUE(s.postcopy);
	/* a link faster than one thread compresses: plain is as fast */
	caps.compress_threads = 1;
	in.link_bps = 10e9 / 8;
	qmp_ctl_init(&ctl, QMP_CTL_PALM, &c, &t);
	ASSERT_EQ(0, qmp_ctl_plan(&ctl, &in, &caps, &s));
	EXPECT_FALSE(ctl.plan.compress);
	for (i = 0; i < ctl.nlog && strcmp(ctl.log[i].action, "compress"); i++)
		;
	ASSERT_LT(i, ctl.nlog);
	EXPECT_NE_NULL(strstr(ctl.log[i].why, "not used"));
}

static const char *logged(const struct qmp_ctl *ctl, const char *action)
{
	int i;

	for (i = 0; i < ctl->nlog; i++)
		if (!strcmp(ctl->log[i].action, action))
			return ctl->log[i].why;
	return NULL;
}

/* Some decision for action says text (the first may be another). */
static bool logged_with(const struct qmp_ctl *ctl, const char *action,
			const char *text)
{
	int i;

	for (i = 0; i < ctl->nlog; i++)
		if (!strcmp(ctl->log[i].action, action) &&
		    strstr(ctl->log[i].why, text))
			return true;
	return false;
}

TEST(palm_turns_xbzrle_on_where_rewritten_pages_differ_little)
{
	static struct qmp_ctl ctl;
	struct qmp_ctl_caps caps = { .postcopy = true, .nvcpu = 1, .xbzrle = true };
	struct qmp_model_target t = target300;
	/* 8 MiB rewritten at 40 MB/s over 100 Mbit/s: plain pre-copy cannot */
	struct qmp_model_input in = {
		.ram_bytes = 128 * MIB, .used_bytes = 12 * MIB,
		.ws_bytes = 8 * MIB, .dirty_bps = 40e6, .link_bps = 100e6 / 8,
		.xbzrle_ratio = 9,
	};
	struct qmp_model_coef c;
	struct qmp_ctl_setup s;

	qmp_model_coef_defaults(&c);
	qmp_ctl_init(&ctl, QMP_CTL_PALM, &c, &t);
	ASSERT_EQ(0, qmp_ctl_plan(&ctl, &in, &caps, &s));
	dump_log(&ctl);
	EXPECT_TRUE(ctl.plan.xbzrle);
	/* a power of two with room for the working set, not all of RAM */
	EXPECT_EQ(16 * MIB, s.xbzrle_cache_bytes);
	ASSERT_NE_NULL(logged(&ctl, "xbzrle"));
	EXPECT_NE_NULL(strstr(logged(&ctl, "xbzrle"), "16 MiB cache"));
	/* the source offers no xbzrle: infeasible, and said why */
	caps.xbzrle = false;
	qmp_ctl_init(&ctl, QMP_CTL_PALM, &c, &t);
	EXPECT_EQ(-ECANCELED, qmp_ctl_plan(&ctl, &in, &caps, &s));
	EXPECT_EQ(0, s.xbzrle_cache_bytes);
	ASSERT_NE_NULL(logged(&ctl, "xbzrle"));
	EXPECT_NE_NULL(strstr(logged(&ctl, "xbzrle"), "not offered"));
	/* a guest two passes move: not worth a cache */
	caps.xbzrle = true;
	in.dirty_bps = 0.2e6;
	qmp_ctl_init(&ctl, QMP_CTL_PALM, &c, &t);
	ASSERT_EQ(0, qmp_ctl_plan(&ctl, &in, &caps, &s));
	EXPECT_FALSE(ctl.plan.xbzrle);
	EXPECT_EQ(0, s.xbzrle_cache_bytes);
	EXPECT_NE_NULL(strstr(logged(&ctl, "xbzrle"), "not used"));
}

/*
 * palm with the link rate unknown: no model, a downtime limit from the
 * pause target, and QEMU's default bandwidth cap (32 MiB/s in 7.2)
 * lifted; with the link known, the cap is the link's goodput.
 */
/* 8 MiB rewritten at 40 MB/s over 100 Mbit/s: only xbzrle moves it */
static void plan_xbzrle(struct th_run *_run, struct qmp_ctl *ctl,
			struct qmp_ctl_setup *s)
{
	struct qmp_ctl_caps caps = { .nvcpu = 1, .xbzrle = true };
	struct qmp_model_input in = {
		.ram_bytes = 128 * MIB, .used_bytes = 12 * MIB,
		.ws_bytes = 8 * MIB, .dirty_bps = 40e6, .link_bps = 100e6 / 8,
		.xbzrle_ratio = 9,
	};
	struct qmp_model_target t = target300;
	struct qmp_model_coef c;

	qmp_model_coef_defaults(&c);
	qmp_ctl_init(ctl, QMP_CTL_PALM, &c, &t);
	ASSERT_EQ(0, qmp_ctl_plan(ctl, &in, &caps, s));
	ASSERT_TRUE(ctl->plan.xbzrle);
}

/*
 * Four passes that each leave the whole 8 MiB, at 10 MB/s; xbzrle's
 * statistics as in info.  The last limit set in each pass, 0 if none.
 */
static void run_whole_passes(struct th_run *_run, struct qmp_ctl *ctl,
			     struct qmp_migrate_info info, int64_t limit[4])
{
	struct qmp_ctl_action act;
	uint64_t sent = 0;
	double tt = 0;
	int pass, k;

	snprintf(info.status, sizeof(info.status), "active");
	info.ram_page_size = 4096;
	info.has_ram = true;
	for (pass = 1; pass <= 4; pass++) {
		limit[pass - 1] = 0;
		info.ram_dirty_sync_count = pass;
		for (k = 0; k < 8; k++) {
			info.ram_remaining = (uint64_t)((8 - k) * 1048576);
			sent += 1000000;
			info.ram_transferred = sent;
			tt += 0.1;
			qmp_ctl_step(ctl, &info, tt, &act);
			ASSERT_FALSE(act.cancel);
			if (act.set_downtime)
				limit[pass - 1] = act.downtime_ms;
		}
	}
	dump_log(ctl);
}

/*
 * QEMU weighs pending pages whole; from pass 2, when its xbzrle cache
 * holds them, palm lets the limit grow by the gain, and not before: in
 * pass 1 the same pages would still go whole.
 */
TEST(xbzrle_raises_the_limit_only_once_the_cache_holds_the_pages)
{
	static struct qmp_ctl ctl;
	struct qmp_migrate_info info = { .has_xbzrle = false };
	struct qmp_ctl_setup s;
	int64_t limit[4];

	plan_xbzrle(_run, &ctl, &s);
	run_whole_passes(_run, &ctl, info, limit);
	/* before pass 2 (nothing set, or at most the pause's 275 ms) */
	EXPECT_GE(275, s.downtime_ms);
	EXPECT_GE(275, limit[0]);
	EXPECT_GE(275, limit[1]);
	/* pass 2: what 8 MiB need at 10 MB/s, within 275 ms x the gain */
	EXPECT_LT(800, limit[2]);
	EXPECT_GE(275 * (1 + 8 * QMP_MODEL_XBZRLE_LIMIT_SHARE), limit[2]);
}

/* QEMU's own count of cache misses can only lower the gain */
TEST(xbzrle_gain_follows_qemus_cache_misses_when_they_are_worse)
{
	static struct qmp_ctl ctl;
	struct qmp_migrate_info info = {
		.has_xbzrle = true, .xbzrle_cache_miss_rate = 0.5,
		.xbzrle_encoding_rate = 9,
	};
	struct qmp_ctl_setup s;
	int64_t limit[4];
	/* half the pages whole: 1 / (0.5 / 9 + 0.5) = 1.8x */
	double gain = 1 + (1 / (0.5 / 9 + 0.5) - 1) * QMP_MODEL_XBZRLE_LIMIT_SHARE;

	plan_xbzrle(_run, &ctl, &s);
	run_whole_passes(_run, &ctl, info, limit);
	EXPECT_LT(300, limit[2]);
	EXPECT_GE(275 * gain + 1, limit[2]);
	/* a period without misses is no better than predicted */
	info.xbzrle_cache_miss_rate = 0;
	info.xbzrle_encoding_rate = 50;
	plan_xbzrle(_run, &ctl, &s);
	run_whole_passes(_run, &ctl, info, limit);
	EXPECT_GE(275 * (1 + 8 * QMP_MODEL_XBZRLE_LIMIT_SHARE), limit[2]);
}

TEST(palm_lifts_qemus_bandwidth_cap_when_the_link_is_unknown)
{
	static struct qmp_ctl ctl;
	struct qmp_ctl_caps caps = { .auto_converge = true, .postcopy = true, .nvcpu = 1 };
	struct qmp_model_input in = {
		.ram_bytes = 128 * MIB, .used_bytes = 17 * MIB,
		.ws_bytes = 16 * MIB, .dirty_bps = 0, .link_bps = 1e9 / 8,
	};
	struct qmp_model_coef c;
	struct qmp_ctl_setup s;

	qmp_model_coef_defaults(&c);
	qmp_ctl_init(&ctl, QMP_CTL_PALM, &c, &target300);
	ASSERT_EQ(0, qmp_ctl_plan(&ctl, NULL, &caps, &s));
	EXPECT_LT(32LL << 20, s.bandwidth_bps);
	EXPECT_LT(0, s.downtime_ms);
	EXPECT_GE(300, s.downtime_ms);
	EXPECT_NE_NULL(strstr(ctl.log[ctl.nlog - 1].why, "unlimited"));
	qmp_ctl_init(&ctl, QMP_CTL_PALM, &c, &target300);
	ASSERT_EQ(0, qmp_ctl_plan(&ctl, &in, &caps, &s));
	EXPECT_EQ((int64_t)ctl.plan.pred.goodput_bps, s.bandwidth_bps);
	EXPECT_GE((int64_t)(1e9 / 8), s.bandwidth_bps);
}

/*
 * One pass of active query-migrates, 0.5 s apart: QEMU counts sent_bps
 * bytes and normal pages worth page_bps each second.  Returns the
 * actions or'ed together.
 */
static struct qmp_ctl_action run_pass(struct qmp_ctl *ctl, double *t,
				      uint64_t sync, double sent_bps,
				      double page_bps)
{
	struct qmp_migrate_info info = { .has_ram = true, .ram_page_size = 4096 };
	struct qmp_ctl_action act, all = { 0 };
	int k;

	snprintf(info.status, sizeof(info.status), "active");
	for (k = 0; k < 6; k++) {
		*t += 0.5;
		info.ram_dirty_sync_count = sync;
		info.ram_remaining = (uint64_t)(8 * MIB);
		info.ram_transferred = (uint64_t)(*t * sent_bps);
		info.ram_normal = (uint64_t)(*t * page_bps / 4096);
		qmp_ctl_step(ctl, &info, *t, &act);
		if (act.set_bandwidth) {
			all.set_bandwidth = true;
			all.bandwidth_bps = act.bandwidth_bps;
		}
		if (act.set_switchover) {
			all.set_switchover = true;
			all.switchover_bps = act.switchover_bps;
		}
	}
	return all;
}

static void plan_compressed(struct th_run *_run, struct qmp_ctl *ctl,
			    bool switchover, struct qmp_ctl_setup *s)
{
	struct qmp_ctl_caps caps = { .nvcpu = 1, .compress_threads = 2,
				     .switchover_bandwidth = switchover };
	struct qmp_model_input in = {
		.ram_bytes = 128 * MIB, .used_bytes = 49 * MIB,
		.ws_bytes = 48 * MIB, .dirty_bps = 1e6, .link_bps = 100e6 / 8,
		.compress_ratio = 2, .compress_bps = 300e6,
	};
	struct qmp_model_coef c;

	qmp_model_coef_defaults(&c);
	qmp_ctl_init(ctl, QMP_CTL_PALM, &c, &target300);
	ASSERT_EQ(0, qmp_ctl_plan(ctl, &in, &caps, s));
	ASSERT_TRUE(ctl->plan.compress);
}

/*
 * QEMU 7.2 counts multifd pages as pages; QEMU 10 counts the compressed
 * bytes it sends, and applies its rate limit to them.  palm measures its
 * goodput in pages either way, and on a QEMU that counts sent bytes
 * moves its cap, set in pages, down to the link's goodput on the wire.
 */
TEST(a_qemu_counting_compressed_bytes_is_capped_on_the_wire)
{
	static struct qmp_ctl ctl;
	struct qmp_ctl_action act;
	struct qmp_ctl_setup s;
	double t = 0, wire;

	plan_compressed(_run, &ctl, false, &s);
	wire = ctl.plan.pred.wire_bps;
	EXPECT_LT(wire * 1.5, (double)s.bandwidth_bps);
	/* as 7.2 counts: bytes = pages plus headers */
	act = run_pass(&ctl, &t, 1, 2.02 * wire, 2 * wire);
	dump_log(&ctl);
	EXPECT_FALSE(act.set_bandwidth);
	EXPECT_NULL(logged(&ctl, "counts-sent"));
	EXPECT_LT(fabs(ctl.bw_bps - 2.02 * wire), 0.01 * wire);

	plan_compressed(_run, &ctl, false, &s);
	t = 0;
	/* as 10 counts: half the bytes of the pages */
	act = run_pass(&ctl, &t, 1, wire, 2 * wire);
	dump_log(&ctl);
	EXPECT_TRUE(act.set_bandwidth);
	EXPECT_EQ((int64_t)wire, act.bandwidth_bps);
	EXPECT_NE_NULL(logged(&ctl, "counts-sent"));
	/* goodput in pages: what the remainder drains at */
	EXPECT_LT(fabs(ctl.bw_bps - 2 * wire), 0.01 * wire);
	/* once is enough */
	act = run_pass(&ctl, &t, 2, wire, 2 * wire);
	EXPECT_FALSE(act.set_bandwidth);
}

/*
 * Where QEMU has avail-switchover-bandwidth (8.2 on), palm gives its
 * switch-over rule the planned goodput in pages, and follows the goodput
 * it measures once that moves by more than a tenth; without it, nothing.
 */
TEST(switchover_bandwidth_is_the_goodput_where_qemu_has_it)
{
	static struct qmp_ctl ctl;
	struct qmp_ctl_action act;
	struct qmp_ctl_setup s;
	double t = 0;

	plan_compressed(_run, &ctl, false, &s);
	EXPECT_EQ(-1, s.switchover_bps);
	act = run_pass(&ctl, &t, 1, 0.5 * s.bandwidth_bps, 0.5 * s.bandwidth_bps);
	act = run_pass(&ctl, &t, 2, 0.5 * s.bandwidth_bps, 0.5 * s.bandwidth_bps);
	EXPECT_FALSE(act.set_switchover);

	plan_compressed(_run, &ctl, true, &s);
	EXPECT_EQ(s.bandwidth_bps, s.switchover_bps);
	EXPECT_NE_NULL(logged(&ctl, "switchover-bw"));
	t = 0;
	/* within a tenth of the plan: left alone */
	act = run_pass(&ctl, &t, 1, 0.95 * s.bandwidth_bps, 0.95 * s.bandwidth_bps);
	act = run_pass(&ctl, &t, 2, 0.95 * s.bandwidth_bps, 0.95 * s.bandwidth_bps);
	EXPECT_FALSE(act.set_switchover);
	/* the link gives half: QEMU hears it at the next pass */
	act = run_pass(&ctl, &t, 3, 0.5 * s.bandwidth_bps, 0.5 * s.bandwidth_bps);
	act = run_pass(&ctl, &t, 4, 0.5 * s.bandwidth_bps, 0.5 * s.bandwidth_bps);
	dump_log(&ctl);
	EXPECT_TRUE(act.set_switchover);
	EXPECT_LT(fabs(act.switchover_bps - 0.5 * s.bandwidth_bps),
		  0.1 * s.bandwidth_bps);
}

/*
 * Recorded under KVM (test guest ws=48M rate=3, 100 Mbit/s tbf, QEMU's
 * defaults): after the bulk the remainder hovers between 2.4 and 12 MiB,
 * down one pass and up the next, and never fits 300 ms.  Against the
 * previous pass alone that looked like shrinking every other pass, and
 * palm let the budget run out; against the best so far it is stuck.
 */
TEST(a_hovering_remainder_is_stuck)
{
	static struct trace tr;
	struct qmp_ctl_caps caps = { .postcopy = true, .nvcpu = 1 };
	struct qmp_model_target t = target300;
	struct qmp_ctl_action act;
	struct qmp_ctl *ctl;
	int i;

	ASSERT_EQ(0, load_trace("plateau_kvm_100mbit.jsonl", &tr));
	t.allow_postcopy = true;
	t.max_total_s = 15;
	ctl = palm(t, caps);
	i = replay(ctl, &tr, &act, false);
	dump_log(ctl);
	ASSERT_LE(0, i);
	EXPECT_TRUE(act.start_postcopy);
	/* early enough that post-copy's few MiB still fit the 15 s */
	EXPECT_GT(12.0, tr.t[i]);
	/* no post-copy: the source keeps running, cancelled with the reason */
	t.allow_postcopy = false;
	ctl = palm(t, caps);
	i = replay(ctl, &tr, &act, false);
	ASSERT_LE(0, i);
	EXPECT_TRUE(act.cancel);
	EXPECT_NE_NULL(strstr(ctl->log[ctl->nlog - 1].why, "does not converge"));
}

/*
 * A guest whose vCPU 0 dirties 60 MB/s whatever its dirty limit says (a
 * host where QEMU cannot hold the limit), migrated at 1 Gbit/s with up to
 * 80 % slowdown.  A stand-in for QEMU steps auto-converge's throttle up
 * a second after palm raises its ceiling, by palm's increment, and the
 * passes shrink only once the throttle is at the ceiling when `helps`.
 */
/* What run_unheld_limit saw of the dirty limits palm set. */
struct limits_seen {
	uint64_t min_mbps;		/* the lowest limit set; 0: none */
	bool cancelled_with_raise;	/* limits cancelled as the throttle rose */
};

static void run_unheld_limit(struct qmp_ctl *ctl, bool helps,
			     int64_t *max_pct, int64_t *incr_pct,
			     double *raised_t, double *cancel_t,
			     struct limits_seen *seen)
{
	struct qmp_ctl_vcpu_dirty v = { .nvcpu = 2, .window_s = 1,
					.cpu_index = { 0, 1 } };
	struct qmp_migrate_info in = { .status = "active", .has_ram = true,
				       .ram_total = 128 << 20,
				       .ram_page_size = 4096 };
	struct qmp_ctl_action act;
	double t, next_step = 0, dirty = 60e6;
	int64_t pct = 1;

	*max_pct = *incr_pct = 0;
	*raised_t = *cancel_t = -1;
	for (t = 0.1; t < 40; t += 0.1) {
		if (*raised_t >= 0 && t >= next_step && pct < *max_pct) {
			pct = pct + *incr_pct < *max_pct ? pct + *incr_pct :
							   *max_pct;
			next_step = t + 2;
		}
		if (helps && pct >= 80)
			dirty = 12e6;
		in.ram_transferred += (uint64_t)(112e6 * 0.1);
		in.cpu_throttle_percentage = pct;
		in.ram_dirty_pages_rate = (uint64_t)(dirty / 4096);
		if ((int)(t * 10 + 0.5) % 3 == 0) {
			in.ram_dirty_sync_count++;
			/* what a pass leaves: the dirtying over ~0.45 s */
			in.ram_remaining = (uint64_t)(dirty * 0.45);
		}
		v.dirty_bps[0] = dirty;
		v.dirty_bps[1] = 0;
		qmp_ctl_observe_vcpus(ctl, t, &v);
		qmp_ctl_step(ctl, &in, t, &act);
		for (int i = 0; seen && i < act.ndirty_limits; i++)
			if (!seen->min_mbps || act.dirty_limit[i].mbps < seen->min_mbps)
				seen->min_mbps = act.dirty_limit[i].mbps;
		if (seen && act.set_cpu_throttle)
			seen->cancelled_with_raise = act.cancel_dirty_limits;
		if (act.set_cpu_throttle) {
			*max_pct = act.max_cpu_throttle_pct;
			*incr_pct = act.cpu_throttle_increment_pct;
			*raised_t = t;
			next_step = t + 1;
		}
		if (act.cancel) {
			*cancel_t = t;
			return;
		}
	}
}

static struct qmp_ctl *palm_throttled(struct qmp_ctl_caps caps,
				      struct qmp_ctl_setup *s)
{
	static struct qmp_ctl ctl;
	struct qmp_model_target t = target300;
	struct qmp_model_input in = {
		.ram_bytes = 128 << 20, .used_bytes = 64 << 20,
		.ws_bytes = 64 << 20, .dirty_bps = 200e6, .link_bps = 125e6,
	};
	struct qmp_model_coef c;

	t.max_slowdown = 0.8;
	qmp_model_coef_defaults(&c);
	qmp_ctl_init(&ctl, QMP_CTL_PALM, &c, &t);
	if (qmp_ctl_plan(&ctl, &in, &caps, s))
		return NULL;
	return &ctl;
}

TEST(unheld_dirty_limit_falls_back_to_whole_guest_throttle)
{
	struct qmp_ctl_caps caps = { .vcpu_dirty_limit = true,
				     .auto_converge = true,
				     .live_cpu_throttle = true, .nvcpu = 2,
				     .dirty_ring_pages = 4096 };
	double raised_t, cancel_t;
	int64_t max_pct, incr_pct;
	struct qmp_ctl_setup s;
	struct qmp_ctl *ctl;
	int k, first_dl = -1, raise = -1;

	ctl = palm_throttled(caps, &s);
	ASSERT_NE_NULL(ctl);
	EXPECT_EQ(QMP_MODEL_PRECOPY_THROTTLED, ctl->plan.mode);
	/* armed, idle: QEMU must have auto-converge on before the start */
	EXPECT_TRUE(s.auto_converge);
	EXPECT_EQ(1, s.cpu_throttle_initial_pct);
	EXPECT_EQ(1, s.max_cpu_throttle_pct);

	run_unheld_limit(ctl, true, &max_pct, &incr_pct, &raised_t, &cancel_t, NULL);
	dump_log(ctl);
	for (k = 0; k < ctl->nlog; k++) {
		if (first_dl < 0 && !strcmp(ctl->log[k].action, "dirty-limit") &&
		    ctl->log[k].t_s >= 0)
			first_dl = k;
		if (raise < 0 && !strcmp(ctl->log[k].action, "auto-converge") &&
		    ctl->log[k].t_s >= 0)
			raise = k;
	}
	/* the per-vCPU limit first, the whole guest only once it failed */
	ASSERT_LE(0, first_dl);
	ASSERT_LT(first_dl, raise);
	EXPECT_EQ(80, max_pct);
	EXPECT_EQ(40, incr_pct);
	/* the throttle helped: no abort */
	EXPECT_GT(0, cancel_t);

	/* it does not help: abort, but only after QEMU reached the ceiling */
	ctl = palm_throttled(caps, &s);
	ASSERT_NE_NULL(ctl);
	run_unheld_limit(ctl, false, &max_pct, &incr_pct, &raised_t, &cancel_t, NULL);
	ASSERT_LE(0, raised_t);
	ASSERT_LE(0, cancel_t);
	EXPECT_LT(raised_t + 3, cancel_t);
	EXPECT_NE_NULL(strstr(ctl->log[ctl->nlog - 1].why,
			      "whole-guest throttle already applied"));

	/* a backend that cannot move the ceiling mid-run (libvirt): not armed */
	caps.live_cpu_throttle = false;
	ctl = palm_throttled(caps, &s);
	ASSERT_NE_NULL(ctl);
	EXPECT_FALSE(s.auto_converge);
	run_unheld_limit(ctl, true, &max_pct, &incr_pct, &raised_t, &cancel_t, NULL);
	EXPECT_GT(0, raised_t);
	ASSERT_LE(0, cancel_t);
	EXPECT_NE_NULL(strstr(ctl->log[ctl->nlog - 1].why,
			      "dirty limit already applied"));
}

/*
 * QEMU sleeps a vCPU each time its dirty ring fills, longer every second
 * it stays above its limit: a 1 MiB/s limit on a 16 MiB ring stalled the
 * test guest 3.4 s.  palm sets no limit whose steady sleep would pass
 * half the pause target, and cancels the limits it finds unheld.
 */
TEST(dirty_limits_never_stall_a_vcpu_past_half_the_pause)
{
	struct qmp_ctl_caps caps = { .vcpu_dirty_limit = true,
				     .auto_converge = true,
				     .live_cpu_throttle = true, .nvcpu = 2,
				     .dirty_ring_pages = 4096 };
	struct limits_seen big = { 0 }, small = { 0 };
	double raised_t, cancel_t, ring, floor_mib;
	int64_t max_pct, incr_pct;
	struct qmp_ctl_setup s;
	struct qmp_ctl *ctl;

	/* run_unheld_limit's vCPU 0 dirties 60 MB/s; the pause target 300 ms */
	ring = 4096 * 4096.0;
	floor_mib = ring / (0.15 + ring / 60e6) / MIB;
	ctl = palm_throttled(caps, &s);
	ASSERT_NE_NULL(ctl);
	run_unheld_limit(ctl, true, &max_pct, &incr_pct, &raised_t, &cancel_t,
			 &big);
	dump_log(ctl);
	ASSERT_LT(0u, big.min_mbps);
	EXPECT_LE(floor_mib, (double)big.min_mbps);
	EXPECT_LE(0, raised_t);
	EXPECT_TRUE(big.cancelled_with_raise);

	/* a ring a quarter the size stalls a quarter as long: lower limits */
	caps.dirty_ring_pages = 1024;
	ctl = palm_throttled(caps, &s);
	ASSERT_NE_NULL(ctl);
	run_unheld_limit(ctl, true, &max_pct, &incr_pct, &raised_t, &cancel_t,
			 &small);
	ASSERT_LT(0u, small.min_mbps);
	EXPECT_LT(small.min_mbps, big.min_mbps);
	ring = 1024 * 4096.0;
	EXPECT_LE(ring / (0.15 + ring / 60e6) / MIB, (double)small.min_mbps);

	/*
	 * A ring of unknown size is the largest QEMU takes (the log says
	 * so): 256 MiB stalls a 60 MB/s vCPU at ~55 MiB/s already, so no
	 * limit can reach the aim and auto-converge is planned instead.
	 */
	caps.dirty_ring_pages = 0;
	ctl = palm_throttled(caps, &s);
	ASSERT_NE_NULL(ctl);
	EXPECT_TRUE(logged_with(ctl, "note", "assumed the largest QEMU takes, 65536"));
	EXPECT_TRUE(logged_with(ctl, "dirty-limit", "not used"));
	EXPECT_FALSE(ctl->caps.vcpu_dirty_limit);

	/* a QEMU without a ring has no dirty limit to give */
	caps.dirty_ring_pages = -1;
	ctl = palm_throttled(caps, &s);
	ASSERT_NE_NULL(ctl);
	EXPECT_TRUE(logged_with(ctl, "dirty-limit", "runs without a KVM dirty ring"));
	EXPECT_FALSE(ctl->caps.vcpu_dirty_limit);
	EXPECT_TRUE(s.auto_converge);
}

/*
 * QEMU reports no dirty rate until its first sync: a limit aimed then
 * would be aimed at 0 (seen through libvirt: halved to 0.0 MiB/s for a
 * minute, never escalating).  palm waits for a rate.
 */
TEST(no_dirty_limit_is_aimed_before_qemu_has_a_rate)
{
	struct qmp_ctl_caps caps = { .vcpu_dirty_limit = true, .nvcpu = 1 };
	struct qmp_migrate_info in = { .status = "active", .has_ram = true,
				       .ram_total = 128 << 20,
				       .ram_page_size = 4096 };
	struct qmp_ctl_action act;
	struct qmp_ctl_setup s;
	struct qmp_ctl *ctl;
	int first = -1, k;
	double t;

	ctl = palm_throttled(caps, &s);
	ASSERT_NE_NULL(ctl);
	for (t = 0.1, k = 0; t < 6 && first < 0; t += 0.1, k++) {
		in.ram_transferred += (uint64_t)(112e6 * 0.1);
		if (k % 3 == 0) {
			in.ram_dirty_sync_count++;
			in.ram_remaining = 48 << 20;
		}
		/* a rate only from 3 s on */
		in.ram_dirty_pages_rate = t < 3 ? 0 : (uint64_t)(110e6 / 4096);
		qmp_ctl_step(ctl, &in, t, &act);
		if (act.ndirty_limits)
			first = k;
	}
	dump_log(ctl);
	ASSERT_LE(0, first);
	EXPECT_LE(3.0, 0.1 * (first + 1));
	EXPECT_LT(1e6, ctl->dl_base_bps);
	EXPECT_LE(1u, act.dirty_limit[0].mbps);
}

/* QEMU's throttle ceiling never exceeds the allowance (7 % was 8 %). */
TEST(auto_converge_ceiling_is_the_allowance)
{
	static const int pct[] = { 7, 14, 28, 55, 56, 80 };
	struct qmp_ctl_caps caps = { .auto_converge = true, .nvcpu = 1 };
	struct qmp_model_input in = {
		.ram_bytes = 128 << 20, .used_bytes = 64 << 20,
		.ws_bytes = 64 << 20, .dirty_bps = 152e6, .link_bps = 125e6,
	};
	struct qmp_model_target t = target300;
	struct qmp_model_coef c;
	struct qmp_ctl_setup s;
	static struct qmp_ctl ctl;
	unsigned int i, n = 0;

	qmp_model_coef_defaults(&c);
	for (i = 0; i < sizeof(pct) / sizeof(pct[0]); i++) {
		t.max_slowdown = pct[i] / 100.0;
		qmp_ctl_init(&ctl, QMP_CTL_PALM, &c, &t);
		if (qmp_ctl_plan(&ctl, &in, &caps, &s) ||
		    ctl.plan.mode != QMP_MODEL_PRECOPY_THROTTLED)
			continue;
		n++;
		EXPECT_TRUE(s.auto_converge);
		EXPECT_EQ(pct[i], s.max_cpu_throttle_pct);
	}
	EXPECT_LE(3u, n);	/* most of them need throttling */
}
