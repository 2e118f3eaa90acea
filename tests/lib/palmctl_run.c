// SPDX-License-Identifier: GPL-2.0
/* Running palmctl from tests; see palmctl_run.h. */
#include "tests/lib/palmctl_run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/harness.h"
#include "tests/lib/qemu_proc.h"

pid_t palmctl_start(const char *const args[], char *out_path, size_t len)
{
	const char *argv[40];
	char prog[256];
	int argc = 0, fd;
	pid_t pid;

	palm_build_path(prog, sizeof(prog), "core/palmctl");
	argv[argc++] = prog;
	while (*args && argc < 39)
		argv[argc++] = *args++;
	argv[argc] = NULL;

	snprintf(out_path, len, "/tmp/palmctl-out-XXXXXX");
	fd = mkstemp(out_path);
	if (fd < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fd);
		return -errno;
	}
	if (pid == 0) {
		dup2(fd, STDOUT_FILENO);
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	close(fd);
	return pid;
}

int palmctl_finish(pid_t pid, const char *out_path, json_t **report)
{
	json_error_t jerr;
	int status;

	*report = NULL;
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	*report = json_load_file(out_path, 0, &jerr);
	if (!*report)
		TH_LOG("palmctl output is not JSON: %s (line %d)", jerr.text,
		       jerr.line);
	else {
		char *dump = json_dumps(*report, JSON_COMPACT | JSON_PRESERVE_ORDER);

		TH_LOG("palmctl: %s", dump ? dump : "?");
		free(dump);
	}
	unlink(out_path);
	fflush(stdout);
	if (!WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

int palmctl_run(const char *const args[], json_t **report)
{
	char out[64];
	pid_t pid = palmctl_start(args, out, sizeof(out));

	if (pid < 0) {
		*report = NULL;
		return pid;
	}
	return palmctl_finish(pid, out, report);
}

static const json_t *report_get(const json_t *rep, const char *k1,
				const char *k2)
{
	const json_t *v = json_object_get(rep, k1);

	return k2 ? json_object_get(v, k2) : v;
}

const char *report_str(const json_t *rep, const char *k1, const char *k2)
{
	const json_t *v = report_get(rep, k1, k2);

	return json_is_string(v) ? json_string_value(v) : "";
}

double report_num(const json_t *rep, const char *k1, const char *k2)
{
	return json_number_value(report_get(rep, k1, k2));
}

bool report_true(const json_t *rep, const char *k1, const char *k2)
{
	return json_is_true(report_get(rep, k1, k2));
}
