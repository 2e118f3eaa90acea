/* SPDX-License-Identifier: GPL-2.0 */
/* Run the real palmctl binary from a test and collect its JSON report. */
#ifndef PALM_TEST_PALMCTL_RUN_H
#define PALM_TEST_PALMCTL_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * Starts `palmctl ARGS...` with stdout captured; returns its pid, or a
 * negative errno.  palmctl_finish() waits for it and parses stdout.
 */
pid_t palmctl_start(const char *const args[], char *out_path, size_t len);
/* Waits for pid; *report = parsed stdout (NULL if not JSON); returns exit status or -errno. */
int palmctl_finish(pid_t pid, const char *out_path, json_t **report);
/* Both at once. */
int palmctl_run(const char *const args[], json_t **report);

/* A report field: rep.k1 or rep.k1.k2 (k2 NULL); "" or 0 when absent. */
const char *report_str(const json_t *rep, const char *k1, const char *k2);
double report_num(const json_t *rep, const char *k1, const char *k2);
bool report_true(const json_t *rep, const char *k1, const char *k2);

#endif /* PALM_TEST_PALMCTL_RUN_H */
