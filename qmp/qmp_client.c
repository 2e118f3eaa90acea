// SPDX-License-Identifier: GPL-2.0
/*
 * QMP client: connection, framing, message parsing, command/reply
 * matching and the event queue.
 *
 * Framing does not rely on QEMU's "\r\n": a small scanner finds the end
 * of each top-level object (tracking strings so that braces inside them
 * do not count), each byte is scanned once however the stream is split,
 * and jansson then parses exactly that object.
 */
#include "qmp/qmp_client.h"
#include "qmp/qmp_clock.h"

#include "generated/palm_config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define QMP_READ_CHUNK (64 * 1024)
#define QMP_PUMP_READS 16		/* qmp_pump reads at most 1 MiB */
#define QMP_ABANDONED_MAX 32		/* ids of commands given up on */
#define QMP_CMD_MAX 128
#define QMP_MIN_MESSAGE 64

struct qmp_client {
	int fd;
	int timeout_ms;			/* default for timeout_ms <= 0 */
	size_t max_msg;

	/* Receive buffer: buf[head, len) is unconsumed, [head, scan) scanned. */
	char *buf;
	size_t cap, len, head, scan;
	bool in_msg, in_str, esc;	/* scanner state */
	long depth;
	bool eof;

	int dead;			/* sticky -errno once unusable */
	int deferred;			/* error of a stray message, see drain */
	char deferred_msg[QMP_ERROR_MAX];
	bool greeted;
	json_int_t next_id;
	json_int_t abandoned[QMP_ABANDONED_MAX];
	unsigned int n_abandoned;

	struct qmp_event **evq;		/* ring of QMP_EVENT_QUEUE_MAX */
	unsigned int evq_head, evq_len;
	unsigned long dropped;

	int ver_major, ver_minor, ver_micro;
	char err_class[64];
	char last_error[QMP_ERROR_MAX];
	char dead_reason[QMP_ERROR_MAX];
};

static __thread char connect_error[QMP_ERROR_MAX];

/* --- time ------------------------------------------------------------- */

/* Deadlines in whole ms on the migration loops' clock. */
static int64_t now_ms(void)
{
	return (int64_t)(qmp_now_s() * 1000);
}

static int64_t deadline_after(int timeout_ms)
{
	return now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
}

static int remaining_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

static int effective_timeout(const struct qmp_client *c, int timeout_ms)
{
	return timeout_ms > 0 ? timeout_ms : c->timeout_ms;
}

/* --- errors ----------------------------------------------------------- */

static void vset_error(struct qmp_client *c, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vset_error(struct qmp_client *c, const char *fmt, va_list ap)
{
	vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
	c->err_class[0] = '\0';
}

void qmp_set_error(struct qmp_client *c, const char *fmt, ...)
{
	va_list ap;

	if (!c)
		return;
	va_start(ap, fmt);
	vset_error(c, fmt, ap);
	va_end(ap);
}

/* Marks the connection unusable: the stream's state is unknown. */
static int qmp_fatal(struct qmp_client *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int qmp_fatal(struct qmp_client *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset_error(c, fmt, ap);
	va_end(ap);
	c->dead = err;
	snprintf(c->dead_reason, sizeof(c->dead_reason), "%s", c->last_error);
	return err;
}

static int qmp_check_usable(struct qmp_client *c)
{
	if (!c->dead)
		return 0;
	snprintf(c->last_error, sizeof(c->last_error),
		 "connection unusable after an earlier error: %.400s",
		 c->dead_reason);
	c->err_class[0] = '\0';
	return c->dead;
}

const char *qmp_last_error(const struct qmp_client *c)
{
	return c ? c->last_error : "no QMP client";
}

const char *qmp_last_error_class(const struct qmp_client *c)
{
	return c ? c->err_class : "";
}

const char *qmp_connect_error(void)
{
	return connect_error;
}

/* --- message parsing -------------------------------------------------- */

const char *qmp_json_type(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

int qmp_proto_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EPROTO;
}

static int get_small_int(const json_t *obj, const char *key, int *out)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > INT_MAX)
		return -EPROTO;
	*out = (int)json_integer_value(v);
	return 0;
}

