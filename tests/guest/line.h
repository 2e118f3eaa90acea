/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A protocol line is built in a buffer and sent in one go, so a line is
 * never interleaved and goes out in FIFO-sized chunks.
 */
#ifndef PALM_GUEST_LINE_H
#define PALM_GUEST_LINE_H

#include <stdint.h>

#define LINE_MAX	256

struct line {
	uint32_t len;
	char buf[LINE_MAX];
};

void line_start(struct line *l);
void line_str(struct line *l, const char *s);
void line_strn(struct line *l, const char *s, uint32_t n);
void line_u64(struct line *l, uint64_t v);
/* " key=value" */
void line_kv(struct line *l, const char *key, uint64_t v);
void line_kvs(struct line *l, const char *key, const char *v);
/* Appends "\n" and writes the line to the serial port. */
void line_send(struct line *l);

/* Shorthand for a one-off "error: <msg>" line. */
void send_error(const char *msg);

#endif
