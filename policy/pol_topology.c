// SPDX-License-Identifier: GPL-2.0
/* Rack/core topology with fair link sharing between migrations. */
#include "policy/pol_topology.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int pol_topo_init(struct pol_topology *t, unsigned int n_hosts,
		  unsigned int n_racks, double host_gbps, double uplink_gbps,
		  double lat_rack_us, double lat_core_us)
{
	unsigned int h;

	memset(t, 0, sizeof(*t));
	if (!n_hosts || !n_racks || n_racks > n_hosts || host_gbps <= 0 ||
	    uplink_gbps <= 0)
		return -EINVAL;
	t->rack_of = calloc(n_hosts, sizeof(*t->rack_of));
	t->host_flows = calloc(n_hosts, sizeof(*t->host_flows));
	t->uplink_flows = calloc(n_racks, sizeof(*t->uplink_flows));
	t->host_bytes = calloc(n_hosts, sizeof(*t->host_bytes));
	t->uplink_bytes = calloc(n_racks, sizeof(*t->uplink_bytes));
	if (!t->rack_of || !t->host_flows || !t->uplink_flows ||
	    !t->host_bytes || !t->uplink_bytes) {
		pol_topo_free(t);
		return -ENOMEM;
	}
	t->n_hosts = n_hosts;
	t->n_racks = n_racks;
	/* contiguous blocks: hosts 0..k-1 in rack 0, and so on */
	for (h = 0; h < n_hosts; h++)
		t->rack_of[h] = (unsigned int)((unsigned long long)h * n_racks /
					       n_hosts);
	t->host_bw = host_gbps * 1e9 / 8;
	t->uplink_bw = uplink_gbps * 1e9 / 8;
	t->lat_rack_s = lat_rack_us * 1e-6;
	t->lat_core_s = lat_core_us * 1e-6;
	return 0;
}

void pol_topo_free(struct pol_topology *t)
{
	free(t->rack_of);
	free(t->host_flows);
	free(t->uplink_flows);
	free(t->host_bytes);
	free(t->uplink_bytes);
	memset(t, 0, sizeof(*t));
}

int pol_topo_same_rack(const struct pol_topology *t, unsigned int a,
		       unsigned int b)
{
	return t->rack_of[a] == t->rack_of[b];
}

static double min2(double a, double b)
{
	return a < b ? a : b;
}

double pol_topo_path_bw(const struct pol_topology *t, unsigned int a,
			unsigned int b)
{
	double bw = min2(t->host_bw / (t->host_flows[a] + 1),
			 t->host_bw / (t->host_flows[b] + 1));

	if (!pol_topo_same_rack(t, a, b)) {
		bw = min2(bw, t->uplink_bw / (t->uplink_flows[t->rack_of[a]] + 1));
		bw = min2(bw, t->uplink_bw / (t->uplink_flows[t->rack_of[b]] + 1));
	}
	return bw;
}

double pol_topo_latency(const struct pol_topology *t, unsigned int a,
			unsigned int b)
{
	return pol_topo_same_rack(t, a, b) ? t->lat_rack_s : t->lat_core_s;
}

void pol_topo_flow(struct pol_topology *t, unsigned int a, unsigned int b,
		   int dir, double bytes)
{
	unsigned int ra = t->rack_of[a], rb = t->rack_of[b];
	int cross = ra != rb;

	if (dir > 0) {
		t->host_flows[a]++;
		t->host_flows[b]++;
		t->host_bytes[a] += bytes;
		t->host_bytes[b] += bytes;
		if (cross) {
			t->uplink_flows[ra]++;
			t->uplink_flows[rb]++;
			t->uplink_bytes[ra] += bytes;
			t->uplink_bytes[rb] += bytes;
		}
		return;
	}
	if (t->host_flows[a])
		t->host_flows[a]--;
	if (t->host_flows[b])
		t->host_flows[b]--;
	if (cross) {
		if (t->uplink_flows[ra])
			t->uplink_flows[ra]--;
		if (t->uplink_flows[rb])
			t->uplink_flows[rb]--;
	}
}
