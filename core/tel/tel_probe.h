/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Link probing between two hosts over a telemetry transport: round-trip
 * time from echo requests, and an available-bandwidth estimate from the
 * dispersion of a packet train at the receiver.  Probe frames carry only
 * TEL_REC_PROBE records; the aggregator ignores them.
 *
 * The estimate times the second half of the train only: a token-bucket
 * or switch buffer lets the head of a train through at line rate, the
 * tail arrives at the bottleneck's rate.
 */
#ifndef PALM_TEL_PROBE_H
#define PALM_TEL_PROBE_H

#include <signal.h>
#include <stdint.h>

#include "core/tel/tel_frame.h"
#include "core/tel/tel_transport.h"

#define TEL_PROBE_MAX_TRAIN 512

struct tel_probe_config {
	uint32_t host_id;		/* our id, the frames' sender */
	struct tel_peer peer;		/* the host running tel_probe_echo */
	uint32_t probes;		/* echo requests, 1..100000 */
	uint32_t train;			/* train frames, 2..TEL_PROBE_MAX_TRAIN */
	uint64_t configured_bps;	/* the link's configured rate, 0: unknown */
	uint32_t timeout_ms;		/* per reply, 1..60000 */
};

struct tel_probe_result {
	struct tel_link_sample link;	/* ready to send as a TEL_REC_LINK */
	uint32_t sent, replies;
	uint32_t train_received;
	uint64_t rtt_min_ns;
};

/*
 * Measure the link to cfg->peer.  0 with @res filled (rtt 0 when no echo
 * came back, avail_bps 0 when the train could not be timed), or -errno.
 */
int tel_probe_run(struct tel_transport *t, const struct tel_probe_config *cfg,
		  struct tel_probe_result *res);

/*
 * Answer probes for @duration_ms or until *@stop: returns the number of
 * requests answered, or -errno.
 */
int tel_probe_echo(struct tel_transport *t, uint32_t host_id,
		   uint64_t duration_ms, volatile sig_atomic_t *stop);

#endif /* PALM_TEL_PROBE_H */
