// SPDX-License-Identifier: GPL-2.0
/*
 * The QMP client against a scripted peer: handshake, id matching, event
 * queueing, framing across reads, and every way a peer can misbehave.
 */
#include "tests/lib/harness.h"
#include "tests/lib/fake_qmp.h"
#include "qmp/qmp_client.h"

#include "generated/palm_config.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#define T_MS 2000	/* generous: only a failing test waits this long */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

FIXTURE(peer) {
	struct fake_qmp *f;
	struct qmp_client *c;
};

FIXTURE_SETUP(peer)
{
	self->f = fake_qmp_new(false);
	ASSERT_NE_NULL(self->f);
}

FIXTURE_TEARDOWN(peer)
{
	qmp_close(self->c);
	fake_qmp_free(self->f);
}

/* Exact read boundaries: each write of the peer is one read. */
#define USE_SEQPACKET(self)                                            \
	do {                                                           \
		fake_qmp_free((self)->f);                              \
		(self)->f = fake_qmp_new(true);                        \
		ASSERT_NE_NULL((self)->f);                             \
	} while (0)

/* Starts the peer and runs the client's handshake over it. */
#define CONNECT(self, timeout_ms)                                      \
	do {                                                           \
		int _fd, _r;                                           \
		ASSERT_EQ(0, fake_qmp_start((self)->f, &_fd));         \
		_r = qmp_client_from_fd(_fd, timeout_ms, &(self)->c);  \
		if (_r)                                                \
			TH_LOG("%s", qmp_connect_error());             \
		ASSERT_EQ(0, _r);                                      \
	} while (0)

/* Closes the client, then checks the peer ran its whole script. */
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

#define EXPECT_ERROR_HAS(c, text)                                      \
	do {                                                           \
		if (!strstr(qmp_last_error(c), text))                  \
			TH_LOG("last error: %s", qmp_last_error(c));   \
		EXPECT_NE_NULL(strstr(qmp_last_error(c), text));       \
	} while (0)

/* --- handshake -------------------------------------------------------- */

TEST_F(peer, handshake_reads_version)
{
	int major, minor, micro;

	fake_qmp_handshake(self->f);
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	qmp_version(self->c, &major, &minor, &micro);
	EXPECT_EQ(7, major);
	EXPECT_EQ(2, minor);
	EXPECT_EQ(22, micro);
	ASSERT_NE_NULL(fake_qmp_id(self->f, 0));
	EXPECT_NULL(fake_qmp_args(self->f, 0));
	PEER_DONE(self);
}

TEST_F(peer, handshake_rejects_greeting_without_version)
{
	int fd;

	fake_qmp_send(self->f, "{\"QMP\": {\"capabilities\": []}}\r\n");
	fake_qmp_wait_close(self->f);
	ASSERT_EQ(0, fake_qmp_start(self->f, &fd));
	ASSERT_EQ(-EPROTO, qmp_client_from_fd(fd, T_MS, &self->c));
	ASSERT_NULL(self->c);
	EXPECT_NE_NULL(strstr(qmp_connect_error(), "version"));
	PEER_DONE(self);
}

TEST_F(peer, handshake_rejects_reply_before_greeting)
{
	int fd;

	fake_qmp_send(self->f, "{\"return\": {}}\r\n");
	fake_qmp_wait_close(self->f);
	ASSERT_EQ(0, fake_qmp_start(self->f, &fd));
	ASSERT_EQ(-EPROTO, qmp_client_from_fd(fd, T_MS, &self->c));
	EXPECT_NE_NULL(strstr(qmp_connect_error(), "greeting"));
	PEER_DONE(self);
}

TEST_F(peer, handshake_capabilities_refused)
{
	int fd;

	fake_qmp_greeting(self->f);
	fake_qmp_expect_reply(self->f, "qmp_capabilities",
			      "{\"error\": {\"class\": \"CommandNotFound\", "
			      "\"desc\": \"not now\"}}");
	fake_qmp_wait_close(self->f);
	ASSERT_EQ(0, fake_qmp_start(self->f, &fd));
	ASSERT_EQ(-EREMOTEIO, qmp_client_from_fd(fd, T_MS, &self->c));
	EXPECT_NE_NULL(strstr(qmp_connect_error(), "not now"));
	PEER_DONE(self);
}

TEST_F(peer, handshake_times_out_on_silent_peer)
{
	long long t0;
	int fd;

	fake_qmp_wait_close(self->f);
	ASSERT_EQ(0, fake_qmp_start(self->f, &fd));
	t0 = now_ms();
	ASSERT_EQ(-ETIMEDOUT, qmp_client_from_fd(fd, 200, &self->c));
	EXPECT_GE(now_ms() - t0, 190LL);
	EXPECT_LT(now_ms() - t0, 1500LL);
	PEER_DONE(self);
}

TEST_F(peer, from_fd_rejects_bad_fd)
{
	EXPECT_EQ(-EBADF, qmp_client_from_fd(-1, T_MS, &self->c));
	EXPECT_NULL(self->c);
}

/* --- commands --------------------------------------------------------- */