static int parse_greeting(const json_t *qmp, struct qmp_message *msg,
			  char *err, size_t errlen)
{
	const json_t *version, *qemu, *caps, *cap;
	size_t i;

	if (!json_is_object(qmp))
		return qmp_proto_error(err, errlen, "greeting: \"QMP\" is %s, not an object",
				qmp_json_type(qmp));
	version = json_object_get(qmp, "version");
	qemu = json_object_get(version, "qemu");
	if (!json_is_object(qemu) ||
	    get_small_int(qemu, "major", &msg->ver_major) ||
	    get_small_int(qemu, "minor", &msg->ver_minor) ||
	    get_small_int(qemu, "micro", &msg->ver_micro))
		return qmp_proto_error(err, errlen,
				"greeting: no version.qemu with integer major, minor, micro");
	caps = json_object_get(qmp, "capabilities");
	if (!json_is_array(caps))
		return qmp_proto_error(err, errlen, "greeting: \"capabilities\" is not an array");
	json_array_foreach(caps, i, cap)
		if (!json_is_string(cap))
			return qmp_proto_error(err, errlen,
					"greeting: capability %zu is %s, not a string",
					i, qmp_json_type(cap));
	msg->type = QMP_MSG_GREETING;
	return 0;
}

static int parse_error(const json_t *error, struct qmp_message *msg,
		       char *err, size_t errlen)
{
	const json_t *cls, *desc;

	if (!json_is_object(error))
		return qmp_proto_error(err, errlen, "error reply: \"error\" is %s, not an object",
				qmp_json_type(error));
	cls = json_object_get(error, "class");
	desc = json_object_get(error, "desc");
	if (!json_is_string(cls) || !json_is_string(desc))
		return qmp_proto_error(err, errlen,
				"error reply: \"class\" and \"desc\" must be strings");
	msg->type = QMP_MSG_ERROR;
	msg->err_class = json_string_value(cls);
	msg->err_desc = json_string_value(desc);
	return 0;
}

static int parse_event(const json_t *root, const json_t *name,
		       struct qmp_message *msg, char *err, size_t errlen)
{
	const json_t *ts, *sec, *usec, *data;
	size_t len;

	if (!json_is_string(name))
		return qmp_proto_error(err, errlen, "event: \"event\" is %s, not a string",
				qmp_json_type(name));
	len = json_string_length(name);
	if (len == 0 || len >= QMP_EVENT_NAME_MAX)
		return qmp_proto_error(err, errlen, "event: name of %zu bytes (1 to %d allowed)",
				len, QMP_EVENT_NAME_MAX - 1);
	ts = json_object_get(root, "timestamp");
	sec = json_object_get(ts, "seconds");
	usec = json_object_get(ts, "microseconds");
	if (!json_is_object(ts) || !json_is_integer(sec) ||
	    !json_is_integer(usec))
		return qmp_proto_error(err, errlen,
				"event %s: \"timestamp\" needs integer seconds and microseconds",
				json_string_value(name));
	if (json_integer_value(sec) < 0 || json_integer_value(usec) < 0 ||
	    json_integer_value(usec) > 999999)
		return qmp_proto_error(err, errlen, "event %s: timestamp out of range",
				json_string_value(name));
	data = json_object_get(root, "data");
	if (data && !json_is_object(data))
		return qmp_proto_error(err, errlen, "event %s: \"data\" is %s, not an object",
				json_string_value(name), qmp_json_type(data));
	msg->type = QMP_MSG_EVENT;
	msg->event = json_string_value(name);
	msg->data = (json_t *)data;
	msg->timestamp = (double)json_integer_value(sec) +
			 (double)json_integer_value(usec) / 1e6;
	return 0;
}

