// SPDX-License-Identifier: GPL-2.0
/* Topology: racks, oversubscribed uplinks, fair sharing between flows. */
#include "tests/lib/harness.h"

#include <errno.h>
#include <math.h>

#include "policy/pol_topology.h"

TEST(racks_bandwidth_and_sharing)
{
	struct pol_topology t;

	/* 8 hosts in 2 racks, 10 Gb/s hosts, 10 Gb/s uplinks */
	ASSERT_EQ(0, pol_topo_init(&t, 8, 2, 10, 10, 50, 250));
	EXPECT_TRUE(pol_topo_same_rack(&t, 0, 3));
	EXPECT_FALSE(pol_topo_same_rack(&t, 3, 4));
	EXPECT_TRUE(fabs(pol_topo_path_bw(&t, 0, 1) - 1.25e9) < 1);
	EXPECT_TRUE(pol_topo_latency(&t, 0, 5) > pol_topo_latency(&t, 0, 1));
	/* a flow out of host 0 halves what the next one from 0 gets */
	pol_topo_flow(&t, 0, 1, +1, 1e9);
	EXPECT_TRUE(fabs(pol_topo_path_bw(&t, 0, 2) - 0.625e9) < 1);
	EXPECT_TRUE(fabs(pol_topo_path_bw(&t, 2, 3) - 1.25e9) < 1);
	/* cross-rack flows share the uplinks: 3 flows -> a third each */
	pol_topo_flow(&t, 2, 5, +1, 1e9);
	pol_topo_flow(&t, 3, 6, +1, 1e9);
	EXPECT_TRUE(fabs(pol_topo_path_bw(&t, 1, 7) - 1.25e9 / 3) < 1);
	EXPECT_TRUE(t.uplink_bytes[0] == 2e9 && t.host_bytes[0] == 1e9);
	pol_topo_flow(&t, 2, 5, -1, 0);
	pol_topo_flow(&t, 3, 6, -1, 0);
	pol_topo_flow(&t, 0, 1, -1, 0);
	EXPECT_TRUE(fabs(pol_topo_path_bw(&t, 1, 7) - 1.25e9) < 1);
	pol_topo_free(&t);
	EXPECT_EQ(-EINVAL, pol_topo_init(&t, 4, 5, 10, 10, 0, 0));
}
