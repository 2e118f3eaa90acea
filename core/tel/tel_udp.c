// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel UDP transport: the fallback for hosts without DPDK, with the
 * same frames.  sendmmsg/recvmmsg move a burst per system call.
 */
#include "core/tel/tel_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/tel/tel_frame.h"

/* Destinations of one burst: each frame to up to every peer. */
#define UDP_MAX_MSGS (TEL_MAX_BURST * TEL_MAX_PEERS)
/* A full socket buffer: how long to wait for room before giving up. */
#define UDP_SEND_WAIT_MS 100

struct tel_udp {
	struct tel_transport t;
	int fd;
	struct mmsghdr mm[UDP_MAX_MSGS];
	struct iovec iov[UDP_MAX_MSGS];
	struct sockaddr_in sa[UDP_MAX_MSGS];
};

static void set_dest(struct sockaddr_in *sa, struct in_addr ip, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr = ip;
	sa->sin_port = htons(port);
}

static int udp_send(struct tel_transport *t, const struct tel_msg *msgs,
		    unsigned int n)
{
	struct tel_udp *u = (struct tel_udp *)t;
	unsigned int i, p, nm = 0, done = 0;
	struct pollfd pfd = { .fd = u->fd, .events = POLLOUT };
	int ret;

	if (n > t->cfg.burst)
		n = t->cfg.burst;
	for (i = 0; i < n; i++) {
		unsigned int ndest = msgs[i].addr.s_addr ? 1 : t->cfg.npeers;

		if (msgs[i].len > TEL_FRAME_MAX)
			return -EMSGSIZE;
		if (!ndest)
			return -EDESTADDRREQ;
		for (p = 0; p < ndest; p++, nm++) {
			if (msgs[i].addr.s_addr)
				set_dest(&u->sa[nm], msgs[i].addr,
					 msgs[i].port ? msgs[i].port :
					 t->cfg.port);
			else
				set_dest(&u->sa[nm], t->cfg.peers[p].ip,
					 t->cfg.peers[p].port);
			u->iov[nm].iov_base = msgs[i].buf;
			u->iov[nm].iov_len = msgs[i].len;
			memset(&u->mm[nm], 0, sizeof(u->mm[nm]));
			u->mm[nm].msg_hdr.msg_name = &u->sa[nm];
			u->mm[nm].msg_hdr.msg_namelen = sizeof(u->sa[nm]);
			u->mm[nm].msg_hdr.msg_iov = &u->iov[nm];
			u->mm[nm].msg_hdr.msg_iovlen = 1;
		}
	}
	while (done < nm) {
		ret = sendmmsg(u->fd, u->mm + done, nm - done, 0);
		if (ret > 0) {
			done += (unsigned int)ret;
			continue;
		}
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0 && (errno == EAGAIN || errno == ENOBUFS) &&
		    poll(&pfd, 1, UDP_SEND_WAIT_MS) > 0)
			continue;
		/* an unreachable peer must not stop the others: skip it */
		t->stats.tx_errors++;
		done++;
	}
	t->stats.tx_frames += n;
	return (int)n;
}

static int udp_recv(struct tel_transport *t, struct tel_msg *msgs,
		    unsigned int n, int timeout_ms)
{
	struct tel_udp *u = (struct tel_udp *)t;
	struct pollfd pfd = { .fd = u->fd, .events = POLLIN };
	unsigned int i;
	int ret;

	if (n > TEL_MAX_BURST)
		n = TEL_MAX_BURST;
	for (i = 0; i < n; i++) {
		memset(&u->mm[i], 0, sizeof(u->mm[i]));
		u->iov[i].iov_base = msgs[i].buf;
		u->iov[i].iov_len = msgs[i].len;
		u->mm[i].msg_hdr.msg_name = &u->sa[i];
		u->mm[i].msg_hdr.msg_namelen = sizeof(u->sa[i]);
		u->mm[i].msg_hdr.msg_iov = &u->iov[i];
		u->mm[i].msg_hdr.msg_iovlen = 1;
	}
	for (;;) {
		ret = recvmmsg(u->fd, u->mm, n, MSG_DONTWAIT, NULL);
		if (ret >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		if (timeout_ms == 0)
			return 0;
		ret = poll(&pfd, 1, timeout_ms);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret == 0)
			return 0;
		timeout_ms = 0;	/* readable now: one more try, no more waiting */
	}
	for (i = 0; i < (unsigned int)ret; i++) {
		/* a datagram cut to the buffer is not a frame */
		if (u->mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
			t->stats.rx_too_big++;
			msgs[i].len = 0;
		} else {
			msgs[i].len = (uint16_t)u->mm[i].msg_len;
		}
		msgs[i].addr = u->sa[i].sin_addr;
		msgs[i].port = ntohs(u->sa[i].sin_port);
	}
	t->stats.rx_frames += (unsigned int)ret;
	return ret;
}

static void udp_close(struct tel_transport *t)
{
	struct tel_udp *u = (struct tel_udp *)t;

	close(u->fd);
	free(u);
}

static const struct tel_transport_ops udp_ops = {
	.name = "udp",
	.send = udp_send,
	.recv = udp_recv,
	.close = udp_close,
};

int tel_udp_open(const struct tel_transport_config *cfg,
		 struct tel_transport **out)
{
	struct sockaddr_in sa;
	struct tel_udp *u;
	int ret;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->t.ops = &udp_ops;
	u->t.cfg = *cfg;
	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->fd < 0) {
		ret = -errno;
		goto err_free;
	}
	/* best effort: a small buffer only costs loss, which is counted */
	if (cfg->rcvbuf &&
	    setsockopt(u->fd, SOL_SOCKET, SO_RCVBUFFORCE, &cfg->rcvbuf,
		       sizeof(cfg->rcvbuf)))
		setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &cfg->rcvbuf,
			   sizeof(cfg->rcvbuf));
	set_dest(&sa, cfg->local_ip, cfg->port);
	if (bind(u->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		fprintf(stderr, "tel: udp: bind %s:%u: %s\n",
			inet_ntoa(cfg->local_ip), cfg->port, strerror(-ret));
		goto err_close;
	}
	*out = &u->t;
	return 0;

err_close:
	close(u->fd);
err_free:
	free(u);
	return ret;
}