TEST_F(peer, execute_returns_value_and_sends_arguments)
{
	json_t *ret = NULL, *args;

	fake_qmp_handshake(self->f);
	fake_qmp_expect_reply(self->f, "echo", "{\"return\": {\"a\": [1, 2]}}");
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);

	ASSERT_EQ(0, qmp_execute(self->c, "echo",
				 json_pack("{s:i, s:s}", "k", 7, "s", "v"), 0,
				 &ret));
	ASSERT_TRUE(json_is_array(json_object_get(ret, "a")));
	EXPECT_EQ(2, (int)json_array_size(json_object_get(ret, "a")));
	json_decref(ret);

	args = fake_qmp_args(self->f, 1);
	ASSERT_NE_NULL(args);
	EXPECT_EQ(7, (int)json_integer_value(json_object_get(args, "k")));
	EXPECT_STREQ("v", json_string_value(json_object_get(args, "s")));
	PEER_DONE(self);
}

TEST_F(peer, execute_uses_a_new_id_each_time)
{
	int i, j;

	fake_qmp_handshake(self->f);
	for (i = 0; i < 4; i++)
		fake_qmp_expect_reply(self->f, "ping", "{\"return\": {}}");
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, qmp_execute(self->c, "ping", NULL, 0, NULL));
	ASSERT_EQ(5, fake_qmp_received(self->f));
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++)
			EXPECT_FALSE(json_equal(fake_qmp_id(self->f, i),
						fake_qmp_id(self->f, j)));
	PEER_DONE(self);
}

TEST_F(peer, reply_with_wrong_id_is_a_protocol_error)
{
	fake_qmp_handshake(self->f);
	fake_qmp_expect_reply(self->f, "ping", "{\"return\": {}, \"id\": 999}");
	fake_qmp_expect_reply(self->f, "ping", "{\"return\": {}}");
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	ASSERT_EQ(-EPROTO, qmp_execute(self->c, "ping", NULL, 0, NULL));
	EXPECT_ERROR_HAS(self->c, "id 999");
	/* the stream is still in step: the next command works */
	ASSERT_EQ(0, qmp_execute(self->c, "ping", NULL, 0, NULL));
	PEER_DONE(self);
}

TEST_F(peer, late_reply_to_timed_out_command_is_dropped)
{
	json_t *ret = NULL;
	long long t0;

	fake_qmp_handshake(self->f);
	fake_qmp_expect(self->f, "slow");
	fake_qmp_sleep(self->f, 300);
	fake_qmp_reply(self->f, "{\"return\": {\"who\": \"slow\"}}");
	fake_qmp_expect_reply(self->f, "fast", "{\"return\": {\"who\": \"fast\"}}");
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);

	t0 = now_ms();
	ASSERT_EQ(-ETIMEDOUT, qmp_execute(self->c, "slow", NULL, 100, NULL));
	EXPECT_LT(now_ms() - t0, 1000LL);
	EXPECT_ERROR_HAS(self->c, "slow");
	ASSERT_EQ(0, qmp_execute(self->c, "fast", NULL, 0, &ret));
	EXPECT_STREQ("fast", json_string_value(json_object_get(ret, "who")));
	json_decref(ret);
	PEER_DONE(self);
}

TEST_F(peer, error_reply_gives_class_and_desc)
{
	json_t *ret = (json_t *)1;

	fake_qmp_handshake(self->f);
	fake_qmp_expect_reply(self->f, "migrate",
			      "{\"error\": {\"class\": \"GenericError\", "
			      "\"desc\": \"There's a migration process in progress\"}}");
	fake_qmp_expect_reply(self->f, "ping", "{\"return\": {}}");
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);

	ASSERT_EQ(-EREMOTEIO, qmp_execute(self->c, "migrate", NULL, 0, &ret));
	EXPECT_NULL(ret);
	EXPECT_ERROR_HAS(self->c, "migration process in progress");
	EXPECT_ERROR_HAS(self->c, "migrate");
	EXPECT_STREQ("GenericError", qmp_last_error_class(self->c));
	ASSERT_EQ(0, qmp_execute(self->c, "ping", NULL, 0, NULL));
	PEER_DONE(self);
}

/* QEMU answers a request it cannot parse with an error without id. */
TEST_F(peer, error_reply_without_id_answers_the_pending_command)
{
	fake_qmp_handshake(self->f);
	fake_qmp_expect(self->f, "ping");
	fake_qmp_send(self->f, "{\"error\": {\"class\": \"GenericError\", "
			       "\"desc\": \"JSON parse error\"}}\r\n");
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	ASSERT_EQ(-EREMOTEIO, qmp_execute(self->c, "ping", NULL, 0, NULL));
	EXPECT_ERROR_HAS(self->c, "JSON parse error");
	PEER_DONE(self);
}

TEST_F(peer, error_reply_with_bad_shape_is_a_protocol_error)
{
	fake_qmp_handshake(self->f);
	fake_qmp_expect_reply(self->f, "ping", "{\"error\": {\"class\": 1}}");
	fake_qmp_expect_reply(self->f, "ping", "{\"error\": \"bad\"}");
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	ASSERT_EQ(-EPROTO, qmp_execute(self->c, "ping", NULL, 0, NULL));
	EXPECT_ERROR_HAS(self->c, "\"class\" and \"desc\"");
	ASSERT_EQ(-EPROTO, qmp_execute(self->c, "ping", NULL, 0, NULL));
	EXPECT_ERROR_HAS(self->c, "not an object");
	PEER_DONE(self);
}

