// SPDX-License-Identifier: GPL-2.0
/*
 * eBPF dirty-page accounting against the test guest's own count, under
 * KVM with a dirty ring: the guest writes uniformly over ws pages at a
 * paced rate, palm opens a window with calc-dirty-rate (dirty-ring mode)
 * and reads distinct pages from its eBPF map.  Expected distinct pages
 * after N writes over W pages: W(1 - e^(-N/W)).  Needs root, /dev/kvm,
 * kernel BTF and QEMU; skips saying which is missing.
 */
#include <math.h>
#include <unistd.h>

#include "tests/lib/harness.h"
#include "tests/lib/qemu_proc.h"
#include "tests/bpf/ptel_kvm_util.h"
#include "core/telemetry/ptel_dirty.h"
#include "qmp/qmp_client.h"
#include "qmp/qmp_commands.h"

#define WS_PAGES (200 * 256)	/* ws=200M */

FIXTURE(kvm_dirty) {
	struct qemu_proc qemu;
	bool started;
	struct qmp_client *qmp;
	struct ptel_bpf *bpf;
};

FIXTURE_VARIANT(kvm_dirty) {
	const char *append;
	int calc_s;
};

/* Saturating: 40000 writes over 51200 pages leave 27.7k distinct. */
FIXTURE_VARIANT_ADD(kvm_dirty, saturating) {
	.append = "ws=200M rate=20 period=10",
	.calc_s = 2,
};

/* Barely saturating: 5000 writes, 4766 distinct. */
FIXTURE_VARIANT_ADD(kvm_dirty, sparse) {
	.append = "ws=200M rate=5 period=10",
	.calc_s = 1,
};

FIXTURE_SETUP(kvm_dirty)
{
	struct qemu_opts o = {
		.accel = "kvm,dirty-ring-size=4096",
		.mem = "256M",
		.append = variant->append,
	};
	char why[256], line[256], addr[128];
	long off = 0;

	if (!kvm_available(why, sizeof(why)))
		SKIP(return, "%s", why);
	if (ptel_bpf_open(PTEL_BPF_DIRTY, &self->bpf, why, sizeof(why)))
		SKIP(return, "eBPF: %s", why);
	ASSERT_EQ(0, qemu_start(&self->qemu, &o));
	self->started = true;
	if (qemu_wait_line(&self->qemu, "ready", &off, line, sizeof(line), 20000)) {
		qemu_dump_stderr(&self->qemu);
		ASSERT_TRUE(false);
	}
	ASSERT_EQ(0, qemu_wait_line(&self->qemu, "hb ", &off, line,
				    sizeof(line), 5000));
	snprintf(addr, sizeof(addr), "unix:%s", self->qemu.qmp_path);
	ASSERT_EQ(0, qmp_connect(addr, 10000, &self->qmp));
}

FIXTURE_TEARDOWN(kvm_dirty)
{
	qmp_close(self->qmp);
	if (self->started)
		qemu_stop(&self->qemu);
	ptel_bpf_close(self->bpf);
}

TEST_F_TIMEOUT(kvm_dirty, matches_guest_count, 60)
{
	struct ptel_dirty_measure m;
	struct guest_heartbeat a = {0}, b = {0};
	double rate, writes, expect, err, qemu_pages;
	unsigned int i;

	/* The guest's own pace, from heartbeats around the window. */
	ASSERT_EQ(0, ptel_last_heartbeat(self->qemu.serial_path, &a));
	ASSERT_EQ(0, ptel_dirty_measure(self->bpf, self->qmp, self->qemu.pid,
					variant->calc_s, 250, &m));
	usleep(50000);
	ASSERT_EQ(0, ptel_last_heartbeat(self->qemu.serial_path, &b));
	ASSERT_GT(b.t_ms, a.t_ms);
	rate = (double)(b.work - a.work) / (double)(b.t_ms - a.t_ms);
	writes = rate * m.window_ms;
	expect = ptel_expected_distinct(WS_PAGES, writes);
	err = fabs((double)m.distinct - expect) / expect;
	/* QEMU's MiB/s over its window, back to 4 KiB pages */
	qemu_pages = (double)m.qemu_mbps * 256.0 * m.window_ms / 1000.0;
	TH_LOG("guest %.2f pages/ms -> %.0f writes in %u ms, expect %.0f distinct; "
	       "bpf %llu distinct (%.1f%% off), %llu pushes, %llu ring-full, "
	       "%llu resets; QEMU dirty-ring %lld MiB/s = %.0f pages",
	       rate, writes, m.window_ms, expect,
	       (unsigned long long)m.distinct, err * 100,
	       (unsigned long long)m.pushes, (unsigned long long)m.ring_full,
	       (unsigned long long)m.resets, (long long)m.qemu_mbps, qemu_pages);
	for (i = 0; i < m.npoints; i++)
		TH_LOG("  W(%u ms) = %llu distinct, %llu pushes", m.curve[i].t_ms,
		       (unsigned long long)m.curve[i].distinct,
		       (unsigned long long)m.curve[i].pushes);
	EXPECT_EQ(PTEL_SRC_BPF_DIRTY_RING, m.src);
	EXPECT_LT(err, 0.10);
	/* The working-set curve only grows. */
	for (i = 1; i < m.npoints; i++)
		EXPECT_GE(m.curve[i].distinct, m.curve[i - 1].distinct);
	/* QEMU counts every harvested ring entry: compare it with pushes. */
	ASSERT_GE(m.qemu_mbps, 0);
	EXPECT_LT(fabs(qemu_pages - (double)m.pushes) / (double)m.pushes, 0.10);
	EXPECT_LE(m.distinct, m.pushes);
}
