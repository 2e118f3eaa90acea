// SPDX-License-Identifier: GPL-2.0
/*
 * Typed QMP commands: the arguments they send, and their reply decoders
 * on real QEMU 7.2 replies and on replies with missing or wrong fields.
 */
#include "tests/lib/harness.h"
#include "tests/lib/fake_qmp.h"
#include "qmp/qmp_commands.h"

#include <errno.h>
#include <stdlib.h>

#define T_MS 2000

/* Replies captured from QEMU 7.2.22 (the "return" values). */
static const char qm_active[] =
	"{\"expected-downtime\": 5663, \"status\": \"active\", \"setup-time\": 5, "
	"\"total-time\": 3009, \"ram\": {\"total\": 67641344, \"postcopy-requests\": 0, "
	"\"dirty-sync-count\": 2, \"multifd-bytes\": 0, \"pages-per-second\": 1420, "
	"\"downtime-bytes\": 0, \"page-size\": 4096, \"remaining\": 466944, "
	"\"postcopy-bytes\": 0, \"mbps\": 1.7416800000000001, \"transferred\": 637961, "
	"\"dirty-sync-missed-zero-copy\": 0, \"precopy-bytes\": 637961, "
	"\"duplicate\": 16582, \"dirty-pages-rate\": 107, \"skipped\": 0, "
	"\"normal-bytes\": 487424, \"normal\": 119}}";
static const char qm_completed[] =
	"{\"status\": \"completed\", \"setup-time\": 0, \"downtime\": 2, "
	"\"total-time\": 8, \"ram\": {\"total\": 67641344, \"postcopy-requests\": 0, "
	"\"dirty-sync-count\": 2, \"multifd-bytes\": 0, \"pages-per-second\": 0, "
	"\"downtime-bytes\": 0, \"page-size\": 4096, \"remaining\": 0, "
	"\"postcopy-bytes\": 0, \"mbps\": 715.15200000000004, \"transferred\": 603263, "
	"\"dirty-sync-missed-zero-copy\": 0, \"precopy-bytes\": 603263, "
	"\"duplicate\": 16403, \"dirty-pages-rate\": 0, \"skipped\": 0, "
	"\"normal-bytes\": 454656, \"normal\": 111}}";
static const char dr_ring[] =
	"{\"vcpu-dirty-rate\": [{\"dirty-rate\": 48, \"id\": 0}, {\"dirty-rate\": 0, "
	"\"id\": 1}], \"status\": \"measured\", \"sample-pages\": 0, \"dirty-rate\": 48, "
	"\"mode\": \"dirty-ring\", \"start-time\": 1065, \"calc-time\": 1}";
static const char dr_measuring[] =
	"{\"status\": \"measuring\", \"sample-pages\": 512, \"mode\": \"dirty-ring\", "
	"\"start-time\": 1067, \"calc-time\": 1}";
static const char dr_sampling[] =
	"{\"status\": \"measured\", \"sample-pages\": 512, \"dirty-rate\": 0, "
	"\"mode\": \"page-sampling\", \"start-time\": 984, \"calc-time\": 1}";
static const char cpus_one[] =
	"[{\"thread-id\": 9517, \"props\": {\"core-id\": 0, \"thread-id\": 0, "
	"\"socket-id\": 0}, \"qom-path\": \"/machine/unattached/device[0]\", "
	"\"cpu-index\": 0, \"target\": \"x86_64\"}]";

static json_t *load(const char *s)
{
	return json_loads(s, JSON_DECODE_ANY, NULL);
}

/* --- decoders on real replies ----------------------------------------- */

