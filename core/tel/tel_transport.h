/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transports of telemetry frames between hosts: kernel UDP, always
 * built, and DPDK (CONFIG_PALM_DPDK).  Both carry the same frames as the
 * payload of UDP/IPv4 datagrams, so a DPDK host and a kernel host can
 * talk to each other, and both feed the same aggregator (tel_agg.h).
 *
 *	struct tel_transport *t;
 *	tel_transport_open(&cfg, &t);
 *	tel_send(t, msgs, n);		// each frame to every peer, or to msg->to
 *	tel_recv(t, msgs, n, 100);	// up to n frames, waiting up to 100 ms
 *	tel_close(t);
 *
 * A transport is used from one thread.
 */
#ifndef PALM_TEL_TRANSPORT_H
#define PALM_TEL_TRANSPORT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define TEL_DEFAULT_PORT 47100
#define TEL_MAX_PEERS 16
#define TEL_MAX_BURST 64
#define TEL_EAL_ARGS_MAX 512

enum tel_transport_kind {
	TEL_TRANSPORT_UDP,
	TEL_TRANSPORT_DPDK,
};

struct tel_peer {
	struct in_addr ip;
	uint16_t port;			/* host order */
	bool have_mac;
	uint8_t mac[6];			/* next hop; DPDK only (no ARP) */
};

struct tel_transport_config {
	enum tel_transport_kind kind;
	struct in_addr local_ip;	/* bound (UDP) or owned (DPDK) address */
	uint16_t port;			/* local UDP port, host order */
	unsigned int npeers;
	struct tel_peer peers[TEL_MAX_PEERS];
	unsigned int burst;		/* 1..TEL_MAX_BURST frames per burst */
	int rcvbuf;			/* UDP: SO_RCVBUF bytes, 0: kernel's */
	/* DPDK */
	bool udp_fallback;		/* DPDK cannot start: use UDP instead */
	char eal_args[TEL_EAL_ARGS_MAX];	/* space-separated EAL arguments */
	uint32_t mbufs;			/* mbuf pool size: 0 derived, or 4096..1M */
	unsigned int idle_us;		/* sleep when a poll finds nothing, 0: spin */
};

/* One frame; @to zero means "to every peer". */
struct tel_msg {
	uint8_t *buf;
	uint16_t len;			/* bytes in buf; for recv, its capacity in */
	struct in_addr addr;		/* recv: sender; send: destination or 0 */
	uint16_t port;			/* host order */
};

struct tel_transport_stats {
	uint64_t tx_frames, tx_errors, rx_frames;
	uint64_t rx_foreign;		/* DPDK: not our protocol, address or port */
	uint64_t rx_too_big;		/* payload above TEL_FRAME_MAX */
};

struct tel_transport;

struct tel_transport_ops {
	const char *name;
	int (*send)(struct tel_transport *t, const struct tel_msg *msgs,
		    unsigned int n);
	int (*recv)(struct tel_transport *t, struct tel_msg *msgs,
		    unsigned int n, int timeout_ms);
	void (*close)(struct tel_transport *t);
};

struct tel_transport {
	const struct tel_transport_ops *ops;
	struct tel_transport_config cfg;
	struct tel_transport_stats stats;
};

/* Defaults: UDP, port TEL_DEFAULT_PORT, burst 32, UDP fallback on. */
void tel_transport_config_init(struct tel_transport_config *cfg);

/* Check a configuration before use: 0 or -EINVAL with the reason logged. */
int tel_transport_config_check(const struct tel_transport_config *cfg);

/* "IPv4[:port][@aa:bb:cc:dd:ee:ff]"; 0 or -EINVAL. */
int tel_peer_parse(const char *s, uint16_t default_port, struct tel_peer *p);

/*
 * Set one option from palmd's configuration file, e.g. ("transport",
 * "dpdk").  Keys, each documented here:
 *   transport     udp | dpdk
 *   local         this host's IPv4 address
 *   port          local UDP port (1..65535), also the default peer port
 *   peer          IPv4[:port][@mac]; repeat for each peer (up to 16)
 *   burst         frames per burst, 1..64
 *   rcvbuf        UDP receive buffer, bytes, 0..1 GiB (0: kernel's)
 *   eal           DPDK EAL arguments, space-separated (under 512 bytes)
 *   mbufs         DPDK mbuf pool size, 0 (derived) or 4096..1048576
 *   idle_us       DPDK: sleep when a poll is empty, 0..100000 (0: spin)
 *   udp_fallback  yes | no: use UDP when DPDK cannot start
 * Returns 0, -ENOENT for an unknown key, -EINVAL for a bad value.
 */
int tel_transport_config_set(struct tel_transport_config *cfg, const char *key,
			     const char *value);

/* "udp" or "dpdk"; 0 or -EINVAL. */
int tel_transport_kind_parse(const char *s, enum tel_transport_kind *kind);

/*
 * Open a transport.  -EOPNOTSUPP when the kind is not built in, other
 * negative errno when it cannot start (logged once, with the reason).
 * With cfg->udp_fallback, a DPDK transport that is not built or cannot
 * start is replaced by kernel UDP on the same address and port (check
 * (*out)->ops->name).
 */
int tel_transport_open(const struct tel_transport_config *cfg,
		       struct tel_transport **out);

/*
 * Frames sent (each to all its destinations), or -errno: -EMSGSIZE for a
 * frame above TEL_FRAME_MAX, -EDESTADDRREQ for one with no destination.
 * A destination that cannot be reached is counted in stats.tx_errors.
 */
static inline int tel_send(struct tel_transport *t, const struct tel_msg *msgs,
			   unsigned int n)
{
	return t->ops->send(t, msgs, n);
}

/* Frames received into @msgs (0 on timeout), or -errno. */
static inline int tel_recv(struct tel_transport *t, struct tel_msg *msgs,
			   unsigned int n, int timeout_ms)
{
	return t->ops->recv(t, msgs, n, timeout_ms);
}

static inline void tel_close(struct tel_transport *t)
{
	if (t)
		t->ops->close(t);
}

/* Constructors of each kind, for tel_transport_open. */
int tel_udp_open(const struct tel_transport_config *cfg,
		 struct tel_transport **out);
int tel_dpdk_open(const struct tel_transport_config *cfg,
		  struct tel_transport **out);

#endif /* PALM_TEL_TRANSPORT_H */
