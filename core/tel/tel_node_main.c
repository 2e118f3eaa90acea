// SPDX-License-Identifier: GPL-2.0
/*
 * tel_node: one telemetry endpoint, for tests and benchmarks run inside
 * emulated hosts (one process per DPDK endpoint: the EAL starts once).
 *
 *   tel_node send --host-id 2 --local 10.213.1.2 --peer 10.213.1.1 \
 *            --frames 1000 --records 20 --rate 2000 [--drop K ...]
 *   tel_node recv --host-id 1 --local 10.213.1.1 --duration-ms 3000 \
 *            --idle-ms 500 --stale-ms 200 [--ready-file F]
 *   tel_node probe|echo ...       (link probe: see tel_probe.h)
 *   tel_node codec --frames N --records R   (codec + aggregator, no I/O)
 *
 * Common: --transport udp|dpdk, --port P, --eal "ARGS", --burst N,
 * --idle-us N.  Results are one JSON object on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "core/tel/tel_agg.h"
#include "core/tel/tel_frame.h"
#include "core/tel/tel_pattern.h"
#include "core/tel/tel_probe.h"
#include "core/tel/tel_transport.h"

#define NODE_MAX_FRAMES 100000000u
#define NODE_MAX_LAT_SAMPLES (4u << 20)
#define NODE_TICK_NS 10000000ull
#define NODE_MAX_DURATION_MS 600000u
#define NODE_MAX_HOSTS 64

enum node_mode { MODE_SEND, MODE_RECV, MODE_PROBE, MODE_ECHO, MODE_CODEC };

struct node_opts {
	enum node_mode mode;
	struct tel_transport_config tc;
	uint32_t host_id;
	/* send */
	uint32_t frames, records, rate;
	uint32_t drop, dup, corrupt, reorder;	/* every K frames, 0: never */
	uint32_t start_delay_ms, linger_ms;
	/* recv */
	uint32_t duration_ms, idle_ms, stale_ms, expect_hosts;
	const char *ready_file;
	/* probe */
	uint32_t probes, train;
	uint64_t configured_bps;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* This thread's CPU time: for busy-polling DPDK it is the wall time. */
static double thread_cpu_seconds(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID) / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tel_node send|recv|probe|echo|codec [options]\n"
		"  --transport udp|dpdk  --host-id N  --local IP  --port P\n"
		"  --peer IP[:PORT][@MAC] (repeat)  --eal \"ARGS\"  --burst N  --idle-us N\n"
		"  --fallback (kernel UDP when DPDK cannot start)\n"
		"send:  --frames N --records R --rate FPS --drop K --dup K --corrupt K\n"
		"       --reorder K --start-delay-ms MS --linger-ms MS\n"
		"recv:  --duration-ms MS --idle-ms MS --stale-ms MS --expect-hosts N\n"
		"       --ready-file PATH --rcvbuf BYTES\n"
		"probe: --probes N --train N --configured-bps BPS (to the first peer)\n"
		"codec: --frames N --records R (encode, decode and aggregate in memory)\n");
}