TEST(migrate_info_active)
{
	struct qmp_migrate_info mi;
	json_t *j = load(qm_active);
	char err[256];

	ASSERT_EQ(0, qmp_decode_migrate_info(j, &mi, err, sizeof(err)));
	json_decref(j);
	EXPECT_STREQ("active", mi.status);
	EXPECT_TRUE(mi.has_ram);
	EXPECT_EQ(3009, mi.total_time_ms);
	EXPECT_EQ(5663, mi.expected_downtime_ms);
	EXPECT_EQ(5, mi.setup_time_ms);
	EXPECT_EQ(0, mi.downtime_ms);
	EXPECT_EQ(637961ULL, (unsigned long long)mi.ram_transferred);
	EXPECT_EQ(466944ULL, (unsigned long long)mi.ram_remaining);
	EXPECT_EQ(67641344ULL, (unsigned long long)mi.ram_total);
	EXPECT_EQ(16582ULL, (unsigned long long)mi.ram_duplicate);
	EXPECT_EQ(119ULL, (unsigned long long)mi.ram_normal);
	EXPECT_EQ(107ULL, (unsigned long long)mi.ram_dirty_pages_rate);
	EXPECT_EQ(2ULL, (unsigned long long)mi.ram_dirty_sync_count);
	EXPECT_EQ(4096ULL, (unsigned long long)mi.ram_page_size);
	EXPECT_GT(mi.ram_mbps, 1.74);
	EXPECT_LT(mi.ram_mbps, 1.75);
	EXPECT_STREQ("", mi.error_desc);
}

TEST(migrate_info_completed)
{
	struct qmp_migrate_info mi;
	json_t *j = load(qm_completed);

	ASSERT_EQ(0, qmp_decode_migrate_info(j, &mi, NULL, 0));
	json_decref(j);
	EXPECT_STREQ("completed", mi.status);
	EXPECT_EQ(2, mi.downtime_ms);
	EXPECT_EQ(0ULL, (unsigned long long)mi.ram_remaining);
	EXPECT_GT(mi.ram_mbps, 715.0);
}

/* xbzrle-cache as qapi/migration.json's XBZRLECacheStats lays it out */
TEST(migrate_info_xbzrle_cache)
{
	struct qmp_migrate_info mi;
	json_t *j = load("{\"status\": \"active\", \"xbzrle-cache\": {"
			 "\"cache-size\": 33554432, \"bytes\": 1748226, "
			 "\"pages\": 4096, \"cache-miss\": 2048, "
			 "\"cache-miss-rate\": 0.25, \"encoding-rate\": 9.6, "
			 "\"overflow\": 3}}");

	ASSERT_EQ(0, qmp_decode_migrate_info(j, &mi, NULL, 0));
	json_decref(j);
	EXPECT_TRUE(mi.has_xbzrle);
	EXPECT_FALSE(mi.has_ram);
	EXPECT_EQ(33554432ULL, (unsigned long long)mi.xbzrle_cache_size);
	EXPECT_EQ(1748226ULL, (unsigned long long)mi.xbzrle_bytes);
	EXPECT_EQ(4096ULL, (unsigned long long)mi.xbzrle_pages);
	EXPECT_EQ(2048ULL, (unsigned long long)mi.xbzrle_cache_miss);
	EXPECT_EQ(3ULL, (unsigned long long)mi.xbzrle_overflow);
	EXPECT_EQ(0.25, mi.xbzrle_cache_miss_rate);
	EXPECT_EQ(9.6, mi.xbzrle_encoding_rate);
	/* without xbzrle there is no such object */
	j = load(qm_active);
	ASSERT_EQ(0, qmp_decode_migrate_info(j, &mi, NULL, 0));
	json_decref(j);
	EXPECT_FALSE(mi.has_xbzrle);
}

/* QEMU 7.2 answers {} before the first migration. */
TEST(migrate_info_idle_is_none)
{
	struct qmp_migrate_info mi;
	json_t *j = load("{}");

	memset(&mi, 0x55, sizeof(mi));
	ASSERT_EQ(0, qmp_decode_migrate_info(j, &mi, NULL, 0));
	json_decref(j);
	EXPECT_STREQ("none", mi.status);
	EXPECT_FALSE(mi.has_ram);
	EXPECT_EQ(0, mi.total_time_ms);
	EXPECT_EQ(0ULL, (unsigned long long)mi.ram_total);
	EXPECT_STREQ("", mi.error_desc);
}

TEST(migrate_info_failed_with_long_error)
{
	struct qmp_migrate_info mi;
	char buf[1200], desc[600];
	json_t *j;

	memset(desc, 'e', sizeof(desc) - 1);
	desc[sizeof(desc) - 1] = '\0';
	snprintf(buf, sizeof(buf),
		 "{\"status\": \"failed\", \"error-desc\": \"%s\", \"new-field\": [1]}",
		 desc);
	j = load(buf);
	ASSERT_EQ(0, qmp_decode_migrate_info(j, &mi, NULL, 0));
	json_decref(j);
	EXPECT_STREQ("failed", mi.status);
	/* free text is truncated, not rejected */
	EXPECT_EQ(sizeof(mi.error_desc) - 1, strlen(mi.error_desc));
}

