/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Receiver-side aggregation of telemetry frames into the latest state
 * per host.  Every transport feeds the same aggregator, which detects and
 * counts rejected frames (by reason), sequence gaps (loss), duplicates,
 * reordering and sender restarts, and marks a host stale when it has
 * sent nothing valid for a configured time.
 *
 * Not thread-safe: one aggregator per receive thread, or a lock around.
 * Lookups are linear (hosts, then a host's VMs, vCPUs and links): sized
 * for clusters of up to a few hundred hosts; an index comes when palmd
 * needs more.
 * Times are the caller's CLOCK_MONOTONIC in ns, so that a wall-clock
 * step changes neither staleness nor ages.
 */
#ifndef PALM_TEL_AGG_H
#define PALM_TEL_AGG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/tel/tel_frame.h"

#define TEL_AGG_MAX_VMS 64
#define TEL_AGG_MAX_VCPUS 256
#define TEL_AGG_MAX_LINKS 16
/* Frames this far behind the newest are told apart from duplicates. */
#define TEL_AGG_SEQ_WINDOW 64

struct tel_agg_config {
	uint32_t max_hosts;		/* 1..65536 */
	uint64_t stale_after_ns;	/* > 0: silence that makes a host stale */
};

/* What the sequence number of a valid frame said. */
enum tel_seq_verdict {
	TEL_SEQ_FIRST,		/* first frame of this host (or after restart) */
	TEL_SEQ_NEXT,		/* newest so far (maybe after a gap) */
	TEL_SEQ_LATE,		/* older than the newest, not seen: reordered */
	TEL_SEQ_DUP,		/* seen before: ignored */
	TEL_SEQ_TOO_OLD,	/* behind the window: ignored */
	TEL_SEQ_RESTART,	/* sender restarted: state reset */
};

struct tel_agg_counters {
	uint64_t frames;	/* valid frames applied (not dup/too old) */
	uint64_t records;	/* records applied */
	uint64_t lost;		/* sequence numbers never received (so far) */
	uint64_t dup;
	uint64_t reordered;	/* arrived after a newer frame */
	uint64_t too_old;
	uint64_t restarts;
	uint64_t stale_marks;	/* times the host went stale */
	uint64_t table_full;	/* records dropped: VM/vCPU/link table full */
};

struct tel_agg_host {
	uint32_t id;
	bool stale;
	uint64_t last_rx_ns;		/* local monotonic time of newest frame */
	uint64_t last_ts_ns;		/* sender's time of its newest frame */
	uint32_t max_seq;
	uint64_t seen;			/* bit i: max_seq - i was received */
	struct tel_agg_counters c;

	bool have_host;
	struct tel_host_sample host;
	unsigned int nvms, nvcpus, nlinks;
	struct tel_vm_sample vms[TEL_AGG_MAX_VMS];
	struct tel_vcpu_sample vcpus[TEL_AGG_MAX_VCPUS];
	struct tel_link_sample links[TEL_AGG_MAX_LINKS];
	uint64_t faults, predicts;
	struct tel_fault_event last_fault;
	struct tel_predict_event last_predict;
};

struct tel_agg {
	struct tel_agg_config cfg;
	struct tel_agg_host *hosts;
	uint32_t nhosts;
	struct tel_decode_stats dec;	/* per reason: not attributable to a host */
	uint64_t hosts_full;		/* frames from hosts beyond max_hosts */
	uint64_t probe_frames;		/* link probes: not state, not sequenced */
	struct tel_record scratch[TEL_FRAME_MAX_RECORDS];
};

/* The result of one ingested frame, valid until the next call. */
struct tel_agg_rx {
	struct tel_frame_hdr hdr;
	const struct tel_record *recs;
	int nrecs;
	enum tel_seq_verdict verdict;
	struct tel_agg_host *host;
};

int tel_agg_init(struct tel_agg *a, const struct tel_agg_config *cfg);
void tel_agg_fini(struct tel_agg *a);

/*
 * Decode, check the sequence and apply one frame received at @now_ns.
 * Returns the number of records applied (0 for a duplicate, a frame
 * too old or a link-probe frame, which belongs to tel_probe), -EBADMSG
 * for a rejected frame (counted in a->dec), -ENOSPC when the host table
 * is full.  @rx, when given, describes the frame.
 */
int tel_agg_ingest(struct tel_agg *a, const void *buf, size_t len,
		   uint64_t now_ns, struct tel_agg_rx *rx);

/* Mark hosts silent for over stale_after_ns; returns how many went stale now. */
unsigned int tel_agg_tick(struct tel_agg *a, uint64_t now_ns);

/* The host @id, or NULL when it never sent a valid frame. */
struct tel_agg_host *tel_agg_find(struct tel_agg *a, uint32_t id);

/* Age of the newest frame of @h at @now_ns. */
uint64_t tel_agg_age_ns(const struct tel_agg_host *h, uint64_t now_ns);

/* Sum of the counters of every host. */
void tel_agg_totals(const struct tel_agg *a, struct tel_agg_counters *sum);

const char *tel_seq_verdict_name(enum tel_seq_verdict v);

#endif /* PALM_TEL_AGG_H */
