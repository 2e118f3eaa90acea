// SPDX-License-Identifier: GPL-2.0
/* Parsing and following the test guest's serial log; see guest_log.h. */
#include "core/guest_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

/* The line's first word is keyword: "hb" matches "hb ..." and "hb". */
static bool keyword(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	return starts_with(s, len, word) && (len == n || s[n] == ' ');
}

/*
 * Find "key=" as a whole token in line[0..len) and parse its unsigned
 * decimal value, which must end at a space or the end of the line.
 */
static int field_u64(const char *line, size_t len, const char *key,
		     uint64_t *out)
{
	size_t klen = strlen(key);
	size_t i = 0;

	while (i < len) {
		size_t start = i;

		while (i < len && line[i] != ' ')
			i++;
		if (i - start > klen && memcmp(line + start, key, klen) == 0 &&
		    line[start + klen] == '=') {
			size_t p = start + klen + 1;
			uint64_t v = 0;

			if (p == i)
				return -EINVAL;
			for (; p < i; p++) {
				unsigned int d;

				if (line[p] < '0' || line[p] > '9')
					return -EINVAL;
				d = line[p] - '0';
				if (v > (UINT64_MAX - d) / 10)
					return -ERANGE;
				v = v * 10 + d;
			}
			*out = v;
			return 0;
		}
		while (i < len && line[i] == ' ')
			i++;
	}
	return -ENOENT;
}

static int parse_verify(const char *line, size_t len, struct guest_verify *v)
{
	static const char fail_tag[] = "result=FAIL";
	static const char ok_tag[] = "result=ok";
	uint64_t first_bad;
	const char *fb;
	int err;

	err = field_u64(line, len, "seq", &v->seq);
	if (!err)
		err = field_u64(line, len, "pages", &v->pages);
	if (!err)
		err = field_u64(line, len, "bad", &v->bad);
	if (err)
		return -EINVAL;

	/* first_bad is -1 when every page verified */
	fb = memmem(line, len, " first_bad=-1", 13);
	if (fb) {
		v->first_bad = -1;
	} else {
		if (field_u64(line, len, "first_bad", &first_bad) ||
		    first_bad > INT64_MAX)
			return -EINVAL;
		v->first_bad = (int64_t)first_bad;
	}

	if (len >= sizeof(ok_tag) - 1 &&
	    !memcmp(line + len - (sizeof(ok_tag) - 1), ok_tag,
		    sizeof(ok_tag) - 1))
		v->ok = true;
	else if (len >= sizeof(fail_tag) - 1 &&
		 !memcmp(line + len - (sizeof(fail_tag) - 1), fail_tag,
			 sizeof(fail_tag) - 1))
		v->ok = false;
	else
		return -EINVAL;
	/* A result that contradicts its own counts is corruption, not data. */
	if (v->ok != (v->bad == 0))
		return -EINVAL;
	return 0;
}

int guest_parse_line(const char *line, size_t len, struct guest_line *out)
{
	memset(out, 0, sizeof(*out));
	/* QEMU's serial file may carry a carriage return before the newline. */
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;

	if (keyword(line, len, "hb")) {
		struct guest_heartbeat *hb = &out->hb;

		out->kind = GUEST_LINE_HEARTBEAT;
		if (field_u64(line, len, "seq", &hb->seq) ||
		    field_u64(line, len, "t_ms", &hb->t_ms) ||
		    field_u64(line, len, "work", &hb->work) ||
		    field_u64(line, len, "gen", &hb->gen))
			return -EINVAL;
		return 0;
	}
	if (keyword(line, len, "verify")) {
		out->kind = GUEST_LINE_VERIFY;
		return parse_verify(line, len, &out->verify);
	}
	if (keyword(line, len, "ready")) {
		out->kind = GUEST_LINE_READY;
		return field_u64(line, len, "ws_pages", &out->ready_pages) ?
			       -EINVAL : 0;
	}
	if (starts_with(line, len, "palm-guest v1 ")) {
		out->kind = GUEST_LINE_HEADER;
		if (field_u64(line, len, "ws_pages", &out->header.ws_pages) ||
		    field_u64(line, len, "period_ms", &out->header.period_ms))
			return -EINVAL;
		return 0;
	}
	if (starts_with(line, len, "error:")) {
		out->kind = GUEST_LINE_ERROR;
		return 0;
	}
	out->kind = GUEST_LINE_OTHER;
	return 0;
}

int guest_tail_open(struct guest_tail *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	t->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (t->fd < 0)
		return -errno;
	return 0;
}

void guest_tail_close(struct guest_tail *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

int guest_tail_read(struct guest_tail *t, double now_s, guest_line_fn *fn,
		    void *ctx)
{
	for (;;) {
		ssize_t n = read(t->fd, t->buf + t->len, sizeof(t->buf) - t->len);
		size_t start = 0, i;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return -errno;
		}
		if (n == 0)
			return 0;	/* end of file for now; more may come */
		t->len += n;

		for (i = 0; i < t->len; i++) {
			struct guest_line line;

			if (t->buf[i] != '\n')
				continue;
			if (guest_parse_line(t->buf + start, i - start, &line))
				t->bad_lines++;
			else if (fn)
				fn(ctx, &line, now_s);
			start = i + 1;
		}
		if (start == 0 && t->len == sizeof(t->buf)) {
			/* A line longer than the buffer is not ours: drop it. */
			t->bad_lines++;
			t->len = 0;
			continue;
		}
		memmove(t->buf, t->buf + start, t->len - start);
		t->len -= start;
	}
}

void guest_pause_meter_init(struct guest_pause_meter *m, uint64_t period_ms)
{
	memset(m, 0, sizeof(*m));
	m->period_ms = period_ms;
}

void guest_pause_meter_feed(struct guest_pause_meter *m,
			    const struct guest_line *line, double arrival_s)
{
	if (line->kind == GUEST_LINE_HEADER && !m->period_ms) {
		m->period_ms = line->header.period_ms;
		return;
	}
	if (line->kind == GUEST_LINE_VERIFY) {
		m->last_verify = line->verify;
		m->have_verify = true;
		return;
	}
	if (line->kind != GUEST_LINE_HEARTBEAT)
		return;

	/*
	 * Only a heartbeat newer than the last one counts: the source may
	 * have printed a line the destination prints again after resuming
	 * from an earlier snapshot of the same CPU state.
	 */
	if (m->have_last && line->hb.seq <= m->last_seq)
		return;
	if (m->have_last) {
		double gap = arrival_s - m->last_arrival_s;

		if (gap > m->max_gap_s)
			m->max_gap_s = gap;
		if (line->hb.seq > m->last_seq + 1)
			m->seq_jumps += line->hb.seq - m->last_seq - 1;
	}
	if (!m->have_first) {
		m->have_first = true;
		m->first_work = line->hb.work;
		m->first_arrival_s = arrival_s;
	}
	m->last_work = line->hb.work;
	m->have_last = true;
	m->last_seq = line->hb.seq;
	m->last_arrival_s = arrival_s;
	m->heartbeats++;
}

double guest_pause_ms(const struct guest_pause_meter *m)
{
	double pause = m->max_gap_s * 1000.0 - (double)m->period_ms;

	return pause > 0 ? pause : 0;
}
