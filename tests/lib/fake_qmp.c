// SPDX-License-Identifier: GPL-2.0
/* A scripted QMP peer for unit tests; see fake_qmp.h. */
#include "tests/lib/fake_qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FQ_WAIT_MS 5000
#define FQ_MAX_WRITE (32 * 1024)
#define FQ_MAX_RECEIVED 64

/* QEMU 7.2's greeting, as captured. */
static const char fq_greeting[] =
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, "
	"\"major\": 7}, \"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, "
	"\"capabilities\": [\"oob\"]}}\r\n";

enum fq_kind {
	FQ_SEND,		/* data, len, chunk */
	FQ_EXPECT,		/* data: command name */
	FQ_REPLY,		/* data: JSON object */
	FQ_EVENT,		/* data: name, data2: data JSON or NULL */
	FQ_UNTERMINATED,	/* len */
	FQ_SLEEP,		/* len: milliseconds */
	FQ_CLOSE,
	FQ_WAIT_CLOSE,
};

struct fq_step {
	enum fq_kind kind;
	char *data, *data2;
	size_t len, chunk;
};

struct fake_qmp {
	bool seqpacket;
	struct fq_step *steps;
	size_t nsteps;
	bool oom;		/* building the script failed */

	int fd;			/* the peer's end */
	int listen_fd;		/* accept fd from here first, if >= 0 */
	pthread_t thread;
	bool started;

	json_t *last_id;
	json_t *received[FQ_MAX_RECEIVED];	/* each command's arguments */
	json_t *ids[FQ_MAX_RECEIVED];		/* and its id */
	int nreceived;
	unsigned int nevents;
	char rbuf[64 * 1024];
	size_t rlen;
	int status;
	char error[512];
};

struct fake_qmp *fake_qmp_new(bool seqpacket)
{
	struct fake_qmp *f = calloc(1, sizeof(*f));

	if (f) {
		f->seqpacket = seqpacket;
		f->fd = -1;
		f->listen_fd = -1;
	}
	return f;
}

