// SPDX-License-Identifier: GPL-2.0
/*
 * Link probing between two emulated hosts whose link is shaped to
 * 20 Mbit/s (tc tbf): every echo comes back with a plausible RTT, the
 * packet-train estimate lands near the shaped rate, and the configured
 * rate is recorded beside it.  Over kernel UDP and over DPDK af_packet.
 */
#include "tests/lib/harness.h"
#include "tests/transport/tel_node_run.h"

#include "generated/palm_config.h"

#define PORT 47100
#define RATE "20mbit"
#define RATE_BPS 20000000.0
#define NODE_TIMEOUT_S (60 * th_timeout_scale())

FIXTURE(probe) {
	struct testbed tb;
	char mac1[32];
	char ready[128];
	struct node_proc echo, prober;
};

FIXTURE_VARIANT(probe) {
	bool dpdk;
};

FIXTURE_VARIANT_ADD(probe, udp) { .dpdk = false };
FIXTURE_VARIANT_ADD(probe, dpdk_af_packet) { .dpdk = true };

FIXTURE_SETUP(probe)
{
	char why[512];
	int ret;

	memset(&self->tb, 0, sizeof(self->tb));
	if (variant->dpdk && !IS_ENABLED(CONFIG_PALM_DPDK))
		SKIP(return, "CONFIG_PALM_DPDK is off");
	if (!node_built(why, sizeof(why)))
		SKIP(return, "%s", why);
	if (geteuid() != 0)
		SKIP(return, "needs root for network namespaces");
	if (!testbed_available(why, sizeof(why)))
		SKIP(return, "%s", why);
	ret = testbed_up(&self->tb, "telprobe", 2, RATE, why, sizeof(why));
	if (ret == -EPERM || ret == -EOPNOTSUPP)
		SKIP(return, "testbed unavailable: %s", why);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, host_mac(&self->tb, 1, self->mac1, sizeof(self->mac1)));
	snprintf(self->ready, sizeof(self->ready), "/tmp/palm-telprobe-%d",
		 getpid());
	unlink(self->ready);
}

FIXTURE_TEARDOWN(probe)
{
	node_kill(&self->echo);
	node_kill(&self->prober);
	if (self->ready[0])
		unlink(self->ready);
	testbed_down(&self->tb);
}

static void endpoint_args(FIXTURE_DATA(probe) *self, bool dpdk,
			  struct node_args *a, struct node_proc *p, int host)
{
	node_arg(a, "--host-id=%d", host);
	node_arg(a, "--local=%s", self->tb.addr[host - 1]);
	node_arg(a, "--port=%d", PORT + host - 1);
	if (!dpdk) {
		node_arg(a, "--transport=udp");
		return;
	}
	snprintf(p->prefix, sizeof(p->prefix), "palmtelp%d_%d", getpid(),
		 host);
	node_arg(a, "--transport=dpdk");
	node_arg(a, "--idle-us=5");
	node_arg(a, "--eal=--no-huge --no-pci -m 64 --no-shconf --no-telemetry "
		 "--log-level=*:error --file-prefix=%s "
		 "--vdev=net_af_packet0,iface=eth0", p->prefix);
}

TEST_F_TIMEOUT(probe, rtt_and_bandwidth, 120)
{
	struct node_args a;
	json_t *r, *e;
	double mbps;

	node_args_init(&a, "echo");
	endpoint_args(self, variant->dpdk, &a, &self->echo, 1);
	node_arg(&a, "--duration-ms=30000");
	node_arg(&a, "--ready-file=%s", self->ready);
	ASSERT_EQ(0, node_start(&self->tb, 1, &a, &self->echo));
	if (!wait_file(self->ready, 30 * th_timeout_scale())) {
		e = node_finish(&self->echo, 1);
		json_decref(e);
		if (variant->dpdk)
			SKIP(return, "DPDK EAL/af_packet could not start here (see stderr)");
		ASSERT_TRUE(false);
	}
	node_args_init(&a, "probe");
	endpoint_args(self, variant->dpdk, &a, &self->prober, 2);
	node_arg(&a, "--peer=%s:%d@%s", self->tb.addr[0], PORT, self->mac1);
	node_arg(&a, "--probes=20");
	node_arg(&a, "--train=96");
	node_arg(&a, "--configured-bps=20000000");
	ASSERT_EQ(0, node_start(&self->tb, 2, &a, &self->prober));
	r = node_finish(&self->prober, NODE_TIMEOUT_S);
	ASSERT_NE_NULL(r);
	mbps = jreal(r, "avail_mbps");
	TH_LOG("%s: rtt min %.1f us avg %.1f us, available %.2f Mbit/s of %s",
	       variant->dpdk ? "dpdk" : "udp", jreal(r, "rtt_min_us"),
	       jreal(r, "rtt_avg_us"), mbps, RATE);
	EXPECT_EQ(20, jint(r, "replies"));
	EXPECT_GT(jreal(r, "rtt_min_us"), 0.0);
	/* the probe and echo frames are tiny: queueing, not the rate, dominates */
	EXPECT_LT(jreal(r, "rtt_min_us"), 5000.0);
	EXPECT_EQ(96, jint(r, "train_received"));
	EXPECT_GT(mbps * 1e6, RATE_BPS * 0.75);
	EXPECT_LT(mbps * 1e6, RATE_BPS * 1.25);
	EXPECT_EQ(20000000, jint(r, "configured_bps"));
	EXPECT_EQ(0, jint(r, "loss_ppm"));
	json_decref(r);
	node_kill(&self->echo);
}
