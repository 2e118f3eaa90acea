// SPDX-License-Identifier: GPL-2.0
/*
 * Feature discovery from query-migrate-capabilities,
 * query-migrate-parameters and query-qmp-schema replies.
 */
#include "tests/lib/harness.h"
#include "tests/lib/fake_qmp.h"
#include "qmp/qmp_features.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define T_MS 2000

/*
 * Shaped like QEMU's: type names are masked numbers, reached only through
 * commands; "10" is a union whose variant adds a member.
 */
static const char schema[] =
	"[{\"name\": \"migrate-set-parameters\", \"meta-type\": \"command\", "
	"  \"arg-type\": \"10\", \"ret-type\": \"0\"},"
	" {\"name\": \"query-migrate-parameters\", \"meta-type\": \"command\", "
	"  \"arg-type\": \"0\", \"ret-type\": \"11\"},"
	" {\"name\": \"migrate-set-capabilities\", \"meta-type\": \"command\", "
	"  \"arg-type\": \"12\", \"ret-type\": \"0\"},"
	" {\"name\": \"calc-dirty-rate\", \"meta-type\": \"command\", "
	"  \"arg-type\": \"0\", \"ret-type\": \"0\", \"allow-oob\": false},"
	" {\"name\": \"MIGRATION\", \"meta-type\": \"event\", \"arg-type\": \"0\"},"
	" {\"name\": \"0\", \"meta-type\": \"object\", \"members\": []},"
	" {\"name\": \"10\", \"meta-type\": \"object\", \"tag\": \"kind\", "
	"  \"members\": [{\"name\": \"downtime-limit\", \"default\": null, \"type\": \"int\"},"
	"               {\"name\": \"tls-creds\", \"default\": null, \"type\": \"334\"},"
	"               {\"name\": \"multifd-compression\", \"default\": null, \"type\": \"15\"},"
	"               {\"name\": \"kind\", \"type\": \"str\"}],"
	"  \"variants\": [{\"case\": \"a\", \"type\": \"16\"}, {\"case\": \"b\", \"type\": \"0\"}]},"
	" {\"name\": \"16\", \"meta-type\": \"object\", "
	"  \"members\": [{\"name\": \"variant-param\", \"type\": \"int\"}]},"
	" {\"name\": \"11\", \"meta-type\": \"object\", "
	"  \"members\": [{\"name\": \"downtime-limit\", \"type\": \"int\"},"
	"               {\"name\": \"x-only-in-query\", \"type\": \"int\", \"features\": [\"unstable\"]}]},"
	" {\"name\": \"12\", \"meta-type\": \"object\", "
	"  \"members\": [{\"name\": \"capabilities\", \"type\": \"[13]\"}]},"
	" {\"name\": \"[13]\", \"meta-type\": \"array\", \"element-type\": \"13\"},"
	" {\"name\": \"13\", \"meta-type\": \"object\", "
	"  \"members\": [{\"name\": \"capability\", \"type\": \"14\"}, {\"name\": \"state\", \"type\": \"bool\"}]},"
	" {\"name\": \"14\", \"meta-type\": \"enum\", "
	"  \"members\": [{\"name\": \"postcopy-ram\"}, {\"name\": \"x-schema-only\"}],"
	"  \"values\": [\"postcopy-ram\", \"x-schema-only\"]},"
	" {\"name\": \"15\", \"meta-type\": \"enum\", "
	"  \"members\": [{\"name\": \"none\"}, {\"name\": \"zstd\"}],"
	"  \"values\": [\"none\", \"zstd\"]},"
	" {\"name\": \"334\", \"meta-type\": \"alternate\", "
	"  \"members\": [{\"type\": \"str\"}, {\"type\": \"null\"}]},"
	" {\"name\": \"int\", \"meta-type\": \"builtin\", \"json-type\": \"int\"},"
	" {\"name\": \"str\", \"meta-type\": \"builtin\", \"json-type\": \"string\"},"
	" {\"name\": \"bool\", \"meta-type\": \"builtin\", \"json-type\": \"boolean\"},"
	" {\"name\": \"null\", \"meta-type\": \"builtin\", \"json-type\": \"null\"}]";
static const char caps[] =
	"[{\"state\": false, \"capability\": \"postcopy-ram\"}, "
	" {\"state\": true, \"capability\": \"events\"}]";