int qmp_message_from_json(json_t *root, struct qmp_message *msg, char *err,
			  size_t errlen)
{
	json_t *greeting, *ret, *error, *event;
	int kinds, r;

	memset(msg, 0, sizeof(*msg));
	if (!root)
		return qmp_proto_error(err, errlen, "no message");
	if (!json_is_object(root))
		return qmp_proto_error(err, errlen, "message is JSON %s, not an object",
				qmp_json_type(root));
	greeting = json_object_get(root, "QMP");
	ret = json_object_get(root, "return");
	error = json_object_get(root, "error");
	event = json_object_get(root, "event");
	kinds = !!greeting + !!ret + !!error + !!event;
	if (kinds != 1)
		return qmp_proto_error(err, errlen,
				"message has %s of \"QMP\", \"return\", \"error\", \"event\"",
				kinds ? "more than one" : "none");

	if (greeting) {
		r = parse_greeting(greeting, msg, err, errlen);
	} else if (event) {
		r = parse_event(root, event, msg, err, errlen);
	} else if (error) {
		r = parse_error(error, msg, err, errlen);
	} else {
		msg->type = QMP_MSG_RETURN;
		msg->ret = ret;
		r = 0;
	}
	if (r) {
		memset(msg, 0, sizeof(*msg));
		return r;
	}
	if (msg->type == QMP_MSG_RETURN || msg->type == QMP_MSG_ERROR)
		msg->id = json_object_get(root, "id");
	msg->root = json_incref(root);
	return 0;
}

int qmp_parse_message(const char *buf, size_t len, struct qmp_message *msg,
		      char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	int r;

	memset(msg, 0, sizeof(*msg));
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return qmp_proto_error(err, errlen, "invalid JSON at byte %d: %s",
				jerr.position, jerr.text);
	r = qmp_message_from_json(root, msg, err, errlen);
	json_decref(root);
	return r;
}

void qmp_message_release(struct qmp_message *msg)
{
	if (!msg)
		return;
	json_decref(msg->root);
	memset(msg, 0, sizeof(*msg));
}

/* --- event queue ------------------------------------------------------ */

void qmp_event_free(struct qmp_event *ev)
{
	if (!ev)
		return;
	json_decref(ev->data);
	free(ev);
}

static int queue_event(struct qmp_client *c, const struct qmp_message *msg)
{
	struct qmp_event *ev;

	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	/* the parser checked that the name fits */
	snprintf(ev->name, sizeof(ev->name), "%s", msg->event);
	ev->data = json_incref(msg->data);
	ev->timestamp = msg->timestamp;

	if (c->evq_len == QMP_EVENT_QUEUE_MAX) {
		/* A consumer that falls behind loses history, not new state. */
		qmp_event_free(c->evq[c->evq_head]);
		c->evq_head = (c->evq_head + 1) % QMP_EVENT_QUEUE_MAX;
		c->evq_len--;
		c->dropped++;
	}
	c->evq[(c->evq_head + c->evq_len) % QMP_EVENT_QUEUE_MAX] = ev;
	c->evq_len++;
	return 0;
}

static struct qmp_event *pop_event(struct qmp_client *c)
{
	struct qmp_event *ev = c->evq[c->evq_head];

	c->evq[c->evq_head] = NULL;
	c->evq_head = (c->evq_head + 1) % QMP_EVENT_QUEUE_MAX;
	c->evq_len--;
	return ev;
}

unsigned long qmp_events_dropped(const struct qmp_client *c)
{
	return c->dropped;
}

unsigned int qmp_events_pending(const struct qmp_client *c)
{
	return c->evq_len;
}

/* --- I/O -------------------------------------------------------------- */

/* Moves unconsumed bytes to the front and keeps a chunk of room free. */
static int make_room(struct qmp_client *c)
{
	size_t want;
	char *p;

	if (c->head) {
		memmove(c->buf, c->buf + c->head, c->len - c->head);
		c->len -= c->head;
		c->scan -= c->head;
		c->head = 0;
	}
	/* give memory back after a large reply such as the QAPI schema */
	if (c->len == 0 && c->cap > 4 * QMP_READ_CHUNK) {
		p = realloc(c->buf, QMP_READ_CHUNK);
		if (p) {
			c->buf = p;
			c->cap = QMP_READ_CHUNK;
		}
	}
	if (c->cap - c->len >= QMP_READ_CHUNK)
		return 0;
	/* bounded: unconsumed bytes are at most one partial message */
	want = c->len + QMP_READ_CHUNK;
	if (want < c->cap * 2)
		want = c->cap * 2;
	p = realloc(c->buf, want);
	if (!p)
		return qmp_fatal(c, -ENOMEM, "out of memory for a %zu-byte buffer",
				 want);
	c->buf = p;
	c->cap = want;
	return 0;
}

