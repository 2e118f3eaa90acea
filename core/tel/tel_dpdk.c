// SPDX-License-Identifier: GPL-2.0
/*
 * DPDK transport: frames as UDP/IPv4 payloads on one DPDK port, moved in
 * bursts by polling.  UDP rather than an Ethernet type of our own: a
 * DPDK host then speaks the wire format of the kernel fallback, so mixed
 * clusters work, frames cross routers, and tcpdump decodes them; the
 * 42 bytes of headers are shared by up to 45 records.
 *
 * palm starts the EAL itself from cfg->eal_args, once per process.  Here
 * and in tests: "--no-huge --no-pci --vdev=net_af_packet0,iface=eth0"
 * (or net_af_xdp: one process per queue, mbuf pool packed, see
 * xdp_pool_create(); or net_memif); in production a NIC bound to vfio-pci
 * (see FRAME.md, "Transports").  palm does no ARP: each peer's next-hop
 * MAC is configured, or learned from the frames it sends us.
 */
#include "core/tel/tel_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#include "core/tel/tel_frame.h"
#include "core/tel/tel_wire.h"

#define DPDK_MAX_ARGS 32
#define DPDK_RX_DESC 1024
#define DPDK_TX_DESC 1024
#define DPDK_POOL_CACHE 256
#define DPDK_TX_RETRIES 256
#define DPDK_TX_SPIN 8
#define DPDK_TX_BACKOFF_US 10
#define DPDK_NEIGH 64
#define DPDK_LINK_WAIT_MS 3000

struct dpdk_neigh {
	struct in_addr ip;
	uint8_t mac[6];
};

struct tel_dpdk {
	struct tel_transport t;
	uint16_t port_id;
	struct rte_mempool *pool;
	struct tel_wire_addr self;	/* our MAC, address and port */
	uint16_t ip_id;
	unsigned int nneigh;
	struct dpdk_neigh neigh[DPDK_NEIGH];
};