static const char params[] =
	"{\"downtime-limit\": 300, \"max-bandwidth\": 134217728, \"tls-creds\": \"\"}";

static json_t *load(const char *s)
{
	return json_loads(s, JSON_DECODE_ANY, NULL);
}

TEST(features_from_all_three_sources)
{
	json_t *c = load(caps), *p = load(params), *s = load(schema);
	struct qmp_features *f = NULL;
	size_t ncap, npar, ncmd;
	char err[256] = "";
	int r;

	r = qmp_features_from_json(c, p, s, &f, err, sizeof(err));
	json_decref(c);
	json_decref(p);
	json_decref(s);
	if (r)
		TH_LOG("%s", err);
	ASSERT_EQ(0, r);

	EXPECT_TRUE(qmp_has_capability(f, "postcopy-ram"));
	EXPECT_TRUE(qmp_has_capability(f, "events"));	/* listed only */
	EXPECT_TRUE(qmp_has_capability(f, "x-schema-only")); /* enum only */
	EXPECT_FALSE(qmp_has_capability(f, "dirty-limit"));
	EXPECT_FALSE(qmp_has_capability(f, NULL));

	EXPECT_TRUE(qmp_has_parameter(f, "downtime-limit"));
	EXPECT_TRUE(qmp_has_parameter(f, "max-bandwidth"));	/* reported only */
	EXPECT_TRUE(qmp_has_parameter(f, "x-only-in-query"));	/* return type */
	EXPECT_TRUE(qmp_has_parameter(f, "variant-param"));	/* union variant */
	EXPECT_FALSE(qmp_has_parameter(f, "avail-switchover-bandwidth"));

	/* this build has zstd but not zlib */
	EXPECT_TRUE(qmp_has_multifd_compression(f, "zstd"));
	EXPECT_FALSE(qmp_has_multifd_compression(f, "zlib"));

	EXPECT_TRUE(qmp_has_command(f, "calc-dirty-rate"));
	EXPECT_TRUE(qmp_has_command(f, "migrate-set-parameters"));
	EXPECT_FALSE(qmp_has_command(f, "MIGRATION"));		/* an event */
	EXPECT_FALSE(qmp_has_command(f, "set-vcpu-dirty-limit"));

	qmp_features_count(f, &ncap, &npar, &ncmd);
	EXPECT_EQ(3U, ncap);
	/* downtime-limit, tls-creds, multifd-compression, kind,
	 * variant-param, x-only-in-query, max-bandwidth */
	EXPECT_EQ(7U, npar);
	EXPECT_EQ(4U, ncmd);
	qmp_features_free(f);
}

TEST(features_from_nothing_are_empty)
{
	struct qmp_features *f = NULL;
	size_t ncap = 9, npar = 9, ncmd = 9;

	ASSERT_EQ(0, qmp_features_from_json(NULL, NULL, NULL, &f, NULL, 0));
	EXPECT_FALSE(qmp_has_capability(f, "postcopy-ram"));
	qmp_features_count(f, &ncap, &npar, &ncmd);
	EXPECT_EQ(0U, ncap + npar + ncmd);
	qmp_features_free(f);
	EXPECT_FALSE(qmp_has_command(NULL, "stop"));
	qmp_features_free(NULL);
}

/* A QEMU that shapes a type differently teaches nothing, but is no error. */
TEST(features_tolerate_other_shapes)
{
	struct qmp_features *f = NULL;
	json_t *s = load("[{\"name\": \"migrate-set-parameters\", \"meta-type\": "
			 "\"command\", \"arg-type\": \"5\"}, {\"name\": \"5\", "
			 "\"meta-type\": \"enum\", \"values\": [\"a\"]}, "
			 "{\"name\": \"migrate-set-capabilities\", \"meta-type\": "
			 "\"command\", \"arg-type\": \"6\"}, {\"name\": \"6\", "
			 "\"meta-type\": \"object\", \"members\": [{\"name\": \"caps\", "
			 "\"type\": \"5\"}]}, {\"name\": \"future\", \"meta-type\": "
			 "\"something-new\"}]");
	size_t ncap, npar, ncmd;

	ASSERT_EQ(0, qmp_features_from_json(NULL, NULL, s, &f, NULL, 0));
	json_decref(s);
	qmp_features_count(f, &ncap, &npar, &ncmd);
	EXPECT_EQ(0U, ncap);
	EXPECT_EQ(0U, npar);
	EXPECT_EQ(2U, ncmd);
	qmp_features_free(f);
}