/* An unsigned decimal in [min, max]; 0 or -EINVAL. */
static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct node_opts *o)
{
	enum {
		O_TRANSPORT = 256, O_HOST, O_LOCAL, O_PORT, O_PEER, O_EAL,
		O_BURST, O_IDLE_US, O_FRAMES, O_RECORDS, O_RATE, O_DROP, O_DUP,
		O_CORRUPT, O_REORDER, O_DELAY, O_LINGER, O_DURATION, O_IDLE,
		O_STALE, O_EXPECT, O_READY, O_RCVBUF, O_PROBES, O_TRAIN, O_CONF,
		O_FALLBACK,
	};
	static const struct option lopts[] = {
		{ "transport", 1, NULL, O_TRANSPORT },
		{ "host-id", 1, NULL, O_HOST },
		{ "local", 1, NULL, O_LOCAL },
		{ "port", 1, NULL, O_PORT },
		{ "peer", 1, NULL, O_PEER },
		{ "eal", 1, NULL, O_EAL },
		{ "burst", 1, NULL, O_BURST },
		{ "idle-us", 1, NULL, O_IDLE_US },
		{ "frames", 1, NULL, O_FRAMES },
		{ "records", 1, NULL, O_RECORDS },
		{ "rate", 1, NULL, O_RATE },
		{ "drop", 1, NULL, O_DROP },
		{ "dup", 1, NULL, O_DUP },
		{ "corrupt", 1, NULL, O_CORRUPT },
		{ "reorder", 1, NULL, O_REORDER },
		{ "start-delay-ms", 1, NULL, O_DELAY },
		{ "linger-ms", 1, NULL, O_LINGER },
		{ "duration-ms", 1, NULL, O_DURATION },
		{ "idle-ms", 1, NULL, O_IDLE },
		{ "stale-ms", 1, NULL, O_STALE },
		{ "expect-hosts", 1, NULL, O_EXPECT },
		{ "ready-file", 1, NULL, O_READY },
		{ "rcvbuf", 1, NULL, O_RCVBUF },
		{ "probes", 1, NULL, O_PROBES },
		{ "train", 1, NULL, O_TRAIN },
		{ "configured-bps", 1, NULL, O_CONF },
		{ "fallback", 0, NULL, O_FALLBACK },
		{ "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t v;
	int c, ret = 0;

	if (argc < 2) {
		usage(stderr);
		return -EINVAL;
	}
	if (!strcmp(argv[1], "send"))
		o->mode = MODE_SEND;
	else if (!strcmp(argv[1], "recv"))
		o->mode = MODE_RECV;
	else if (!strcmp(argv[1], "probe"))
		o->mode = MODE_PROBE;
	else if (!strcmp(argv[1], "echo"))
		o->mode = MODE_ECHO;
	else if (!strcmp(argv[1], "codec"))
		o->mode = MODE_CODEC;
	else if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		exit(0);
	} else {
		fprintf(stderr, "tel_node: unknown mode '%s'\n", argv[1]);
		return -EINVAL;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case O_TRANSPORT:
			ret = tel_transport_kind_parse(optarg, &o->tc.kind);
			break;
		case O_HOST:
			ret = parse_u32(optarg, 1, UINT32_MAX, &o->host_id);
			break;
		case O_LOCAL:
			ret = inet_pton(AF_INET, optarg, &o->tc.local_ip) == 1 ?
				0 : -EINVAL;
			break;
		case O_PORT:
			ret = parse_u32(optarg, 1, 65535, &v);
			o->tc.port = (uint16_t)v;
			break;
		case O_PEER:
			if (o->tc.npeers == TEL_MAX_PEERS) {
				ret = -EINVAL;
				break;
			}
			ret = tel_peer_parse(optarg, TEL_DEFAULT_PORT,
					     &o->tc.peers[o->tc.npeers++]);
			break;
		case O_EAL:
			if (strlen(optarg) >= sizeof(o->tc.eal_args)) {
				ret = -EINVAL;
				break;
			}
			snprintf(o->tc.eal_args, sizeof(o->tc.eal_args), "%s",
				 optarg);
			break;
		case O_BURST:
			ret = parse_u32(optarg, 1, TEL_MAX_BURST, &o->tc.burst);
			break;
		case O_IDLE_US:
			ret = parse_u32(optarg, 0, 100000, &o->tc.idle_us);
			break;
		case O_FRAMES:
			ret = parse_u32(optarg, 1, NODE_MAX_FRAMES, &o->frames);
			break;
		case O_RECORDS:
			ret = parse_u32(optarg, 1, TEL_FRAME_MAX_RECORDS,
					&o->records);
			break;
		case O_RATE:
			ret = parse_u32(optarg, 0, 10000000, &o->rate);
			break;
		case O_DROP:
			ret = parse_u32(optarg, 5, 1000000, &o->drop);
			break;
		case O_DUP:
			ret = parse_u32(optarg, 5, 1000000, &o->dup);
			break;
		case O_CORRUPT:
			ret = parse_u32(optarg, 5, 1000000, &o->corrupt);
			break;
		case O_REORDER:
			ret = parse_u32(optarg, 5, 1000000, &o->reorder);
			break;
		case O_DELAY:
			ret = parse_u32(optarg, 0, 60000, &o->start_delay_ms);
			break;
		case O_LINGER:
			ret = parse_u32(optarg, 0, 60000, &o->linger_ms);
			break;
		case O_DURATION:
			ret = parse_u32(optarg, 1, NODE_MAX_DURATION_MS,
					&o->duration_ms);
			break;
		case O_IDLE:
			ret = parse_u32(optarg, 1, NODE_MAX_DURATION_MS,
					&o->idle_ms);
			break;
		case O_STALE:
			ret = parse_u32(optarg, 1, NODE_MAX_DURATION_MS,
					&o->stale_ms);
			break;
		case O_EXPECT:
			ret = parse_u32(optarg, 1, 65536, &o->expect_hosts);
			break;
		case O_READY:
			o->ready_file = optarg;
			break;
		case O_RCVBUF:
			ret = parse_u32(optarg, 0, 1u << 30, &v);
			o->tc.rcvbuf = (int)v;
			break;
		case O_PROBES:
			ret = parse_u32(optarg, 1, 100000, &o->probes);
			break;
		case O_TRAIN:
			ret = parse_u32(optarg, 2, TEL_PROBE_MAX_TRAIN, &o->train);
			break;
		case O_CONF:
			ret = parse_u32(optarg, 0, UINT32_MAX, &v);
			o->configured_bps = v;
			break;
		case O_FALLBACK:
			o->tc.udp_fallback = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (ret) {
			fprintf(stderr, "tel_node: bad value '%s' for --%s\n",
				optarg, lopts[c - O_TRANSPORT].name);
			return ret;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tel_node: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	if (o->mode == MODE_CODEC)
		return 0;
	if (!o->host_id || !o->tc.local_ip.s_addr) {
		fprintf(stderr, "tel_node: --host-id and --local are required\n");
		return -EINVAL;
	}
	if ((o->mode == MODE_SEND || o->mode == MODE_PROBE) && !o->tc.npeers) {
		fprintf(stderr, "tel_node: %s needs --peer\n", argv[1]);
		return -EINVAL;
	}
	return 0;
}

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	if (s) {
		printf("%s\n", s);
		fflush(stdout);
		free(s);
	}
	json_decref(j);
}

static json_t *transport_json(const struct tel_transport *t)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "name", t->ops->name,
			 "tx_frames", (json_int_t)t->stats.tx_frames,
			 "tx_errors", (json_int_t)t->stats.tx_errors,
			 "rx_frames", (json_int_t)t->stats.rx_frames,
			 "rx_foreign", (json_int_t)t->stats.rx_foreign,
			 "rx_too_big", (json_int_t)t->stats.rx_too_big);
}

