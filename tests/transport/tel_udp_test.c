// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel UDP transport on loopback, in one process (no root needed):
 * bursts arrive intact and in order into the aggregator, oversized
 * datagrams are refused, and configuration input is validated.
 */
#include "tests/lib/harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/tel/tel_agg.h"
#include "core/tel/tel_pattern.h"
#include "core/tel/tel_transport.h"
#include "generated/palm_config.h"

/* Two loopback endpoints on ports from the kernel's free range. */
FIXTURE(lo) {
	struct tel_transport *a, *b;
	uint16_t port_a, port_b;
};

static uint16_t free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint16_t port = 0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &len))
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

FIXTURE_SETUP(lo)
{
	struct tel_transport_config cfg;

	self->port_a = free_port();
	self->port_b = free_port();
	ASSERT_NE(0, self->port_a);
	ASSERT_NE(0, self->port_b);
	tel_transport_config_init(&cfg);
	inet_pton(AF_INET, "127.0.0.1", &cfg.local_ip);
	cfg.rcvbuf = 1 << 22;
	cfg.port = self->port_a;
	cfg.npeers = 1;
	cfg.peers[0].ip = cfg.local_ip;
	cfg.peers[0].port = self->port_b;
	ASSERT_EQ(0, tel_transport_open(&cfg, &self->a));
	cfg.port = self->port_b;
	cfg.npeers = 0;
	ASSERT_EQ(0, tel_transport_open(&cfg, &self->b));
	ASSERT_STREQ("udp", self->a->ops->name);
}

FIXTURE_TEARDOWN(lo)
{
	tel_close(self->a);
	tel_close(self->b);
}

TEST_F(lo, bursts_arrive_in_order)
{
	static struct tel_frame_builder fbs[TEL_MAX_BURST];
	static uint8_t bufs[TEL_MAX_BURST][TEL_FRAME_MAX];
	struct tel_agg_config ac = { .max_hosts = 4, .stale_after_ns = 1000000000 };
	struct tel_msg out[TEL_MAX_BURST], in[TEL_MAX_BURST];
	struct tel_agg_host *h;
	struct tel_agg_rx rx;
	struct tel_agg agg;
	uint32_t seq = 0, got = 0, bad = 0;
	int i, n, len, round;

	ASSERT_EQ(0, tel_agg_init(&agg, &ac));
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 32; i++, seq++) {
			ASSERT_EQ(0, tel_pattern_fill(&fbs[i], 7, seq, 40));
			len = tel_fb_finish(&fbs[i], 7, seq, seq);
			ASSERT_GT(len, 0);
			out[i] = (struct tel_msg){ .buf = fbs[i].buf,
						   .len = (uint16_t)len };
		}
		ASSERT_EQ(32, tel_send(self->a, out, 32));
		while (got < seq) {
			for (i = 0; i < TEL_MAX_BURST; i++)
				in[i] = (struct tel_msg){ .buf = bufs[i],
							  .len = TEL_FRAME_MAX };
			n = tel_recv(self->b, in, TEL_MAX_BURST, 1000);
			ASSERT_GT(n, 0);
			for (i = 0; i < n; i++) {
				ASSERT_EQ(self->port_a, in[i].port);
				ASSERT_EQ(40, tel_agg_ingest(&agg, in[i].buf,
							     in[i].len, got, &rx));
				ASSERT_EQ(got, rx.hdr.seq);
				bad += tel_pattern_check(rx.recs, 40, 7,
							 rx.hdr.seq);
				got++;
			}
		}
	}
	h = tel_agg_find(&agg, 7);
	ASSERT_NE_NULL(h);
	EXPECT_EQ(640, h->c.frames);
	EXPECT_EQ(640 * 40, h->c.records);
	EXPECT_EQ(0, h->c.lost);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(640, self->a->stats.tx_frames);
	EXPECT_EQ(640, self->b->stats.rx_frames);
	tel_agg_fini(&agg);
}

TEST_F(lo, recv_times_out_empty)
{
	uint8_t buf[TEL_FRAME_MAX];
	struct tel_msg m = { .buf = buf, .len = sizeof(buf) };

	ASSERT_EQ(0, tel_recv(self->b, &m, 1, 20));
	ASSERT_EQ(0, tel_recv(self->b, &m, 1, 0));
}

