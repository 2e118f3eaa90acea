// SPDX-License-Identifier: GPL-2.0
/* Simulator invariants: capacity, migration time, determinism, speed. */
#include "tests/lib/harness.h"
#include "tests/policy/pol_test_util.h"

#include <errno.h>
#include <string.h>

#include "policy/pol_run.h"
#include "policy/pol_sim.h"

static void check_capacity(struct th_run *_run, const struct pol_sim *s)
{
	unsigned int h, v;
	double mem[64] = { 0 }, cpu[64] = { 0 };

	ASSERT_TRUE(s->c.n_hosts <= 64);
	/* recount from placements: resident + incoming reservations */
	for (v = 0; v < s->c.n_vms; v++) {
		const struct pol_vm *vm = &s->c.vms[v];

		mem[vm->host] += vm->mem_bytes;
		cpu[vm->host] += vm->vcpus;
		if (vm->dest != POL_NO_HOST) {
			mem[vm->dest] += vm->mem_bytes;
			cpu[vm->dest] += vm->vcpus;
		}
	}
	for (h = 0; h < s->c.n_hosts; h++) {
		ASSERT_TRUE(mem[h] <= s->c.hosts[h].mem_bytes);
		ASSERT_TRUE(cpu[h] <= s->c.hosts[h].cores * s->c.cpu_overcommit);
	}
}

TEST(accepted_placements_never_exceed_capacity)
{
	struct pol_scenario scn;
	struct pol_policy p;
	struct pol_trace tr;
	struct pol_sim s;
	char err[256];
	unsigned int tries = 0, accepted = 0, rejected = 0;

	tiny_scenario(&scn);
	ASSERT_EQ(0, pol_trace_synthetic(&tr, 100, 288, 1));
	ASSERT_EQ(0, pol_sim_init(&s, &scn, &tr, 42, err, sizeof(err)));
	pol_policy_init(&p, POL_P_RANDOM, 1);
	check_capacity(_run, &s);
	while (!pol_sim_done(&s)) {
		/* hammer the mask with arbitrary orders, feasible or not */
		for (tries = 0; tries < 20; tries++) {
			unsigned int v = pol_rng_below(&p.rng, s.c.n_vms);
			unsigned int d = pol_rng_below(&p.rng, s.c.n_hosts);
			bool ok = pol_cluster_feasible(&s.c, v, d);
			int r = pol_sim_migrate(&s, v, d, NULL);

			if (!ok)
				ASSERT_EQ(-EINVAL, r);
			if (r == 0)
				accepted++;
			else
				rejected++;
			check_capacity(_run, &s);
		}
		pol_sim_advance(&s);
		check_capacity(_run, &s);
	}
	EXPECT_GT(accepted, 10u);
	EXPECT_GT(rejected, 10u);
	pol_sim_free(&s);
	pol_trace_free(&tr);
}

TEST(migrations_take_time)
{
	struct pol_scenario scn;
	struct pol_mig_cost m;
	struct pol_trace tr;
	struct pol_sim s;
	char err[256];
	unsigned int v, d = 0, src;

	tiny_scenario(&scn);
	scn.host_link_gbps = 0.1;	/* slow links: longer than a step */
	scn.uplink_gbps = 0.1;
	ASSERT_EQ(0, pol_trace_synthetic(&tr, 100, 288, 1));
	ASSERT_EQ(0, pol_sim_init(&s, &scn, &tr, 5, err, sizeof(err)));
	for (v = 0; v < s.c.n_vms; v++)
		for (d = 0; d < s.c.n_hosts; d++)
			if (pol_cluster_feasible(&s.c, v, d))
				goto found;
	ASSERT_TRUE(0);
found:
	src = s.c.vms[v].host;
	ASSERT_EQ(0, pol_sim_migrate(&s, v, d, &m));
	EXPECT_TRUE(m.total_s > s.c.step_s);
	EXPECT_TRUE(m.downtime_s > 0);
	/* still on the source, the destination reserved, cannot move twice */
	EXPECT_EQ(src, s.c.vms[v].host);
	EXPECT_EQ(d, s.c.vms[v].dest);
	EXPECT_FALSE(pol_cluster_feasible(&s.c, v, (d + 1) % s.c.n_hosts));
	pol_sim_advance(&s);
	EXPECT_EQ(src, s.c.vms[v].host);
	while (s.c.vms[v].dest != POL_NO_HOST && !pol_sim_done(&s))
		pol_sim_advance(&s);
	if (!s.c.hosts[d].failed && !s.c.hosts[src].failed)
		EXPECT_EQ(d, s.c.vms[v].host);
	EXPECT_TRUE(s.st.downtime_s > 0 || s.st.aborted > 0);
	pol_sim_free(&s);
	pol_trace_free(&tr);
}

