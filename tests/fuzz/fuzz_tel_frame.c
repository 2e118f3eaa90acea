// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: telemetry frames as a receiver gets them.  The first
 * input byte picks a mode: odd means "repair the check first", so that
 * the fuzzer reaches the record parser instead of stopping at the CRC.
 * A frame that decodes must encode back to the same bytes, and every
 * frame goes through an aggregator too (sequence and table logic).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tel/tel_agg.h"
#include "core/tel/tel_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tel_agg agg;
static int agg_ready;
static uint64_t clock_ns;

static void check_round_trip(const uint8_t *buf, size_t len)
{
	struct tel_record recs[TEL_FRAME_MAX_RECORDS];
	struct tel_frame_builder fb;
	struct tel_frame_hdr hdr;
	int n, i;

	n = tel_frame_decode(buf, len, &hdr, recs, TEL_FRAME_MAX_RECORDS, NULL,
			     NULL);
	if (n < 0)
		return;
	if (hdr.len != len || n != hdr.count || n > TEL_FRAME_MAX_RECORDS)
		abort();
	tel_fb_init(&fb);
	for (i = 0; i < n; i++)
		if (tel_fb_add(&fb, &recs[i]))
			abort();
	if (tel_fb_finish(&fb, hdr.sender, hdr.seq, hdr.ts_ns) != (int)len ||
	    memcmp(fb.buf, buf, len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tel_agg_config cfg = { .max_hosts = 4, .stale_after_ns = 1000 };
	uint8_t *buf;
	uint32_t c;
	size_t len;

	if (!agg_ready) {
		if (tel_agg_init(&agg, &cfg))
			abort();
		agg_ready = 1;
	}
	if (size < 1)
		return 0;
	len = size - 1;
	/* an exact-size copy, so ASan sees any read past the end */
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	if ((data[0] & 1) && len >= TEL_FRAME_HDR_LEN) {
		memset(buf + 28, 0, 4);
		c = tel_crc32c(0, buf, len);
		buf[28] = (uint8_t)c;
		buf[29] = (uint8_t)(c >> 8);
		buf[30] = (uint8_t)(c >> 16);
		buf[31] = (uint8_t)(c >> 24);
	}
	check_round_trip(buf, len);
	clock_ns += data[0];
	tel_agg_ingest(&agg, buf, len, clock_ns, NULL);
	tel_agg_tick(&agg, clock_ns);
	free(buf);
	return 0;
}