TEST_F(peer, reply_without_return_or_error_is_not_fatal)
{
	fake_qmp_handshake(self->f);
	fake_qmp_expect_reply(self->f, "ping", "{\"retrun\": {}}");
	fake_qmp_expect_reply(self->f, "ping", "{\"return\": {}, \"error\": {}}");
	fake_qmp_expect_reply(self->f, "ping", "{\"return\": {}}");
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	ASSERT_EQ(-EPROTO, qmp_execute(self->c, "ping", NULL, 0, NULL));
	EXPECT_ERROR_HAS(self->c, "none of");
	ASSERT_EQ(-EPROTO, qmp_execute(self->c, "ping", NULL, 0, NULL));
	EXPECT_ERROR_HAS(self->c, "more than one");
	ASSERT_EQ(0, qmp_execute(self->c, "ping", NULL, 0, NULL));
	PEER_DONE(self);
}

TEST_F(peer, invalid_arguments_are_rejected_before_sending)
{
	json_t *arr = json_array();

	fake_qmp_handshake(self->f);
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	EXPECT_EQ(-EINVAL, qmp_execute(self->c, NULL, NULL, 0, NULL));
	EXPECT_EQ(-EINVAL, qmp_execute(self->c, "", NULL, 0, NULL));
	/* the array is stolen and freed: LeakSanitizer checks */
	EXPECT_EQ(-EINVAL, qmp_execute(self->c, "x", arr, 0, NULL));
	EXPECT_EQ(-EINVAL, qmp_execute(self->c, "\xff\xfe", NULL, 0, NULL));
	EXPECT_EQ(-EINVAL, qmp_execute(NULL, "x", json_object(), 0, NULL));
	EXPECT_EQ(1, fake_qmp_received(self->f));
	PEER_DONE(self);
}

/* --- malformed input -------------------------------------------------- */

FIXTURE(peer_garbage) {
	struct fake_qmp *f;
	struct qmp_client *c;
};

FIXTURE_VARIANT(peer_garbage) {
	const char *bytes;
	int err;
	const char *why;
};

FIXTURE_VARIANT_ADD(peer_garbage, invalid_json) {
	.bytes = "{\"return\": {]}\r\n", .err = -EPROTO, .why = "invalid JSON",
};
FIXTURE_VARIANT_ADD(peer_garbage, unquoted_key) {
	.bytes = "{return: {}}\r\n", .err = -EPROTO, .why = "invalid JSON",
};
FIXTURE_VARIANT_ADD(peer_garbage, text_line) {
	.bytes = "hello\r\n", .err = -EPROTO, .why = "outside a JSON object",
};
FIXTURE_VARIANT_ADD(peer_garbage, array_message) {
	.bytes = "[1, 2]\r\n", .err = -EPROTO, .why = "outside a JSON object",
};
FIXTURE_VARIANT_ADD(peer_garbage, string_message) {
	.bytes = "\"return\"\r\n", .err = -EPROTO, .why = "outside a JSON object",
};
FIXTURE_VARIANT_ADD(peer_garbage, nul_byte) {
	.bytes = "\0", .err = -EPROTO, .why = "outside a JSON object",
};
FIXTURE_VARIANT_ADD(peer_garbage, invalid_utf8) {
	.bytes = "{\"return\": \"\xc3\x28\"}\r\n", .err = -EPROTO,
	.why = "invalid JSON",
};
FIXTURE_VARIANT_ADD(peer_garbage, duplicate_key) {
	.bytes = "{\"return\": {}, \"return\": {}}\r\n", .err = -EPROTO,
	.why = "invalid JSON",
};
FIXTURE_VARIANT_ADD(peer_garbage, truncated_then_close) {
	.bytes = "{\"return\": {\"status\": \"act", .err = -ECONNRESET,
	.why = "middle of a message",
};

FIXTURE_SETUP(peer_garbage)
{
	self->f = fake_qmp_new(false);
	ASSERT_NE_NULL(self->f);
}

FIXTURE_TEARDOWN(peer_garbage)
{
	qmp_close(self->c);
	fake_qmp_free(self->f);
}

/* Bytes that break framing leave the connection unusable, for good. */
TEST_F(peer_garbage, fails_the_command_and_the_connection)
{
	int fd, r;

	fake_qmp_handshake(self->f);
	fake_qmp_expect(self->f, "ping");
	fake_qmp_send_bytes(self->f, variant->bytes,
			    variant->bytes[0] ? strlen(variant->bytes) : 1);
	if (variant->err == -ECONNRESET)
		fake_qmp_close(self->f);
	else
		fake_qmp_wait_close(self->f);
	ASSERT_EQ(0, fake_qmp_start(self->f, &fd));
	ASSERT_EQ(0, qmp_client_from_fd(fd, T_MS, &self->c));

	ASSERT_EQ(variant->err, qmp_execute(self->c, "ping", NULL, 0, NULL));
	EXPECT_ERROR_HAS(self->c, variant->why);
	r = qmp_execute(self->c, "ping", NULL, 0, NULL);
	EXPECT_EQ(variant->err, r);
	EXPECT_ERROR_HAS(self->c, "unusable");
	EXPECT_ERROR_HAS(self->c, variant->why);
	qmp_close(self->c);
	self->c = NULL;
	ASSERT_EQ(0, fake_qmp_finish(self->f));
}