TEST(migrate_info_whole_numbers_for_mbps)
{
	struct qmp_migrate_info mi;
	json_t *j = load("{\"status\": \"active\", \"ram\": {\"transferred\": 1, "
			 "\"remaining\": 2, \"total\": 3, \"mbps\": 0}}");

	ASSERT_EQ(0, qmp_decode_migrate_info(j, &mi, NULL, 0));
	json_decref(j);
	EXPECT_EQ(0, (int)mi.ram_mbps);
	/* counters added in later versions read 0 when absent */
	EXPECT_EQ(0ULL, (unsigned long long)mi.ram_page_size);
}

/* --- decoders on bad replies ------------------------------------------ */

FIXTURE(bad_migrate) {
	int unused;
};

FIXTURE_VARIANT(bad_migrate) {
	const char *reply;
	const char *why;	/* expected in the error */
};

FIXTURE_SETUP(bad_migrate)
{
}

FIXTURE_TEARDOWN(bad_migrate)
{
}

FIXTURE_VARIANT_ADD(bad_migrate, not_an_object) {
	.reply = "[]", .why = "not an object",
};
FIXTURE_VARIANT_ADD(bad_migrate, status_integer) {
	.reply = "{\"status\": 4}", .why = "\"status\" is an integer",
};
FIXTURE_VARIANT_ADD(bad_migrate, status_empty) {
	.reply = "{\"status\": \"\"}", .why = "\"status\" of 0 bytes",
};
FIXTURE_VARIANT_ADD(bad_migrate, status_too_long) {
	.reply = "{\"status\": \"postcopy-active-and-then-some-more-x\"}",
	.why = "\"status\" of 36 bytes",
};
FIXTURE_VARIANT_ADD(bad_migrate, total_time_string) {
	.reply = "{\"status\": \"active\", \"total-time\": \"5\"}",
	.why = "\"total-time\" is a string",
};
FIXTURE_VARIANT_ADD(bad_migrate, downtime_negative) {
	.reply = "{\"status\": \"completed\", \"downtime\": -2}",
	.why = "\"downtime\" = -2",
};
FIXTURE_VARIANT_ADD(bad_migrate, throttle_over_100) {
	.reply = "{\"status\": \"active\", \"cpu-throttle-percentage\": 150}",
	.why = "\"cpu-throttle-percentage\" = 150",
};
FIXTURE_VARIANT_ADD(bad_migrate, error_desc_object) {
	.reply = "{\"status\": \"failed\", \"error-desc\": {}}",
	.why = "\"error-desc\" is an object",
};
FIXTURE_VARIANT_ADD(bad_migrate, ram_array) {
	.reply = "{\"status\": \"active\", \"ram\": []}",
	.why = "\"ram\" is an array",
};
FIXTURE_VARIANT_ADD(bad_migrate, ram_missing_total) {
	.reply = "{\"status\": \"active\", \"ram\": {\"transferred\": 1, "
		 "\"remaining\": 2}}",
	.why = "missing \"total\"",
};
FIXTURE_VARIANT_ADD(bad_migrate, ram_transferred_real) {
	.reply = "{\"status\": \"active\", \"ram\": {\"transferred\": 1.5, "
		 "\"remaining\": 2, \"total\": 3}}",
	.why = "\"transferred\" is a real",
};
FIXTURE_VARIANT_ADD(bad_migrate, ram_remaining_negative) {
	.reply = "{\"status\": \"active\", \"ram\": {\"transferred\": 1, "
		 "\"remaining\": -2, \"total\": 3}}",
	.why = "\"remaining\" = -2",
};
FIXTURE_VARIANT_ADD(bad_migrate, ram_mbps_string) {
	.reply = "{\"status\": \"active\", \"ram\": {\"transferred\": 1, "
		 "\"remaining\": 2, \"total\": 3, \"mbps\": \"fast\"}}",
	.why = "\"mbps\" is a string",
};
FIXTURE_VARIANT_ADD(bad_migrate, ram_mbps_negative) {
	.reply = "{\"status\": \"active\", \"ram\": {\"transferred\": 1, "
		 "\"remaining\": 2, \"total\": 3, \"mbps\": -1.0}}",
	.why = "not a rate",
};
FIXTURE_VARIANT_ADD(bad_migrate, ram_page_size_bool) {
	.reply = "{\"status\": \"active\", \"ram\": {\"transferred\": 1, "
		 "\"remaining\": 2, \"total\": 3, \"page-size\": true}}",
	.why = "\"page-size\" is a boolean",
};