/* The EAL lives as long as the process; it cannot start twice. */
static bool eal_started;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int eal_start(const char *args)
{
	char *argv[DPDK_MAX_ARGS + 1], *copy, *tok, *save = NULL;
	int argc = 0, ret;

	copy = strdup(args);
	if (!copy)
		return -ENOMEM;
	argv[argc++] = "palm";
	for (tok = strtok_r(copy, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (argc == DPDK_MAX_ARGS) {
			fprintf(stderr, "tel: dpdk: more than %d EAL arguments\n",
				DPDK_MAX_ARGS - 1);
			ret = -E2BIG;
			goto out;
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		ret = rte_errno ? -rte_errno : -EIO;
		fprintf(stderr, "tel: dpdk: EAL init (%s): %s\n", args,
			rte_strerror(-ret));
		goto out;
	}
	eal_started = true;
	ret = 0;
out:
	/* the EAL keeps pointers into argv only during init */
	free(copy);
	return ret;
}

/*
 * A memif link comes up when its peer connects; frames sent before are
 * lost.  Wait a bounded time, then go on: loss is counted downstream.
 */
static void link_wait(uint16_t port_id)
{
	uint64_t end = mono_ns() + DPDK_LINK_WAIT_MS * 1000000ull;
	struct rte_eth_link link;

	do {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(port_id, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			return;
		usleep(10000);
	} while (mono_ns() < end);
	fprintf(stderr, "tel: dpdk: port %u link still down after %d ms\n",
		port_id, DPDK_LINK_WAIT_MS);
}

/*
 * The mbuf pool of an af_xdp port is its UMEM: net_af_xdp (22.11)
 * registers populated_size * object size bytes from the pool's first
 * object, i.e. it assumes the objects lie back to back.  A default pool
 * without hugepages keeps every object inside one 4 KiB page, one
 * 2368-byte object per page, so most mbufs lie beyond the registered
 * UMEM and the kernel rejects their TX descriptors as invalid (and
 * would drop RX buffers there).  RTE_MEMPOOL_F_NO_IOVA_CONTIG packs the
 * objects; AF_XDP uses virtual addresses, so IOVA contiguity is moot.
 */
static struct rte_mempool *xdp_pool_create(unsigned int n)
{
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE,
		.mbuf_priv_size = 0,
	};
	struct rte_mempool *mp;
	int ret;

	mp = rte_mempool_create_empty("tel_pool", n,
				      sizeof(struct rte_mbuf) +
				      RTE_MBUF_DEFAULT_BUF_SIZE,
				      DPDK_POOL_CACHE, sizeof(priv),
				      (int)rte_socket_id(),
				      RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (!mp)
		return NULL;
	ret = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(),
					 NULL);
	if (ret)
		goto err;
	rte_pktmbuf_pool_init(mp, &priv);
	ret = rte_mempool_populate_default(mp);
	if (ret < 0)
		goto err;
	if (mp->nb_mem_chunks != 1) {
		/* the PMD registers one span from the first chunk */
		fprintf(stderr, "tel: dpdk: af_xdp pool in %u chunks\n",
			mp->nb_mem_chunks);
		ret = -ENOMEM;
		goto err;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
err:
	rte_mempool_free(mp);
	rte_errno = ret < 0 ? -ret : ret;
	return NULL;
}

static int port_start(struct tel_dpdk *d)
{
	struct rte_eth_conf conf;
	struct rte_ether_addr mac;
	uint16_t nrx = DPDK_RX_DESC, ntx = DPDK_TX_DESC;
	int ret, socket = rte_eth_dev_socket_id(d->port_id);

	memset(&conf, 0, sizeof(conf));
	if (socket < 0)
		socket = (int)rte_socket_id();
	ret = rte_eth_dev_configure(d->port_id, 1, 1, &conf);
	if (ret)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(d->port_id, &nrx, &ntx);
	if (ret)
		return ret;
	ret = rte_eth_rx_queue_setup(d->port_id, 0, nrx, (unsigned int)socket,
				     NULL, d->pool);
	if (ret)
		return ret;
	ret = rte_eth_tx_queue_setup(d->port_id, 0, ntx, (unsigned int)socket,
				     NULL);
	if (ret)
		return ret;
	ret = rte_eth_dev_start(d->port_id);
	if (ret)
		return ret;
	link_wait(d->port_id);
	ret = rte_eth_macaddr_get(d->port_id, &mac);
	if (ret)
		return ret;
	memcpy(d->self.mac, mac.addr_bytes, sizeof(d->self.mac));
	d->self.ip = d->t.cfg.local_ip;
	d->self.port = d->t.cfg.port;
	return 0;
}

/* The next-hop MAC of @ip: configured, else learned; false if unknown. */
static bool neigh_find(const struct tel_dpdk *d, struct in_addr ip,
		       uint8_t mac[6])
{
	unsigned int i;

	for (i = 0; i < d->t.cfg.npeers; i++) {
		if (d->t.cfg.peers[i].ip.s_addr == ip.s_addr &&
		    d->t.cfg.peers[i].have_mac) {
			memcpy(mac, d->t.cfg.peers[i].mac, 6);
			return true;
		}
	}
	for (i = 0; i < d->nneigh; i++) {
		if (d->neigh[i].ip.s_addr == ip.s_addr) {
			memcpy(mac, d->neigh[i].mac, 6);
			return true;
		}
	}
	return false;
}

static void neigh_learn(struct tel_dpdk *d, const struct tel_wire_addr *a)
{
	unsigned int i;

	for (i = 0; i < d->nneigh; i++) {
		if (d->neigh[i].ip.s_addr == a->ip.s_addr) {
			memcpy(d->neigh[i].mac, a->mac, 6);
			return;
		}
	}
	if (d->nneigh < DPDK_NEIGH) {
		d->neigh[d->nneigh].ip = a->ip;
		memcpy(d->neigh[d->nneigh++].mac, a->mac, 6);
	}
}

/* One Ethernet/IPv4/UDP packet carrying @m to @ip:@port, or NULL. */
static struct rte_mbuf *build_pkt(struct tel_dpdk *d, const struct tel_msg *m,
				  struct in_addr ip, uint16_t port)
{
	struct tel_wire_addr dst = { .ip = ip, .port = port };
	struct rte_mbuf *mb;
	uint16_t size = (uint16_t)(TEL_WIRE_HDRS + m->len);
	char *p;

	if (!neigh_find(d, ip, dst.mac))
		return NULL;
	mb = rte_pktmbuf_alloc(d->pool);
	if (!mb)
		return NULL;
	p = rte_pktmbuf_append(mb, size);
	if (!p || tel_wire_build((uint8_t *)p, size, &d->self, &dst,
				 d->ip_id++, m->buf, m->len) != size) {
		rte_pktmbuf_free(mb);
		return NULL;
	}
	return mb;
}

static int dpdk_send(struct tel_transport *t, const struct tel_msg *msgs,
		     unsigned int n)
{
	struct tel_dpdk *d = (struct tel_dpdk *)t;
	struct rte_mbuf *pkts[TEL_MAX_BURST * TEL_MAX_PEERS];
	unsigned int i, p, np = 0, sent = 0, tries = 0;

	if (n > t->cfg.burst)
		n = t->cfg.burst;
	/* all checks before the first mbuf is taken */
	for (i = 0; i < n; i++) {
		if (msgs[i].len > TEL_FRAME_MAX)
			return -EMSGSIZE;
		if (!msgs[i].addr.s_addr && !t->cfg.npeers)
			return -EDESTADDRREQ;
	}
	for (i = 0; i < n; i++) {
		unsigned int ndest = msgs[i].addr.s_addr ? 1 : t->cfg.npeers;

		for (p = 0; p < ndest; p++) {
			struct rte_mbuf *mb;

			if (msgs[i].addr.s_addr)
				mb = build_pkt(d, &msgs[i], msgs[i].addr,
					       msgs[i].port ? msgs[i].port :
					       t->cfg.port);
			else
				mb = build_pkt(d, &msgs[i], t->cfg.peers[p].ip,
					       t->cfg.peers[p].port);
			if (!mb) {
				t->stats.tx_errors++;
				continue;
			}
			pkts[np++] = mb;
		}
	}
	/* a full ring drains quickly; a stuck one must not hang us */
	while (sent < np && tries++ < DPDK_TX_RETRIES) {
		uint16_t k = rte_eth_tx_burst(d->port_id, 0, pkts + sent,
					      (uint16_t)(np - sent));


		/* nothing taken: give the kernel side of the port time */
		if (!k && tries > DPDK_TX_SPIN)
			usleep(DPDK_TX_BACKOFF_US);
		sent += k;
	}
	if (sent < np) {
		t->stats.tx_errors += np - sent;
		rte_pktmbuf_free_bulk(pkts + sent, np - sent);
	}
	t->stats.tx_frames += n;
	return (int)n;
}

/* Copy the frame in @mb into @m when it is UDP for us; false otherwise. */
static bool parse_pkt(struct tel_dpdk *d, struct rte_mbuf *mb,
		      struct tel_msg *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(mb, const uint8_t *);
	struct tel_wire_info info;

	/* af_packet and memif deliver one segment for an MTU-sized frame */
	if (mb->nb_segs != 1 ||
	    tel_wire_parse(p, rte_pktmbuf_data_len(mb), d->self.ip,
			   d->self.port, &info))
		return false;
	if (info.payload_len > m->len || info.payload_len > TEL_FRAME_MAX) {
		d->t.stats.rx_too_big++;
		return false;
	}
	memcpy(m->buf, p + info.payload_off, info.payload_len);
	m->len = info.payload_len;
	m->addr = info.src.ip;
	m->port = info.src.port;
	neigh_learn(d, &info.src);
	return true;
}

static int dpdk_recv(struct tel_transport *t, struct tel_msg *msgs,
		     unsigned int n, int timeout_ms)
{
	struct tel_dpdk *d = (struct tel_dpdk *)t;
	struct rte_mbuf *pkts[TEL_MAX_BURST];
	uint64_t deadline = 0;
	unsigned int got = 0;
	uint16_t nb, i;

	if (n > TEL_MAX_BURST)
		n = TEL_MAX_BURST;
	for (;;) {
		nb = rte_eth_rx_burst(d->port_id, 0, pkts, (uint16_t)(n - got));
		for (i = 0; i < nb; i++) {
			if (parse_pkt(d, pkts[i], &msgs[got]))
				got++;
			else
				t->stats.rx_foreign++;
		}
		if (nb)
			rte_pktmbuf_free_bulk(pkts, nb);
		if (got || timeout_ms == 0)
			break;
		if (!deadline)
			deadline = mono_ns() + (uint64_t)timeout_ms * 1000000ull;
		else if (mono_ns() >= deadline)
			break;
		if (t->cfg.idle_us)
			usleep(t->cfg.idle_us);
	}
	t->stats.rx_frames += got;
	return (int)got;
}

static void dpdk_close(struct tel_transport *t)
{
	struct tel_dpdk *d = (struct tel_dpdk *)t;

	rte_eth_dev_stop(d->port_id);
	rte_eth_dev_close(d->port_id);
	rte_mempool_free(d->pool);
	free(d);
	/* ends the EAL for good: one DPDK transport per process */
	rte_eal_cleanup();
}

static const struct tel_transport_ops dpdk_ops = {
	.name = "dpdk",
	.send = dpdk_send,
	.recv = dpdk_recv,
	.close = dpdk_close,
};

int tel_dpdk_open(const struct tel_transport_config *cfg,
		  struct tel_transport **out)
{
	struct rte_eth_dev_info info;
	unsigned int nmbufs;
	struct tel_dpdk *d;
	bool xdp;
	int ret;

	*out = NULL;
	if (eal_started) {
		fprintf(stderr, "tel: dpdk: EAL already used in this process\n");
		return -EALREADY;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->t.ops = &dpdk_ops;
	d->t.cfg = *cfg;
	ret = eal_start(cfg->eal_args);
	if (ret)
		goto err_free;
	if (rte_eth_dev_count_avail() < 1) {
		fprintf(stderr, "tel: dpdk: no port (add --vdev=... or bind a NIC)\n");
		ret = -ENODEV;
		goto err_eal;
	}
	RTE_ETH_FOREACH_DEV(d->port_id)
		break;
	/* both rings full, a burst to every peer in flight, the caches */
	nmbufs = cfg->mbufs ? cfg->mbufs :
		DPDK_RX_DESC + DPDK_TX_DESC + cfg->burst * TEL_MAX_PEERS +
		DPDK_POOL_CACHE * 2;
	memset(&info, 0, sizeof(info));
	xdp = rte_eth_dev_info_get(d->port_id, &info) == 0 &&
	      info.driver_name && !strcmp(info.driver_name, "net_af_xdp");
	if (xdp)
		d->pool = xdp_pool_create(nmbufs);
	else
		d->pool = rte_pktmbuf_pool_create("tel_pool", nmbufs,
						  DPDK_POOL_CACHE, 0,
						  RTE_MBUF_DEFAULT_BUF_SIZE,
						  (int)rte_socket_id());
	if (!d->pool) {
		ret = -rte_errno;
		fprintf(stderr, "tel: dpdk: mbuf pool of %u: %s\n", nmbufs,
			rte_strerror(rte_errno));
		goto err_eal;
	}
	ret = port_start(d);
	if (ret) {
		fprintf(stderr, "tel: dpdk: port %u start: %s\n", d->port_id,
			strerror(-ret));
		goto err_pool;
	}
	*out = &d->t;
	return 0;

err_pool:
	rte_eth_dev_close(d->port_id);
	rte_mempool_free(d->pool);
err_eal:
	rte_eal_cleanup();
err_free:
	free(d);
	return ret;
}
