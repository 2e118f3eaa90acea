// SPDX-License-Identifier: GPL-2.0
/*
 * Without eBPF or KVM: a TCG guest measured through QMP page-sampling and
 * schedstat, every sample tagged with its source; palmctl top --json over
 * the same paths.  Needs QEMU; skips without it.
 */
#include <errno.h>
#include <unistd.h>

#include "tests/lib/harness.h"
#include "tests/lib/palmctl_run.h"
#include "tests/lib/qemu_proc.h"
#include "core/telemetry/ptel_dirty.h"
#include "core/telemetry/ptel_vcpu.h"
#include "core/telemetry/ptel_vm.h"
#include "qmp/qmp_client.h"

FIXTURE(tcg) {
	struct qemu_proc qemu;
	bool started;
	struct qmp_client *qmp;		/* on the second monitor */
};

FIXTURE_SETUP(tcg)
{
	struct qemu_opts o = { .accel = "tcg", .append = "ws=32M rate=20" };
	char why[256], line[256], addr[160];
	long off = 0;

	if (!qemu_available(why, sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, qemu_start(&self->qemu, &o));
	self->started = true;
	ASSERT_EQ(0, qemu_wait_line(&self->qemu, "hb ", &off, line,
				    sizeof(line), 20000));
	snprintf(addr, sizeof(addr), "unix:%s", self->qemu.qmp2_path);
	ASSERT_EQ(0, qmp_connect(addr, 10000, &self->qmp));
}

FIXTURE_TEARDOWN(tcg)
{
	qmp_close(self->qmp);
	if (self->started)
		qemu_stop(&self->qemu);
}

TEST_F_TIMEOUT(tcg, qmp_and_schedstat, 60)
{
	struct ptel_vcpu_times a, b;
	struct ptel_dirty_measure m;
	struct ptel_vcpu_load l;
	struct ptel_vm vm = { .pid = self->qemu.pid };

	/* no eBPF handle: the dirty-ring path refuses, QMP answers */
	EXPECT_EQ(-EOPNOTSUPP, ptel_dirty_measure(NULL, self->qmp,
						  self->qemu.pid, 1, 250, &m));
	EXPECT_EQ(-ENODATA, ptel_dirty_from_migrate(self->qmp, &m));
	EXPECT_EQ(PTEL_SRC_QMP_MIGRATE, m.src);
	ASSERT_EQ(0, ptel_dirty_measure_qmp(self->qmp, 1, "page-sampling", &m));
	TH_LOG("page-sampling: %lld MiB/s = %.0f pages/s in %u ms",
	       (long long)m.qemu_mbps, m.pages_per_s, m.time_to_answer_ms);
	EXPECT_EQ(PTEL_SRC_QMP_SAMPLING, m.src);
	EXPECT_GT(m.pages_per_s, 0.0);
	/* dirty-ring mode under TCG would crash QEMU 7.2: refused first */
	EXPECT_EQ(-EOPNOTSUPP, ptel_dirty_measure_qmp(self->qmp, 1, "dirty-ring", &m));
	EXPECT_TRUE(qemu_alive(&self->qemu));

	ASSERT_EQ(0, ptel_vm_vcpus_qmp(&vm, self->qmp));
	ASSERT_EQ(1, vm.nvcpu);
	ASSERT_EQ(0, ptel_vcpu_times_read(NULL, vm.pid, vm.vcpu_tid[0], &a));
	usleep(300000);
	ASSERT_EQ(0, ptel_vcpu_times_read(NULL, vm.pid, vm.vcpu_tid[0], &b));
	ASSERT_EQ(0, ptel_vcpu_load(&a, &b, &l));
	EXPECT_EQ(PTEL_SRC_SCHEDSTAT, l.src);
	EXPECT_GT(l.load + l.wait, 0.3);	/* a TCG vCPU never sleeps here */
}

TEST_F_TIMEOUT(tcg, palmctl_top_json, 60)
{
	const char *args[] = { "top", "--json", "--no-bpf", "--measure", "1",
			       "--qmp", self->qemu.qmp_path, NULL };
	json_t *rep = NULL, *vm, *dm;

	ASSERT_EQ(0, palmctl_run(args, &rep));
	ASSERT_NE_NULL(rep);
	EXPECT_EQ(0, json_integer_value(json_object_get(rep, "bpf_groups")));
	vm = json_array_get(json_object_get(rep, "vms"), 0);
	ASSERT_NE_NULL(vm);
	EXPECT_EQ(self->qemu.pid, json_integer_value(json_object_get(vm, "pid")));
	EXPECT_STREQ("schedstat", json_string_value(json_object_get(vm, "vcpu_source")));
	EXPECT_GT(json_real_value(json_object_get(vm, "vcpu_load")), 0.2);
	EXPECT_GT(json_integer_value(json_object_get(vm, "rss_kib")), 1024);
	EXPECT_STREQ("none", json_string_value(json_object_get(vm, "dirty_source")));
	dm = json_object_get(vm, "dirty_measure");
	ASSERT_NE_NULL(dm);
	EXPECT_STREQ("qmp-page-sampling", json_string_value(json_object_get(dm, "source")));
	EXPECT_STREQ("proc", json_string_value(json_object_get(
		json_object_get(rep, "host"), "reclaim_source")));
	json_decref(rep);
}