FIXTURE_VARIANT_ADD(bad_migrate, xbzrle_not_an_object) {
	.reply = "{\"status\": \"active\", \"xbzrle-cache\": 3}",
	.why = "\"xbzrle-cache\" is an integer",
};
FIXTURE_VARIANT_ADD(bad_migrate, xbzrle_pages_missing) {
	.reply = "{\"status\": \"active\", \"xbzrle-cache\": {\"cache-size\": 1, "
		 "\"bytes\": 2, \"cache-miss\": 3, \"overflow\": 0}}",
	.why = "\"pages\"",
};
FIXTURE_VARIANT_ADD(bad_migrate, xbzrle_miss_rate_above_one) {
	.reply = "{\"status\": \"active\", \"xbzrle-cache\": {\"cache-size\": 1, "
		 "\"bytes\": 2, \"pages\": 1, \"cache-miss\": 3, \"overflow\": 0, "
		 "\"cache-miss-rate\": 1.5}}",
	.why = "above 1",
};

TEST_F(bad_migrate, is_a_protocol_error)
{
	struct qmp_migrate_info mi, before;
	char err[256] = "";
	json_t *j = load(variant->reply);

	ASSERT_NE_NULL(j);
	memset(&mi, 0x5a, sizeof(mi));
	before = mi;
	EXPECT_EQ(-EPROTO, qmp_decode_migrate_info(j, &mi, err, sizeof(err)));
	json_decref(j);
	if (!strstr(err, variant->why))
		TH_LOG("error: %s", err);
	EXPECT_NE_NULL(strstr(err, variant->why));
	EXPECT_NE_NULL(strstr(err, "query-migrate"));
	/* nothing half-decoded reaches the caller */
	EXPECT_EQ(0, memcmp(&mi, &before, sizeof(mi)));
}

TEST(dirty_rate_page_sampling)
{
	struct qmp_dirty_rate dr;
	json_t *j = load(dr_sampling);

	ASSERT_EQ(0, qmp_decode_dirty_rate(j, &dr, NULL, 0));
	json_decref(j);
	EXPECT_STREQ("measured", dr.status);
	EXPECT_STREQ("page-sampling", dr.mode);
	EXPECT_EQ(0, dr.dirty_rate_mbps);
	EXPECT_EQ(512, dr.sample_pages);
	EXPECT_EQ(1, dr.calc_time);
	EXPECT_EQ(984, dr.start_time);
	EXPECT_EQ(0, dr.nvcpu);
}

TEST(dirty_rate_dirty_ring_per_vcpu)
{
	struct qmp_dirty_rate dr;
	json_t *j = load(dr_ring);

	ASSERT_EQ(0, qmp_decode_dirty_rate(j, &dr, NULL, 0));
	json_decref(j);
	EXPECT_STREQ("dirty-ring", dr.mode);
	EXPECT_EQ(48, dr.dirty_rate_mbps);
	ASSERT_EQ(2, dr.nvcpu);
	EXPECT_EQ(48, dr.vcpu_rate_mbps[0]);
	EXPECT_EQ(0, dr.vcpu_rate_mbps[1]);
}

TEST(dirty_rate_while_measuring_has_no_rate)
{
	struct qmp_dirty_rate dr;
	json_t *j = load(dr_measuring);

	ASSERT_EQ(0, qmp_decode_dirty_rate(j, &dr, NULL, 0));
	json_decref(j);
	EXPECT_STREQ("measuring", dr.status);
	EXPECT_EQ(-1, dr.dirty_rate_mbps);
}