/*
 * Waits up to wait_ms (0: not at all) for input and reads once.
 * 0 when bytes or EOF arrived (or a signal interrupted), -ETIMEDOUT when
 * nothing did, or a fatal -errno.
 */
static int read_once(struct qmp_client *c, int wait_ms)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	ssize_t n;
	int r;

	r = make_room(c);
	if (r)
		return r;
	r = poll(&pfd, 1, wait_ms);
	if (r < 0)
		return errno == EINTR ? 0 :
		       qmp_fatal(c, -errno, "poll: %s", strerror(errno));
	if (r == 0)
		return -ETIMEDOUT;
	n = read(c->fd, c->buf + c->len, c->cap - c->len);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == ECONNRESET)
			return qmp_fatal(c, -ECONNRESET, "peer reset the connection");
		return qmp_fatal(c, -errno, "read: %s", strerror(errno));
	}
	if (n == 0)
		c->eof = true;
	c->len += (size_t)n;
	return 0;
}

/*
 * Waits for input until the deadline; one read is still attempted once
 * the deadline has passed so that data already there is not ignored, but
 * only one, so that a flooding peer cannot hold the caller.
 */
static int wait_input(struct qmp_client *c, int64_t deadline, bool *late)
{
	int wait = remaining_ms(deadline);

	if (*late)
		return -ETIMEDOUT;
	if (wait == 0)
		*late = true;
	return read_once(c, wait);
}

static int send_all(struct qmp_client *c, const char *buf, size_t len,
		    int64_t deadline)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
	size_t off = 0;
	ssize_t n;
	int r;

	while (off < len) {
		n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EPIPE || errno == ECONNRESET)
			return qmp_fatal(c, -ECONNRESET, "peer closed the connection");
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return qmp_fatal(c, -errno, "write: %s", strerror(errno));
		r = poll(&pfd, 1, remaining_ms(deadline));
		if (r < 0 && errno != EINTR)
			return qmp_fatal(c, -errno, "poll: %s", strerror(errno));
		if (r == 0 && off == 0) {
			qmp_set_error(c, "peer does not accept commands (send timed out)");
			return -ETIMEDOUT;
		}
		if (r == 0)
			return qmp_fatal(c, -ETIMEDOUT,
					 "timed out in the middle of sending a command");
	}
	return 0;
}

/*
 * Finds the next complete top-level object in buf.  1 with the frame in
 * buf[*start, *start + *len), 0 when more bytes are needed, or a fatal
 * -errno.
 */
static int frame_next(struct qmp_client *c, size_t *start, size_t *len)
{
	unsigned char ch;

	while (c->scan < c->len) {
		ch = (unsigned char)c->buf[c->scan++];
		if (!c->in_msg) {
			if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
				c->head = c->scan;
				continue;
			}
			if (ch != '{')
				return qmp_fatal(c, -EPROTO,
						 "peer sent byte 0x%02x outside a JSON object",
						 ch);
			c->in_msg = true;
			c->in_str = false;
			c->esc = false;
			c->depth = 1;
		} else if (c->in_str) {
			if (c->esc)
				c->esc = false;
			else if (ch == '\\')
				c->esc = true;
			else if (ch == '"')
				c->in_str = false;
		} else if (ch == '"') {
			c->in_str = true;
		} else if (ch == '{' || ch == '[') {
			c->depth++;
		} else if ((ch == '}' || ch == ']') && --c->depth == 0) {
			*start = c->head;
			*len = c->scan - c->head;
			c->head = c->scan;
			c->in_msg = false;
			if (*len > c->max_msg)
				goto too_big;
			return 1;
		}
		if (c->in_msg && c->scan - c->head > c->max_msg)
			goto too_big;
	}
	return 0;
too_big:
	return qmp_fatal(c, -EMSGSIZE,
			 "peer sent a message over the %zu-byte limit; the connection is now unusable",
			 c->max_msg);
}

/* --- dispatch --------------------------------------------------------- */

enum qmp_want {
	QMP_WANT_NONE,		/* only queue events */
	QMP_WANT_GREETING,
	QMP_WANT_REPLY,
};

static bool id_is(const json_t *id, json_int_t want)
{
	return json_is_integer(id) && json_integer_value(id) == want;
}