/* --- size limit, closing, silence ------------------------------------- */

TEST_F(peer, oversized_message_is_rejected)
{
	long long t0;

	fake_qmp_handshake(self->f);
	fake_qmp_expect(self->f, "query-qmp-schema");
	fake_qmp_send_unterminated(self->f,
				   (size_t)CONFIG_PALM_QMP_MAX_MESSAGE_KIB * 1024 + 1);
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	t0 = now_ms();
	ASSERT_EQ(-EMSGSIZE, qmp_execute(self->c, "query-qmp-schema", NULL, 0,
					 NULL));
	EXPECT_LT(now_ms() - t0, 1500LL);
	EXPECT_ERROR_HAS(self->c, "unusable");
	ASSERT_EQ(-EMSGSIZE, qmp_execute(self->c, "ping", NULL, 0, NULL));
	PEER_DONE(self);
}

TEST_F(peer, complete_message_over_a_lowered_limit_is_rejected)
{
	char reply[600];

	snprintf(reply, sizeof(reply), "{\"return\": \"%0500d\"}", 7);
	fake_qmp_handshake(self->f);
	fake_qmp_expect_reply(self->f, "ping", "{\"return\": \"short\"}");
	fake_qmp_expect_reply(self->f, "ping", reply);
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	EXPECT_EQ(-EINVAL, qmp_set_max_message(self->c, 10));
	ASSERT_EQ(0, qmp_set_max_message(self->c, 256));
	ASSERT_EQ(0, qmp_execute(self->c, "ping", NULL, 0, NULL));
	ASSERT_EQ(-EMSGSIZE, qmp_execute(self->c, "ping", NULL, 0, NULL));
	EXPECT_ERROR_HAS(self->c, "256-byte limit");
	PEER_DONE(self);
}

TEST_F(peer, large_message_under_the_limit_arrives_whole)
{
	size_t n = 3 * 1024 * 1024;
	json_t *ret = NULL;
	char *reply;

	reply = malloc(n + 64);
	ASSERT_NE_NULL(reply);
	strcpy(reply, "{\"return\": {\"blob\": \"");
	memset(reply + strlen(reply), 'a', n);
	strcpy(reply + 21 + n, "\"}}");
	fake_qmp_handshake(self->f);
	fake_qmp_expect_reply(self->f, "big", reply);
	free(reply);
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	ASSERT_EQ(0, qmp_execute(self->c, "big", NULL, 0, &ret));
	EXPECT_EQ(n, json_string_length(json_object_get(ret, "blob")));
	json_decref(ret);
	PEER_DONE(self);
}

TEST_F(peer, peer_closing_before_the_reply_is_a_reset)
{
	fake_qmp_handshake(self->f);
	fake_qmp_expect(self->f, "ping");
	fake_qmp_close(self->f);
	CONNECT(self, T_MS);
	ASSERT_EQ(-ECONNRESET, qmp_execute(self->c, "ping", NULL, 0, NULL));
	EXPECT_ERROR_HAS(self->c, "closed");
	ASSERT_EQ(-ECONNRESET, qmp_execute(self->c, "ping", NULL, 0, NULL));
	PEER_DONE(self);
}

TEST_F(peer, silent_peer_times_out_within_the_timeout)
{
	long long t0, dt;

	fake_qmp_handshake(self->f);
	fake_qmp_expect(self->f, "ping");
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	t0 = now_ms();
	ASSERT_EQ(-ETIMEDOUT, qmp_execute(self->c, "ping", NULL, 250, NULL));
	dt = now_ms() - t0;
	EXPECT_GE(dt, 240LL);
	EXPECT_LT(dt, 1000LL);
	EXPECT_ERROR_HAS(self->c, "no reply");
	PEER_DONE(self);
}

TEST_F(peer, default_timeout_applies_to_zero)
{
	long long t0;

	fake_qmp_handshake(self->f);
	fake_qmp_expect(self->f, "ping");
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	qmp_set_timeout(self->c, 150);
	t0 = now_ms();
	ASSERT_EQ(-ETIMEDOUT, qmp_execute(self->c, "ping", NULL, 0, NULL));
	EXPECT_LT(now_ms() - t0, 1000LL);
	PEER_DONE(self);
}

/* --- events ----------------------------------------------------------- */

