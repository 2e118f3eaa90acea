// SPDX-License-Identifier: GPL-2.0
/*
 * palmd, the per-host daemon, is not built yet: it needs the telemetry
 * (bpf/, transport) and the policy to have something to run.  Until then
 * it says so instead of pretending to work.
 */
#include <stdio.h>

int main(void)
{
	fprintf(stderr,
		"palmd: not built yet: the daemon arrives with eBPF telemetry and the\n"
		"inter-host transport. Use 'palmctl migrate' to drive a migration now.\n");
	return 1;
}