static bool id_abandoned(const struct qmp_client *c, const json_t *id)
{
	unsigned int i, n;

	n = c->n_abandoned < QMP_ABANDONED_MAX ? c->n_abandoned :
						 QMP_ABANDONED_MAX;
	for (i = 0; i < n; i++)
		if (id_is(id, c->abandoned[i]))
			return true;
	return false;
}

static void abandon_id(struct qmp_client *c, json_int_t id)
{
	c->abandoned[c->n_abandoned++ % QMP_ABANDONED_MAX] = id;
}

static const char *msg_type_name(enum qmp_msg_type t)
{
	switch (t) {
	case QMP_MSG_GREETING:
		return "greeting";
	case QMP_MSG_RETURN:
		return "reply";
	case QMP_MSG_ERROR:
		return "error reply";
	case QMP_MSG_EVENT:
		return "event";
	}
	return "message";
}

/*
 * Handles the complete messages already buffered: events go to the
 * queue, late replies to abandoned commands are dropped.  Returns 1 with
 * *msg set when the wanted message arrived (the rest stays buffered), 0
 * when more bytes are needed, or a negative errno.
 */
static int dispatch(struct qmp_client *c, enum qmp_want want,
		    json_int_t want_id, struct qmp_message *msg)
{
	char err[256], idtxt[64];
	struct qmp_message m;
	json_error_t jerr;
	size_t start = 0, len = 0;
	json_t *root;
	char *dump;
	int r;

	for (;;) {
		r = qmp_check_usable(c);
		if (r)
			return r;
		r = frame_next(c, &start, &len);
		if (r == 0 && c->eof)
			return qmp_fatal(c, -ECONNRESET,
					 c->in_msg ? "peer closed the connection in the middle of a message" :
						     "peer closed the connection");
		if (r <= 0)
			return r;
		root = json_loadb(c->buf + start, len, JSON_REJECT_DUPLICATES,
				  &jerr);
		if (!root)
			return qmp_fatal(c, -EPROTO,
					 "invalid JSON from peer at byte %d of a %zu-byte message: %s",
					 jerr.position, len, jerr.text);
		r = qmp_message_from_json(root, &m, err, sizeof(err));
		json_decref(root);
		if (r) {
			qmp_set_error(c, "%s", err);
			return r;
		}

		if (want == QMP_WANT_GREETING) {
			if (m.type == QMP_MSG_GREETING) {
				*msg = m;
				return 1;
			}
			qmp_set_error(c, "expected the QMP greeting, got %s first",
				      msg_type_name(m.type));
			qmp_message_release(&m);
			return -EPROTO;
		}
		if (m.type == QMP_MSG_EVENT) {
			r = queue_event(c, &m);
			qmp_message_release(&m);
			if (r)
				return qmp_fatal(c, r, "out of memory for an event");
			continue;
		}
		if (m.type == QMP_MSG_GREETING) {
			qmp_set_error(c, "unexpected second greeting");
			qmp_message_release(&m);
			return -EPROTO;
		}
		if (want == QMP_WANT_REPLY &&
		    (id_is(m.id, want_id) || (!m.id && m.type == QMP_MSG_ERROR))) {
			/* QEMU answers a request it cannot parse without id */
			*msg = m;
			return 1;
		}
		if (m.id && id_abandoned(c, m.id)) {
			qmp_message_release(&m);
			continue;
		}
		dump = m.id ? json_dumps(m.id, JSON_COMPACT | JSON_ENCODE_ANY) :
			      NULL;
		snprintf(idtxt, sizeof(idtxt), "%s", dump ? dump : "none");
		free(dump);
		qmp_set_error(c, "unexpected %s with id %s%s",
			      msg_type_name(m.type), idtxt,
			      want == QMP_WANT_REPLY ? "" : " (no command pending)");
		qmp_message_release(&m);
		return -EPROTO;
	}
}

/* --- commands and events ---------------------------------------------- */

/*
 * Queues the events that came in the same reads as a reply: poll() on
 * qmp_fd() cannot see bytes already in our buffer.  The error of a stray
 * message found here is kept for the next qmp_next_event/qmp_pump.
 */
