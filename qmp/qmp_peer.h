/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local QEMU behind a QMP unix socket, read from its command line
 * for what QMP does not tell: QEMU 7.2 keeps the accelerator out of
 * QOM, so the KVM dirty ring's size (which bounds how long QEMU's dirty
 * limit stalls a vCPU) is only on the command line.
 */
#ifndef PALM_QMP_PEER_H
#define PALM_QMP_PEER_H

#include <stddef.h>

#include "qmp/qmp_client.h"
#include "qmp/qmp_ctl.h"	/* QMP_DIRTY_RING_MAX_PAGES */

/*
 * The dirty-ring-size (entries per vCPU) a QEMU command line gives its
 * first KVM accelerator, 0 when it gives none.  args is argv as
 * /proc/<pid>/cmdline holds it: NUL-terminated strings back to back.
 * -ENOENT: not a QEMU command line; -EOPNOTSUPP: the line may set the
 * ring where palm does not look (-readconfig, -set, -global); -EINVAL:
 * a size QEMU would refuse.
 */
int qmp_cmdline_dirty_ring(const char *args, size_t len, int *pages);

/*
 * The same for the QEMU at the other end of c's socket, found with
 * SO_PEERCRED.  -EOPNOTSUPP: not a unix socket; -ESRCH: the peer's pid
 * is not visible here; else as above.  err says why, for the log.
 */
int qmp_peer_dirty_ring(const struct qmp_client *c, int *pages, char *err,
			size_t errlen);

#endif