TEST(dirty_rate_bad_replies)
{
	static const struct {
		const char *reply;
		int err;
		const char *why;
	} bad[] = {
		{ "{\"mode\": \"page-sampling\", \"start-time\": 1, \"calc-time\": 1, "
		  "\"sample-pages\": 1}", -EPROTO, "missing \"status\"" },
		{ "{\"status\": \"measured\", \"start-time\": 1, \"calc-time\": 1, "
		  "\"sample-pages\": 1}", -EPROTO, "missing \"mode\"" },
		{ "{\"status\": \"measured\", \"mode\": \"dirty-ring\", \"start-time\": 1, "
		  "\"calc-time\": 1, \"sample-pages\": 1, \"dirty-rate\": \"9\"}",
		  -EPROTO, "\"dirty-rate\" is a string" },
		{ "{\"status\": \"measured\", \"mode\": \"dirty-ring\", \"start-time\": 1, "
		  "\"calc-time\": 1, \"sample-pages\": 1, \"vcpu-dirty-rate\": {}}",
		  -EPROTO, "not an array" },
		{ "{\"status\": \"measured\", \"mode\": \"dirty-ring\", \"start-time\": 1, "
		  "\"calc-time\": 1, \"sample-pages\": 1, \"vcpu-dirty-rate\": "
		  "[{\"id\": 0, \"dirty-rate\": 1}, {\"id\": 0, \"dirty-rate\": 2}]}",
		  -EPROTO, "listed twice" },
		{ "{\"status\": \"measured\", \"mode\": \"dirty-ring\", \"start-time\": 1, "
		  "\"calc-time\": 1, \"sample-pages\": 1, \"vcpu-dirty-rate\": "
		  "[{\"id\": -1, \"dirty-rate\": 1}]}", -EPROTO, "\"id\" = -1" },
		{ "{\"status\": \"measured\", \"mode\": \"dirty-ring\", \"start-time\": 1, "
		  "\"calc-time\": 1, \"sample-pages\": 1, \"vcpu-dirty-rate\": "
		  "[{\"id\": 300, \"dirty-rate\": 1}]}", -EOVERFLOW, "vCPU id 300" },
		{ "{\"status\": \"measured\", \"mode\": \"dirty-ring\", \"start-time\": 1, "
		  "\"calc-time\": 1, \"sample-pages\": 1, \"vcpu-dirty-rate\": [7]}",
		  -EPROTO, "not an object" },
		{ "{\"status\": \"measured-with-a-long-name\", \"mode\": \"dirty-ring\", "
		  "\"start-time\": 1, \"calc-time\": 1, \"sample-pages\": 1}",
		  -EPROTO, "\"status\" of" },
		{ "null", -EPROTO, "not an object" },
	};
	struct qmp_dirty_rate dr;
	char err[256];
	size_t i;
	json_t *j;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		j = load(bad[i].reply);
		ASSERT_NE_NULL(j);
		EXPECT_EQ(bad[i].err, qmp_decode_dirty_rate(j, &dr, err, sizeof(err)));
		json_decref(j);
		if (!strstr(err, bad[i].why))
			TH_LOG("case %zu: %s", i, err);
		EXPECT_NE_NULL(strstr(err, bad[i].why));
	}
}

TEST(cpus_fast_real_reply)
{
	struct qmp_vcpu v[4];
	json_t *j = load(cpus_one);
	int n = -1;

	ASSERT_EQ(0, qmp_decode_cpus_fast(j, v, 4, &n, NULL, 0));
	json_decref(j);
	ASSERT_EQ(1, n);
	EXPECT_EQ(0, v[0].cpu_index);
	EXPECT_EQ(9517, v[0].thread_id);
	EXPECT_STREQ("/machine/unattached/device[0]", v[0].qom_path);
}

TEST(cpus_fast_more_than_room)
{
	struct qmp_vcpu v[2];
	char buf[512];
	json_t *j;
	int n = 0;

	snprintf(buf, sizeof(buf), "[%s, %s, %s]",
		 "{\"cpu-index\": 0, \"thread-id\": 10, \"qom-path\": \"/a\"}",
		 "{\"cpu-index\": 1, \"thread-id\": 11, \"qom-path\": \"/b\"}",
		 "{\"cpu-index\": 2, \"thread-id\": 12, \"qom-path\": \"/c\"}");
	j = load(buf);
	EXPECT_EQ(-ENOBUFS, qmp_decode_cpus_fast(j, v, 2, &n, NULL, 0));
	EXPECT_EQ(3, n);
	EXPECT_EQ(11, v[1].thread_id);
	EXPECT_EQ(-ENOBUFS, qmp_decode_cpus_fast(j, NULL, 0, &n, NULL, 0));
	EXPECT_EQ(3, n);
	EXPECT_EQ(-EINVAL, qmp_decode_cpus_fast(j, NULL, 2, &n, NULL, 0));
	json_decref(j);
}

