// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel UDP transport on loopback, in one process (no root needed):
 * bursts arrive intact and in order into the aggregator, oversized
 * datagrams are refused, and configuration input is validated.
 */
#include "tests/lib/harness.h"
#include "tests/transport/tel_node_run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/tel/tel_agg.h"
#include "core/tel/tel_pattern.h"
#include "core/tel/tel_probe.h"
#include "core/tel/tel_pub.h"
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

TEST_F(lo, publisher_packs_frames)
{
	struct tel_agg_config ac = { .max_hosts = 2, .stale_after_ns = 1000000000 };
	uint8_t buf[TEL_FRAME_MAX];
	struct tel_agg_host *h;
	struct tel_record r;
	struct tel_agg_rx rx;
	struct tel_pub pub;
	struct tel_agg agg;
	struct tel_msg m;
	uint32_t i;
	int n, frames = 0;

	ASSERT_EQ(0, tel_agg_init(&agg, &ac));
	tel_pub_init(&pub, self->a, 3);
	memset(&r, 0, sizeof(r));
	r.type = TEL_REC_VM;
	for (i = 0; i < 100; i++) {
		r.vm.vm_id = i % 50;
		r.vm.ts_ns = i;
		ASSERT_EQ(0, tel_pub_add(&pub, &r));
	}
	ASSERT_EQ(0, tel_pub_flush(&pub));
	ASSERT_EQ(0, tel_pub_flush(&pub));	/* nothing pending: no frame */
	/* 48-byte records: 30 per frame */
	ASSERT_EQ(4, pub.frames);
	ASSERT_EQ(100, pub.records);
	ASSERT_EQ(4, pub.seq);
	r.type = 0;
	ASSERT_EQ(-EINVAL, tel_pub_add(&pub, &r));
	while (frames < 4) {
		m = (struct tel_msg){ .buf = buf, .len = sizeof(buf) };
		n = tel_recv(self->b, &m, 1, 1000);
		ASSERT_EQ(1, n);
		ASSERT_EQ(frames < 3 ? 30 : 10,
			  tel_agg_ingest(&agg, buf, m.len, 1, &rx));
		ASSERT_EQ((uint32_t)frames, rx.hdr.seq);
		ASSERT_EQ(3, rx.hdr.sender);
		frames++;
	}
	h = tel_agg_find(&agg, 3);
	ASSERT_NE_NULL(h);
	EXPECT_EQ(100, h->c.records);
	EXPECT_EQ(50, h->nvms);
	EXPECT_EQ(0, h->c.lost);
	/* the newest sample of VM 7 is the one of record 57 */
	for (i = 0; i < h->nvms; i++)
		if (h->vms[i].vm_id == 7)
			EXPECT_EQ(57, h->vms[i].ts_ns);
	tel_agg_fini(&agg);
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
	cfg.udp_fallback = false;
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

/* DPDK that cannot start (or is not built) gives way to kernel UDP. */
TEST(dpdk_falls_back_to_udp)
{
	struct tel_transport_config cfg;
	struct tel_transport *t = NULL;
	int saved, null;

	tel_transport_config_init(&cfg);
	ASSERT_TRUE(cfg.udp_fallback);
	cfg.kind = TEL_TRANSPORT_DPDK;
	inet_pton(AF_INET, "127.0.0.1", &cfg.local_ip);
	cfg.port = free_port();
	snprintf(cfg.eal_args, sizeof(cfg.eal_args), "--no-such-eal-option");
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	null = open("/dev/null", O_WRONLY);
	ASSERT_GE(saved, 0);
	ASSERT_GE(null, 0);
	dup2(null, STDOUT_FILENO);
	ASSERT_EQ(0, tel_transport_open(&cfg, &t));
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(null);
	ASSERT_NE_NULL(t);
	ASSERT_STREQ("udp", t->ops->name);
	tel_close(t);
}

/* Run tel_node @mode with valid common arguments plus @extra: exit status. */
static int node_status(const char *mode, const char *extra, uint16_t port)
{
	struct node_args a;
	struct node_proc p;
	int status;

	node_args_init(&a, mode);
	node_arg(&a, "--host-id=1");
	node_arg(&a, "--local=127.0.0.1");
	node_arg(&a, "--port=%u", port);
	node_arg(&a, "--peer=127.0.0.1:%u", port);
	node_arg(&a, "--duration-ms=1");
	node_arg(&a, "--frames=1");
	if (extra)
		node_arg(&a, "%s", extra);
	if (node_start_local(&a, &p, true))
		return -1;
	if (waitpid(p.pid, &status, 0) != p.pid)
		return -1;
	close(p.out_fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* tel_node validates its command line: each bad value exits with 2. */
TEST(node_rejects_bad_arguments)
{
	static const char *const bad[] = {
		"--host-id=0", "--host-id=4294967296", "--frames=0",
		"--records=46", "--rate=-1", "--rate=1x", "--drop=2",
		"--port=65536", "--port=0", "--local=10.213.1",
		"--peer=10.213.1.1:0", "--peer=10.213.1.1@zz", "--transport=tcp",
		"--burst=65", "--burst=0", "--idle-us=100001",
		"--duration-ms=0", "--train=1", "--eal", "extra",
	};
	uint16_t port = free_port();
	char why[256];
	size_t i;

	if (!node_built(why, sizeof(why)))
		SKIP(return, "%s", why);
	/* the common arguments alone are fine */
	ASSERT_EQ(0, node_status("send", NULL, port));
	ASSERT_EQ(0, node_status("recv", NULL, port));
	ASSERT_EQ(0, node_status("codec", NULL, port));
	ASSERT_EQ(2, node_status("fly", NULL, port));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st = node_status(i % 2 ? "send" : "recv", bad[i], port);

		if (st != 2)
			TH_LOG("%s: exit status %d", bad[i], st);
		EXPECT_EQ(2, st);
	}
}

/*
 * The link probe on loopback, responder in a child process: every echo
 * returns, the whole train arrives and is timed, and the result is a
 * link record that the aggregator takes.
 */
TEST(probe_on_loopback)
{
	struct tel_agg_config ac = { .max_hosts = 2, .stale_after_ns = 1000000000 };
	struct tel_transport_config cfg;
	struct tel_probe_config pc = { .host_id = 1, .probes = 10, .train = 32,
				       .configured_bps = 1000000000,
				       .timeout_ms = 2000 };
	struct tel_probe_result res;
	struct tel_frame_builder fb;
	struct tel_transport *t;
	struct tel_agg_host *h;
	struct tel_record r;
	struct tel_agg agg;
	uint16_t port_a = free_port(), port_b = free_port();
	int pfd[2], status, len;
	char c;
	pid_t pid;

	tel_transport_config_init(&cfg);
	inet_pton(AF_INET, "127.0.0.1", &cfg.local_ip);
	cfg.rcvbuf = 1 << 22;
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		cfg.port = port_b;
		if (tel_transport_open(&cfg, &t))
			_exit(1);
		if (write(pfd[1], "r", 1) != 1)
			_exit(1);
		tel_probe_echo(t, 2, 5000, NULL);
		tel_close(t);
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(1, read(pfd[0], &c, 1));
	close(pfd[0]);
	cfg.port = port_a;
	ASSERT_EQ(0, tel_transport_open(&cfg, &t));
	pc.peer.ip = cfg.local_ip;
	pc.peer.port = port_b;
	ASSERT_EQ(0, tel_probe_run(t, &pc, &res));
	tel_close(t);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	TH_LOG("loopback: rtt min %.1f us avg %.1f us, train %u, %.0f Mbit/s",
	       res.rtt_min_ns / 1e3, res.link.rtt_ns / 1e3, res.train_received,
	       res.link.avail_bps / 1e6);
	EXPECT_EQ(10, res.sent);
	EXPECT_EQ(10, res.replies);
	EXPECT_EQ(32, res.train_received);
	EXPECT_EQ(2, res.link.peer_host_id);
	EXPECT_GT(res.rtt_min_ns, 0);
	EXPECT_GE(res.link.rtt_ns, res.rtt_min_ns);
	EXPECT_GT(res.link.avail_bps, 0);
	EXPECT_EQ(1000000000, res.link.configured_bps);
	EXPECT_EQ(0, res.link.loss_ppm);

	/* what the prober publishes, the aggregator keeps */
	ASSERT_EQ(0, tel_agg_init(&agg, &ac));
	memset(&r, 0, sizeof(r));
	r.type = TEL_REC_LINK;
	r.link = res.link;
	tel_fb_init(&fb);
	ASSERT_EQ(0, tel_fb_add(&fb, &r));
	len = tel_fb_finish(&fb, 1, 0, 1);
	ASSERT_EQ(1, tel_agg_ingest(&agg, fb.buf, (size_t)len, 1, NULL));
	h = tel_agg_find(&agg, 1);
	ASSERT_NE_NULL(h);
	ASSERT_EQ(1, h->nlinks);
	EXPECT_EQ(2, h->links[0].peer_host_id);
	EXPECT_EQ(res.link.rtt_ns, h->links[0].rtt_ns);
	EXPECT_EQ(res.link.avail_bps, h->links[0].avail_bps);
	tel_agg_fini(&agg);
}

TEST(probe_validates_config)
{
	struct tel_probe_config pc = { .host_id = 1, .probes = 1, .train = 2,
				       .timeout_ms = 1 };
	struct tel_probe_result res;

	/* no peer address */
	ASSERT_EQ(-EINVAL, tel_probe_run(NULL, &pc, &res));
	inet_pton(AF_INET, "127.0.0.1", &pc.peer.ip);
	pc.train = 1;
	ASSERT_EQ(-EINVAL, tel_probe_run(NULL, &pc, &res));
	pc.train = TEL_PROBE_MAX_TRAIN + 1;
	ASSERT_EQ(-EINVAL, tel_probe_run(NULL, &pc, &res));
	pc.train = 2;
	pc.probes = 0;
	ASSERT_EQ(-EINVAL, tel_probe_run(NULL, &pc, &res));
	pc.probes = 1;
	pc.timeout_ms = 0;
	ASSERT_EQ(-EINVAL, tel_probe_run(NULL, &pc, &res));
}

TEST(config_from_file_options)
{
	struct tel_transport_config cfg;

	tel_transport_config_init(&cfg);
	ASSERT_EQ(0, tel_transport_config_set(&cfg, "transport", "dpdk"));
	ASSERT_EQ(TEL_TRANSPORT_DPDK, cfg.kind);
	ASSERT_EQ(0, tel_transport_config_set(&cfg, "local", "10.213.1.1"));
	ASSERT_EQ(0, tel_transport_config_set(&cfg, "port", "4000"));
	/* a peer without a port takes the local port */
	ASSERT_EQ(0, tel_transport_config_set(&cfg, "peer", "10.213.1.2"));
	ASSERT_EQ(0, tel_transport_config_set(&cfg, "peer",
					      "10.213.1.3:5000@02:00:00:00:00:03"));
	ASSERT_EQ(2, cfg.npeers);
	ASSERT_EQ(4000, cfg.peers[0].port);
	ASSERT_EQ(5000, cfg.peers[1].port);
	ASSERT_TRUE(cfg.peers[1].have_mac);
	ASSERT_EQ(0, tel_transport_config_set(&cfg, "burst", "64"));
	ASSERT_EQ(0, tel_transport_config_set(&cfg, "rcvbuf", "8388608"));
	ASSERT_EQ(0, tel_transport_config_set(&cfg, "eal",
					      "-l 2 -a 0000:3b:00.1 --file-prefix=palm"));
	ASSERT_STREQ("-l 2 -a 0000:3b:00.1 --file-prefix=palm", cfg.eal_args);
	ASSERT_EQ(0, tel_transport_config_set(&cfg, "mbufs", "0"));
	ASSERT_EQ(0, tel_transport_config_set(&cfg, "mbufs", "8191"));
	ASSERT_EQ(8191, cfg.mbufs);
	ASSERT_EQ(0, tel_transport_config_set(&cfg, "idle_us", "0"));
	ASSERT_EQ(0, tel_transport_config_set(&cfg, "udp_fallback", "no"));
	ASSERT_FALSE(cfg.udp_fallback);
	ASSERT_EQ(0, tel_transport_config_check(&cfg));

	ASSERT_EQ(-ENOENT, tel_transport_config_set(&cfg, "colour", "blue"));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, "transport", "rdma"));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, "local", "::1"));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, "port", "0"));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, "port", "-1"));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, "port", " 80"));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, "port", "80 "));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, "burst", "65"));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, "rcvbuf", "99999999999"));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, "mbufs", "100"));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, "idle_us", "100001"));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, "udp_fallback", "1"));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, "peer", "10.213.1.4:x"));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, NULL, "x"));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, "port", NULL));
	ASSERT_EQ(2, cfg.npeers);
	while (cfg.npeers < TEL_MAX_PEERS)
		ASSERT_EQ(0, tel_transport_config_set(&cfg, "peer", "10.213.1.9"));
	ASSERT_EQ(-EINVAL, tel_transport_config_set(&cfg, "peer", "10.213.1.9"));
	ASSERT_EQ(4000, cfg.port);
}