TEST_F(peer, events_during_a_command_are_queued_in_order)
{
	static const char *const names[] = { "MIGRATION", "MIGRATION_PASS",
					     "STOP" };
	struct qmp_event *ev;
	int i;

	fake_qmp_handshake(self->f);
	fake_qmp_expect(self->f, "migrate");
	fake_qmp_event(self->f, "MIGRATION", "{\"status\": \"setup\"}");
	fake_qmp_event(self->f, "MIGRATION_PASS", "{\"pass\": 1}");
	fake_qmp_event(self->f, "STOP", NULL);
	fake_qmp_reply(self->f, "{\"return\": {}}");
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);

	ASSERT_EQ(0, qmp_execute(self->c, "migrate", NULL, 0, NULL));
	EXPECT_EQ(3U, qmp_events_pending(self->c));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, qmp_next_event(self->c, 0, &ev));
		EXPECT_STREQ(names[i], ev->name);
		/* the fake stamps 1700000000 + n seconds, 123456 us */
		EXPECT_EQ(1700000000LL + i, (long long)ev->timestamp);
		EXPECT_LT(fabs(ev->timestamp - (1700000000.0 + i + 0.123456)), 1e-5);
		if (i == 0)
			EXPECT_STREQ("setup", json_string_value(
				json_object_get(ev->data, "status")));
		if (i == 2)
			EXPECT_NULL(ev->data);
		qmp_event_free(ev);
	}
	ASSERT_EQ(-ETIMEDOUT, qmp_next_event(self->c, 0, &ev));
	EXPECT_NULL(ev);
	PEER_DONE(self);
}

TEST_F(peer, next_event_waits_for_one)
{
	struct qmp_event *ev = NULL;

	fake_qmp_handshake(self->f);
	fake_qmp_sleep(self->f, 100);
	fake_qmp_event(self->f, "RESUME", NULL);
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	ASSERT_EQ(0, qmp_next_event(self->c, T_MS, &ev));
	EXPECT_STREQ("RESUME", ev->name);
	qmp_event_free(ev);
	PEER_DONE(self);
}

TEST_F(peer, next_event_times_out)
{
	struct qmp_event *ev = NULL;
	long long t0;

	fake_qmp_handshake(self->f);
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	t0 = now_ms();
	ASSERT_EQ(-ETIMEDOUT, qmp_next_event(self->c, 150, &ev));
	EXPECT_GE(now_ms() - t0, 140LL);
	EXPECT_LT(now_ms() - t0, 1000LL);
	PEER_DONE(self);
}

TEST_F(peer, event_queue_overflow_drops_the_oldest)
{
	struct qmp_event *ev;
	char data[32];
	int i, extra = 7;

	fake_qmp_handshake(self->f);
	fake_qmp_expect(self->f, "ping");
	for (i = 0; i < QMP_EVENT_QUEUE_MAX + extra; i++) {
		snprintf(data, sizeof(data), "{\"n\": %d}", i);
		fake_qmp_event(self->f, "MIGRATION_PASS", data);
	}
	fake_qmp_reply(self->f, "{\"return\": {}}");
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);

	ASSERT_EQ(0, qmp_execute(self->c, "ping", NULL, 0, NULL));
	EXPECT_EQ((unsigned long)extra, qmp_events_dropped(self->c));
	EXPECT_EQ((unsigned int)QMP_EVENT_QUEUE_MAX, qmp_events_pending(self->c));
	for (i = extra; i < QMP_EVENT_QUEUE_MAX + extra; i++) {
		ASSERT_EQ(0, qmp_next_event(self->c, 0, &ev));
		ASSERT_EQ(i, (int)json_integer_value(json_object_get(ev->data, "n")));
		qmp_event_free(ev);
	}
	EXPECT_EQ(0U, qmp_events_pending(self->c));
	PEER_DONE(self);
}

TEST_F(peer, malformed_event_is_reported_not_queued)
{
	struct qmp_event *ev = NULL;

	fake_qmp_handshake(self->f);
	fake_qmp_send(self->f, "{\"event\": \"STOP\", \"timestamp\": "
			       "{\"seconds\": \"now\", \"microseconds\": 1}}\r\n");
	fake_qmp_send(self->f, "{\"event\": \"STOP\", \"timestamp\": "
			       "{\"seconds\": 1, \"microseconds\": 1000000}}\r\n");
	fake_qmp_send(self->f, "{\"event\": \"STOP\", \"data\": [], \"timestamp\": "
			       "{\"seconds\": 1, \"microseconds\": 1}}\r\n");
	fake_qmp_send(self->f, "{\"event\": 5, \"timestamp\": "
			       "{\"seconds\": 1, \"microseconds\": 1}}\r\n");
	fake_qmp_event(self->f, "RESUME", NULL);
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	ASSERT_EQ(-EPROTO, qmp_next_event(self->c, T_MS, &ev));
	EXPECT_ERROR_HAS(self->c, "timestamp");
	ASSERT_EQ(-EPROTO, qmp_next_event(self->c, T_MS, &ev));
	EXPECT_ERROR_HAS(self->c, "out of range");
	ASSERT_EQ(-EPROTO, qmp_next_event(self->c, T_MS, &ev));
	EXPECT_ERROR_HAS(self->c, "\"data\"");
	ASSERT_EQ(-EPROTO, qmp_next_event(self->c, T_MS, &ev));
	EXPECT_ERROR_HAS(self->c, "not a string");
	/* well-formed messages after them still come through */
	ASSERT_EQ(0, qmp_next_event(self->c, T_MS, &ev));
	EXPECT_STREQ("RESUME", ev->name);
	qmp_event_free(ev);
	PEER_DONE(self);
}

