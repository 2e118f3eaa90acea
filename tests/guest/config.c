// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>

#include "config.h"
#include "line.h"

#define DEFAULT_WS	(16u << 20)

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static bool key_is(const char *key, uint32_t klen, const char *name)
{
	uint32_t i;

	for (i = 0; i < klen; i++)
		if (name[i] != key[i])
			return false;
	return name[i] == '\0';
}

/* Decimal digits only: no sign, no hex, no empty string, no overflow. */
static bool parse_u64(const char *s, uint32_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return false;
	for (uint32_t i = 0; i < len; i++) {
		uint32_t d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (uint32_t)(s[i] - '0');
		/* v * 10 + d > max, tested without dividing a 64-bit value */
		if (v > (max >> 3) || v * 10 + d > max)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool parse_u32(const char *s, uint32_t len, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (!parse_u64(s, len, max, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Bytes with an optional K/M/G suffix; whole pages, below 4 GiB. */
static bool parse_size_pages(const char *s, uint32_t len, uint32_t *pages)
{
	uint32_t shift = 0;
	uint64_t v;

	if (len) {
		switch (s[len - 1]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		}
		if (shift)
			len--;
	}
	if (!parse_u64(s, len, 0xffffffffull >> shift, &v))
		return false;
	v <<= shift;
	if (v == 0 || v > 0xfffff000ull || (v & (PAGE_SIZE - 1)))
		return false;
	*pages = (uint32_t)(v / PAGE_SIZE);
	return true;
}

static bool parse_pattern(const char *s, uint32_t len, enum pattern *p)
{
	if (key_is(s, len, "uniform"))
		*p = PATTERN_UNIFORM;
	else if (key_is(s, len, "hotcold"))
		*p = PATTERN_HOTCOLD;
	else if (key_is(s, len, "burst"))
		*p = PATTERN_BURST;
	else
		return false;
	return true;
}

static bool parse_token(struct config *c, const char *tok, uint32_t len)
{
	const char *val = NULL;
	uint32_t klen, vlen;

	for (klen = 0; klen < len; klen++) {
		if (tok[klen] == '=') {
			val = tok + klen + 1;
			break;
		}
	}
	if (!val)
		return false;
	vlen = len - klen - 1;

	if (key_is(tok, klen, "ws"))
		return parse_size_pages(val, vlen, &c->ws_pages);
	if (key_is(tok, klen, "rate")) {
		c->rate_max = key_is(val, vlen, "max");
		return c->rate_max || parse_u32(val, vlen, 0xffffffffu, &c->rate);
	}
	if (key_is(tok, klen, "pattern"))
		return parse_pattern(val, vlen, &c->pattern);
	if (key_is(tok, klen, "hot"))
		return parse_u32(val, vlen, 100, &c->hot);
	if (key_is(tok, klen, "hotw"))
		return parse_u32(val, vlen, 100, &c->hotw);
	if (key_is(tok, klen, "on"))
		return parse_u32(val, vlen, 0xffffffffu, &c->on_ms);
	if (key_is(tok, klen, "off"))
		return parse_u32(val, vlen, 0xffffffffu, &c->off_ms);
	if (key_is(tok, klen, "period"))
		return parse_u32(val, vlen, 0xffffffffu, &c->period_ms) &&
		       c->period_ms > 0;
	if (key_is(tok, klen, "verify_every"))
		return parse_u32(val, vlen, 0xffffffffu, &c->verify_every);
	if (key_is(tok, klen, "seed"))
		return parse_u32(val, vlen, 0xffffffffu, &c->seed);
	if (key_is(tok, klen, "fill"))
		return parse_u32(val, vlen, 100, &c->fill);
	if (key_is(tok, klen, "delta"))
		return parse_u32(val, vlen, 100, &c->delta) && c->delta > 0;
	if (key_is(tok, klen, "corrupt")) {
		c->corrupt_set = true;
		return parse_u32(val, vlen, 0xffffffffu, &c->corrupt);
	}
	return false;
}

static bool has_char(const char *s, uint32_t len, char ch)
{
	for (uint32_t i = 0; i < len; i++)
		if (s[i] == ch)
			return true;
	return false;
}

int config_parse(struct config *c, const char *cmdline)
{
	const char *p = cmdline;
	bool first = true;

	*c = (struct config){
		.ws_pages = DEFAULT_WS / PAGE_SIZE,
		.pattern = PATTERN_UNIFORM,
		.hot = 10,
		.hotw = 90,
		.on_ms = 1000,
		.off_ms = 1000,
		.period_ms = 10,
		.seed = 1,
		.delta = 100,
	};

	for (;;) {
		const char *tok;
		uint32_t len = 0;

		while (is_space(*p))
			p++;
		if (!*p)
			return 0;
		tok = p;
		while (*p && !is_space(*p)) {
			p++;
			len++;
		}

		/*
		 * QEMU and GRUB put the image path before the arguments; a
		 * key=value never holds a '/' so the two cannot be confused.
		 */
		if (first) {
			first = false;
			if (!has_char(tok, len, '=') || has_char(tok, len, '/'))
				continue;
		}

		if (!parse_token(c, tok, len)) {
			struct line l;

			line_start(&l);
			line_str(&l, "error: bad argument '");
			line_strn(&l, tok, len);
			line_str(&l, "'");
			line_send(&l);
			return -1;
		}
	}
}

const char *pattern_name(enum pattern p)
{
	switch (p) {
	case PATTERN_HOTCOLD:
		return "hotcold";
	case PATTERN_BURST:
		return "burst";
	default:
		return "uniform";
	}
}
