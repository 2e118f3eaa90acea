// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM dirty ring's size from a QEMU command line, and the socket
 * peer it is read from.  A real QEMU's is read in qmp_qemu_test.
 */
#include "tests/lib/harness.h"
#include "tests/lib/fake_qmp.h"
#include "qmp/qmp_peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define T_MS 2000

/* argv with '|' for the NULs between arguments, as /proc shows it */
static int ring_of(const char *line, int *pages)
{
	char buf[512];
	size_t i, n = strlen(line);

	if (n + 1 > sizeof(buf))
		return -E2BIG;
	for (i = 0; i < n; i++)
		buf[i] = line[i] == '|' ? '\0' : line[i];
	buf[n] = '\0';
	return qmp_cmdline_dirty_ring(buf, n + 1, pages);
}

static const struct {
	const char *line;
	int ret, pages;
} cases[] = {
	{ "qemu-system-x86_64|-accel|kvm,dirty-ring-size=4096|-m|128M", 0, 4096 },
	{ "/usr/bin/qemu-system-x86_64|--accel|accel=kvm,dirty-ring-size=65536", 0, 65536 },
	/* QEMU's string visitor takes any C base */
	{ "qemu-system-x86_64|-accel|kvm,dirty-ring-size=0x400", 0, 1024 },
	/* QemuOpts: the last setting wins; ",," is a comma in a value */
	{ "qemu-system-x86_64|-accel|kvm,dirty-ring-size=1024,dirty-ring-size=2048", 0, 2048 },
	{ "qemu-system-x86_64|-accel|kvm,x=a,,dirty-ring-size=8,dirty-ring-size=512", 0, 512 },
	/* the first KVM accelerator is the one QEMU would start */
	{ "qemu-system-x86_64|-accel|tcg|-accel|kvm,dirty-ring-size=2048|-accel|kvm,dirty-ring-size=4096", 0, 2048 },
	{ "kvm|-accel|kvm,dirty-ring-size=8192", 0, 8192 },
	/* KVM without a ring, TCG, the legacy forms that cannot set one */
	{ "qemu-system-x86_64|-accel|kvm", 0, 0 },
	{ "qemu-system-x86_64|-accel|tcg,dirty-ring-size=4096", 0, 0 },
	{ "qemu-system-x86_64|-enable-kvm|-m|1G", 0, 0 },
	{ "qemu-system-x86_64|-machine|pc,accel=kvm", 0, 0 },
	{ "qemu-system-x86_64", 0, 0 },
	{ "qemu-system-x86_64|-accel", 0, 0 },
	{ "qemu-system-x86_64|-name|kvm,dirty-ring-size=4096", 0, 0 },
	/* where palm does not look */
	{ "qemu-system-x86_64|-readconfig|vm.cfg", -EOPNOTSUPP, 0 },
	{ "qemu-system-x86_64|-global|kvm-accel.dirty-ring-size=4096", -EOPNOTSUPP, 0 },
	{ "qemu-system-x86_64|-set|accel.kvm.dirty-ring-size=4096", -EOPNOTSUPP, 0 },
	/* sizes QEMU refuses */
	{ "qemu-system-x86_64|-accel|kvm,dirty-ring-size=4095", -EINVAL, 0 },
	{ "qemu-system-x86_64|-accel|kvm,dirty-ring-size=131072", -EINVAL, 0 },
	{ "qemu-system-x86_64|-accel|kvm,dirty-ring-size=-4096", -EINVAL, 0 },
	{ "qemu-system-x86_64|-accel|kvm,dirty-ring-size=", -EINVAL, 0 },
	{ "qemu-system-x86_64|-accel|kvm,dirty-ring-size=4k", -EINVAL, 0 },
	{ "qemu-system-x86_64|-accel|kvm,dirty-ring-size=18446744073709551616", -EINVAL, 0 },
	/* not QEMU */
	{ "python3|-accel|kvm,dirty-ring-size=4096", -ENOENT, 0 },
	{ "/usr/lib/qmp-proxy|-accel|kvm,dirty-ring-size=4096", -ENOENT, 0 },
};

TEST(ring_size_from_the_command_line)
{
	unsigned int i;
	int pages, ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pages = -7;
		ret = ring_of(cases[i].line, &pages);
		if (ret != cases[i].ret || pages != cases[i].pages)
			TH_LOG("'%s': %d, %d pages (want %d, %d)", cases[i].line,
			       ret, pages, cases[i].ret, cases[i].pages);
		EXPECT_EQ(cases[i].ret, ret);
		EXPECT_EQ(cases[i].pages, pages);
	}
}

/* /proc ends argv with a NUL; anything else is not argv */
TEST(a_line_that_is_not_argv_is_refused)
{
	static const char unterminated[] = { 'q', 'e', 'm', 'u' };
	int pages = -7;

	EXPECT_EQ(-ENOENT, qmp_cmdline_dirty_ring(unterminated,
						  sizeof(unterminated), &pages));
	EXPECT_EQ(0, pages);
	EXPECT_EQ(-ENOENT, qmp_cmdline_dirty_ring("", 0, &pages));
}

/* The peer of a socket pair is this test program: not QEMU. */
TEST(a_peer_that_is_not_qemu_is_unknown)
{
	struct fake_qmp *f = fake_qmp_new(false);
	struct qmp_client *c = NULL;
	char err[128] = "";
	int fd, pages = -7;

	ASSERT_NE_NULL(f);
	fake_qmp_handshake(f);
	ASSERT_EQ(0, fake_qmp_start(f, &fd));
	ASSERT_EQ(0, qmp_client_from_fd(fd, T_MS, &c));
	EXPECT_EQ(-ENOENT, qmp_peer_dirty_ring(c, &pages, err, sizeof(err)));
	EXPECT_EQ(0, pages);
	TH_LOG("%s", err);
	EXPECT_NE_NULL(strstr(err, "is not QEMU"));
	qmp_close(c);
	EXPECT_EQ(0, fake_qmp_finish(f));
	fake_qmp_free(f);
}

/* Over TCP the peer may be anywhere: the size stays unknown. */
TEST(a_tcp_peer_is_unknown)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct fake_qmp *f = fake_qmp_new(false);
	struct qmp_client *c = NULL;
	socklen_t sl = sizeof(sa);
	char addr[64], err[128] = "";
	int lfd, pages = -7;

	ASSERT_NE_NULL(f);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&sa, &sl));
	ASSERT_EQ(0, listen(lfd, 1));
	fake_qmp_handshake(f);
	fake_qmp_wait_close(f);
	ASSERT_EQ(0, fake_qmp_start_listener(f, lfd));
	snprintf(addr, sizeof(addr), "tcp:127.0.0.1:%u", ntohs(sa.sin_port));
	ASSERT_EQ(0, qmp_connect(addr, T_MS, &c));
	EXPECT_EQ(-EOPNOTSUPP, qmp_peer_dirty_ring(c, &pages, err, sizeof(err)));
	EXPECT_EQ(0, pages);
	EXPECT_NE_NULL(strstr(err, "not on a local unix socket"));
	qmp_close(c);
	EXPECT_EQ(0, fake_qmp_finish(f));
	close(lfd);
	fake_qmp_free(f);
}
