/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scripted QMP peer for unit tests: a thread on one end of a socket
 * pair plays the script, the test drives the QMP client on the other.
 *
 *	struct fake_qmp *f = fake_qmp_new(false);
 *	fake_qmp_handshake(f);
 *	fake_qmp_expect(f, "query-status");
 *	fake_qmp_event(f, "STOP", NULL);
 *	fake_qmp_reply(f, "{\"return\": {\"status\": \"paused\", \"running\": false}}");
 *	ASSERT_EQ(0, fake_qmp_start(f, &fd));
 *	... qmp_client_from_fd(fd, ...) ...
 *	qmp_close(c);			   (so that a waiting peer sees EOF)
 *	ASSERT_EQ(0, fake_qmp_finish(f));  (every step ran as scripted)
 *	fake_qmp_free(f);
 *
 * Every wait of the peer is bounded (5 s), and the peer closes its end
 * when the script ends or fails, so a wrong client cannot hang a test.
 */
#ifndef PALM_TEST_FAKE_QMP_H
#define PALM_TEST_FAKE_QMP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct fake_qmp;

/*
 * seqpacket: use SOCK_SEQPACKET so that each write of the peer is exactly
 * one read of the client, which makes splits deterministic (the client
 * reads at least 64 KiB at a time, and the peer writes at most 32 KiB).
 */
struct fake_qmp *fake_qmp_new(bool seqpacket);

/* QEMU 7.2's greeting. */
void fake_qmp_greeting(struct fake_qmp *f);
/* Greeting, then answer qmp_capabilities. */
void fake_qmp_handshake(struct fake_qmp *f);
/* Read one command from the client; it must be cmd.  Its id is kept for
 * fake_qmp_reply. */
void fake_qmp_expect(struct fake_qmp *f, const char *cmd);
/* Send a JSON object, adding the last command's "id" unless it has one. */
void fake_qmp_reply(struct fake_qmp *f, const char *json);
void fake_qmp_expect_reply(struct fake_qmp *f, const char *cmd,
			   const char *json);
/* A well-formed event; data_json is an object or NULL. */
void fake_qmp_event(struct fake_qmp *f, const char *name,
		    const char *data_json);
/* Raw bytes, as given (no newline added). */
void fake_qmp_send(struct fake_qmp *f, const char *raw);
void fake_qmp_send_bytes(struct fake_qmp *f, const void *buf, size_t len);
/* Raw bytes in writes of chunk bytes each. */
void fake_qmp_send_split(struct fake_qmp *f, const char *raw, size_t chunk);
/* '{"return": "' then len bytes of 'x', never closed: an oversized or
 * endless message.  The client may hang up meanwhile; that is fine. */
void fake_qmp_send_unterminated(struct fake_qmp *f, size_t len);
void fake_qmp_sleep(struct fake_qmp *f, int ms);
/* Close the peer's end now (the rest of the script is not run). */
void fake_qmp_close(struct fake_qmp *f);
/* Read and discard until the client closes: a peer that never answers. */
void fake_qmp_wait_close(struct fake_qmp *f);

/* Starts the peer; *client_fd is the client's end (caller owns it). */
int fake_qmp_start(struct fake_qmp *f, int *client_fd);
/* Starts the peer on the first connection accepted on listen_fd (which
 * stays the caller's), for tests of qmp_connect. */
int fake_qmp_start_listener(struct fake_qmp *f, int listen_fd);
/* Waits for the peer's thread: 0 when every step ran as scripted. */
int fake_qmp_finish(struct fake_qmp *f);
const char *fake_qmp_error(const struct fake_qmp *f);
/* Commands received, and the n-th one's "arguments" (borrowed, or NULL). */
int fake_qmp_received(const struct fake_qmp *f);
json_t *fake_qmp_args(const struct fake_qmp *f, int n);
/* The n-th command's "id" (borrowed, or NULL). */
json_t *fake_qmp_id(const struct fake_qmp *f, int n);
void fake_qmp_free(struct fake_qmp *f);

#endif /* PALM_TEST_FAKE_QMP_H */
