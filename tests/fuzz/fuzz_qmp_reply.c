// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: what a QMP peer can send.  Each input is used twice:
 *
 *  - as one message for the parser, whose "return" (or, when the input is
 *    JSON but no QMP message, the whole value) then goes through every
 *    reply decoder and the feature parser;
 *  - as the byte stream that follows a valid handshake on a real socket,
 *    read by a client that runs a few typed queries and drains events,
 *    with a lowered size limit so that oversized messages are reached.
 *
 * Besides the sanitizers, a few invariants abort: decoded strings stay
 * inside their buffers, counts stay in range, and a connection declared
 * unusable stays so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qmp/qmp_client.h"
#include "qmp/qmp_commands.h"
#include "qmp/qmp_features.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond))                                           \
			abort();                                       \
	} while (0)

static const char handshake[] =
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, "
	"\"major\": 7}, \"package\": \"\"}, \"capabilities\": [\"oob\"]}}\r\n"
	"{\"return\": {}, \"id\": 1}\r\n";

static void check_str(const char *s, size_t size)
{
	CHECK(memchr(s, '\0', size) != NULL);
}

static void decode_all(const json_t *v)
{
	struct qmp_migrate_info mi;
	struct qmp_features *f;
	struct qmp_dirty_rate dr;
	struct qmp_vcpu cpus[4];
	char err[256], st[32];
	bool running;
	int n, i;

	if (qmp_decode_migrate_info(v, &mi, err, sizeof(err)) == 0) {
		check_str(mi.status, sizeof(mi.status));
		check_str(mi.error_desc, sizeof(mi.error_desc));
		CHECK(mi.cpu_throttle_percentage >= 0 &&
		      mi.cpu_throttle_percentage <= 100);
		CHECK(mi.ram_mbps >= 0);
	}
	if (qmp_decode_dirty_rate(v, &dr, err, sizeof(err)) == 0) {
		check_str(dr.status, sizeof(dr.status));
		check_str(dr.mode, sizeof(dr.mode));
		CHECK(dr.nvcpu >= 0 && dr.nvcpu <= QMP_DIRTY_RATE_MAX_VCPUS);
		CHECK(dr.dirty_rate_mbps >= -1);
	}
	n = -1;
	if (qmp_decode_cpus_fast(v, cpus, 4, &n, err, sizeof(err)) == 0) {
		CHECK(n >= 0 && n <= 4);
		for (i = 0; i < n; i++)
			check_str(cpus[i].qom_path, sizeof(cpus[i].qom_path));
	}
	qmp_decode_cpus_fast(v, NULL, 0, &n, err, sizeof(err));
	if (qmp_decode_status(v, st, sizeof(st), &running, err, sizeof(err)) == 0)
		check_str(st, sizeof(st));

	if (qmp_features_from_json(v, NULL, NULL, &f, err, sizeof(err)) == 0)
		qmp_features_free(f);
	if (qmp_features_from_json(NULL, v, NULL, &f, err, sizeof(err)) == 0)
		qmp_features_free(f);
	if (qmp_features_from_json(NULL, NULL, v, &f, err, sizeof(err)) == 0) {
		qmp_has_parameter(f, "downtime-limit");
		qmp_features_free(f);
	}
	check_str(err, sizeof(err));
}

static void fuzz_parser(const uint8_t *data, size_t size)
{
	struct qmp_message m;
	char err[256];
	json_t *v;

	err[0] = '\0';
	if (qmp_parse_message((const char *)data, size, &m, err,
			      sizeof(err)) == 0) {
		CHECK(m.root);
		if (m.type == QMP_MSG_RETURN)
			decode_all(m.ret);
		if (m.type == QMP_MSG_EVENT)
			CHECK(strlen(m.event) < QMP_EVENT_NAME_MAX);
		qmp_message_release(&m);
		return;
	}
	CHECK(!m.root);
	check_str(err, sizeof(err));
	/* valid JSON but no QMP message: still reach the decoders */
	v = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (v)
		decode_all(v);
	json_decref(v);
}

static void fuzz_stream(const uint8_t *data, size_t size)
{
	struct qmp_migrate_info mi;
	struct qmp_client *c = NULL;
	struct qmp_dirty_rate dr;
	struct qmp_vcpu cpus[4];
	struct qmp_event *ev;
	int sv[2], r, n, i, errs;
	char st[32];
	bool running;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return;
	/* everything the peer says is there before the client starts, and
	 * then EOF: no call can wait */
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	if (write(sv[0], handshake, sizeof(handshake) - 1) !=
	    (ssize_t)(sizeof(handshake) - 1))
		goto out;
	if (size && write(sv[0], data, size) < 0)
		goto out;
	shutdown(sv[0], SHUT_WR);

	r = qmp_client_from_fd(sv[1], 1000, &c);
	sv[1] = -1;
	if (r)
		goto out;
	qmp_set_max_message(c, 4096);

	qmp_query_migrate(c, &mi);
	qmp_query_status(c, st, sizeof(st), &running);
	qmp_query_cpus_fast(c, cpus, 4, &n);
	qmp_query_dirty_rate(c, &dr);
	/* stray malformed messages fail one call each; a dead connection
	 * fails every call, so stop after a few errors in a row */
	for (i = 0, errs = 0; i < 2048 && errs < 8; i++) {
		r = qmp_next_event(c, 0, &ev);
		if (r == 0) {
			CHECK(strlen(ev->name) < sizeof(ev->name));
			qmp_event_free(ev);
			errs = 0;
			continue;
		}
		if (r != -EPROTO)
			break;
		errs++;
	}
	r = qmp_pump(c);
	/* a connection declared unusable stays so */
	if (r && r != -EPROTO && r != -ETIMEDOUT) {
		CHECK(qmp_execute(c, "query-status", NULL, 1000, NULL) == r);
		CHECK(qmp_pump(c) == r);
	}
	check_str(qmp_last_error(c), QMP_ERROR_MAX);
	CHECK(qmp_events_pending(c) <= QMP_EVENT_QUEUE_MAX);
out:
	qmp_close(c);
	close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parser(data, size);
	fuzz_stream(data, size);
	return 0;
}