/* --- send ------------------------------------------------------------- */

/* Sender-side fault injection: which frames to drop, double, break or swap. */
static bool every(uint32_t k, uint32_t seq, uint32_t phase)
{
	return k && seq % k == phase;
}

/* Send @n messages in chunks of at most one burst. */
static int send_all(struct tel_transport *t, const struct tel_msg *msgs,
		    unsigned int n, uint32_t *sent)
{
	unsigned int off = 0, chunk;
	int ret;

	while (off < n) {
		chunk = n - off < t->cfg.burst ? n - off : t->cfg.burst;
		ret = tel_send(t, msgs + off, chunk);
		if (ret < 0)
			return ret;
		*sent += (uint32_t)ret;
		off += chunk;
	}
	return 0;
}

static int run_send(const struct node_opts *o, struct tel_transport *t)
{
	unsigned int burst = o->tc.burst, n, i;
	/* per burst: each frame, maybe its duplicate, maybe one held back */
	struct tel_msg msgs[2 * TEL_MAX_BURST + 1];
	struct tel_frame_builder *fbs, *held;
	uint64_t t0, next, gap_ns;
	uint32_t seq = 0, sent = 0, injected[4] = { 0 };
	double cpu0 = cpu_seconds(), secs;
	bool holding = false;
	int ret = 0, len;

	/* frames, then copies of released held frames, then the held one */
	fbs = calloc(2 * burst + 1, sizeof(*fbs));
	if (!fbs)
		return -ENOMEM;
	held = &fbs[2 * burst];
	if (o->start_delay_ms)
		usleep(o->start_delay_ms * 1000u);
	gap_ns = o->rate ? 1000000000ull * burst / o->rate : 0;
	t0 = next = clock_ns(CLOCK_MONOTONIC);
	while (seq < o->frames && !stop) {
		n = 0;
		for (i = 0; i < burst && seq < o->frames; i++, seq++) {
			struct tel_frame_builder *fb = &fbs[i];

			ret = tel_pattern_fill(fb, o->host_id, seq, o->records);
			if (ret)
				goto out;
			len = tel_fb_finish(fb, o->host_id, seq,
					    clock_ns(CLOCK_REALTIME));
			if (every(o->drop, seq, 1)) {
				injected[0]++;
				continue;
			}
			if (every(o->corrupt, seq, 3)) {
				fb->buf[len - 1] ^= 0x01;
				injected[2]++;
			}
			if (every(o->reorder, seq, 4) && seq + 1 < o->frames &&
			    !holding) {
				/* sent right after the next frame */
				memcpy(held->buf, fb->buf, (size_t)len);
				held->len = (size_t)len;
				holding = true;
				injected[3]++;
				continue;
			}
			msgs[n++] = (struct tel_msg){ .buf = fb->buf,
						      .len = (uint16_t)len };
			if (every(o->dup, seq, 2)) {
				msgs[n] = msgs[n - 1];
				n++;
				injected[1]++;
			}
			if (holding) {
				/* a later hold in this burst reuses @held */
				memcpy(fbs[burst + i].buf, held->buf, held->len);
				msgs[n++] = (struct tel_msg){
					.buf = fbs[burst + i].buf,
					.len = (uint16_t)held->len };
				holding = false;
			}
		}
		ret = send_all(t, msgs, n, &sent);
		if (ret)
			goto out;
		if (gap_ns) {
			uint64_t now;

			next += gap_ns;
			now = clock_ns(CLOCK_MONOTONIC);
			if (next > now)
				usleep((useconds_t)((next - now) / 1000));
		}
	}
	secs = (clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	if (o->linger_ms)
		usleep(o->linger_ms * 1000u);
	print_json(json_pack("{s:s, s:I, s:I, s:I, s:f, s:f, s:f, s:{s:I, s:I, s:I, s:I}, s:o}",
			     "mode", "send",
			     "host", (json_int_t)o->host_id,
			     "frames", (json_int_t)seq,
			     "sent", (json_int_t)sent,
			     "elapsed_s", secs,
			     "cpu_s", cpu_seconds() - cpu0,
			     "records_per_s", secs > 0 ? (double)seq * o->records / secs : 0.0,
			     "injected", "drop", (json_int_t)injected[0],
			     "dup", (json_int_t)injected[1],
			     "corrupt", (json_int_t)injected[2],
			     "reorder", (json_int_t)injected[3],
			     "transport", transport_json(t)));
out:
	free(fbs);
	return ret;
}

/* --- recv ------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double percentile_us(uint64_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return -1;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i] / 1000.0;
}

static json_t *host_json(const struct tel_agg_host *h, uint64_t now)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:I, s:f}",
			 "id", (json_int_t)h->id,
			 "frames", (json_int_t)h->c.frames,
			 "records", (json_int_t)h->c.records,
			 "lost", (json_int_t)h->c.lost,
			 "dup", (json_int_t)h->c.dup,
			 "reordered", (json_int_t)h->c.reordered,
			 "too_old", (json_int_t)h->c.too_old,
			 "restarts", (json_int_t)h->c.restarts,
			 "stale", h->stale,
			 "stale_marks", (json_int_t)h->c.stale_marks,
			 "max_seq", (json_int_t)h->max_seq,
			 "age_ms", tel_agg_age_ns(h, now) / 1e6);
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd >= 0)
		close(fd);
}

static int run_recv(const struct node_opts *o, struct tel_transport *t)
{
	static uint8_t bufs[TEL_MAX_BURST][TEL_FRAME_MAX];
	struct tel_agg_config ac = {
		.max_hosts = NODE_MAX_HOSTS,
		.stale_after_ns = (uint64_t)(o->stale_ms ? o->stale_ms : 1000) *
				  1000000ull,
	};
	struct tel_msg msgs[TEL_MAX_BURST];
	struct tel_agg_counters sum;
	struct tel_agg_rx rx;
	struct tel_agg agg;
	uint64_t *lat = NULL, t0, now, end, last_rx = 0, first_rx = 0;
	uint64_t next_tick, bad_records = 0, in_order_breaks = 0;
	uint64_t max_fresh_age = 0, age, prev_ts[NODE_MAX_HOSTS] = { 0 };
	double cpu0, cpu_first = 0, cpu_last = 0;
	size_t nlat = 0;
	json_t *hosts, *rej;
	int ret, n, i;
	uint32_t k;

	ret = tel_agg_init(&agg, &ac);
	if (ret)
		return ret;
	lat = malloc(NODE_MAX_LAT_SAMPLES * sizeof(*lat));
	if (!lat) {
		ret = -ENOMEM;
		goto out;
	}
	if (o->ready_file)
		touch(o->ready_file);
	cpu0 = cpu_seconds();
	t0 = now = clock_ns(CLOCK_MONOTONIC);
	end = t0 + (uint64_t)(o->duration_ms ? o->duration_ms : 10000) * 1000000ull;
	next_tick = t0 + NODE_TICK_NS;
	while (!stop && now < end) {
		for (i = 0; i < TEL_MAX_BURST; i++)
			msgs[i] = (struct tel_msg){ .buf = bufs[i],
						    .len = TEL_FRAME_MAX };
		n = tel_recv(t, msgs, o->tc.burst, 10);
		if (n < 0) {
			ret = n;
			goto out;
		}
		now = clock_ns(CLOCK_MONOTONIC);
		if (n > 0) {
			/* CPU while frames flow, not while waiting for them */
			cpu_last = thread_cpu_seconds();
			if (!first_rx)
				cpu_first = cpu_last;
		}
		for (i = 0; i < n; i++) {
			uint64_t real = clock_ns(CLOCK_REALTIME);

			ret = tel_agg_ingest(&agg, msgs[i].buf, msgs[i].len,
					     now, &rx);
			if (ret <= 0)
				continue;
			if (!first_rx)
				first_rx = now;
			last_rx = now;
			bad_records += tel_pattern_check(rx.recs,
							 (unsigned int)rx.nrecs,
							 rx.hdr.sender,
							 rx.hdr.seq);
			if (rx.verdict == TEL_SEQ_LATE)
				in_order_breaks++;
			/*
			 * Freshness: just before this frame, the newest sample
			 * of its host was as old as the previous frame's send
			 * time; that is the oldest the view got.
			 */
			if (rx.verdict == TEL_SEQ_NEXT &&
			    (k = rx.host - agg.hosts) < NODE_MAX_HOSTS) {
				if (prev_ts[k] && real > prev_ts[k]) {
					age = real - prev_ts[k];
					if (age > max_fresh_age)
						max_fresh_age = age;
				}
				prev_ts[k] = rx.hdr.ts_ns;
			} else if (rx.verdict == TEL_SEQ_FIRST &&
				   (k = rx.host - agg.hosts) < NODE_MAX_HOSTS) {
				prev_ts[k] = rx.hdr.ts_ns;
			}
			if (nlat < NODE_MAX_LAT_SAMPLES && real >= rx.hdr.ts_ns)
				lat[nlat++] = real - rx.hdr.ts_ns;
		}
		if (now >= next_tick) {
			tel_agg_tick(&agg, now);
			next_tick = now + NODE_TICK_NS;
		}
		if (o->idle_ms && last_rx &&
		    now - last_rx > (uint64_t)o->idle_ms * 1000000ull &&
		    (!o->expect_hosts || agg.nhosts >= o->expect_hosts))
			break;
	}
	tel_agg_tick(&agg, now);
	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	tel_agg_totals(&agg, &sum);
	hosts = json_array();
	for (k = 0; k < agg.nhosts; k++)
		json_array_append_new(hosts, host_json(&agg.hosts[k], now));
	rej = json_object();
	for (i = 0; i < TEL_REJ_MAX; i++)
		json_object_set_new(rej, tel_reject_name(i),
				    json_integer((json_int_t)agg.dec.rejected[i]));
	{
		double active = last_rx > first_rx ? (last_rx - first_rx) / 1e9 : 0;

		print_json(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
				     " s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f,"
				     " s:I, s:o, s:o, s:o}",
				     "mode", "recv",
				     "frames", (json_int_t)sum.frames,
				     "records", (json_int_t)sum.records,
				     "bad_records", (json_int_t)bad_records,
				     "lost", (json_int_t)sum.lost,
				     "dup", (json_int_t)sum.dup,
				     "reordered", (json_int_t)sum.reordered,
				     "stale_marks", (json_int_t)sum.stale_marks,
				     "late_frames", (json_int_t)in_order_breaks,
				     "active_s", active,
				     "records_per_s", active > 0 ? sum.records / active : 0.0,
				     "frames_per_s", active > 0 ? sum.frames / active : 0.0,
				     "lat_p50_us", percentile_us(lat, nlat, 0.5),
				     "lat_p99_us", percentile_us(lat, nlat, 0.99),
				     "cpu_s", cpu_seconds() - cpu0,
				     "cpu_active_s", cpu_last - cpu_first,
				     "max_fresh_age_ms", max_fresh_age / 1e6,
				     "lat_samples", (json_int_t)nlat,
				     "rejected", rej,
				     "hosts", hosts,
				     "transport", transport_json(t)));
	}
	ret = 0;
