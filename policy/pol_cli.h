/* SPDX-License-Identifier: GPL-2.0 */
/* `palmctl policy ...`: train, eval, explain, predict, latency. */
#ifndef PALM_POL_CLI_H
#define PALM_POL_CLI_H

/* argv[0] is "policy"; returns a process exit status (0, 1 or 2). */
int pol_cli_main(int argc, char **argv);

#endif
