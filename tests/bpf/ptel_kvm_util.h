/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers of the eBPF telemetry tests that run palm's test guest under KVM. */
#ifndef PALM_TESTS_BPF_PTEL_KVM_UTIL_H
#define PALM_TESTS_BPF_PTEL_KVM_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/guest_log.h"

/* The last heartbeat in the guest's serial log; -ENOENT when none yet. */
static inline int ptel_last_heartbeat(const char *serial_path,
				      struct guest_heartbeat *hb)
{
	struct guest_line gl;
	char line[512];
	FILE *f = fopen(serial_path, "r");
	int found = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		if (!n || line[n - 1] != '\n')
			break;		/* cut short: still being written */
		line[--n] = '\0';
		if (!guest_parse_line(line, n, &gl) &&
		    gl.kind == GUEST_LINE_HEARTBEAT) {
			*hb = gl.hb;
			found = 0;
		}
	}
	fclose(f);
	return found;
}

#endif /* PALM_TESTS_BPF_PTEL_KVM_UTIL_H */
