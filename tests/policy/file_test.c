// SPDX-License-Identifier: GPL-2.0
/* Policy file: round trip, and every kind of damage is rejected. */
#include "tests/lib/harness.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/pol_file.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Re-seal after a deliberate edit so that only the edited field is wrong. */
static void reseal(uint8_t *b, size_t len)
{
	put32(b + len - 4, pol_crc32(b, len - 4));
}

FIXTURE(pfile) {
	struct pol_dqn a, b;
	uint8_t *buf;
	size_t len;
	char err[256];
};

FIXTURE_SETUP(pfile)
{
	ASSERT_EQ(0, pol_dqn_init(&self->a, 1));
	ASSERT_EQ(0, pol_dqn_init(&self->b, 2));
	ASSERT_EQ(0, pol_file_encode(&self->a.online, 17, &self->buf, &self->len));
}

FIXTURE_TEARDOWN(pfile)
{
	free(self->buf);
	pol_dqn_free(&self->a);
	pol_dqn_free(&self->b);
}

TEST_F(pfile, round_trip)
{
	uint32_t eps = 0;

	ASSERT_NE(0, memcmp(self->a.online.w, self->b.online.w,
			    self->a.online.n_params * sizeof(float)));
	ASSERT_EQ(0, pol_file_decode(&self->b.online, self->buf, self->len, &eps,
				     self->err, sizeof(self->err)));
	EXPECT_EQ(17u, eps);
	EXPECT_EQ(0, memcmp(self->a.online.w, self->b.online.w,
			    self->a.online.n_params * sizeof(float)));
}

TEST_F(pfile, save_and_load_file)
{
	char path[] = "/tmp/palm-pol-XXXXXX";
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	close(fd);
	ASSERT_EQ(0, pol_file_save(&self->a, 3, path, self->err, sizeof(self->err)));
	ASSERT_EQ(0, pol_file_load(&self->b, path, NULL, self->err, sizeof(self->err)));
	EXPECT_EQ(0, memcmp(self->a.online.w, self->b.target.w,
			    self->a.online.n_params * sizeof(float)));
	unlink(path);
	EXPECT_EQ(-ENOENT, pol_file_load(&self->b, path, NULL, self->err,
					 sizeof(self->err)));
}

TEST_F(pfile, rejects_flipped_bit)
{
	float before = self->b.online.w[0];
	size_t i;

	for (i = 0; i < self->len; i += 37) {
		self->buf[i] ^= 0x10;
		EXPECT_NE(0, pol_file_decode(&self->b.online, self->buf, self->len,
					     NULL, self->err, sizeof(self->err)));
		self->buf[i] ^= 0x10;
	}
	EXPECT_TRUE(before == self->b.online.w[0]);	/* untouched on error */
}

TEST_F(pfile, rejects_truncation_and_bad_magic)
{
	EXPECT_EQ(-EBADMSG, pol_file_decode(&self->b.online, self->buf, 10, NULL,
					    self->err, sizeof(self->err)));
	EXPECT_EQ(-EBADMSG, pol_file_decode(&self->b.online, self->buf,
					    self->len - 8, NULL, self->err,
					    sizeof(self->err)));
	self->buf[0] = 'X';
	reseal(self->buf, self->len);
	EXPECT_EQ(-EBADMSG, pol_file_decode(&self->b.online, self->buf, self->len,
					    NULL, self->err, sizeof(self->err)));
	EXPECT_NE_NULL(strstr(self->err, "magic"));
}

TEST_F(pfile, rejects_version_layout_and_shape)
{
	put32(self->buf + 8, 99);
	reseal(self->buf, self->len);
	EXPECT_EQ(-EPROTONOSUPPORT, pol_file_decode(&self->b.online, self->buf,
						    self->len, NULL, self->err,
						    sizeof(self->err)));
	EXPECT_NE_NULL(strstr(self->err, "version"));
	put32(self->buf + 8, POL_FILE_VERSION);
	put32(self->buf + 24, 0xdeadbeef);
	reseal(self->buf, self->len);
	EXPECT_EQ(-EINVAL, pol_file_decode(&self->b.online, self->buf, self->len,
					   NULL, self->err, sizeof(self->err)));
	EXPECT_NE_NULL(strstr(self->err, "layout"));
	put32(self->buf + 24, pol_dqn_layout_hash());
	put32(self->buf + 16, POL_DQN_H1 + 1);
	reseal(self->buf, self->len);
	EXPECT_EQ(-EINVAL, pol_file_decode(&self->b.online, self->buf, self->len,
					   NULL, self->err, sizeof(self->err)));
}

TEST_F(pfile, rejects_non_finite_weights)
{
	float nan = NAN;
	uint32_t u;

	memcpy(&u, &nan, 4);
	put32(self->buf + POL_FILE_HDR + 8, u);
	reseal(self->buf, self->len);
	EXPECT_EQ(-EINVAL, pol_file_decode(&self->b.online, self->buf, self->len,
					   NULL, self->err, sizeof(self->err)));
}
