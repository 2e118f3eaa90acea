/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Typed wrappers for the QMP commands palm uses.  Each returns 0 or a
 * negative errno (see qmp_execute) with qmp_last_error() set.  Replies are
 * validated field by field: a missing required field or a wrong type is
 * -EPROTO, unknown extra fields are ignored.  Commands run with the
 * client's default timeout (qmp_set_timeout).
 *
 * The qmp_decode_* functions are the reply decoders on their own, taking
 * the "return" value, so that they can be tested and fuzzed without a
 * connection; err (may be NULL) receives the reason for -EPROTO.
 */
#ifndef PALM_QMP_COMMANDS_H
#define PALM_QMP_COMMANDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qmp/qmp_client.h"

int qmp_migrate(struct qmp_client *c, const char *uri);
int qmp_migrate_incoming(struct qmp_client *c, const char *uri);
int qmp_migrate_cancel(struct qmp_client *c);
/* Through migrate-set-capabilities: QEMU has no singular command. */
int qmp_migrate_set_capability(struct qmp_client *c, const char *name, bool on);
/* params (an object, stolen) e.g. {"downtime-limit": 300}. */
int qmp_migrate_set_parameters(struct qmp_client *c, json_t *params);

/*
 * query-migrate.  Absent fields are 0 / "" with has_* false, except
 * status: QEMU omits it before the first migration, and that is reported
 * as "none".  In "ram", transferred, remaining and total are required;
 * the other counters came and go across QEMU versions and read 0 when
 * absent.
 */
struct qmp_migrate_info {
	char status[32];	/* none, setup, active, postcopy-active, ...,
				 * completed, failed, cancelling, cancelled,
				 * pre-switchover, device, wait-unplug */
	bool has_ram;
	int64_t total_time_ms, downtime_ms, expected_downtime_ms, setup_time_ms;
	uint64_t ram_transferred, ram_remaining, ram_total, ram_duplicate,
		 ram_normal, ram_dirty_pages_rate, ram_dirty_sync_count,
		 ram_page_size, ram_multifd_bytes, ram_postcopy_requests;
	double ram_mbps;
	int64_t cpu_throttle_percentage;
	/* "xbzrle-cache", while xbzrle is on: pages sent as differences */
	bool has_xbzrle;
	uint64_t xbzrle_cache_size, xbzrle_bytes, xbzrle_pages,
		 xbzrle_cache_miss, xbzrle_overflow;
	double xbzrle_cache_miss_rate;	/* 0..1, over QEMU's last period */
	double xbzrle_encoding_rate;	/* page bytes per encoded byte, then; 0: none */
	char error_desc[256];	/* truncated if longer */
};
int qmp_query_migrate(struct qmp_client *c, struct qmp_migrate_info *out);
/* The non-zero pages QEMU sent, in bytes, whatever ram_transferred counts. */
uint64_t qmp_migrate_page_bytes(const struct qmp_migrate_info *i);
/*
 * Did QEMU count these pages as the (compressed) bytes it sent, as QEMU
 * 10 counts multifd's, rather than as pages, as 7.2 does?  Pages past
 * 1.2 x the bytes counted, once 1 MiB has gone: headers keep
 * uncompressed bytes a little above their pages.
 */
bool qmp_counts_sent_bytes(double page_bytes, double counted_bytes);
int qmp_decode_migrate_info(const json_t *ret, struct qmp_migrate_info *out,
			    char *err, size_t errlen);

/* calc_time_s >= 1; mode NULL, "page-sampling", "dirty-ring" or
 * "dirty-bitmap"; sample_pages 0 = QEMU's default. */
int qmp_calc_dirty_rate(struct qmp_client *c, int calc_time_s,
			const char *mode, int sample_pages);

#define QMP_DIRTY_RATE_MAX_VCPUS 256
/*
 * query-dirty-rate.  dirty_rate_mbps is -1 while QEMU has no result yet
 * (it omits the field until status is "measured").  vcpu_rate_mbps is
 * indexed by vCPU id, nvcpu is the highest id + 1 (0 unless dirty-ring
 * mode); a vCPU id >= QMP_DIRTY_RATE_MAX_VCPUS is -EOVERFLOW.
 */
struct qmp_dirty_rate {
	char status[16];	/* unstarted, measuring, measured */
	char mode[16];		/* page-sampling, dirty-ring, dirty-bitmap */
	int64_t dirty_rate_mbps;
	int64_t start_time, calc_time, sample_pages;
	int nvcpu;
	int64_t vcpu_rate_mbps[QMP_DIRTY_RATE_MAX_VCPUS];
};
int qmp_query_dirty_rate(struct qmp_client *c, struct qmp_dirty_rate *out);
int qmp_decode_dirty_rate(const json_t *ret, struct qmp_dirty_rate *out,
			  char *err, size_t errlen);

/*
 * query-cpus-fast.  Fills at most max entries and sets *n to the number
 * of vCPUs QEMU reported; -ENOBUFS when that is more than max (the first
 * max entries are still filled).
 */
struct qmp_vcpu {
	int cpu_index;
	int thread_id;
	char qom_path[128];
};
int qmp_query_cpus_fast(struct qmp_client *c, struct qmp_vcpu *out, int max,
			int *n);
int qmp_decode_cpus_fast(const json_t *ret, struct qmp_vcpu *out, int max,
			 int *n, char *err, size_t errlen);

/* status (may be NULL) gets "running", "paused", "postmigrate", ...;
 * -ENOBUFS when it does not fit in len. */
int qmp_query_status(struct qmp_client *c, char *status, size_t len,
		     bool *running);
int qmp_decode_status(const json_t *ret, char *status, size_t len,
		      bool *running, char *err, size_t errlen);

int qmp_stop(struct qmp_client *c);
int qmp_cont(struct qmp_client *c);
/* One key press by QKeyCode name ("v", "ret", "shift", ...). */
int qmp_send_key(struct qmp_client *c, const char *qcode);

/* Guest-physical [addr, addr + size) to a file QEMU opens itself. */
int qmp_pmemsave(struct qmp_client *c, uint64_t addr, uint64_t size,
		 const char *path);
/*
 * A human monitor command; *text (free() it) is its output.  For what
 * QMP has no command for (info mtree): the text is HMP's, parse with care.
 */
int qmp_hmp(struct qmp_client *c, const char *cmdline, char **text);

#endif /* PALM_QMP_COMMANDS_H */
