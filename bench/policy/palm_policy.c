// SPDX-License-Identifier: GPL-2.0
/* Stand-alone front end for bench/policy/run.sh: same code palmctl runs. */
#include "policy/pol_cli.h"

int main(int argc, char **argv)
{
	return pol_cli_main(argc, argv);
}