TEST(deterministic_for_a_seed)
{
	struct pol_scenario scn;
	struct pol_run_result a, b, c;
	struct pol_policy p;
	struct pol_trace tr;
	char err[256];

	tiny_scenario(&scn);
	ASSERT_EQ(0, pol_trace_synthetic(&tr, 100, 288, 2));
	pol_policy_init(&p, POL_P_RANDOM, 9);
	ASSERT_EQ(0, pol_run_day(&p, &scn, &tr, 11, &a, err, sizeof(err)));
	pol_policy_init(&p, POL_P_RANDOM, 9);
	ASSERT_EQ(0, pol_run_day(&p, &scn, &tr, 11, &b, err, sizeof(err)));
	pol_policy_init(&p, POL_P_RANDOM, 9);
	ASSERT_EQ(0, pol_run_day(&p, &scn, &tr, 12, &c, err, sizeof(err)));
	EXPECT_TRUE(a.st.sla_viol_s == b.st.sla_viol_s);
	EXPECT_EQ(a.st.migrations, b.st.migrations);
	EXPECT_TRUE(a.st.bytes == b.st.bytes);
	EXPECT_EQ(a.st.caught, b.st.caught);
	EXPECT_TRUE(a.st.sla_viol_s != c.st.sla_viol_s ||
		    a.st.migrations != c.st.migrations);
	pol_trace_free(&tr);
}

TEST(failures_hurt_and_are_counted)
{
	struct pol_scenario scn;
	struct pol_run_result r;
	struct pol_policy p;
	struct pol_trace tr;
	char err[256];

	tiny_scenario(&scn);
	ASSERT_EQ(0, pol_trace_synthetic(&tr, 100, 288, 2));
	pol_policy_init(&p, POL_P_NONE, 1);
	ASSERT_EQ(0, pol_run_day(&p, &scn, &tr, 3, &r, err, sizeof(err)));
	EXPECT_GT(r.st.caught, 0u);
	EXPECT_GT(r.st.predictable, 0u);
	EXPECT_EQ(0u, r.st.migrations);
	EXPECT_TRUE(r.sla_share > 0 && r.sla_share < 1);
	pol_trace_free(&tr);
}

static struct pol_sim_stats bestfit_day(struct th_run *_run,
					const struct pol_scenario *scn,
					const struct pol_trace *tr)
{
	struct pol_run_result r;
	struct pol_policy p;
	char err[256];
	unsigned int k, sum;

	pol_policy_init(&p, POL_P_BESTFIT, 1);
	EXPECT_EQ(0, pol_run_day(&p, scn, tr, 5, &r, err, sizeof(err)));
	pol_policy_free(&p);
	sum = r.st.mig_quiet;
	for (k = 0; k < POL_FK_COUNT; k++)
		sum += r.st.mig_true[k] + r.st.mig_false[k];
	EXPECT_EQ(r.st.migrations, sum);
	return r.st;
}

/* Each migration is counted once, by what truly went on at its source. */
TEST(migrations_counted_by_cause)
{
	struct pol_scenario scn;
	struct pol_sim_stats st;
	struct pol_trace tr;
	unsigned int k, n_true = 0, n_false = 0;

	tiny_scenario(&scn);
	ASSERT_EQ(0, pol_trace_synthetic(&tr, 100, 288, 2));
	/* false alarms only: nothing is on its way anywhere */
	scn.overload_per_day = scn.leak_per_day = scn.fault_per_day = 0;
	scn.false_alarm_per_day = 12;
	st = bestfit_day(_run, &scn, &tr);
	for (k = 0; k < POL_FK_COUNT; k++) {
		n_true += st.mig_true[k];
		n_false += st.mig_false[k];
	}
	TH_LOG("false alarms only: %u migrations, %u on them, %u quiet",
	       st.migrations, n_false, st.mig_quiet);
	EXPECT_EQ(0u, n_true);
	EXPECT_GT(n_false, 0u);
	/* real failures only: no migration is charged to a false alarm */
	tiny_scenario(&scn);
	scn.false_alarm_per_day = 0;
	st = bestfit_day(_run, &scn, &tr);
	n_true = n_false = 0;
	for (k = 0; k < POL_FK_COUNT; k++) {
		n_true += st.mig_true[k];
		n_false += st.mig_false[k];
	}
	EXPECT_EQ(0u, n_false);
	EXPECT_GT(n_true, 0u);
	pol_trace_free(&tr);
}

