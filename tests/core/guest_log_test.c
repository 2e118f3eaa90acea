// SPDX-License-Identifier: GPL-2.0
/* The test guest's serial protocol, parsed and followed from the host. */
#include "tests/lib/harness.h"

#include <stdlib.h>
#include <unistd.h>

#include "core/guest_log.h"

static int parse(const char *s, struct guest_line *l)
{
	return guest_parse_line(s, strlen(s), l);
}

TEST(heartbeat_parses)
{
	struct guest_line l;

	ASSERT_EQ(0, parse("hb seq=42 t_ms=420 work=123456 gen=7\r", &l));
	ASSERT_EQ(GUEST_LINE_HEARTBEAT, l.kind);
	ASSERT_EQ(42, l.hb.seq);
	ASSERT_EQ(420, l.hb.t_ms);
	ASSERT_EQ(123456, l.hb.work);
	ASSERT_EQ(7, l.hb.gen);
}

TEST(garbled_protocol_lines_are_rejected)
{
	static const char *const bad[] = {
		"hb seq=1 t_ms=2 work=3",		/* missing gen */
		"hb seq=x t_ms=2 work=3 gen=4",
		"hb seq= t_ms=2 work=3 gen=4",
		"hb seq=99999999999999999999 t_ms=2 work=3 gen=4",
		"verify seq=1 pages=10 bad=0 first_bad=-1 result=FAIL",
		"verify seq=1 pages=10 bad=2 first_bad=3 result=ok",
		"verify seq=1 pages=10 bad=0 first_bad=-1",
		"ready",
		"ready ws_pages=abc",
		"palm-guest v1 ws_pages=1",
	};
	struct guest_line l;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		TH_LOG("%s", bad[i]);
		EXPECT_NE(0, parse(bad[i], &l));
	}
}

TEST(verify_and_others)
{
	struct guest_line l;

	ASSERT_EQ(0, parse("verify seq=9 pages=4096 bad=0 first_bad=-1 result=ok", &l));
	ASSERT_EQ(GUEST_LINE_VERIFY, l.kind);
	ASSERT_TRUE(l.verify.ok);
	ASSERT_EQ(-1, l.verify.first_bad);
	ASSERT_EQ(0, parse("verify seq=9 pages=4096 bad=1 first_bad=17 result=FAIL", &l));
	ASSERT_FALSE(l.verify.ok);
	ASSERT_EQ(17, l.verify.first_bad);
	ASSERT_EQ(0, parse("palm-guest v1 ws_pages=4096 rate=0 pattern=uniform period_ms=10", &l));
	ASSERT_EQ(GUEST_LINE_HEADER, l.kind);
	ASSERT_EQ(10, l.header.period_ms);
	ASSERT_EQ(0, parse("SeaBIOS (version 1.16)", &l));
	ASSERT_EQ(GUEST_LINE_OTHER, l.kind);
	ASSERT_EQ(0, parse("error: bad argument 'x'", &l));
	ASSERT_EQ(GUEST_LINE_ERROR, l.kind);
}

static void hb(struct guest_pause_meter *m, uint64_t seq, double t)
{
	struct guest_line l = { .kind = GUEST_LINE_HEARTBEAT };

	l.hb.seq = seq;
	l.hb.work = seq * 100;
	guest_pause_meter_feed(m, &l, t);
}

TEST(pause_is_largest_gap_less_period)
{
	struct guest_pause_meter m;

	guest_pause_meter_init(&m, 10);
	hb(&m, 1, 1.000);
	hb(&m, 2, 1.010);
	hb(&m, 3, 1.020);
	/* switch-over: the destination resumes 250 ms later */
	hb(&m, 4, 1.270);
	/* a repeated line from the other log does not count */
	hb(&m, 4, 1.280);
	hb(&m, 5, 1.280);
	ASSERT_EQ(5, m.heartbeats);
	ASSERT_LT(239.9, guest_pause_ms(&m));
	ASSERT_GT(240.1, guest_pause_ms(&m));
	hb(&m, 9, 1.290);
	ASSERT_EQ(3, m.seq_jumps);
}

TEST(tail_follows_a_growing_file)
{
	char path[] = "/tmp/palm-guest-log-XXXXXX";
	struct guest_pause_meter m;
	struct guest_tail t;
	int fd = mkstemp(path);
	const char *part1 = "palm-guest v1 ws_pages=8 period_ms=5\nhb seq=0 t_ms=0 work=0 gen=1\nhb seq=1 t_";
	const char *part2 = "ms=5 work=10 gen=1\nhb garbage\n";

	ASSERT_LE(0, fd);
	guest_pause_meter_init(&m, 0);
	ASSERT_EQ(0, guest_tail_open(&t, path));
	ASSERT_EQ((ssize_t)strlen(part1), write(fd, part1, strlen(part1)));
	ASSERT_EQ(0, guest_tail_read(&t, 1.0, (guest_line_fn *)guest_pause_meter_feed, &m));
	ASSERT_EQ(1, m.heartbeats);
	ASSERT_EQ(5, m.period_ms);
	ASSERT_EQ((ssize_t)strlen(part2), write(fd, part2, strlen(part2)));
	ASSERT_EQ(0, guest_tail_read(&t, 2.0, (guest_line_fn *)guest_pause_meter_feed, &m));
	ASSERT_EQ(2, m.heartbeats);
	ASSERT_EQ(1, t.bad_lines);
	guest_tail_close(&t);
	close(fd);
	unlink(path);
}