TEST_F(lo, oversized_is_refused)
{
	static uint8_t big[TEL_FRAME_MAX + 100];
	uint8_t small[64];
	struct tel_msg m = { .buf = big, .len = sizeof(big) };
	int fd;
	struct sockaddr_in sa = { .sin_family = AF_INET };

	ASSERT_EQ(-EMSGSIZE, tel_send(self->a, &m, 1));
	/* a datagram larger than the receive buffer is dropped, counted */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_GE(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(self->port_b);
	ASSERT_EQ((ssize_t)sizeof(big), sendto(fd, big, sizeof(big), 0,
					       (struct sockaddr *)&sa,
					       sizeof(sa)));
	close(fd);
	m = (struct tel_msg){ .buf = small, .len = sizeof(small) };
	ASSERT_EQ(1, tel_recv(self->b, &m, 1, 1000));
	ASSERT_EQ(0, m.len);
	ASSERT_EQ(1, self->b->stats.rx_too_big);
}

TEST_F(lo, explicit_destination)
{
	struct tel_frame_builder fb;
	uint8_t buf[TEL_FRAME_MAX];
	struct tel_msg m;
	int len;

	ASSERT_EQ(0, tel_pattern_fill(&fb, 1, 0, 3));
	len = tel_fb_finish(&fb, 1, 0, 0);
	/* b has no peers: it answers a, as a probe responder does */
	m = (struct tel_msg){ .buf = fb.buf, .len = (uint16_t)len,
			      .port = self->port_a };
	inet_pton(AF_INET, "127.0.0.1", &m.addr);
	ASSERT_EQ(1, tel_send(self->b, &m, 1));
	m = (struct tel_msg){ .buf = buf, .len = sizeof(buf) };
	ASSERT_EQ(1, tel_recv(self->a, &m, 1, 1000));
	ASSERT_EQ(len, m.len);
	ASSERT_EQ(0, memcmp(buf, fb.buf, (size_t)len));
}

TEST(peer_parsing)
{
	struct tel_peer p;

	ASSERT_EQ(0, tel_peer_parse("10.213.1.2", 47100, &p));
	ASSERT_EQ(47100, p.port);
	ASSERT_FALSE(p.have_mac);
	ASSERT_EQ(0, tel_peer_parse("10.213.1.2:9", 47100, &p));
	ASSERT_EQ(9, p.port);
	ASSERT_EQ(0, tel_peer_parse("10.213.1.2:9@02:aB:00:00:00:ff", 1, &p));
	ASSERT_TRUE(p.have_mac);
	ASSERT_EQ(0xab, p.mac[1]);
	ASSERT_EQ(0xff, p.mac[5]);
	ASSERT_EQ(0, tel_peer_parse("10.213.1.2@02:00:00:00:00:01", 5, &p));
	ASSERT_EQ(5, p.port);
	ASSERT_EQ(1, p.mac[5]);
	ASSERT_EQ(-EINVAL, tel_peer_parse(NULL, 1, &p));
	ASSERT_EQ(-EINVAL, tel_peer_parse("", 1, &p));
	ASSERT_EQ(-EINVAL, tel_peer_parse("10.213.1", 1, &p));
	ASSERT_EQ(-EINVAL, tel_peer_parse("10.213.1.2:0", 1, &p));
	ASSERT_EQ(-EINVAL, tel_peer_parse("10.213.1.2:65536", 1, &p));
	ASSERT_EQ(-EINVAL, tel_peer_parse("10.213.1.2:12x", 1, &p));
	ASSERT_EQ(-EINVAL, tel_peer_parse("10.213.1.2:", 1, &p));
	ASSERT_EQ(-EINVAL, tel_peer_parse("10.213.1.2@02:00:00:00:00", 1, &p));
	ASSERT_EQ(-EINVAL, tel_peer_parse("10.213.1.2@02:00:00:00:00:0g", 1, &p));
	ASSERT_EQ(-EINVAL, tel_peer_parse("10.213.1.2@02-00-00-00-00-01", 1, &p));
	ASSERT_EQ(-EINVAL, tel_peer_parse("10.213.1.2@02:00:00:00:00:011", 1, &p));
	ASSERT_EQ(-EINVAL, tel_peer_parse("host.example:1", 1, &p));
}

TEST(config_is_checked)
{
	struct tel_transport_config cfg;
	struct tel_transport *t;
	enum tel_transport_kind k;

	tel_transport_config_init(&cfg);
	ASSERT_EQ(0, tel_transport_config_check(&cfg));
	cfg.burst = 0;
	ASSERT_EQ(-EINVAL, tel_transport_open(&cfg, &t));
	ASSERT_NULL(t);
	cfg.burst = TEL_MAX_BURST + 1;
	ASSERT_EQ(-EINVAL, tel_transport_config_check(&cfg));
	tel_transport_config_init(&cfg);
	cfg.port = 0;
	ASSERT_EQ(-EINVAL, tel_transport_config_check(&cfg));
	tel_transport_config_init(&cfg);
	cfg.npeers = TEL_MAX_PEERS + 1;
	ASSERT_EQ(-EINVAL, tel_transport_config_check(&cfg));
	tel_transport_config_init(&cfg);
	cfg.rcvbuf = -1;
	ASSERT_EQ(-EINVAL, tel_transport_config_check(&cfg));
	tel_transport_config_init(&cfg);
	memset(cfg.eal_args, 'x', sizeof(cfg.eal_args));
	ASSERT_EQ(-EINVAL, tel_transport_config_check(&cfg));
	tel_transport_config_init(&cfg);
	cfg.kind = 7;
	ASSERT_EQ(-EINVAL, tel_transport_config_check(&cfg));

	ASSERT_EQ(0, tel_transport_kind_parse("udp", &k));
	ASSERT_EQ(TEL_TRANSPORT_UDP, k);
	ASSERT_EQ(0, tel_transport_kind_parse("dpdk", &k));
	ASSERT_EQ(TEL_TRANSPORT_DPDK, k);
	ASSERT_EQ(-EINVAL, tel_transport_kind_parse("DPDK", &k));
	ASSERT_EQ(-EINVAL, tel_transport_kind_parse(NULL, &k));
}

TEST(dpdk_bad_eal_args_fail_cleanly)
{
	struct tel_transport_config cfg;
	struct tel_transport *t;
	int ret, saved, null;

	if (!IS_ENABLED(CONFIG_PALM_DPDK))
		SKIP(return, "CONFIG_PALM_DPDK is off");
	tel_transport_config_init(&cfg);
	cfg.kind = TEL_TRANSPORT_DPDK;
	snprintf(cfg.eal_args, sizeof(cfg.eal_args), "--no-such-eal-option");
	/* the EAL prints its usage on stdout: keep the TAP stream clean */
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	null = open("/dev/null", O_WRONLY);
	ASSERT_GE(saved, 0);
	ASSERT_GE(null, 0);
	dup2(null, STDOUT_FILENO);
	ret = tel_transport_open(&cfg, &t);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(null);
	ASSERT_LT(ret, 0);
	ASSERT_NULL(t);
}
