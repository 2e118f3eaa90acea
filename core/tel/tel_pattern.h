/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deterministic telemetry content for tests and benchmarks: record i of
 * frame seq from host h is a function of (h, seq, i), so a receiver can
 * check that every record arrived intact and in place.
 */
#ifndef PALM_TEL_PATTERN_H
#define PALM_TEL_PATTERN_H

#include <stdint.h>

#include "core/tel/tel_frame.h"

/* Record @i of frame @seq of host @host (i == 0: a host sample, else vCPU). */
void tel_pattern_record(uint32_t host, uint32_t seq, unsigned int i,
			struct tel_record *r);

/* Fill @fb with @nrecs (1..TEL_FRAME_MAX_RECORDS) pattern records. */
int tel_pattern_fill(struct tel_frame_builder *fb, uint32_t host, uint32_t seq,
		     unsigned int nrecs);

/* How many of @recs differ from the pattern of (@host, @seq). */
unsigned int tel_pattern_check(const struct tel_record *recs, unsigned int n,
			       uint32_t host, uint32_t seq);

#endif /* PALM_TEL_PATTERN_H */