TEST_F(peer, pump_reads_without_blocking)
{
	struct pollfd pfd;
	struct qmp_event *ev;
	long long t0;

	fake_qmp_handshake(self->f);
	fake_qmp_sleep(self->f, 100);
	fake_qmp_event(self->f, "STOP", NULL);
	fake_qmp_event(self->f, "RESUME", NULL);
	fake_qmp_sleep(self->f, 300);
	fake_qmp_close(self->f);
	CONNECT(self, T_MS);

	pfd.fd = qmp_fd(self->c);
	pfd.events = POLLIN;
	EXPECT_EQ(0U, qmp_events_pending(self->c));
	t0 = now_ms();
	while (qmp_events_pending(self->c) < 2 && now_ms() - t0 < T_MS) {
		ASSERT_EQ(1, poll(&pfd, 1, T_MS));
		ASSERT_EQ(0, qmp_pump(self->c));
	}
	EXPECT_EQ(2U, qmp_events_pending(self->c));
	/* nothing more for now: pump returns at once */
	t0 = now_ms();
	EXPECT_EQ(0, qmp_pump(self->c));
	EXPECT_LT(now_ms() - t0, 40LL);
	/* then the peer closes: pump reports it, the queue survives */
	ASSERT_EQ(1, poll(&pfd, 1, T_MS));
	EXPECT_EQ(-ECONNRESET, qmp_pump(self->c));
	ASSERT_EQ(0, qmp_next_event(self->c, 0, &ev));
	EXPECT_STREQ("STOP", ev->name);
	qmp_event_free(ev);
	ASSERT_EQ(0, qmp_next_event(self->c, 0, &ev));
	EXPECT_STREQ("RESUME", ev->name);
	qmp_event_free(ev);
	EXPECT_EQ(-ECONNRESET, qmp_next_event(self->c, 0, &ev));
	PEER_DONE(self);
}

TEST_F(peer, unexpected_reply_while_idle_is_reported)
{
	struct qmp_event *ev = NULL;

	fake_qmp_handshake(self->f);
	fake_qmp_send(self->f, "{\"return\": {}, \"id\": 42}\r\n");
	fake_qmp_event(self->f, "STOP", NULL);
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	ASSERT_EQ(-EPROTO, qmp_next_event(self->c, T_MS, &ev));
	EXPECT_ERROR_HAS(self->c, "no command pending");
	ASSERT_EQ(0, qmp_next_event(self->c, T_MS, &ev));
	EXPECT_STREQ("STOP", ev->name);
	qmp_event_free(ev);
	PEER_DONE(self);
}

/* --- framing ---------------------------------------------------------- */

TEST_F(peer, several_messages_in_one_read)
{
	struct qmp_event *ev;
	json_t *ret = NULL;

	USE_SEQPACKET(self);
	fake_qmp_handshake(self->f);
	fake_qmp_expect(self->f, "ping");
	/* one write = one read: two events, the reply and a third event */
	fake_qmp_send(self->f,
		      "{\"event\": \"A\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\r\n"
		      "{\"event\": \"B\", \"timestamp\": {\"seconds\": 2, \"microseconds\": 0}}\r\n"
		      "{\"return\": {\"n\": 1}, \"id\": 2}\r\n"
		      "{\"event\": \"C\", \"timestamp\": {\"seconds\": 3, \"microseconds\": 0}}\r\n");
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	ASSERT_EQ(0, qmp_execute(self->c, "ping", NULL, 0, &ret));
	EXPECT_EQ(1, (int)json_integer_value(json_object_get(ret, "n")));
	json_decref(ret);
	/* C came in the same read as the reply: queued, not left buffered
	 * where poll() on qmp_fd() would never signal it */
	EXPECT_EQ(3U, qmp_events_pending(self->c));
	ASSERT_EQ(0, qmp_next_event(self->c, 0, &ev));
	EXPECT_STREQ("A", ev->name);
	qmp_event_free(ev);
	ASSERT_EQ(0, qmp_next_event(self->c, 0, &ev));
	EXPECT_STREQ("B", ev->name);
	qmp_event_free(ev);
	ASSERT_EQ(0, qmp_next_event(self->c, 0, &ev));
	EXPECT_STREQ("C", ev->name);
	qmp_event_free(ev);
	PEER_DONE(self);
}

TEST_F(peer, one_message_split_byte_by_byte)
{
	struct qmp_event *ev;
	json_t *ret = NULL;

	USE_SEQPACKET(self);
	fake_qmp_greeting(self->f);
	fake_qmp_expect(self->f, "qmp_capabilities");
	fake_qmp_send_split(self->f, "{\"return\": {}, \"id\": 1}\r\n", 1);
	fake_qmp_expect(self->f, "ping");
	/* braces, brackets and escaped quotes inside strings must not count */
	fake_qmp_send_split(self->f,
			    "{\"event\": \"X\", \"data\": {\"s\": \"}]\\\"{[\\\\\"}, "
			    "\"timestamp\": {\"seconds\": 5, \"microseconds\": 6}}\r\n"
			    "{\"id\": 2, \"return\": {\"s\": \"a}\\\"{b\", "
			    "\"l\": [1, {\"x\": []}]}}\r\n", 1);
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	ASSERT_EQ(0, qmp_execute(self->c, "ping", NULL, 0, &ret));
	EXPECT_STREQ("a}\"{b", json_string_value(json_object_get(ret, "s")));
	EXPECT_EQ(2, (int)json_array_size(json_object_get(ret, "l")));
	json_decref(ret);
	ASSERT_EQ(0, qmp_next_event(self->c, 0, &ev));
	EXPECT_STREQ("}]\"{[\\", json_string_value(json_object_get(ev->data, "s")));
	qmp_event_free(ev);
	PEER_DONE(self);
}