static void drain_buffered(struct qmp_client *c)
{
	int r = dispatch(c, QMP_WANT_NONE, 0, NULL);

	if (r < 0 && !c->dead && !c->deferred) {
		c->deferred = r;
		snprintf(c->deferred_msg, sizeof(c->deferred_msg), "%s",
			 c->last_error);
	}
}

static int take_deferred(struct qmp_client *c)
{
	int r = c->deferred;

	if (r) {
		snprintf(c->last_error, sizeof(c->last_error), "%s",
			 c->deferred_msg);
		c->err_class[0] = '\0';
		c->deferred = 0;
	}
	return r;
}

static int execute_until(struct qmp_client *c, const char *cmd, json_t *args,
			 int64_t deadline, json_t **ret)
{
	struct qmp_message m = { 0 };
	json_t *req = NULL;
	bool sent = false, late = false;
	char *txt = NULL, *p;
	json_int_t id = 0;
	size_t len;
	int r;

	if (ret)
		*ret = NULL;
	c->err_class[0] = '\0';
	if (!cmd || !*cmd || strlen(cmd) >= QMP_CMD_MAX ||
	    (args && !json_is_object(args))) {
		qmp_set_error(c, "%s: invalid command name or arguments",
			      cmd ? cmd : "(null)");
		r = -EINVAL;
		goto out;
	}
	r = qmp_check_usable(c);
	if (r)
		goto out;

	id = c->next_id++;
	req = json_pack("{s:s, s:I}", "execute", cmd, "id", id);
	if (!req) {
		qmp_set_error(c, "%s: command name is not valid UTF-8", cmd);
		r = -EINVAL;
		goto out;
	}
	if (args) {
		r = json_object_set_new(req, "arguments", args);
		args = NULL;	/* stolen by json_object_set_new */
		if (r) {
			r = -ENOMEM;
			qmp_set_error(c, "%s: out of memory", cmd);
			goto out;
		}
	}
	txt = json_dumps(req, JSON_COMPACT);
	len = txt ? strlen(txt) : 0;
	p = txt ? realloc(txt, len + 2) : NULL;
	if (!p) {
		qmp_set_error(c, "%s: cannot encode the command", cmd);
		r = -ENOMEM;
		goto out;
	}
	txt = p;
	txt[len++] = '\n';
	txt[len] = '\0';
	r = send_all(c, txt, len, deadline);
	if (r)
		goto out;
	sent = true;

	for (;;) {
		r = dispatch(c, QMP_WANT_REPLY, id, &m);
		if (r == 1)
			break;
		if (r < 0)
			goto out;
		r = wait_input(c, deadline, &late);
		if (r == -ETIMEDOUT)
			qmp_set_error(c, "%s: no reply in time", cmd);
		if (r)
			goto out;
	}
	sent = false;		/* the reply is consumed: nothing to abandon */
	if (m.type == QMP_MSG_ERROR) {
		snprintf(c->last_error, sizeof(c->last_error), "%s: %s (%s)",
			 cmd, m.err_desc, m.err_class);
		snprintf(c->err_class, sizeof(c->err_class), "%s", m.err_class);
		r = -EREMOTEIO;
		goto out;
	}
	if (ret)
		*ret = json_incref(m.ret);
	drain_buffered(c);
	r = 0;
out:
	if (sent)
		abandon_id(c, id);
	qmp_message_release(&m);
	json_decref(args);
	json_decref(req);
	free(txt);
	return r;
}

int qmp_execute(struct qmp_client *c, const char *cmd, json_t *args,
		int timeout_ms, json_t **ret)
{
	if (!c) {
		json_decref(args);
		if (ret)
			*ret = NULL;
		return -EINVAL;
	}
	return execute_until(c, cmd, args,
			     deadline_after(effective_timeout(c, timeout_ms)),
			     ret);
}

int qmp_next_event(struct qmp_client *c, int timeout_ms,
		   struct qmp_event **ev)
{
	int64_t deadline;
	bool late = false;
	int r;

