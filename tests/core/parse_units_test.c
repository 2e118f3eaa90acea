// SPDX-License-Identifier: GPL-2.0
/* Command-line units: parse completely or not at all. */
#include "tests/lib/harness.h"

#include <errno.h>

#include "core/parse_units.h"

TEST(rates)
{
	int64_t b;

	ASSERT_EQ(0, parse_rate_bps("100mbit", &b));
	ASSERT_EQ(12500000, b);
	ASSERT_EQ(0, parse_rate_bps("1gbit", &b));
	ASSERT_EQ(125000000, b);
	ASSERT_EQ(0, parse_rate_bps("1.5MiB", &b));
	ASSERT_EQ(1572864, b);
	ASSERT_EQ(-EINVAL, parse_rate_bps("100", &b));	/* no unit */
	ASSERT_EQ(-EINVAL, parse_rate_bps("100 mbit", &b));
	ASSERT_EQ(-EINVAL, parse_rate_bps("-1mbit", &b));
	ASSERT_EQ(-EINVAL, parse_rate_bps("0x10mbit", &b));
	ASSERT_EQ(-EINVAL, parse_rate_bps("infmbit", &b));
	ASSERT_EQ(-EINVAL, parse_rate_bps("", &b));
	ASSERT_EQ(-ERANGE, parse_rate_bps("0bit", &b));
	ASSERT_EQ(-ERANGE, parse_rate_bps("1e30gbit", &b));
}

TEST(durations)
{
	double s;

	ASSERT_EQ(0, parse_duration_s("90", &s));
	ASSERT_EQ(90, (int)s);
	ASSERT_EQ(0, parse_duration_s("250ms", &s));
	ASSERT_TRUE(s > 0.249 && s < 0.251);
	ASSERT_EQ(0, parse_duration_s("2m", &s));
	ASSERT_EQ(120, (int)s);
	ASSERT_EQ(-EINVAL, parse_duration_s("2 m", &s));
	ASSERT_EQ(-EINVAL, parse_duration_s("soon", &s));
	ASSERT_EQ(-ERANGE, parse_duration_s("9999999h", &s));
}

TEST(integers)
{
	int64_t v;

	ASSERT_EQ(0, parse_int64("300", 0, 1000, &v));
	ASSERT_EQ(300, v);
	ASSERT_EQ(-ERANGE, parse_int64("1001", 0, 1000, &v));
	ASSERT_EQ(-EINVAL, parse_int64("30x", 0, 1000, &v));
	ASSERT_EQ(-EINVAL, parse_int64("", 0, 1000, &v));
	ASSERT_EQ(-ERANGE, parse_int64("99999999999999999999", 0, 1000, &v));
}