static void add_step(struct fake_qmp *f, enum fq_kind kind, const void *data,
		     size_t len, const char *data2, size_t chunk)
{
	struct fq_step *s, *steps;

	steps = realloc(f->steps, (f->nsteps + 1) * sizeof(*steps));
	if (!steps) {
		f->oom = true;
		return;
	}
	f->steps = steps;
	s = &f->steps[f->nsteps++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->len = len;
	s->chunk = chunk;
	if (data) {
		s->data = malloc(len + 1);
		if (!s->data) {
			f->oom = true;
			return;
		}
		memcpy(s->data, data, len);
		s->data[len] = '\0';
	}
	if (data2) {
		s->data2 = strdup(data2);
		if (!s->data2)
			f->oom = true;
	}
}

void fake_qmp_greeting(struct fake_qmp *f)
{
	fake_qmp_send(f, fq_greeting);
}

void fake_qmp_handshake(struct fake_qmp *f)
{
	fake_qmp_greeting(f);
	fake_qmp_expect_reply(f, "qmp_capabilities", "{\"return\": {}}");
}

void fake_qmp_expect(struct fake_qmp *f, const char *cmd)
{
	add_step(f, FQ_EXPECT, cmd, strlen(cmd), NULL, 0);
}

void fake_qmp_reply(struct fake_qmp *f, const char *json)
{
	add_step(f, FQ_REPLY, json, strlen(json), NULL, 0);
}

void fake_qmp_expect_reply(struct fake_qmp *f, const char *cmd,
			   const char *json)
{
	fake_qmp_expect(f, cmd);
	fake_qmp_reply(f, json);
}

void fake_qmp_event(struct fake_qmp *f, const char *name,
		    const char *data_json)
{
	add_step(f, FQ_EVENT, name, strlen(name), data_json, 0);
}

void fake_qmp_send(struct fake_qmp *f, const char *raw)
{
	add_step(f, FQ_SEND, raw, strlen(raw), NULL, FQ_MAX_WRITE);
}

void fake_qmp_send_bytes(struct fake_qmp *f, const void *buf, size_t len)
{
	add_step(f, FQ_SEND, buf, len, NULL, FQ_MAX_WRITE);
}

void fake_qmp_send_split(struct fake_qmp *f, const char *raw, size_t chunk)
{
	if (chunk == 0 || chunk > FQ_MAX_WRITE)
		chunk = FQ_MAX_WRITE;
	add_step(f, FQ_SEND, raw, strlen(raw), NULL, chunk);
}

void fake_qmp_send_unterminated(struct fake_qmp *f, size_t len)
{
	add_step(f, FQ_UNTERMINATED, NULL, len, NULL, FQ_MAX_WRITE);
}

void fake_qmp_sleep(struct fake_qmp *f, int ms)
{
	add_step(f, FQ_SLEEP, NULL, ms > 0 ? (size_t)ms : 0, NULL, 0);
}

void fake_qmp_close(struct fake_qmp *f)
{
	add_step(f, FQ_CLOSE, NULL, 0, NULL, 0);
}

void fake_qmp_wait_close(struct fake_qmp *f)
{
	add_step(f, FQ_WAIT_CLOSE, NULL, 0, NULL, 0);
}

/* --- the peer's thread ------------------------------------------------ */

static int fq_fail(struct fake_qmp *f, size_t step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fq_fail(struct fake_qmp *f, size_t step, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(f->error, sizeof(f->error), "fake QMP peer, step %zu: %s",
		 step, why);
	return -1;
}

/* 0 sent, 1 the client hung up, -1 failed. */
static int fq_write(struct fake_qmp *f, size_t step, const char *buf,
		    size_t len, size_t chunk)
{
	struct pollfd pfd = { .fd = f->fd, .events = POLLOUT };
	size_t off = 0, n;
	ssize_t w;

	while (off < len) {
		n = len - off < chunk ? len - off : chunk;
		w = send(f->fd, buf + off, n, MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			return 1;
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return fq_fail(f, step, "send: %s", strerror(errno));
		if (poll(&pfd, 1, FQ_WAIT_MS) == 0)
			return fq_fail(f, step, "client does not read");
	}
	return 0;
}

static int fq_send_json(struct fake_qmp *f, size_t step, json_t *msg)
{
	char *txt = json_dumps(msg, JSON_COMPACT), *line;
	size_t len;
	int r;

	if (!txt)
		return fq_fail(f, step, "cannot encode a message");
	len = strlen(txt);
	/* QEMU ends every message with CRLF, in the same write */
	line = realloc(txt, len + 3);
	if (!line) {
		free(txt);
		return fq_fail(f, step, "out of memory");
	}
	memcpy(line + len, "\r\n", 3);
	r = fq_write(f, step, line, len + 2, FQ_MAX_WRITE);
	free(line);
	return r;
}

/* One newline-terminated command from the client. */
static int fq_read_command(struct fake_qmp *f, size_t step, json_t **cmd)
{
	struct pollfd pfd = { .fd = f->fd, .events = POLLIN };
	json_error_t jerr;
	char *nl;
	ssize_t n;
	size_t len;

	for (;;) {
		nl = memchr(f->rbuf, '\n', f->rlen);
		if (nl)
			break;
		if (f->rlen == sizeof(f->rbuf))
			return fq_fail(f, step, "command longer than %zu bytes",
				       sizeof(f->rbuf));
		if (poll(&pfd, 1, FQ_WAIT_MS) == 0)
			return fq_fail(f, step, "no command from the client");
		n = recv(f->fd, f->rbuf + f->rlen, sizeof(f->rbuf) - f->rlen, 0);
		if (n == 0)
			return fq_fail(f, step, "client closed instead of sending a command");
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return fq_fail(f, step, "recv: %s", strerror(errno));
		if (n > 0)
			f->rlen += (size_t)n;
	}
	len = (size_t)(nl - f->rbuf) + 1;
	*cmd = json_loadb(f->rbuf, len, 0, &jerr);
	memmove(f->rbuf, f->rbuf + len, f->rlen - len);
	f->rlen -= len;
	if (!*cmd)
		return fq_fail(f, step, "client sent invalid JSON: %s", jerr.text);
	return 0;
}

static int fq_expect(struct fake_qmp *f, size_t step, const char *want)
{
	json_t *cmd = NULL, *exec, *args;
	int r;

	r = fq_read_command(f, step, &cmd);
	if (r)
		return r;
	exec = json_object_get(cmd, "execute");
	if (!json_is_string(exec) || strcmp(json_string_value(exec), want)) {
		r = fq_fail(f, step, "expected command %s, got %s", want,
			    json_is_string(exec) ? json_string_value(exec) :
						   "no \"execute\"");
		goto out;
	}
	if (!json_object_get(cmd, "id")) {
		r = fq_fail(f, step, "command %s has no id", want);
		goto out;
	}
	json_decref(f->last_id);
	f->last_id = json_incref(json_object_get(cmd, "id"));
	args = json_object_get(cmd, "arguments");
	if (f->nreceived < FQ_MAX_RECEIVED) {
		f->received[f->nreceived] = json_incref(args);
		f->ids[f->nreceived] = json_incref(f->last_id);
	}
	f->nreceived++;
out:
	json_decref(cmd);
	return r;
}

static int fq_reply(struct fake_qmp *f, size_t step, const char *json)
{
	json_error_t jerr;
	json_t *msg;
	int r;

	msg = json_loads(json, 0, &jerr);
	if (!json_is_object(msg)) {
		json_decref(msg);
		return fq_fail(f, step, "scripted reply is not a JSON object: %s",
			       jerr.text);
	}
	if (!json_object_get(msg, "id") && f->last_id)
		json_object_set(msg, "id", f->last_id);
	r = fq_send_json(f, step, msg);
	json_decref(msg);
	return r;
}

static int fq_event(struct fake_qmp *f, size_t step, const char *name,
		    const char *data)
{
	json_error_t jerr;
	json_t *msg, *d = NULL;
	int r;

	if (data) {
		d = json_loads(data, 0, &jerr);
		if (!d)
			return fq_fail(f, step, "scripted event data: %s", jerr.text);
	}
	msg = json_pack("{s:s, s:{s:I, s:I}}", "event", name, "timestamp",
			"seconds", (json_int_t)(1700000000 + f->nevents),
			"microseconds", (json_int_t)123456);
	f->nevents++;
	if (msg && d)
		json_object_set_new(msg, "data", d);
	else
		json_decref(d);
	if (!msg)
		return fq_fail(f, step, "cannot build event %s", name);
	r = fq_send_json(f, step, msg);
	json_decref(msg);
	return r;
}

static int fq_unterminated(struct fake_qmp *f, size_t step, size_t len)
{
	static const char head[] = "{\"return\": \"";
	char block[FQ_MAX_WRITE];
	size_t n;
	int r;

	memset(block, 'x', sizeof(block));
	r = fq_write(f, step, head, sizeof(head) - 1, FQ_MAX_WRITE);
	while (!r && len) {
		n = len < sizeof(block) ? len : sizeof(block);
		r = fq_write(f, step, block, n, FQ_MAX_WRITE);
		len -= n;
	}
	/* a client that gave up on the message may hang up meanwhile */
	return r < 0 ? r : 0;
}

static int fq_wait_close(struct fake_qmp *f, size_t step)
{
	struct pollfd pfd = { .fd = f->fd, .events = POLLIN };
	char buf[4096];
	ssize_t n;

	for (;;) {
		if (poll(&pfd, 1, FQ_WAIT_MS * 2) == 0)
			return fq_fail(f, step, "client did not close");
		n = recv(f->fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return 0;
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return fq_fail(f, step, "recv: %s", strerror(errno));
	}
}

/* The peer's end is non-blocking so that its writes are bounded too. */
static int fq_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

static int fq_accept(struct fake_qmp *f)
{
	struct pollfd pfd = { .fd = f->listen_fd, .events = POLLIN };

	if (poll(&pfd, 1, FQ_WAIT_MS) <= 0)
		return fq_fail(f, 0, "no connection to accept");
	f->fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (f->fd < 0 || fq_set_nonblock(f->fd))
		return fq_fail(f, 0, "accept: %s", strerror(errno));
	return 0;
}

static void *fq_run(void *arg)
{
	struct fake_qmp *f = arg;
	struct fq_step *s;
	size_t i;
	int r = 0;

	if (f->listen_fd >= 0)
		r = fq_accept(f);
	for (i = 0; i < f->nsteps && r == 0; i++) {
		s = &f->steps[i];
		switch (s->kind) {
		case FQ_SEND:
			r = fq_write(f, i, s->data, s->len, s->chunk);
			if (r == 1)
				r = fq_fail(f, i, "client hung up");
			break;
		case FQ_EXPECT:
			r = fq_expect(f, i, s->data);
			break;
		case FQ_REPLY:
			r = fq_reply(f, i, s->data);
			if (r == 1)
				r = fq_fail(f, i, "client hung up");
			break;
		case FQ_EVENT:
			r = fq_event(f, i, s->data, s->data2);
			if (r == 1)
				r = fq_fail(f, i, "client hung up");
			break;
		case FQ_UNTERMINATED:
			r = fq_unterminated(f, i, s->len);
			break;
		case FQ_SLEEP:
			usleep((useconds_t)s->len * 1000);
			break;
		case FQ_CLOSE:
			i = f->nsteps;
			break;
		case FQ_WAIT_CLOSE:
			r = fq_wait_close(f, i);
			break;
		}
	}
	f->status = r ? -1 : 0;
	/* the client sees EOF now, whatever happened */
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	return NULL;
}

int fake_qmp_start(struct fake_qmp *f, int *client_fd)
{
	int sv[2];

	*client_fd = -1;
	if (!f || f->oom || f->started)
		return -ENOMEM;
	if (socketpair(AF_UNIX, (f->seqpacket ? SOCK_SEQPACKET : SOCK_STREAM) |
			       SOCK_CLOEXEC, 0, sv))
		return -errno;
	f->fd = sv[0];
	if (fq_set_nonblock(sv[0]) ||
	    pthread_create(&f->thread, NULL, fq_run, f)) {
		close(sv[0]);
		close(sv[1]);
		f->fd = -1;
		return -EAGAIN;
	}
	f->started = true;
	*client_fd = sv[1];
	return 0;
}

int fake_qmp_start_listener(struct fake_qmp *f, int listen_fd)
{
	if (!f || f->oom || f->started)
		return -ENOMEM;
	f->listen_fd = listen_fd;
	if (pthread_create(&f->thread, NULL, fq_run, f))
		return -EAGAIN;
	f->started = true;
	return 0;
}

int fake_qmp_finish(struct fake_qmp *f)
{
	if (!f || !f->started)
		return -1;
	pthread_join(f->thread, NULL);
	f->started = false;
	return f->status;
}

const char *fake_qmp_error(const struct fake_qmp *f)
{
	return f && f->error[0] ? f->error : "no error";
}

int fake_qmp_received(const struct fake_qmp *f)
{
	return f->nreceived;
}

json_t *fake_qmp_args(const struct fake_qmp *f, int n)
{
	if (n < 0 || n >= f->nreceived || n >= FQ_MAX_RECEIVED)
		return NULL;
	return f->received[n];
}

json_t *fake_qmp_id(const struct fake_qmp *f, int n)
{
	if (n < 0 || n >= f->nreceived || n >= FQ_MAX_RECEIVED)
		return NULL;
	return f->ids[n];
}

void fake_qmp_free(struct fake_qmp *f)
{
	size_t i;
	int n;

	if (!f)
		return;
	if (f->started)
		fake_qmp_finish(f);
	for (i = 0; i < f->nsteps; i++) {
		free(f->steps[i].data);
		free(f->steps[i].data2);
	}
	for (n = 0; n < f->nreceived && n < FQ_MAX_RECEIVED; n++) {
		json_decref(f->received[n]);
		json_decref(f->ids[n]);
	}
	json_decref(f->last_id);
	free(f->steps);
	free(f);
}