	if (!c || !ev)
		return -EINVAL;
	*ev = NULL;
	deadline = deadline_after(timeout_ms == 0 ? 0 :
				  effective_timeout(c, timeout_ms));
	for (;;) {
		if (c->evq_len) {
			*ev = pop_event(c);
			return 0;
		}
		r = take_deferred(c);
		if (r)
			return r;
		r = dispatch(c, QMP_WANT_NONE, 0, NULL);
		if (r < 0)
			return r;
		if (c->evq_len)
			continue;
		r = wait_input(c, deadline, &late);
		if (r == -ETIMEDOUT) {
			qmp_set_error(c, "no event within %d ms",
				      timeout_ms == 0 ? 0 :
				      effective_timeout(c, timeout_ms));
			return r;
		}
		if (r)
			return r;
	}
}

int qmp_pump(struct qmp_client *c)
{
	int i, r;

	if (!c)
		return -EINVAL;
	r = take_deferred(c);
	if (r)
		return r;
	for (i = 0; i < QMP_PUMP_READS; i++) {
		r = dispatch(c, QMP_WANT_NONE, 0, NULL);
		if (r < 0)
			return r;
		r = read_once(c, 0);
		if (r == -ETIMEDOUT)
			return 0;	/* nothing more right now */
		if (r)
			return r;
	}
	r = dispatch(c, QMP_WANT_NONE, 0, NULL);
	return r < 0 ? r : 0;
}

int qmp_fd(const struct qmp_client *c)
{
	return c ? c->fd : -1;
}

void qmp_version(const struct qmp_client *c, int *major, int *minor,
		 int *micro)
{
	if (major)
		*major = c->ver_major;
	if (minor)
		*minor = c->ver_minor;
	if (micro)
		*micro = c->ver_micro;
}

void qmp_set_timeout(struct qmp_client *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : CONFIG_PALM_QMP_TIMEOUT_MS;
}

int qmp_set_max_message(struct qmp_client *c, size_t bytes)
{
	if (bytes < QMP_MIN_MESSAGE)
		return -EINVAL;
	c->max_msg = bytes;
	return 0;
}

/* --- connection setup ------------------------------------------------- */

static int handshake(struct qmp_client *c, int64_t deadline)
{
	struct qmp_message m = { 0 };
	bool late = false;
	int r;

	for (;;) {
		r = dispatch(c, QMP_WANT_GREETING, 0, &m);
		if (r == 1)
			break;
		if (r < 0)
			goto out;
		r = wait_input(c, deadline, &late);
		if (r == -ETIMEDOUT)
			qmp_set_error(c, "no QMP greeting in time");
		if (r)
			goto out;
	}
	c->ver_major = m.ver_major;
	c->ver_minor = m.ver_minor;
	c->ver_micro = m.ver_micro;
	c->greeted = true;
	r = execute_until(c, "qmp_capabilities", NULL, deadline, NULL);
out:
	qmp_message_release(&m);
	return r;
}