/* Variants that point back at their own type: one visit per type. */
TEST_TIMEOUT(features_survive_self_referential_unions, 10)
{
	struct qmp_features *f = NULL;
	json_t *s, *variants, *v;
	size_t npar;
	int i;

	s = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:[{s:s, s:s}], s:[]}]",
		      "name", "migrate-set-parameters", "meta-type", "command",
		      "arg-type", "1",
		      "name", "1", "meta-type", "object",
		      "members", "name", "p", "type", "int", "variants");
	ASSERT_NE_NULL(s);
	variants = json_object_get(json_array_get(s, 1), "variants");
	for (i = 0; i < 2000; i++) {
		v = json_pack("{s:i, s:s}", "case", i, "type", "1");
		ASSERT_EQ(0, json_array_append_new(variants, v));
	}
	ASSERT_EQ(0, qmp_features_from_json(NULL, NULL, s, &f, NULL, 0));
	json_decref(s);
	qmp_features_count(f, NULL, &npar, NULL);
	EXPECT_EQ(1U, npar);
	qmp_features_free(f);
}

TEST(features_reject_malformed_replies)
{
	static const struct {
		const char *caps, *params, *schema, *why;
	} bad[] = {
		{ "{}", NULL, NULL, "query-migrate-capabilities: reply is an object" },
		{ "[{\"state\": true}]", NULL, NULL, "no string \"capability\"" },
		{ "[7]", NULL, NULL, "no string \"capability\"" },
		{ NULL, "[]", NULL, "query-migrate-parameters: reply is an array" },
		{ NULL, NULL, "{}", "query-qmp-schema: reply is an object" },
		{ NULL, NULL, "[{\"meta-type\": \"command\"}]", "lacks a string \"name\"" },
		{ NULL, NULL, "[{\"name\": \"x\", \"meta-type\": 1}]", "lacks a string" },
		{ NULL, NULL, "[{\"name\": \"x\", \"meta-type\": \"enum\"}, "
			      "{\"name\": \"x\", \"meta-type\": \"enum\"}]", "defined twice" },
		{ NULL, NULL, "[{\"name\": \"migrate-set-parameters\", \"meta-type\": "
			      "\"command\", \"arg-type\": 10}]", "not a type name" },
		{ NULL, NULL, "[{\"name\": \"migrate-set-parameters\", \"meta-type\": "
			      "\"command\", \"arg-type\": \"99\"}]", "unknown type \"99\"" },
		{ NULL, NULL, "[{\"name\": \"migrate-set-parameters\", \"meta-type\": "
			      "\"command\", \"arg-type\": \"1\"}, {\"name\": \"1\", "
			      "\"meta-type\": \"object\", \"members\": {}}]", "without \"members\"" },
		{ NULL, NULL, "[{\"name\": \"migrate-set-parameters\", \"meta-type\": "
			      "\"command\", \"arg-type\": \"1\"}, {\"name\": \"1\", "
			      "\"meta-type\": \"object\", \"members\": [{\"type\": \"int\"}]}]",
		  "member without a string \"name\"" },
		{ NULL, NULL, "[{\"name\": \"migrate-set-parameters\", \"meta-type\": "
			      "\"command\", \"arg-type\": \"1\"}, {\"name\": \"1\", "
			      "\"meta-type\": \"object\", \"members\": [], \"variants\": 3}]",
		  "\"variants\" is not an array" },
		{ NULL, NULL, "[{\"name\": \"migrate-set-capabilities\", \"meta-type\": "
			      "\"command\", \"arg-type\": \"1\"}, {\"name\": \"1\", "
			      "\"meta-type\": \"object\", \"members\": [{\"name\": "
			      "\"capabilities\", \"type\": \"[2]\"}]}, {\"name\": \"[2]\", "
			      "\"meta-type\": \"array\", \"element-type\": \"2\"}, {\"name\": "
			      "\"2\", \"meta-type\": \"object\", \"members\": [{\"name\": "
			      "\"capability\", \"type\": \"3\"}]}, {\"name\": \"3\", "
			      "\"meta-type\": \"enum\", \"values\": [\"ok\", 5]}]",
		  "enum value is an integer" },
	};
	struct qmp_features *f;
	json_t *c, *p, *s;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = bad[i].caps ? load(bad[i].caps) : NULL;
		p = bad[i].params ? load(bad[i].params) : NULL;
		s = bad[i].schema ? load(bad[i].schema) : NULL;
		err[0] = '\0';
		f = (struct qmp_features *)&err;	/* must be reset */
		EXPECT_EQ(-EPROTO, qmp_features_from_json(c, p, s, &f, err, sizeof(err)));
		EXPECT_NULL(f);
		if (!strstr(err, bad[i].why))
			TH_LOG("case %zu: %s", i, err);
		EXPECT_NE_NULL(strstr(err, bad[i].why));
		json_decref(c);
		json_decref(p);
		json_decref(s);
	}
}

