// SPDX-License-Identifier: GPL-2.0
/*
 * RAS aggregation fed with recorded ras:mc_event lines through the same
 * ptel_ras_add the eBPF events take: counts per DIMM, decaying rates.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "tests/lib/harness.h"
#include "core/telemetry/ptel_ras.h"

#define L1 "  kworker/0:1-123   [000] d.h1.  1000.000000: mc_event: 1 Corrected error: memory read error on DIMM_A1 (mc:0 location:0:1:-1 address:0x1234000 grain:6 syndrome:0x00000000 x)"

TEST(parses_one_line)
{
	struct ptel_event ev;

	ASSERT_EQ(0, ptel_ras_parse_line(L1, strlen(L1), &ev));
	EXPECT_EQ(PTEL_EV_MC, ev.type);
	EXPECT_EQ(1000000000000ULL, ev.ts_ns);
	EXPECT_EQ(PTEL_RAS_CORRECTED, ev.error_type);
	EXPECT_EQ(1, ev.error_count);
	EXPECT_EQ(0, ev.mc_index);
	EXPECT_EQ(0, ev.top_layer);
	EXPECT_EQ(1, ev.middle_layer);
	EXPECT_EQ(-1, ev.lower_layer);
	EXPECT_EQ(0x1234000ULL, ev.address);
	EXPECT_STREQ("DIMM_A1", ev.label);
	EXPECT_STREQ("memory read error", ev.msg);
}

TEST(rejects_malformed)
{
	static const char *const bad[] = {
		"",
		"no event here",
		" 1.0: mc_event: x Corrected error: a on b (mc:0 location:0:0:0 address:0x0",
		" 1.0: mc_event: 1 Weird error: a on b (mc:0 location:0:0:0 address:0x0",
		" 1.0: mc_event: 1 Corrected error: a on b (mc:300 location:0:0:0 address:0x0",
		" 1.0: mc_event: 1 Corrected error: a (mc:0 location:0:0:0 address:0x0",
		" x: mc_event: 1 Corrected error: a on b (mc:0 location:0:0:0 address:0x0",
	};
	struct ptel_event ev;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(-EINVAL, ptel_ras_parse_line(bad[i], strlen(bad[i]), &ev));
}

TEST(aggregates_recording)
{
	static struct ptel_ras r;
	struct ptel_event ev;
	char line[512], path[256];
	int ok = 0, bad = 0;
	double rate;
	FILE *f;

	snprintf(path, sizeof(path), "tests/telemetry/data/ras_mc_events.txt");
	f = fopen(path, "r");
	if (!f)
		SKIP(return, "%s not found (run from the source tree)", path);
	ptel_ras_init(&r, 3600);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (ptel_ras_parse_line(line, strlen(line), &ev)) {
			bad++;
			continue;
		}
		ASSERT_EQ(0, ptel_ras_add(&r, &ev));
		ok++;
	}
	fclose(f);
	EXPECT_EQ(5, ok);
	EXPECT_EQ(2, bad);
	ASSERT_EQ(2, r.n);
	EXPECT_STREQ("CPU_SrcID#0_MC#0_Chan#0_DIMM#0", r.dimm[0].label);
	EXPECT_EQ(5, r.dimm[0].count[PTEL_RAS_CORRECTED]);
	EXPECT_EQ(0, r.dimm[0].count[PTEL_RAS_UNCORRECTED]);
	EXPECT_EQ(1, r.dimm[1].mc);
	EXPECT_EQ(2, r.dimm[1].top);
	EXPECT_EQ(1, r.dimm[1].count[PTEL_RAS_CORRECTED]);
	EXPECT_EQ(1, r.dimm[1].count[PTEL_RAS_UNCORRECTED]);
	/* 5 errors within 2 minutes, tau 1 h: about 5 per hour, decaying */
	rate = ptel_ras_ce_rate(&r, &r.dimm[0], 1120000000000ULL);
	EXPECT_GT(rate, 4.9);
	EXPECT_LT(rate, 5.0);
	rate = ptel_ras_ce_rate(&r, &r.dimm[0], 1120000000000ULL + 3600000000000ULL);
	EXPECT_LT(fabs(rate - 5.0 * exp(-1.0) + 0.05), 0.1);
}

TEST(table_full_counts_drops)
{
	static struct ptel_ras r;
	struct ptel_event ev = { .type = PTEL_EV_MC, .error_count = 1 };
	int i;

	ptel_ras_init(&r, 60);
	for (i = 0; i < PTEL_RAS_MAX_DIMMS + 3; i++) {
		ev.mc_index = (uint8_t)i;
		ptel_ras_add(&r, &ev);
	}
	EXPECT_EQ(PTEL_RAS_MAX_DIMMS, r.n);
	EXPECT_EQ(3, r.dropped);
	ev.type = PTEL_EV_OOM;
	EXPECT_EQ(0, ptel_ras_add(&r, &ev));
}