out:
	free(lat);
	tel_agg_fini(&agg);
	return ret;
}

/* --- probe ------------------------------------------------------------ */

static int run_probe(const struct node_opts *o, struct tel_transport *t)
{
	struct tel_probe_result r;
	struct tel_probe_config pc = {
		.host_id = o->host_id,
		.peer = o->tc.peers[0],
		.probes = o->probes ? o->probes : 20,
		.train = o->train ? o->train : 32,
		.configured_bps = o->configured_bps,
		.timeout_ms = 1000,
	};
	int ret;

	ret = tel_probe_run(t, &pc, &r);
	if (ret)
		return ret;
	print_json(json_pack("{s:s, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:I, s:I}",
			     "mode", "probe",
			     "sent", (json_int_t)r.sent,
			     "replies", (json_int_t)r.replies,
			     "train_received", (json_int_t)r.train_received,
			     "rtt_min_us", r.rtt_min_ns / 1e3,
			     "rtt_avg_us", r.link.rtt_ns / 1e3,
			     "rtt_var_us", r.link.rtt_var_ns / 1e3,
			     "avail_mbps", r.link.avail_bps / 1e6,
			     "configured_bps", (json_int_t)r.link.configured_bps,
			     "loss_ppm", (json_int_t)r.link.loss_ppm));
	return 0;
}

