// SPDX-License-Identifier: GPL-2.0
/* Host pressure and schedstat parsers on recorded /proc text, and a live read. */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "tests/lib/harness.h"
#include "core/telemetry/ptel_host.h"
#include "core/telemetry/ptel_vcpu.h"

TEST(psi)
{
	struct ptel_psi p;

	ASSERT_EQ(0, ptel_psi_parse("some avg10=11.85 avg60=28.08 avg300=43.30 total=893283150\n"
				    "full avg10=0.50 avg60=0.00 avg300=0.00 total=7\n", &p));
	EXPECT_EQ(11.85, p.some.avg10);
	EXPECT_EQ(43.30, p.some.avg300);
	EXPECT_EQ(893283150ULL, p.some.total_us);
	EXPECT_TRUE(p.has_full);
	EXPECT_EQ(0.5, p.full.avg10);
	ASSERT_EQ(0, ptel_psi_parse("some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n", &p));
	EXPECT_FALSE(p.has_full);
	EXPECT_EQ(-EINVAL, ptel_psi_parse("", &p));
	EXPECT_EQ(-EINVAL, ptel_psi_parse("some avg10=x\n", &p));
	EXPECT_EQ(-EINVAL, ptel_psi_parse("other 1\n", &p));
}

TEST(meminfo_stat_vmstat)
{
	uint64_t t, f, a, busy, total, st, oom;

	ASSERT_EQ(0, ptel_meminfo_parse("MemTotal:        4000000 kB\nMemFree:  100 kB\n"
					"MemAvailable:    2000 kB\nBuffers: 1 kB\n", &t, &f, &a));
	EXPECT_EQ(4000000, t);
	EXPECT_EQ(100, f);
	EXPECT_EQ(2000, a);
	EXPECT_EQ(-EINVAL, ptel_meminfo_parse("MemTotal: 1 kB\n", &t, &f, &a));
	ASSERT_EQ(0, ptel_stat_parse("cpu  10 20 30 400 50 6 7 8 9 10\ncpu0 1\n", &busy, &total));
	EXPECT_EQ(10 + 20 + 30 + 400 + 50 + 6 + 7 + 8, total);
	EXPECT_EQ(10 + 20 + 30 + 6 + 7 + 8, busy);
	EXPECT_EQ(-EINVAL, ptel_stat_parse("intr 1\n", &busy, &total));
	ASSERT_EQ(0, ptel_vmstat_parse("nr_free_pages 1\nallocstall_dma 1\nallocstall_normal 5\n"
				       "allocstall_movable 2\noom_kill 3\n", &st, &oom));
	EXPECT_EQ(8, st);
	EXPECT_EQ(3, oom);
}

TEST(schedstat_parse)
{
	struct ptel_vcpu_times t;

	ASSERT_EQ(0, ptel_schedstat_parse("123456 789 10\n", &t));
	EXPECT_EQ(PTEL_SRC_SCHEDSTAT, t.src);
	EXPECT_EQ(123456, t.oncpu_ns);
	EXPECT_EQ(789, t.wait_ns);
	EXPECT_EQ(10, t.slices);
	EXPECT_EQ(-EINVAL, ptel_schedstat_parse("1 2\n", &t));
	EXPECT_EQ(-EINVAL, ptel_schedstat_parse("1 2 3 junk\n", &t));
}

static void *spin(void *arg)
{
	uint64_t end = ptel_now_ns() + 300000000ULL;
	volatile uint64_t n = 0;

	(void)arg;
	while (ptel_now_ns() < end)
		n++;
	return NULL;
}

TEST(live_host_and_schedstat)
{
	struct ptel_vcpu_times a, b;
	struct ptel_host_snap h0, h1;
	struct ptel_host_rates r;
	struct ptel_vcpu_load l;
	pthread_t th;

	ASSERT_EQ(0, ptel_host_read(NULL, &h0));
	EXPECT_GT(h0.mem_total_kib, 0);
	EXPECT_EQ(PTEL_SRC_PROC, h0.reclaim_src);
	ASSERT_EQ(0, ptel_schedstat_read(getpid(), getpid(), &a));
	ASSERT_EQ(0, pthread_create(&th, NULL, spin, NULL));
	spin(NULL);
	pthread_join(th, NULL);
	ASSERT_EQ(0, ptel_schedstat_read(getpid(), getpid(), &b));
	ASSERT_EQ(0, ptel_vcpu_load(&a, &b, &l));
	TH_LOG("spinning thread: load %.2f wait %.2f", l.load, l.wait);
	EXPECT_GT(l.load + l.wait, 0.5);
	ASSERT_EQ(0, ptel_host_read(NULL, &h1));
	ptel_host_rates(&h0, &h1, &r);
	EXPECT_GT(r.cpu_use, 0.0);
	EXPECT_EQ(-EINVAL, ptel_vcpu_load(&b, &a, &l));
}
