/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Publishing telemetry: records in, full frames out.  The publisher
 * packs records into one frame until it is full, then sends it to every
 * peer of the transport with the next sequence number and the send time.
 *
 *	struct tel_pub pub;
 *	tel_pub_init(&pub, t, my_host_id);
 *	tel_pub_add(&pub, &rec);	// repeat; full frames leave by themselves
 *	tel_pub_flush(&pub);		// at the end of each sampling period
 */
#ifndef PALM_TEL_PUB_H
#define PALM_TEL_PUB_H

#include <stdint.h>

#include "core/tel/tel_frame.h"
#include "core/tel/tel_transport.h"

struct tel_pub {
	struct tel_transport *t;
	uint32_t host_id;
	uint32_t seq;			/* of the next frame; from 0 at start */
	struct tel_frame_builder fb;
	uint64_t frames, records;
};

void tel_pub_init(struct tel_pub *p, struct tel_transport *t,
		  uint32_t host_id);

/* Queue @rec, sending the current frame first when it is full: 0 or -errno. */
int tel_pub_add(struct tel_pub *p, const struct tel_record *rec);

/* Send the pending frame, if any: 0 or -errno (the records are dropped). */
int tel_pub_flush(struct tel_pub *p);

#endif /* PALM_TEL_PUB_H */
