// SPDX-License-Identifier: GPL-2.0
/* palmctl: the command-line front end.  Each subcommand lives in its own file. */
#include <stdio.h>
#include <string.h>

#include "core/palmctl.h"
#include "policy/pol_cli.h"

static const struct palmctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "migrate", palmctl_migrate, "live-migrate a guest between two QEMUs and report, measured" },
	{ "policy", pol_cli_main, "train, evaluate and explain the placement policy (simulator, traces)" },
	{ "top", palmctl_top, "live view of this host's VMs: dirty rate, working set, vCPU load, pressure" },
	{ "version", palmctl_version, "print the version and what this build contains" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: palmctl COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\n'palmctl COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return PALMCTL_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return PALMCTL_OK;
	}
	if (!strcmp(argv[1], "--version"))
		return palmctl_version(1, argv + 1);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "palmctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return PALMCTL_USAGE;
}