static int run_echo(const struct node_opts *o, struct tel_transport *t)
{
	uint64_t ms = o->duration_ms ? o->duration_ms : 10000;
	int ret;

	if (o->ready_file)
		touch(o->ready_file);
	ret = tel_probe_echo(t, o->host_id, ms, &stop);
	if (ret < 0)
		return ret;
	print_json(json_pack("{s:s, s:i}", "mode", "echo", "answered", ret));
	return 0;
}

/*
 * The codec and aggregator alone, no transport: CPU per record.  One
 * pass encodes only, a second encodes and aggregates; the difference is
 * the receiver's share (clock reads per frame would cost more than it).
 */
static int run_codec(const struct node_opts *o)
{
	struct tel_agg_config ac = { .max_hosts = 1, .stale_after_ns = 1 };
	struct tel_frame_builder fb;
	struct tel_agg agg;
	uint64_t t0, t_enc, t_both, nrec;
	uint32_t seq;
	int ret, len;

	ret = tel_agg_init(&agg, &ac);
	if (ret)
		return ret;
	t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	for (seq = 0; seq < o->frames; seq++) {
		ret = tel_pattern_fill(&fb, 1, seq, o->records);
		if (ret)
			goto out;
		tel_fb_finish(&fb, 1, seq, seq);
	}
	t_enc = clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	for (seq = 0; seq < o->frames; seq++) {
		ret = tel_pattern_fill(&fb, 1, seq, o->records);
		if (ret)
			goto out;
		len = tel_fb_finish(&fb, 1, seq, seq);
		ret = tel_agg_ingest(&agg, fb.buf, (size_t)len, seq, NULL);
		if (ret < 0)
			goto out;
	}
	t_both = clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	nrec = agg.hosts[0].c.records;
	print_json(json_pack("{s:s, s:I, s:I, s:f, s:f}", "mode", "codec",
			     "frames", (json_int_t)o->frames,
			     "records", (json_int_t)nrec,
			     "encode_ns_per_record", (double)t_enc / (double)nrec,
			     "decode_aggregate_ns_per_record",
			     t_both > t_enc ? (double)(t_both - t_enc) / (double)nrec :
			     0.0));
	ret = 0;
out:
	tel_agg_fini(&agg);
	return ret;
}

