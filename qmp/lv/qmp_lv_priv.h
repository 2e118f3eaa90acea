/* SPDX-License-Identifier: GPL-2.0 */
/* What qmp_lv.c and qmp_lv_migration.c share; not for palm's other modules. */
#ifndef PALM_QMP_LV_PRIV_H
#define PALM_QMP_LV_PRIV_H

#include <libvirt/libvirt.h>

#include "qmp/lv/qmp_lv.h"

struct qmp_lv {
	virConnectPtr src;
	virConnectPtr dst;	/* NULL: planning only */
	const char *src_uri;	/* the migration call opens its own connection */
	virDomainPtr dom;	/* on the source */
	/* What setup asked for: libvirt takes these with the migrate call. */
	unsigned int flags;	/* VIR_MIGRATE_* */
	int64_t bandwidth_bps;	/* < 0: libvirt's default (unlimited) */
	int64_t xbzrle_cache_bytes; /* > 0: compressed with xbzrle */
	int compress_channels;	/* > 0: multifd zstd, this many channels */
	/* from the domain XML, read once (read_domain_accel) */
	bool xml_read;
	bool kvm;
	int dirty_ring_pages;	/* > 0; 0: size unknown; -1: none */
	char error[320];
};

/* Copies libvirt's last error of this thread, prefixed, into lv->error. */
void qmp_lv_set_error(struct qmp_lv *lv, const char *what);

/*
 * Job statistics of dom (flags: 0 for the running job,
 * VIR_DOMAIN_JOB_STATS_COMPLETED for the last one) as query-migrate.
 */
int qmp_lv_query(struct qmp_lv *lv, virDomainPtr dom, unsigned int flags,
		 struct qmp_migrate_info *out);

/*
 * A QMP command through libvirt's monitor pass-through, for what libvirt
 * 9 has no API for: 0, or -EIO with an error reply or libvirt's reason
 * (prefixed with what) in lv->error.
 */
int qmp_lv_monitor(struct qmp_lv *lv, const char *what, const char *cmd);

void qmp_ctl_backend_libvirt(struct qmp_ctl_backend *b, struct qmp_lv *lv);
/* The migrate call's bandwidth, MiB/s; 0 when libvirt's default stands. */
unsigned long qmp_lv_bandwidth_mibps(const struct qmp_lv *lv);

#endif /* PALM_QMP_LV_PRIV_H */
