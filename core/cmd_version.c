// SPDX-License-Identifier: GPL-2.0
/* palmctl version: what this binary is and which parts were configured in. */
#include <stdio.h>

#include "core/palmctl.h"
#include "generated/palm_config.h"

#define PALM_VERSION "0.1.0"

int palmctl_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("palm %s\n", PALM_VERSION);
	/*
	 * Say what is configured and what exists: an option can be on in
	 * Kconfig before the code behind it has landed.
	 */
	printf("  eBPF telemetry    %s\n",
	       IS_ENABLED(CONFIG_PALM_BPF) ? "built in" : "off (QMP and /proc fallbacks)");
	printf("  DPDK transport    %s\n",
	       IS_ENABLED(CONFIG_PALM_DPDK) ? "built in (kernel UDP as fallback)" : "off (kernel UDP only)");
	printf("  libvirt backend   %s\n",
	       IS_ENABLED(CONFIG_PALM_LIBVIRT) ? "built in (palmctl migrate --libvirt)" : "off (QMP direct only)");
	printf("  io_uring loop     %s (not implemented yet)\n",
	       IS_ENABLED(CONFIG_PALM_IO_URING) ? "configured" : "off");
	printf("  QMP migration     built in\n");
	printf("  placement policy  built in\n");
	return PALMCTL_OK;
}