TEST_F(peer, messages_without_newlines_are_framed)
{
	json_t *ret = NULL;

	USE_SEQPACKET(self);
	fake_qmp_greeting(self->f);
	fake_qmp_expect(self->f, "qmp_capabilities");
	/* no CRLF at all, and a pretty-printed reply split mid-token */
	fake_qmp_send_split(self->f, "{\"return\": {}, \"id\": 1}", 7);
	fake_qmp_expect(self->f, "ping");
	fake_qmp_send_split(self->f, "{\n  \"return\": {\n    \"v\": 12345\n  },\n  \"id\": 2\n}", 5);
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	ASSERT_EQ(0, qmp_execute(self->c, "ping", NULL, 0, &ret));
	EXPECT_EQ(12345, (int)json_integer_value(json_object_get(ret, "v")));
	json_decref(ret);
	PEER_DONE(self);
}

TEST_F(peer, stray_message_after_a_reply_is_reported_later)
{
	struct qmp_event *ev;

	USE_SEQPACKET(self);
	fake_qmp_handshake(self->f);
	fake_qmp_expect(self->f, "ping");
	fake_qmp_send(self->f,
		      "{\"return\": {}, \"id\": 2}\r\n"
		      "{\"event\": \"A\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\r\n"
		      "{\"event\": \"B\"}\r\n");
	fake_qmp_expect_reply(self->f, "ping", "{\"return\": {}}");
	fake_qmp_wait_close(self->f);
	CONNECT(self, T_MS);
	/* the command itself succeeded */
	ASSERT_EQ(0, qmp_execute(self->c, "ping", NULL, 0, NULL));
	ASSERT_EQ(0, qmp_next_event(self->c, 0, &ev));
	EXPECT_STREQ("A", ev->name);
	qmp_event_free(ev);
	/* the malformed event is reported once, by the event side */
	ASSERT_EQ(-EPROTO, qmp_next_event(self->c, 0, &ev));
	EXPECT_ERROR_HAS(self->c, "timestamp");
	ASSERT_EQ(-ETIMEDOUT, qmp_next_event(self->c, 0, &ev));
	ASSERT_EQ(0, qmp_execute(self->c, "ping", NULL, 0, NULL));
	PEER_DONE(self);
}

/* --- qmp_connect ------------------------------------------------------ */

TEST_F(peer, connect_over_a_unix_socket)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/palm-qmp-test-XXXXXX", addr[160];
	int lfd, r;

	ASSERT_NE_NULL(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/qmp.sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_GE(lfd, 0);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(lfd, 1));
	fake_qmp_handshake(self->f);
	fake_qmp_expect_reply(self->f, "ping", "{\"return\": {}}");
	fake_qmp_wait_close(self->f);
	ASSERT_EQ(0, fake_qmp_start_listener(self->f, lfd));

	snprintf(addr, sizeof(addr), "unix:%s", sa.sun_path);
	r = qmp_connect(addr, T_MS, &self->c);
	if (r)
		TH_LOG("%s", qmp_connect_error());
	EXPECT_EQ(0, r);
	if (!r)
		EXPECT_EQ(0, qmp_execute(self->c, "ping", NULL, 0, NULL));
	qmp_close(self->c);
	self->c = NULL;
	EXPECT_EQ(0, fake_qmp_finish(self->f));
	close(lfd);
	unlink(sa.sun_path);
	rmdir(dir);
}

TEST_F(peer, connect_over_tcp)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	char addr[64];
	int lfd, r;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_GE(lfd, 0);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&sa, &sl));
	ASSERT_EQ(0, listen(lfd, 1));
	fake_qmp_handshake(self->f);
	fake_qmp_wait_close(self->f);
	ASSERT_EQ(0, fake_qmp_start_listener(self->f, lfd));

	snprintf(addr, sizeof(addr), "tcp:127.0.0.1:%u", ntohs(sa.sin_port));
	r = qmp_connect(addr, T_MS, &self->c);
	if (r)
		TH_LOG("%s", qmp_connect_error());
	EXPECT_EQ(0, r);
	qmp_close(self->c);
	self->c = NULL;
	EXPECT_EQ(0, fake_qmp_finish(self->f));
	close(lfd);
}

