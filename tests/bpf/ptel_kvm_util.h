/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers of the eBPF telemetry tests that run palm's test guest under KVM. */
#ifndef PALM_TESTS_BPF_PTEL_KVM_UTIL_H
#define PALM_TESTS_BPF_PTEL_KVM_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/guest_log.h"
#include "core/telemetry/ptel_bpf.h"
#include "tests/lib/qemu_proc.h"

/*
 * Whether a test can watch a KVM guest's dirty ring: /dev/kvm and palm's
 * dirty-ring programs loadable here; false with the reason in why.
 */
static inline bool ptel_kvm_dirty_available(char *why, size_t len)
{
	struct ptel_bpf *b = NULL;
	char bpf_why[200];

	if (!kvm_available(why, len))
		return false;
	if (ptel_bpf_open(PTEL_BPF_DIRTY, &b, bpf_why, sizeof(bpf_why))) {
		snprintf(why, len, "eBPF: %s", bpf_why);
		return false;
	}
	ptel_bpf_close(b);
	return true;
}

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
