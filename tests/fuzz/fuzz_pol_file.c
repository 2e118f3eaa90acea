// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the policy file decoder.  Inputs are also re-sealed
 * with a valid CRC half of the time so that the fuzzer reaches the
 * header and weight checks behind the checksum.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/pol_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pol_dqn q;
	static int ready;
	uint8_t *copy;
	uint32_t crc;
	char err[256];

	if (!ready) {
		if (pol_dqn_init(&q, 1))
			return 0;
		ready = 1;
	}
	(void)pol_file_decode(&q.online, data, size, NULL, err, sizeof(err));
	if (size < 8 || size > POL_FILE_MAX)
		return 0;
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	crc = pol_crc32(copy, size - 4);
	copy[size - 4] = (uint8_t)crc;
	copy[size - 3] = (uint8_t)(crc >> 8);
	copy[size - 2] = (uint8_t)(crc >> 16);
	copy[size - 1] = (uint8_t)(crc >> 24);
	(void)pol_file_decode(&q.online, copy, size, NULL, err, sizeof(err));
	free(copy);
	return 0;
}