int main(int argc, char **argv)
{
	struct node_opts o;
	struct tel_transport *t = NULL;
	struct sigaction sa;
	int ret;

	memset(&o, 0, sizeof(o));
	tel_transport_config_init(&o.tc);
	/* a test of DPDK must fail, not quietly measure UDP: --fallback opts in */
	o.tc.udp_fallback = false;
	o.records = 20;
	o.frames = 1000;
	ret = parse_opts(argc, argv, &o);
	if (ret)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (o.mode == MODE_CODEC) {
		ret = run_codec(&o);
		if (ret)
			fprintf(stderr, "tel_node: %s\n", strerror(-ret));
		return ret ? 1 : 0;
	}
	ret = tel_transport_open(&o.tc, &t);
	if (ret) {
		fprintf(stderr, "tel_node: cannot open the %s transport: %s\n",
			o.tc.kind == TEL_TRANSPORT_DPDK ? "dpdk" : "udp",
			strerror(-ret));
		return ret == -EOPNOTSUPP ? 3 : 1;
	}
	switch (o.mode) {
	case MODE_SEND:
		ret = run_send(&o, t);
		break;
	case MODE_RECV:
		ret = run_recv(&o, t);
		break;
	case MODE_PROBE:
		ret = run_probe(&o, t);
		break;
	case MODE_ECHO:
		ret = run_echo(&o, t);
		break;
	case MODE_CODEC:
		break;
	}
	if (ret)
		fprintf(stderr, "tel_node: %s\n", strerror(-ret));
	tel_close(t);
	return ret ? 1 : 0;
}
