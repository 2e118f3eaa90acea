/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy file: versioned, checked container for the DQN weights.
 *
 *   0  8  magic "PALMPOL\0"
 *   8  4  version (POL_FILE_VERSION)
 *  12  4  features per candidate      16  4  hidden 1     20  4  hidden 2
 *  24  4  feature layout hash (FNV-1a of the feature names)
 *  28  4  parameter count             32  4  episodes trained
 *  36  4  reserved, 0
 *  40  4n parameters, float32
 *  ..  4  CRC-32 (IEEE) of everything before
 * All integers and floats little-endian.
 */
#ifndef PALM_POL_FILE_H
#define PALM_POL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "policy/pol_dqn.h"

#define POL_FILE_MAGIC "PALMPOL"
#define POL_FILE_VERSION 1
#define POL_FILE_HDR 40
#define POL_FILE_MAX (1 << 20)

uint32_t pol_crc32(const void *buf, size_t len);
int pol_file_encode(const struct pol_nn *nn, uint32_t episodes,
		    uint8_t **out, size_t *len);
/* nn must already have the compiled-in shape; on error nn is untouched. */
int pol_file_decode(struct pol_nn *nn, const uint8_t *buf, size_t len,
		    uint32_t *episodes, char *err, size_t errlen);
int pol_file_save(const struct pol_dqn *q, uint32_t episodes,
		  const char *path, char *err, size_t errlen);
int pol_file_load(struct pol_dqn *q, const char *path, uint32_t *episodes,
		  char *err, size_t errlen);

#endif
