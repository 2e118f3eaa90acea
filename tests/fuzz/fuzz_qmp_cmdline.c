// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a QEMU command line as /proc/<pid>/cmdline gives it,
 * read for the KVM dirty ring's size.  Whatever it accepts is a size
 * QEMU takes; whatever it refuses leaves no size behind.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "qmp/qmp_peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int pages = -7;
	int ret = qmp_cmdline_dirty_ring((const char *)data, size, &pages);

	if (ret == 0) {
		if (pages < 0 || pages > QMP_DIRTY_RING_MAX_PAGES ||
		    (pages & (pages - 1)))
			abort();
	} else if (pages != 0 || (ret != -ENOENT && ret != -EOPNOTSUPP &&
				  ret != -EINVAL)) {
		abort();
	}
	return 0;
}
