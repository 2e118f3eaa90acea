// SPDX-License-Identifier: GPL-2.0
/*
 * palmd, the per-host daemon, is not built yet.  Its parts are: local
 * telemetry (palmctl top), telemetry between hosts (tel_node), the
 * migration controller (palmctl migrate) and the policy (palmctl
 * policy, on the simulator).  What is missing is the loop that joins
 * them on live hosts.  Until it exists, palmd says so instead of
 * pretending to work.
 */
#include <stdio.h>

int main(void)
{
	fprintf(stderr,
		"palmd: not built yet. Its parts work on their own: 'palmctl top'\n"
		"(this host's telemetry), tel_node (telemetry between hosts),\n"
		"'palmctl migrate' (the migration controller) and 'palmctl policy'\n"
		"(the placement policy, on the simulator). The loop that joins them\n"
		"on live hosts does not exist yet.\n");
	return 1;
}
