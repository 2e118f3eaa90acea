// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the migration model's coefficients file, then a
 * prediction and a plan with whatever it accepted (nothing may crash,
 * loop for ever or yield NaN).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "qmp/qmp_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmp_model_input in = {
		.ram_bytes = 128 << 20, .used_bytes = 34 << 20,
		.ws_bytes = 32 << 20, .dirty_bps = 20e6, .link_bps = 12.5e6,
		.downtime_limit_ms = 300,
	};
	struct qmp_model_target t = { .max_pause_ms = 300, .max_total_s = 60,
				      .max_slowdown = 0.5, .allow_postcopy = true };
	struct qmp_model_coef c;
	struct qmp_model_pred p;
	struct qmp_model_plan plan;
	char err[256];

	qmp_model_coef_defaults(&c);
	if (qmp_model_coef_parse((const char *)data, size, &c, err, sizeof(err)))
		return 0;
	if (qmp_model_precopy(&c, &in, &p) == 0 &&
	    (isnan(p.total_s) || isnan(p.bytes) || isnan(p.pause_ms)))
		abort();
	if (qmp_model_plan(&c, &in, &t, &plan) == 0 && isnan(plan.pred.total_s))
		abort();
	return 0;
}
