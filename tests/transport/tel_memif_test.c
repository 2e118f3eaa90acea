// SPDX-License-Identifier: GPL-2.0
/*
 * The DPDK transport between two local processes over net_memif (shared
 * memory, no network): records arrive intact and in order, and injected
 * faults are counted as on the other links.  Skips when DPDK is not
 * built or its EAL cannot start here.
 */
#include "tests/lib/harness.h"
#include "tests/transport/tel_node_run.h"

#include "generated/palm_config.h"

#define NODE_TIMEOUT_S (60 * th_timeout_scale())

FIXTURE(memif) {
	char sock[128], ready[128];
	struct node_proc recv, send;
};

FIXTURE_SETUP(memif)
{
	char why[512];

	if (!IS_ENABLED(CONFIG_PALM_DPDK))
		SKIP(return, "CONFIG_PALM_DPDK is off");
	if (!node_built(why, sizeof(why)))
		SKIP(return, "%s", why);
	snprintf(self->sock, sizeof(self->sock), "/tmp/palm-telmemif-%d.sock",
		 getpid());
	snprintf(self->ready, sizeof(self->ready), "/tmp/palm-telmemif-%d.ready",
		 getpid());
	unlink(self->sock);
	unlink(self->ready);
}

FIXTURE_TEARDOWN(memif)
{
	node_kill(&self->recv);
	node_kill(&self->send);
	if (self->sock[0]) {
		unlink(self->sock);
		unlink(self->ready);
	}
}

static void memif_args(FIXTURE_DATA(memif) *self, struct node_args *a,
		       struct node_proc *p, int host)
{
	/* addresses only label the two ends: memif is not a network */
	node_arg(a, "--host-id=%d", host);
	node_arg(a, "--local=10.213.254.%d", host);
	node_arg(a, "--port=%d", 47099 + host);
	node_arg(a, "--transport=dpdk");
	node_arg(a, "--idle-us=20");
	snprintf(p->prefix, sizeof(p->prefix), "palmtelm%d_%d", getpid(), host);
	node_arg(a, "--eal=--no-huge --no-pci -m 64 --no-shconf --no-telemetry "
		 "--log-level=*:error --file-prefix=%s "
		 "--vdev=net_memif0,role=%s,socket=%s", p->prefix,
		 host == 1 ? "server" : "client", self->sock);
}

TEST_F_TIMEOUT(memif, two_processes, 120)
{
	struct node_args a;
	json_t *r, *s, *h;

	node_args_init(&a, "recv");
	memif_args(self, &a, &self->recv, 1);
	node_arg(&a, "--duration-ms=30000");
	node_arg(&a, "--idle-ms=500");
	node_arg(&a, "--ready-file=%s", self->ready);
	ASSERT_EQ(0, node_start_local(&a, &self->recv, false));
	/* the server's EAL first: it creates the socket */
	if (!wait_file(self->ready, 30 * th_timeout_scale())) {
		r = node_finish(&self->recv, 1);
		json_decref(r);
		SKIP(return, "DPDK EAL/memif could not start here (see stderr)");
	}
	node_args_init(&a, "send");
	memif_args(self, &a, &self->send, 2);
	node_arg(&a, "--peer=10.213.254.1:47100@02:00:00:00:00:01");
	node_arg(&a, "--frames=2000");
	node_arg(&a, "--records=25");
	node_arg(&a, "--rate=5000");
	node_arg(&a, "--drop=50");
	node_arg(&a, "--dup=50");
	node_arg(&a, "--corrupt=50");
	node_arg(&a, "--reorder=50");
	node_arg(&a, "--linger-ms=300");
	ASSERT_EQ(0, node_start_local(&a, &self->send, false));
	s = node_finish(&self->send, NODE_TIMEOUT_S);
	ASSERT_NE_NULL(s);
	r = node_finish(&self->recv, NODE_TIMEOUT_S);
	ASSERT_NE_NULL(r);
	h = jhost(r, 2);
	ASSERT_NE_NULL(h);
	TH_LOG("memif: %lld records, p50 %.0f us, p99 %.0f us",
	       jint(r, "records"), jreal(r, "lat_p50_us"),
	       jreal(r, "lat_p99_us"));
	EXPECT_EQ(2000 - 80, jint(h, "frames"));
	EXPECT_EQ((2000 - 80) * 25, jint(h, "records"));
	EXPECT_EQ(80, jint(h, "lost"));
	EXPECT_EQ(40, jint(h, "dup"));
	EXPECT_EQ(40, jint(h, "reordered"));
	EXPECT_EQ(40, jint(json_object_get(r, "rejected"), "check"));
	EXPECT_EQ(0, jint(r, "bad_records"));
	EXPECT_EQ(1999, jint(h, "max_seq"));
	json_decref(r);
	json_decref(s);
}