TEST(cpus_fast_bad_replies)
{
	static const char *const bad[] = {
		"{}",
		"[1]",
		"[{\"thread-id\": 10, \"qom-path\": \"/a\"}]",
		"[{\"cpu-index\": 0, \"thread-id\": \"10\", \"qom-path\": \"/a\"}]",
		"[{\"cpu-index\": 0, \"thread-id\": 10}]",
		"[{\"cpu-index\": 0, \"thread-id\": 10, \"qom-path\": 5}]",
		"[{\"cpu-index\": 0, \"thread-id\": 4294967296, \"qom-path\": \"/a\"}]",
		"[{\"cpu-index\": -1, \"thread-id\": 10, \"qom-path\": \"/a\"}]",
	};
	struct qmp_vcpu v[2];
	char err[256];
	size_t i;
	json_t *j;
	int n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = load(bad[i]);
		ASSERT_NE_NULL(j);
		n = 7;
		err[0] = '\0';
		EXPECT_EQ(-EPROTO, qmp_decode_cpus_fast(j, v, 2, &n, err, sizeof(err)));
		EXPECT_EQ(0, n);
		EXPECT_NE(0, (int)strlen(err));
		json_decref(j);
	}
}

TEST(status_decoder)
{
	char st[16];
	bool running = true;
	json_t *j;

	j = load("{\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}");
	ASSERT_EQ(0, qmp_decode_status(j, st, sizeof(st), &running, NULL, 0));
	EXPECT_STREQ("prelaunch", st);
	EXPECT_FALSE(running);
	EXPECT_EQ(-ENOBUFS, qmp_decode_status(j, st, 5, &running, NULL, 0));
	EXPECT_EQ(0, qmp_decode_status(j, NULL, 0, NULL, NULL, 0));
	json_decref(j);

	j = load("{\"status\": \"running\", \"running\": 1}");
	EXPECT_EQ(-EPROTO, qmp_decode_status(j, st, sizeof(st), &running, NULL, 0));
	json_decref(j);
	j = load("{\"running\": true}");
	EXPECT_EQ(-EPROTO, qmp_decode_status(j, st, sizeof(st), &running, NULL, 0));
	json_decref(j);
}

/* --- commands over a scripted peer ------------------------------------ */

FIXTURE(cmd) {
	struct fake_qmp *f;
	struct qmp_client *c;
	int next;		/* index of the next command the peer gets */
};

FIXTURE_SETUP(cmd)
{
	self->f = fake_qmp_new(false);
	ASSERT_NE_NULL(self->f);
	fake_qmp_handshake(self->f);
	self->next = 1;
}

FIXTURE_TEARDOWN(cmd)
{
	qmp_close(self->c);
	fake_qmp_free(self->f);
}

#define CONNECT(self)                                                  \
	do {                                                           \
		int _fd;                                               \
		fake_qmp_wait_close((self)->f);                        \
		ASSERT_EQ(0, fake_qmp_start((self)->f, &_fd));         \
		ASSERT_EQ(0, qmp_client_from_fd(_fd, T_MS, &(self)->c)); \
	} while (0)

#define PEER_DONE(self)                                                \
	do {                                                           \
		int _r;                                                \
		qmp_close((self)->c);                                  \
		(self)->c = NULL;                                      \
		_r = fake_qmp_finish((self)->f);                       \
		if (_r)                                                \
			TH_LOG("%s", fake_qmp_error((self)->f));       \
		ASSERT_EQ(0, _r);                                      \
	} while (0)

/* The arguments the peer got for command i, compared as JSON. */
#define EXPECT_ARGS(self, i, json)                                     \
	do {                                                           \
		json_t *_want = json_loads(json, 0, NULL);             \
		json_t *_got = fake_qmp_args((self)->f, i);            \
		if (!json_equal(_want, _got)) {                        \
			char *_s = _got ? json_dumps(_got, JSON_COMPACT) : NULL; \
			TH_LOG("command %d got %s", i, _s ? _s : "no arguments"); \
			free(_s);                                      \
		}                                                      \
		EXPECT_TRUE(json_equal(_want, _got));                  \
		json_decref(_want);                                    \
	} while (0)

