// SPDX-License-Identifier: GPL-2.0
/*
 * The case palm exists for: a guest that keeps dirtying memory moves,
 * and every page it wrote arrives intact (the guest verifies its whole
 * working set on the destination, generation by generation).
 *
 * KVM only: QEMU before 9.0 can lose dirty pages of a TCG guest during
 * migration (fixed upstream by "physmem: Fix migration dirty bitmap
 * coherency with TCG memory access"), so a TCG run would fail now and
 * then through no fault of palm's.
 */
#include "tests/lib/harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/lib/palmctl_run.h"
#include "tests/lib/qemu_proc.h"

FIXTURE(dirty) {
	struct qemu_proc src;
	struct qemu_proc dst;
};

FIXTURE_VARIANT(dirty) {
	const char *append;
};

FIXTURE_VARIANT_ADD(dirty, uniform) { .append = "ws=32M rate=20 period=10" };
FIXTURE_VARIANT_ADD(dirty, hotcold) {
	.append = "ws=32M rate=50 pattern=hotcold hot=10 hotw=90 period=10"
};

FIXTURE_SETUP(dirty)
{
	char why[256];

	if (!kvm_available(why, sizeof(why)))
		SKIP(return, "%s (and TCG in QEMU < 9.0 loses dirty pages in migration)",
		     why);
}

FIXTURE_TEARDOWN(dirty)
{
	qemu_stop(&self->src);
	qemu_stop(&self->dst);
}

static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

TEST_F_TIMEOUT(dirty, moves_with_every_page_intact, 120)
{
	struct qemu_opts o = { .accel = "kvm", .mem = "96M",
			       .append = variant->append };
	char uri[64], src_qmp[128], dst_qmp[128], line[256];
	const json_t *guest, *verify;
	long off = 0;
	json_t *rep;
	int rc;

	ASSERT_EQ(0, qemu_start(&self->src, &o));
	ASSERT_EQ(0, qemu_wait_line(&self->src, "ready", &off, line,
				    sizeof(line), 30000 * th_timeout_scale()));
	o.incoming = "defer";
	ASSERT_EQ(0, qemu_start(&self->dst, &o));
	snprintf(uri, sizeof(uri), "tcp:127.0.0.1:%d", free_port());
	snprintf(src_qmp, sizeof(src_qmp), "unix:%s", self->src.qmp_path);
	snprintf(dst_qmp, sizeof(dst_qmp), "unix:%s", self->dst.qmp_path);
	/* let it dirty for a while so that the first pass is not the last */
	usleep(500000);
	{
		const char *args[] = {
			"migrate", "--src", src_qmp, "--dst", dst_qmp,
			"--uri", uri, "--json", "--verify-guest",
			"--guest-log-src", self->src.serial_path,
			"--guest-log-dst", self->dst.serial_path,
			"--budget", "60s", NULL,
		};

		rc = palmctl_run(args, &rep);
	}
	ASSERT_NE_NULL(rep);
	EXPECT_EQ(0, rc);
	EXPECT_STREQ("completed", json_string_value(json_object_get(rep, "status")));
	/* dirtying forces more than one pass over the RAM */
	EXPECT_LE(2, json_integer_value(json_object_get(rep, "passes")));
	guest = json_object_get(rep, "guest");
	verify = json_object_get(guest, "verify");
	EXPECT_TRUE(json_is_true(json_object_get(verify, "ok")));
	EXPECT_EQ(0, json_integer_value(json_object_get(verify, "bad")));
	EXPECT_EQ(8192, json_integer_value(json_object_get(verify, "pages")));
	json_decref(rep);
}
