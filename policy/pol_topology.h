/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two-tier network: hosts in racks behind a top-of-rack switch, racks
 * joined by (oversubscribed) uplinks to a core.  Concurrent migrations
 * share the links they cross equally.
 */
#ifndef PALM_POL_TOPOLOGY_H
#define PALM_POL_TOPOLOGY_H

struct pol_topology {
	unsigned int n_hosts, n_racks;
	unsigned int *rack_of;		/* host -> rack */
	unsigned int *host_flows;	/* active migrations per host link */
	unsigned int *uplink_flows;	/* active migrations per rack uplink */
	double *host_bytes;		/* bytes carried per host link */
	double *uplink_bytes;		/* bytes carried per rack uplink */
	double host_bw, uplink_bw;	/* bytes/s */
	double lat_rack_s, lat_core_s;
};

int pol_topo_init(struct pol_topology *t, unsigned int n_hosts,
		  unsigned int n_racks, double host_gbps, double uplink_gbps,
		  double lat_rack_us, double lat_core_us);
void pol_topo_free(struct pol_topology *t);
int pol_topo_same_rack(const struct pol_topology *t, unsigned int a,
		       unsigned int b);
/* Bandwidth a new flow a->b would get now (fair share of each link). */
double pol_topo_path_bw(const struct pol_topology *t, unsigned int a,
			unsigned int b);
double pol_topo_latency(const struct pol_topology *t, unsigned int a,
			unsigned int b);
/* dir +1 starts a flow, -1 ends it; bytes are charged on start. */
void pol_topo_flow(struct pol_topology *t, unsigned int a, unsigned int b,
		   int dir, double bytes);

#endif