static int client_start(int fd, int64_t deadline, int timeout_ms,
			struct qmp_client **out)
{
	struct qmp_client *c = NULL;
	int flags, r;

	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(connect_error, sizeof(connect_error), "out of memory");
		r = -ENOMEM;
		goto fail;
	}
	c->fd = fd;
	fd = -1;
	c->cap = QMP_READ_CHUNK;
	c->buf = malloc(c->cap);
	c->evq = calloc(QMP_EVENT_QUEUE_MAX, sizeof(*c->evq));
	if (!c->buf || !c->evq) {
		snprintf(connect_error, sizeof(connect_error), "out of memory");
		r = -ENOMEM;
		goto fail;
	}
	c->max_msg = (size_t)CONFIG_PALM_QMP_MAX_MESSAGE_KIB * 1024;
	c->next_id = 1;
	qmp_set_timeout(c, timeout_ms);

	flags = fcntl(c->fd, F_GETFL);
	if (flags < 0 || fcntl(c->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		r = -errno;
		snprintf(connect_error, sizeof(connect_error),
			 "cannot make the QMP socket non-blocking: %s",
			 strerror(errno));
		goto fail;
	}
	r = handshake(c, deadline);
	if (r) {
		snprintf(connect_error, sizeof(connect_error), "QMP handshake: %.480s",
			 c->last_error);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	qmp_close(c);
	return r;
}

int qmp_client_from_fd(int fd, int timeout_ms, struct qmp_client **out)
{
	int t = timeout_ms > 0 ? timeout_ms : CONFIG_PALM_QMP_TIMEOUT_MS;

	if (!out) {
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	*out = NULL;
	connect_error[0] = '\0';
	if (fd < 0) {
		snprintf(connect_error, sizeof(connect_error), "invalid fd %d", fd);
		return -EBADF;
	}
	return client_start(fd, deadline_after(t), t, out);
}

/* Waits for a non-blocking connect to finish. */
static int finish_connect(int fd, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t sl = sizeof(int);
	int r, soerr = 0;

	do {
		r = poll(&pfd, 1, remaining_ms(deadline));
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		return -errno;
	return soerr ? -soerr : 0;
}

static int connect_unix(const char *path, int64_t deadline, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = -1, r;

	if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(connect_error, sizeof(connect_error),
			 "unix socket path \"%.200s\" is empty or too long", path);
		r = -ENAMETOOLONG;
		goto fail;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = -errno;
		snprintf(connect_error, sizeof(connect_error), "socket: %s",
			 strerror(errno));
		goto fail;
	}
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	if (r == -EINPROGRESS)
		r = finish_connect(fd, deadline);
	if (r) {
		snprintf(connect_error, sizeof(connect_error), "connect %.200s: %s",
			 path, strerror(-r));
		goto fail;
	}
	*out = fd;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return r;
}

/* "host:port" or "[v6]:port".  The resolver has its own timeouts. */
static int connect_tcp(const char *hostport, int64_t deadline, int *out)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai = NULL, *a;
	char host[256], *end;
	const char *colon;
	size_t hlen;
	long port;
	int fd = -1, r;

	colon = strrchr(hostport, ':');
	port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || colon == hostport || !colon[1] || *end || port < 1 ||
	    port > 65535 || (size_t)(colon - hostport) >= sizeof(host)) {
		snprintf(connect_error, sizeof(connect_error),
			 "bad tcp address \"%.200s\" (want host:port)", hostport);
		r = -EINVAL;
		goto out;
	}
	hlen = (size_t)(colon - hostport);
	if (hostport[0] == '[' && hlen >= 2 && hostport[hlen - 1] == ']') {
		hostport++;
		hlen -= 2;
	}
	memcpy(host, hostport, hlen);
	host[hlen] = '\0';

	r = getaddrinfo(host, colon + 1, &hints, &ai);
	if (r) {
		snprintf(connect_error, sizeof(connect_error), "resolve %.200s: %s",
			 host, gai_strerror(r));
		r = -EHOSTUNREACH;
		goto out;
	}
	r = -EHOSTUNREACH;
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family,
			    a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    a->ai_protocol);
		if (fd < 0) {
			r = -errno;
			continue;
		}
		r = connect(fd, a->ai_addr, a->ai_addrlen) < 0 ? -errno : 0;
		if (r == -EINPROGRESS)
			r = finish_connect(fd, deadline);
		if (!r)
			break;
		close(fd);
		fd = -1;
		if (r == -ETIMEDOUT)
			break;
	}
	if (r) {
		snprintf(connect_error, sizeof(connect_error), "connect %.200s: %s",
			 hostport, strerror(-r));
		goto out;
	}
	*out = fd;
out:
	if (ai)
		freeaddrinfo(ai);
	return r;
}

int qmp_connect(const char *addr, int timeout_ms, struct qmp_client **out)
{
	int t = timeout_ms > 0 ? timeout_ms : CONFIG_PALM_QMP_TIMEOUT_MS;
	int64_t deadline = deadline_after(t);
	int fd = -1, r;

	connect_error[0] = '\0';
	if (!out || !addr) {
		snprintf(connect_error, sizeof(connect_error), "no address");
		return -EINVAL;
	}
	*out = NULL;
	if (strncmp(addr, "tcp:", 4) == 0)
		r = connect_tcp(addr + 4, deadline, &fd);
	else
		r = connect_unix(strncmp(addr, "unix:", 5) == 0 ? addr + 5 : addr,
				 deadline, &fd);
	if (r)
		return r;
	return client_start(fd, deadline, t, out);
}

void qmp_close(struct qmp_client *c)
{
	if (!c)
		return;
	if (c->evq) {
		while (c->evq_len)
			qmp_event_free(pop_event(c));
		free(c->evq);
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}