TEST(connect_reports_bad_addresses)
{
	struct qmp_client *c = NULL;
	char longpath[200];

	EXPECT_EQ(-ENOENT, qmp_connect("unix:/nonexistent/palm/qmp.sock", 500, &c));
	EXPECT_NE_NULL(strstr(qmp_connect_error(), "/nonexistent/palm"));
	EXPECT_EQ(-ENOENT, qmp_connect("/nonexistent/palm/qmp.sock", 500, &c));
	EXPECT_EQ(-EINVAL, qmp_connect("tcp:localhost", 500, &c));
	EXPECT_EQ(-EINVAL, qmp_connect("tcp:localhost:", 500, &c));
	EXPECT_EQ(-EINVAL, qmp_connect("tcp::4444", 500, &c));
	EXPECT_EQ(-EINVAL, qmp_connect("tcp:localhost:99999", 500, &c));
	EXPECT_EQ(-EINVAL, qmp_connect("tcp:localhost:12x", 500, &c));
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	EXPECT_EQ(-ENAMETOOLONG, qmp_connect(longpath, 500, &c));
	EXPECT_EQ(-EINVAL, qmp_connect(NULL, 500, &c));
	EXPECT_NULL(c);
}

/* --- the message parser on its own ------------------------------------ */

static int parse(const char *s, struct qmp_message *m, char *err, size_t len)
{
	return qmp_parse_message(s, strlen(s), m, err, len);
}

TEST(parser_classifies_messages)
{
	struct qmp_message m;
	char err[256];

	ASSERT_EQ(0, parse("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, "
			   "\"minor\": 1, \"major\": 8}, \"package\": \"\"}, "
			   "\"capabilities\": [\"oob\"]}}", &m, err, sizeof(err)));
	EXPECT_EQ(QMP_MSG_GREETING, m.type);
	EXPECT_EQ(8, m.ver_major);
	EXPECT_EQ(1, m.ver_minor);
	qmp_message_release(&m);

	ASSERT_EQ(0, parse("{\"return\": [1], \"id\": \"x\"}", &m, err, sizeof(err)));
	EXPECT_EQ(QMP_MSG_RETURN, m.type);
	EXPECT_TRUE(json_is_array(m.ret));
	EXPECT_STREQ("x", json_string_value(m.id));
	qmp_message_release(&m);

	ASSERT_EQ(0, parse("{\"error\": {\"class\": \"C\", \"desc\": \"D\"}}", &m,
			   err, sizeof(err)));
	EXPECT_EQ(QMP_MSG_ERROR, m.type);
	EXPECT_STREQ("C", m.err_class);
	EXPECT_STREQ("D", m.err_desc);
	EXPECT_NULL(m.id);
	qmp_message_release(&m);

	ASSERT_EQ(0, parse("{\"timestamp\": {\"seconds\": 1795221351, \"microseconds\": "
			   "240154}, \"event\": \"MIGRATION\", \"data\": {\"status\": "
			   "\"completed\"}}", &m, err, sizeof(err)));
	EXPECT_EQ(QMP_MSG_EVENT, m.type);
	EXPECT_STREQ("MIGRATION", m.event);
	EXPECT_LT(m.timestamp - 1795221351.240154, 1e-5);
	EXPECT_GT(m.timestamp - 1795221351.240154, -1e-5);
	qmp_message_release(&m);
}

TEST(parser_rejects_bad_shapes)
{
	static const char *const bad[] = {
		"[]", "42", "\"s\"", "null", "{}", "{\"id\": 1}",
		"{\"return\": 1} x", "{\"return\": 1",
		"{\"QMP\": 1}", "{\"QMP\": {\"version\": {}, \"capabilities\": []}}",
		"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 1, "
		"\"major\": -8}}, \"capabilities\": []}}",
		"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 1, "
		"\"major\": 8}}, \"capabilities\": [1]}}",
		"{\"error\": {\"class\": \"C\"}}",
		"{\"error\": {\"desc\": \"D\", \"class\": null}}",
		"{\"event\": \"\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 1}}",
		"{\"event\": \"0123456789012345678901234567890123456789012345678901234567890123\", "
		"\"timestamp\": {\"seconds\": 1, \"microseconds\": 1}}",
		"{\"event\": \"E\"}",
		"{\"event\": \"E\", \"timestamp\": {\"seconds\": -1, \"microseconds\": 1}}",
		"{\"event\": \"E\", \"timestamp\": {\"seconds\": 1.5, \"microseconds\": 1}}",
		"{\"event\": \"E\", \"timestamp\": [1, 2]}",
		"{\"event\": \"E\", \"data\": null, \"timestamp\": {\"seconds\": 1, "
		"\"microseconds\": 1}}",
		"{\"return\": {}, \"event\": \"E\"}",
		"{\"return\": 99999999999999999999999}",
	};
	struct qmp_message m;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (parse(bad[i], &m, err, sizeof(err)) != -EPROTO)
			TH_LOG("accepted: %s", bad[i]);
		EXPECT_EQ(-EPROTO, parse(bad[i], &m, err, sizeof(err)));
		EXPECT_NE(0, (int)strlen(err));
		EXPECT_NULL(m.root);
	}
	EXPECT_EQ(-EPROTO, qmp_parse_message("", 0, &m, NULL, 0));
	EXPECT_EQ(-EPROTO, qmp_message_from_json(NULL, &m, NULL, 0));
}
