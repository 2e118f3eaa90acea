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

TEST_F_TIMEOUT(dirty, moves_with_every_page_intact, 120)
{
	struct qemu_opts o = { .accel = "kvm", .mem = "96M",
			       .append = variant->append };
	char uri[64];
	const json_t *guest, *verify;
	json_t *rep;
	int rc;

	ASSERT_EQ(0, qemu_start_pair(&self->src, &self->dst, &o, NULL, NULL));
	snprintf(uri, sizeof(uri), "tcp:127.0.0.1:%d", qemu_free_port());
	/* let it dirty for a while so that the first pass is not the last */
	usleep(500000);
	{
		const char *args[] = {
			"migrate", "--src", self->src.qmp_uri, "--dst", self->dst.qmp_uri,
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
