/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QMP client: one connection to a QEMU monitor, synchronous commands,
 * a bounded queue of the events that arrive in between.
 *
 * Every call returns 0 or a negative errno and never waits longer than
 * its timeout.  qmp_last_error() describes the last failure.  A client is
 * not thread safe: use it from one thread at a time.
 *
 * Errors that leave the byte stream in an unknown state (peer closed,
 * read or write failure, invalid JSON, bytes outside a JSON object, a
 * message over the size limit, a write cut short by a timeout) make the
 * connection unusable: every later call returns the same errno.  A
 * well-formed message that is not valid QMP (wrong shape, unexpected id)
 * fails only the call that received it.
 */
#ifndef PALM_QMP_CLIENT_H
#define PALM_QMP_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define QMP_EVENT_QUEUE_MAX 1024	/* queued events; the oldest drop first */
#define QMP_EVENT_NAME_MAX 64
#define QMP_ERROR_MAX 512

struct qmp_client;			/* opaque */

struct qmp_event {
	char name[QMP_EVENT_NAME_MAX];	/* "MIGRATION", "STOP", ... */
	json_t *data;			/* "data" object (own reference) or NULL */
	double timestamp;		/* seconds since the epoch, QEMU's clock */
};

/*
 * addr: "unix:/path", "tcp:host:port" ("tcp:[v6addr]:port"), or a bare
 * path (= unix).  Connects, reads and validates the greeting and runs
 * qmp_capabilities, all within timeout_ms (<= 0: the configured default,
 * CONFIG_PALM_QMP_TIMEOUT_MS).  timeout_ms also becomes the client's
 * default command timeout.  On failure *out is NULL and
 * qmp_connect_error() says why.
 */
int qmp_connect(const char *addr, int timeout_ms, struct qmp_client **out);
/* Same handshake over a connected stream socket; takes ownership of fd
 * (closed on failure too). */
int qmp_client_from_fd(int fd, int timeout_ms, struct qmp_client **out);
/* Why the last qmp_connect/qmp_client_from_fd in this thread failed. */
const char *qmp_connect_error(void);
void qmp_close(struct qmp_client *c);

/*
 * Sends {"execute": cmd, "arguments": args, "id": <unique>} and waits for
 * the reply with that id; events arriving meanwhile are queued.  args (an
 * object or NULL) is stolen, also on failure.  timeout_ms <= 0 means the
 * client's default.  On success *ret (if ret is not NULL) is a new
 * reference to the "return" value.
 * Errors: -ETIMEDOUT, -EPROTO (malformed or unexpected message),
 * -EMSGSIZE (message over the size limit), -ECONNRESET (peer closed),
 * -EREMOTEIO (QMP error reply; see qmp_last_error/qmp_last_error_class),
 * -EINVAL (bad arguments), -ENOMEM, or the errno of a failed read/write.
 * A late reply to a command that timed out is recognised by its id and
 * dropped.  On return every event received so far is in the queue: poll()
 * on qmp_fd() does not signal those, so drain qmp_next_event(c, 0, ...)
 * before sleeping in poll().
 */
int qmp_execute(struct qmp_client *c, const char *cmd, json_t *args,
		int timeout_ms, json_t **ret);

/* The last failure on this client, never NULL ("" if none yet). */
const char *qmp_last_error(const struct qmp_client *c);
/* The "class" of the last QMP error reply ("GenericError", ...), or "" if
 * the last failure was not an error reply. */
const char *qmp_last_error_class(const struct qmp_client *c);

/*
 * Next queued event, or wait up to timeout_ms for one (0: only read what
 * is available now; < 0: the client's default timeout).  Queued events
 * are returned even after the connection failed.  0 and *ev set (free
 * with qmp_event_free), -ETIMEDOUT, or another negative errno; -EPROTO
 * for a malformed or unexpected message, also one that arrived together
 * with an earlier command's reply (reported here once, not fatal).
 */
int qmp_next_event(struct qmp_client *c, int timeout_ms,
		   struct qmp_event **ev);
void qmp_event_free(struct qmp_event *ev);
/* Events dropped because the queue was full. */
unsigned long qmp_events_dropped(const struct qmp_client *c);
/* Events waiting in the queue. */
unsigned int qmp_events_pending(const struct qmp_client *c);

int qmp_fd(const struct qmp_client *c);		/* for poll(POLLIN) */
/*
 * Reads what is available now without blocking (at most ~1 MiB per call,
 * so a flooding peer cannot keep the caller here) and queues the events.
 * 0 or a negative errno.
 */
int qmp_pump(struct qmp_client *c);

/* QEMU version from the greeting. */
void qmp_version(const struct qmp_client *c, int *major, int *minor,
		 int *micro);
/* Default timeout for calls given timeout_ms <= 0. */
void qmp_set_timeout(struct qmp_client *c, int timeout_ms);
/* Largest message accepted, in bytes (default
 * CONFIG_PALM_QMP_MAX_MESSAGE_KIB KiB); at least 64 bytes. */
int qmp_set_max_message(struct qmp_client *c, size_t bytes);
/* For the command and feature layers: record a failure description. */
/*
 * For decoders that have no client: write the reason into err (may be
 * NULL) and return -EPROTO.
 */
int qmp_proto_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void qmp_set_error(struct qmp_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "an object", "an integer", ... for error messages. */
const char *qmp_json_type(const json_t *v);

/*
 * One parsed QMP message.  The parser is separate from the connection so
 * that it can be tested and fuzzed on its own.
 */
enum qmp_msg_type {
	QMP_MSG_GREETING,
	QMP_MSG_RETURN,
	QMP_MSG_ERROR,
	QMP_MSG_EVENT,
};

struct qmp_message {
	enum qmp_msg_type type;
	json_t *root;			/* owns everything below */
	json_t *id;			/* replies: "id" or NULL if absent */
	json_t *ret;			/* QMP_MSG_RETURN: "return" */
	const char *err_class;		/* QMP_MSG_ERROR */
	const char *err_desc;
	const char *event;		/* QMP_MSG_EVENT */
	json_t *data;			/* event "data" object or NULL */
	double timestamp;
	int ver_major, ver_minor, ver_micro;	/* QMP_MSG_GREETING */
};

/*
 * Classifies a parsed JSON value as one QMP message and checks its shape.
 * Takes a reference to root on success.  0, or -EPROTO with a reason in
 * err (err may be NULL).
 */
int qmp_message_from_json(json_t *root, struct qmp_message *msg, char *err,
			  size_t errlen);
/* json_loadb of exactly one message, then qmp_message_from_json. */
int qmp_parse_message(const char *buf, size_t len, struct qmp_message *msg,
		      char *err, size_t errlen);
void qmp_message_release(struct qmp_message *msg);

#endif /* PALM_QMP_CLIENT_H */
