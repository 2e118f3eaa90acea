/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What this QEMU can do for migration, discovered rather than inferred
 * from its version: migration capabilities, migration parameters and QMP
 * commands.
 */
#ifndef PALM_QMP_FEATURES_H
#define PALM_QMP_FEATURES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "qmp/qmp_client.h"

struct qmp_features;		/* opaque */

/*
 * Runs query-migrate-capabilities, query-migrate-parameters and
 * query-qmp-schema.  Capabilities are those QEMU lists plus the values of
 * the capability enum in the schema; parameters are those QEMU reports
 * plus the members of the argument type of migrate-set-parameters and of
 * the return type of query-migrate-parameters (the schema hides type
 * names behind numbers, so they are resolved through the commands).
 */
int qmp_features_probe(struct qmp_client *c, struct qmp_features **out);
/*
 * The same from the three "return" values (any may be NULL), for tests
 * and fuzzing.  -EPROTO with a reason in err when one is malformed.
 */
int qmp_features_from_json(const json_t *caps, const json_t *params,
			   const json_t *schema, struct qmp_features **out,
			   char *err, size_t errlen);

/* "postcopy-ram", "auto-converge", "dirty-limit" (QEMU >= 8.1), ... */
bool qmp_has_capability(const struct qmp_features *f, const char *name);
/* "downtime-limit", "vcpu-dirty-limit" (>= 8.1),
 * "avail-switchover-bandwidth" (>= 8.2), ... */
bool qmp_has_parameter(const struct qmp_features *f, const char *name);
/* "calc-dirty-rate", "set-vcpu-dirty-limit", ... */
bool qmp_has_command(const struct qmp_features *f, const char *name);
/* "zlib", "zstd": what migrate-set-parameters' multifd-compression takes. */
bool qmp_has_multifd_compression(const struct qmp_features *f,
				 const char *method);
/* How many of each were found. */
void qmp_features_count(const struct qmp_features *f, size_t *capabilities,
			size_t *parameters, size_t *commands);
void qmp_features_free(struct qmp_features *f);

#endif /* PALM_QMP_FEATURES_H */
