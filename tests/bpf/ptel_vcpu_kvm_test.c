// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU load of a busy and an idle test guest under KVM, from eBPF
 * scheduler accounting and from schedstat: both must tell them apart.
 * The idle guest is one that halted (an unknown argument makes the test
 * guest print an error and halt): rate=0 still polls its ports every ms.
 * Needs root, /dev/kvm, kernel BTF and QEMU; skips saying which is missing.
 */
#include <errno.h>
#include <unistd.h>

#include "tests/lib/harness.h"
#include "tests/lib/qemu_proc.h"
#include "core/telemetry/ptel_vcpu.h"
#include "qmp/qmp_client.h"
#include "qmp/qmp_commands.h"

FIXTURE(kvm_vcpu) {
	struct qemu_proc busy, idle;
	bool busy_up, idle_up;
	struct ptel_bpf *bpf;
};

static int vcpu_tid(struct qemu_proc *p, pid_t *tid)
{
	struct qmp_client *c;
	struct qmp_vcpu v[4];
	char addr[128];
	int n, err;

	snprintf(addr, sizeof(addr), "unix:%s", p->qmp_path);
	err = qmp_connect(addr, 10000, &c);
	if (err)
		return err;
	err = qmp_query_cpus_fast(c, v, 4, &n);
	qmp_close(c);
	if (err)
		return err;
	if (n < 1)
		return -ENOENT;
	*tid = v[0].thread_id;
	return 0;
}

FIXTURE_SETUP(kvm_vcpu)
{
	struct qemu_opts ob = { .accel = "kvm", .append = "ws=8M rate=max" };
	struct qemu_opts oi = { .accel = "kvm", .append = "ws=8M idle=halt" };
	char why[256], line[256];
	long off = 0;

	if (!kvm_available(why, sizeof(why)))
		SKIP(return, "%s", why);
	if (ptel_bpf_open(PTEL_BPF_SCHED, &self->bpf, why, sizeof(why)))
		SKIP(return, "eBPF: %s", why);
	ASSERT_EQ(0, qemu_start(&self->busy, &ob));
	self->busy_up = true;
	ASSERT_EQ(0, qemu_start(&self->idle, &oi));
	self->idle_up = true;
	ASSERT_EQ(0, qemu_wait_line(&self->busy, "hb ", &off, line,
				    sizeof(line), 20000));
	off = 0;
	ASSERT_EQ(0, qemu_wait_line(&self->idle, "error:", &off, line,
				    sizeof(line), 20000));
}

FIXTURE_TEARDOWN(kvm_vcpu)
{
	if (self->busy_up)
		qemu_stop(&self->busy);
	if (self->idle_up)
		qemu_stop(&self->idle);
	ptel_bpf_close(self->bpf);
}

TEST_F_TIMEOUT(kvm_vcpu, busy_vs_idle, 60)
{
	struct ptel_vcpu_times b0, b1, i0, i1, sb0, sb1, si0, si1;
	struct ptel_vcpu_load lb, li, slb, sli;
	pid_t tb, ti;

	ASSERT_EQ(0, vcpu_tid(&self->busy, &tb));
	ASSERT_EQ(0, vcpu_tid(&self->idle, &ti));
	ASSERT_EQ(0, ptel_bpf_track(self->bpf, tb));
	ASSERT_EQ(0, ptel_bpf_track(self->bpf, ti));
	usleep(100000);
	ASSERT_EQ(0, ptel_vcpu_times_read(self->bpf, self->busy.pid, tb, &b0));
	ASSERT_EQ(0, ptel_vcpu_times_read(self->bpf, self->idle.pid, ti, &i0));
	ASSERT_EQ(0, ptel_schedstat_read(self->busy.pid, tb, &sb0));
	ASSERT_EQ(0, ptel_schedstat_read(self->idle.pid, ti, &si0));
	usleep(1000000);
	ASSERT_EQ(0, ptel_vcpu_times_read(self->bpf, self->busy.pid, tb, &b1));
	ASSERT_EQ(0, ptel_vcpu_times_read(self->bpf, self->idle.pid, ti, &i1));
	ASSERT_EQ(0, ptel_schedstat_read(self->busy.pid, tb, &sb1));
	ASSERT_EQ(0, ptel_schedstat_read(self->idle.pid, ti, &si1));
	ASSERT_EQ(0, ptel_vcpu_load(&b0, &b1, &lb));
	ASSERT_EQ(0, ptel_vcpu_load(&i0, &i1, &li));
	ASSERT_EQ(0, ptel_vcpu_load(&sb0, &sb1, &slb));
	ASSERT_EQ(0, ptel_vcpu_load(&si0, &si1, &sli));
	TH_LOG("busy: bpf load %.2f wait %.2f wakeups %.0f/s; schedstat load %.2f wait %.2f",
	       lb.load, lb.wait, lb.wakeups_per_s, slb.load, slb.wait);
	TH_LOG("idle: bpf load %.2f wait %.2f wakeups %.0f/s; schedstat load %.2f wait %.2f",
	       li.load, li.wait, li.wakeups_per_s, sli.load, sli.wait);
	EXPECT_EQ(PTEL_SRC_BPF_SCHED, lb.src);
	EXPECT_EQ(PTEL_SRC_SCHEDSTAT, slb.src);
	/* busy: most of a CPU, shared with the host's other work */
	EXPECT_GT(lb.load, 0.4);
	EXPECT_LT(li.load, 0.05);
	EXPECT_GT(slb.load, 0.4);
	EXPECT_LT(sli.load, 0.05);
	/* the two sources agree on the busy thread */
	EXPECT_LT(lb.load - slb.load, 0.1);
	EXPECT_GT(lb.load - slb.load, -0.1);
}