FIXTURE(probe) {
	struct fake_qmp *f;
	struct qmp_client *c;
};

FIXTURE_SETUP(probe)
{
	self->f = fake_qmp_new(false);
	ASSERT_NE_NULL(self->f);
	fake_qmp_handshake(self->f);
}

FIXTURE_TEARDOWN(probe)
{
	qmp_close(self->c);
	fake_qmp_free(self->f);
}

static void reply_with(struct fake_qmp *f, const char *cmd, const char *ret)
{
	char *buf;

	if (asprintf(&buf, "{\"return\": %s}", ret) < 0)
		return;
	fake_qmp_expect_reply(f, cmd, buf);
	free(buf);
}

TEST_F(probe, runs_the_three_queries)
{
	struct qmp_features *feat = NULL;
	int fd, r;

	reply_with(self->f, "query-migrate-capabilities", caps);
	reply_with(self->f, "query-migrate-parameters", params);
	reply_with(self->f, "query-qmp-schema", schema);
	fake_qmp_wait_close(self->f);
	ASSERT_EQ(0, fake_qmp_start(self->f, &fd));
	ASSERT_EQ(0, qmp_client_from_fd(fd, T_MS, &self->c));
	r = qmp_features_probe(self->c, &feat);
	if (r)
		TH_LOG("%s", qmp_last_error(self->c));
	ASSERT_EQ(0, r);
	EXPECT_TRUE(qmp_has_capability(feat, "x-schema-only"));
	EXPECT_TRUE(qmp_has_parameter(feat, "variant-param"));
	qmp_features_free(feat);
	qmp_close(self->c);
	self->c = NULL;
	ASSERT_EQ(0, fake_qmp_finish(self->f));
}

TEST_F(probe, reports_a_malformed_schema)
{
	struct qmp_features *feat = NULL;
	int fd;

	reply_with(self->f, "query-migrate-capabilities", caps);
	reply_with(self->f, "query-migrate-parameters", params);
	reply_with(self->f, "query-qmp-schema", "[{\"name\": 1}]");
	fake_qmp_wait_close(self->f);
	ASSERT_EQ(0, fake_qmp_start(self->f, &fd));
	ASSERT_EQ(0, qmp_client_from_fd(fd, T_MS, &self->c));
	ASSERT_EQ(-EPROTO, qmp_features_probe(self->c, &feat));
	EXPECT_NULL(feat);
	EXPECT_NE_NULL(strstr(qmp_last_error(self->c), "query-qmp-schema"));
	qmp_close(self->c);
	self->c = NULL;
	ASSERT_EQ(0, fake_qmp_finish(self->f));
}

TEST_F(probe, passes_on_a_failed_query)
{
	struct qmp_features *feat = NULL;
	int fd;

	fake_qmp_expect_reply(self->f, "query-migrate-capabilities",
			      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}}");
	fake_qmp_wait_close(self->f);
	ASSERT_EQ(0, fake_qmp_start(self->f, &fd));
	ASSERT_EQ(0, qmp_client_from_fd(fd, T_MS, &self->c));
	ASSERT_EQ(-EREMOTEIO, qmp_features_probe(self->c, &feat));
	EXPECT_NULL(feat);
	qmp_close(self->c);
	self->c = NULL;
	ASSERT_EQ(0, fake_qmp_finish(self->f));
}
