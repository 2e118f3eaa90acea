// SPDX-License-Identifier: GPL-2.0
/* CONFIG_PALM_DPDK=n: the DPDK transport is absent, and says so. */
#include "core/tel/tel_transport.h"

#include <errno.h>
#include <stddef.h>

int tel_dpdk_open(const struct tel_transport_config *cfg,
		  struct tel_transport **out)
{
	(void)cfg;
	*out = NULL;
	return -EOPNOTSUPP;
}