TEST_F(cmd, migration_commands_send_their_arguments)
{
	json_t *params;

	fake_qmp_expect_reply(self->f, "migrate-set-capabilities", "{\"return\": {}}");
	fake_qmp_expect_reply(self->f, "migrate-set-parameters", "{\"return\": {}}");
	fake_qmp_expect_reply(self->f, "migrate-incoming", "{\"return\": {}}");
	fake_qmp_expect_reply(self->f, "migrate", "{\"return\": {}}");
	fake_qmp_expect_reply(self->f, "migrate_cancel", "{\"return\": {}}");
	CONNECT(self);

	ASSERT_EQ(0, qmp_migrate_set_capability(self->c, "postcopy-ram", true));
	params = json_pack("{s:i, s:I}", "downtime-limit", 300, "max-bandwidth",
			   (json_int_t)125000000);
	ASSERT_EQ(0, qmp_migrate_set_parameters(self->c, params));
	ASSERT_EQ(0, qmp_migrate_incoming(self->c, "tcp:0.0.0.0:4444"));
	ASSERT_EQ(0, qmp_migrate(self->c, "tcp:10.0.0.2:4444"));
	ASSERT_EQ(0, qmp_migrate_cancel(self->c));
	PEER_DONE(self);

	EXPECT_ARGS(self, 1, "{\"capabilities\": [{\"capability\": \"postcopy-ram\", "
			     "\"state\": true}]}");
	EXPECT_ARGS(self, 2, "{\"downtime-limit\": 300, \"max-bandwidth\": 125000000}");
	EXPECT_ARGS(self, 3, "{\"uri\": \"tcp:0.0.0.0:4444\"}");
	EXPECT_ARGS(self, 4, "{\"uri\": \"tcp:10.0.0.2:4444\"}");
	EXPECT_NULL(fake_qmp_args(self->f, 5));
}

TEST_F(cmd, vm_commands_send_their_arguments)
{
	fake_qmp_expect_reply(self->f, "stop", "{\"return\": {}}");
	fake_qmp_expect_reply(self->f, "cont", "{\"return\": {}}");
	fake_qmp_expect_reply(self->f, "send-key", "{\"return\": {}}");
	fake_qmp_expect_reply(self->f, "calc-dirty-rate", "{\"return\": {}}");
	fake_qmp_expect_reply(self->f, "calc-dirty-rate", "{\"return\": {}}");
	CONNECT(self);

	ASSERT_EQ(0, qmp_stop(self->c));
	ASSERT_EQ(0, qmp_cont(self->c));
	ASSERT_EQ(0, qmp_send_key(self->c, "v"));
	ASSERT_EQ(0, qmp_calc_dirty_rate(self->c, 1, NULL, 0));
	ASSERT_EQ(0, qmp_calc_dirty_rate(self->c, 2, "page-sampling", 1024));
	PEER_DONE(self);

	EXPECT_NULL(fake_qmp_args(self->f, 1));
	EXPECT_ARGS(self, 3, "{\"keys\": [{\"type\": \"qcode\", \"data\": \"v\"}]}");
	EXPECT_ARGS(self, 4, "{\"calc-time\": 1}");
	EXPECT_ARGS(self, 5, "{\"calc-time\": 2, \"mode\": \"page-sampling\", "
			     "\"sample-pages\": 1024}");
}

TEST_F(cmd, bad_arguments_are_not_sent)
{
	CONNECT(self);
	EXPECT_EQ(-EINVAL, qmp_migrate(self->c, NULL));
	EXPECT_EQ(-EINVAL, qmp_migrate(self->c, ""));
	EXPECT_EQ(-EINVAL, qmp_migrate_incoming(self->c, "\xff"));
	EXPECT_EQ(-EINVAL, qmp_migrate_set_capability(self->c, NULL, true));
	EXPECT_EQ(-EINVAL, qmp_migrate_set_parameters(self->c, NULL));
	EXPECT_EQ(-EINVAL, qmp_migrate_set_parameters(self->c, json_array()));
	EXPECT_EQ(-EINVAL, qmp_calc_dirty_rate(self->c, 0, NULL, 0));
	EXPECT_EQ(-EINVAL, qmp_calc_dirty_rate(self->c, 1, "guess", 0));
	EXPECT_NE_NULL(strstr(qmp_last_error(self->c), "mode"));
	EXPECT_EQ(-EINVAL, qmp_calc_dirty_rate(self->c, 1, NULL, -5));
	EXPECT_EQ(-EINVAL, qmp_send_key(self->c, ""));
	PEER_DONE(self);
	EXPECT_EQ(1, fake_qmp_received(self->f));
}

