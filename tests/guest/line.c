// SPDX-License-Identifier: GPL-2.0
#include "line.h"
#include "serial.h"

void line_start(struct line *l)
{
	l->len = 0;
}

void line_strn(struct line *l, const char *s, uint32_t n)
{
	/* Keep one byte for the newline; overlong lines are cut, not overrun. */
	while (n-- && *s && l->len < LINE_MAX - 1)
		l->buf[l->len++] = *s++;
}

void line_str(struct line *l, const char *s)
{
	line_strn(l, s, LINE_MAX);
}

void line_u64(struct line *l, uint64_t v)
{
	char tmp[20];
	uint32_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && l->len < LINE_MAX - 1)
		l->buf[l->len++] = tmp[--n];
}

void line_kv(struct line *l, const char *key, uint64_t v)
{
	line_str(l, " ");
	line_str(l, key);
	line_str(l, "=");
	line_u64(l, v);
}

void line_kvs(struct line *l, const char *key, const char *v)
{
	line_str(l, " ");
	line_str(l, key);
	line_str(l, "=");
	line_str(l, v);
}

void line_send(struct line *l)
{
	l->buf[l->len++] = '\n';
	serial_write(l->buf, l->len);
	l->len = 0;
}

void send_error(const char *msg)
{
	struct line l;

	line_start(&l);
	line_str(&l, "error: ");
	line_str(&l, msg);
	line_send(&l);
}
