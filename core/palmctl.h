/* SPDX-License-Identifier: GPL-2.0 */
/* palmctl's subcommands, one file each; argv[0] is the subcommand name. */
#ifndef PALM_PALMCTL_H
#define PALM_PALMCTL_H

int palmctl_migrate(int argc, char **argv);
int palmctl_top(int argc, char **argv);
int palmctl_version(int argc, char **argv);

/* Exit codes shared by every subcommand. */
enum {
	PALMCTL_OK = 0,
	PALMCTL_FAILED = 1,	/* the operation ran and did not succeed */
	PALMCTL_USAGE = 2,	/* bad arguments; nothing was done */
};

#endif /* PALM_PALMCTL_H */