TEST_F(cmd, queries_decode_real_replies)
{
	char reply[1024], st[32];
	struct qmp_migrate_info mi;
	struct qmp_dirty_rate dr;
	struct qmp_vcpu v[4];
	bool running;
	int n;

	snprintf(reply, sizeof(reply), "{\"return\": %s}", qm_active);
	fake_qmp_expect_reply(self->f, "query-migrate", reply);
	snprintf(reply, sizeof(reply), "{\"return\": %s}", dr_ring);
	fake_qmp_expect_reply(self->f, "query-dirty-rate", reply);
	snprintf(reply, sizeof(reply), "{\"return\": %s}", cpus_one);
	fake_qmp_expect_reply(self->f, "query-cpus-fast", reply);
	fake_qmp_expect_reply(self->f, "query-status",
			      "{\"return\": {\"status\": \"postmigrate\", "
			      "\"singlestep\": false, \"running\": false}}");
	CONNECT(self);

	ASSERT_EQ(0, qmp_query_migrate(self->c, &mi));
	EXPECT_STREQ("active", mi.status);
	ASSERT_EQ(0, qmp_query_dirty_rate(self->c, &dr));
	EXPECT_EQ(48, dr.dirty_rate_mbps);
	ASSERT_EQ(0, qmp_query_cpus_fast(self->c, v, 4, &n));
	EXPECT_EQ(1, n);
	ASSERT_EQ(0, qmp_query_status(self->c, st, sizeof(st), &running));
	EXPECT_STREQ("postmigrate", st);
	EXPECT_FALSE(running);
	PEER_DONE(self);
}

TEST_F(cmd, wrong_types_fail_with_a_clear_error)
{
	struct qmp_migrate_info mi;
	struct qmp_vcpu v[1];
	int n;

	fake_qmp_expect_reply(self->f, "query-migrate",
			      "{\"return\": {\"status\": \"active\", \"ram\": "
			      "{\"transferred\": \"lots\", \"remaining\": 1, \"total\": 2}}}");
	fake_qmp_expect_reply(self->f, "query-cpus-fast", "{\"return\": {}}");
	fake_qmp_expect_reply(self->f, "stop", "{\"return\": []}");
	fake_qmp_expect_reply(self->f, "query-migrate", "{\"return\": {}}");
	CONNECT(self);

	ASSERT_EQ(-EPROTO, qmp_query_migrate(self->c, &mi));
	EXPECT_STREQ("query-migrate: ram: \"transferred\" is a string, not an integer",
		     qmp_last_error(self->c));
	ASSERT_EQ(-EPROTO, qmp_query_cpus_fast(self->c, v, 1, &n));
	EXPECT_NE_NULL(strstr(qmp_last_error(self->c), "not an array"));
	ASSERT_EQ(-EPROTO, qmp_stop(self->c));
	EXPECT_NE_NULL(strstr(qmp_last_error(self->c), "stop: reply is an array"));
	/* a decode error does not break the connection */
	ASSERT_EQ(0, qmp_query_migrate(self->c, &mi));
	EXPECT_STREQ("none", mi.status);
	PEER_DONE(self);
}

TEST_F(cmd, remote_errors_pass_through)
{
	struct qmp_dirty_rate dr;

	fake_qmp_expect_reply(self->f, "migrate-set-capabilities",
			      "{\"error\": {\"class\": \"GenericError\", \"desc\": "
			      "\"Parameter 'capability' does not accept value 'dirty-limit'\"}}");
	fake_qmp_expect_reply(self->f, "query-dirty-rate",
			      "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
			      "\"The command query-dirty-rate has not been found\"}}");
	CONNECT(self);
	ASSERT_EQ(-EREMOTEIO, qmp_migrate_set_capability(self->c, "dirty-limit", true));
	EXPECT_NE_NULL(strstr(qmp_last_error(self->c), "dirty-limit"));
	ASSERT_EQ(-EREMOTEIO, qmp_query_dirty_rate(self->c, &dr));
	EXPECT_STREQ("CommandNotFound", qmp_last_error_class(self->c));
	PEER_DONE(self);
}
