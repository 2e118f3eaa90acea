// SPDX-License-Identifier: GPL-2.0
/* Scenario file parser: accepts the documented format, rejects the rest. */
#include "tests/lib/harness.h"

#include <errno.h>
#include <string.h>

#include "policy/pol_scenario.h"

static int parse(const char *text, struct pol_scenario *s, char *err)
{
	return pol_scenario_parse(s, text, strlen(text), err, 256);
}

TEST(defaults_are_valid)
{
	struct pol_scenario s;
	char err[256];

	pol_scenario_defaults(&s);
	ASSERT_EQ(0, pol_scenario_check(&s, err, sizeof(err)));
}

TEST(parses_keys_and_host_types)
{
	struct pol_scenario s;
	char err[256];

	ASSERT_EQ(0, parse("# test\npalm-scenario 1\nhosts 20   # twenty\n"
			   "racks 4\nvms 100\nhost_type 3 8 64\nhost_type 1 32 256\n"
			   "fault_precursor_prob 0.5\r\n\n", &s, err));
	EXPECT_EQ(20u, s.n_hosts);
	EXPECT_EQ(4u, s.n_racks);
	EXPECT_EQ(100u, s.n_vms);
	EXPECT_EQ(2u, s.n_host_types);
	EXPECT_TRUE(s.host_types[1].cores == 32);
	EXPECT_TRUE(s.fault_precursor_prob == 0.5);
}

TEST(rejects_bad_files)
{
	static const char *const bad[] = {
		"",
		"hosts 10\n",				/* no header */
		"palm-scenario 2\n",			/* unknown version */
		"palm-scenario 1\nbogus 1\n",		/* unknown key */
		"palm-scenario 1\nhosts\n",		/* no value */
		"palm-scenario 1\nhosts 1 2\n",		/* two values */
		"palm-scenario 1\nhosts ten\n",
		"palm-scenario 1\nhosts 1\n",		/* below range */
		"palm-scenario 1\nhosts 2.5\n",		/* not an integer */
		"palm-scenario 1\nfault_precursor_prob 1.5\n",
		"palm-scenario 1\nhost_type 1 8\n",
		"palm-scenario 1\nhosts 4\nracks 5\n",
		"palm-scenario 1\nvm_mem_min_gib 8\nvm_mem_max_gib 2\n",
		"palm-scenario 1\nhosts 2\nracks 1\nvms 5000\n",
		"palm-scenario 1\nstep_s inf\n",
		"palm-scenario 1\nhost_type 1 8 4\n",	/* smaller than a VM */
	};
	struct pol_scenario s;
	char err[256];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		EXPECT_EQ(-EINVAL, parse(bad[i], &s, err));
		EXPECT_TRUE(err[0] != '\0');
	}
}

TEST(rejects_long_line_and_nul)
{
	char buf[1024];
	struct pol_scenario s;
	char err[256];

	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "palm-scenario 1\n", 16);
	EXPECT_EQ(-EINVAL, pol_scenario_parse(&s, buf, sizeof(buf), err, sizeof(err)));
	EXPECT_EQ(-EINVAL, pol_scenario_parse(&s, "palm-scenario 1\nho\0sts 3\n",
					      25, err, sizeof(err)));
}

TEST(shipped_scenarios_load)
{
	static const char *const files[] = {
		"bench/policy/default.scn",
		"bench/policy/announced.scn",
		"bench/policy/pressure.scn",
	};
	struct pol_scenario builtin, loaded[3];
	char path[4096], err[256];
	unsigned int i;

	if (th_src_path(files[0], path, sizeof(path)))
		SKIP(return, "%s not found: run from the source tree or set PALM_SRC",
		     files[0]);
	memset(loaded, 0, sizeof(loaded));	/* compared even if a load fails */
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		ASSERT_EQ(0, th_src_path(files[i], path, sizeof(path)));
		err[0] = '\0';
		EXPECT_EQ(0, pol_scenario_load(&loaded[i], path, err, sizeof(err)));
		if (err[0])
			TH_LOG("%s: %s", files[i], err);
	}
	/* default.scn spells out the built-in scenario, value for value */
	pol_scenario_defaults(&builtin);
	EXPECT_EQ(0, memcmp(&builtin, &loaded[0], sizeof(builtin)));
	/* pressure.scn is the built-in one under more load */
	EXPECT_TRUE(loaded[2].n_vms > builtin.n_vms);
	EXPECT_TRUE(loaded[2].fault_per_day > builtin.fault_per_day);
	EXPECT_TRUE(loaded[2].storm_max_min < builtin.storm_max_min);
}