/* One day of a policy; the sum of what announced faults caught. */
static struct pol_sim_stats fault_day(struct th_run *_run,
				      const struct pol_scenario *scn,
				      const struct pol_trace *tr,
				      enum pol_policy_kind kind,
				      unsigned int *announced_caught)
{
	struct pol_policy p;
	struct pol_sim s;
	struct pol_sim_stats st;
	char err[256];
	unsigned int i;

	memset(&st, 0, sizeof(st));
	*announced_caught = 0;
	EXPECT_EQ(0, pol_sim_init(&s, scn, tr, 11, err, sizeof(err)));
	if (_run->failed)
		return st;
	pol_policy_init(&p, kind, 1);
	while (!pol_sim_done(&s)) {
		pol_run_step(&p, &s);
		pol_sim_advance(&s);
	}
	for (i = 0; i < s.n_ev; i++)
		if (s.ev[i].kind == POL_FK_FAULT && s.ev[i].precursor &&
		    s.ev[i].struck)
			*announced_caught += s.ev[i].caught;
	st = s.st;
	pol_policy_free(&p);
	pol_sim_free(&s);
	return st;
}

/*
 * Every VM an announced fault caught is put down to one cause: no alarm,
 * an alarm too late to move it at max_mig_per_host per step, or the
 * policy.  Short storms and one migration per step leave some too late.
 */
TEST(announced_fault_catches_are_attributed)
{
	struct pol_scenario scn;
	struct pol_sim_stats st;
	struct pol_trace tr;
	unsigned int caught;

	tiny_scenario(&scn);
	scn.overload_per_day = scn.leak_per_day = scn.false_alarm_per_day = 0;
	scn.fault_per_day = 12;
	scn.storm_min_min = 10;
	scn.storm_max_min = 20;
	scn.max_mig_per_host = 1;
	ASSERT_EQ(0, pol_trace_synthetic(&tr, 100, 288, 2));
	/* no policy: whatever an alarm left time for is the policy's */
	st = fault_day(_run, &scn, &tr, POL_P_NONE, &caught);
	TH_LOG("none: caught %u = %u no alarm + %u too late + %u policy",
	       caught, st.fault_caught_unalarmed, st.fault_caught_rate_bound,
	       st.fault_caught_after_alarm);
	EXPECT_GT(caught, 0u);
	EXPECT_EQ(caught, st.fault_caught_unalarmed +
		  st.fault_caught_rate_bound + st.fault_caught_after_alarm);
	EXPECT_GT(st.fault_caught_after_alarm, 0u);
	/* best fit moves one VM a step from the alarm on: only too late */
	st = fault_day(_run, &scn, &tr, POL_P_BESTFIT, &caught);
	TH_LOG("bestfit: caught %u = %u no alarm + %u too late + %u policy",
	       caught, st.fault_caught_unalarmed, st.fault_caught_rate_bound,
	       st.fault_caught_after_alarm);
	EXPECT_GT(st.fault_caught_rate_bound, 0u);
	EXPECT_EQ(caught, st.fault_caught_unalarmed +
		  st.fault_caught_rate_bound + st.fault_caught_after_alarm);
	EXPECT_EQ(0u, st.fault_caught_after_alarm);
	/* at 64 a step, one step after any alarm empties a host */
	scn.max_mig_per_host = 64;
	st = fault_day(_run, &scn, &tr, POL_P_BESTFIT, &caught);
	EXPECT_EQ(0u, st.fault_caught_rate_bound);
	EXPECT_EQ(caught, st.fault_caught_unalarmed + st.fault_caught_after_alarm);
	pol_trace_free(&tr);
}

TEST(rejects_impossible_scenario)
{
	struct pol_scenario scn;
	struct pol_trace tr;
	struct pol_sim s;
	char err[256];

	tiny_scenario(&scn);
	scn.n_vms = 4000;
	ASSERT_EQ(0, pol_trace_synthetic(&tr, 10, 288, 2));
	EXPECT_EQ(-EINVAL, pol_sim_init(&s, &scn, &tr, 1, err, sizeof(err)));
	pol_trace_free(&tr);
}

/* 100 hosts, 1000 VMs, one day, with the heaviest baseline. */
/*
 * A day at the size runs through and migrates; how fast is the
 * benchmark's to say (wall_s in bench/results/policy/eval.json).
 */
TEST(full_day_runs_at_full_size)
{
	struct pol_scenario scn;
	struct pol_run_result r;
	struct pol_policy p;
	struct pol_trace tr;
	char err[256];

	pol_scenario_defaults(&scn);
	ASSERT_EQ(0, pol_trace_synthetic(&tr, 1000, 288, 4));
	pol_policy_init(&p, POL_P_BESTFIT, 1);
	ASSERT_EQ(0, pol_run_day(&p, &scn, &tr, 1, &r, err, sizeof(err)));
	TH_LOG("100 hosts / 1000 VMs / 288 steps: %.3f s (sanitized build)",
	       r.wall_s);
	EXPECT_EQ(100u, scn.n_hosts);
	EXPECT_EQ(1000u, scn.n_vms);
	EXPECT_GT(r.st.migrations, 0u);
	pol_trace_free(&tr);
}
