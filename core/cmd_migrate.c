// SPDX-License-Identifier: GPL-2.0
/*
 * palmctl migrate: live-migrate a running guest from one QEMU to another
 * over QMP, show progress while it runs, and report what happened with
 * QEMU's figures and, when the guest's serial logs are given, the pause
 * the guest itself saw.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/guest_log.h"
#include "core/mig_dirty_source.h"
#include "core/palmctl.h"
#include "core/parse_units.h"
#include "generated/palm_config.h"
#include "qmp/qmp_commands.h"
#include "qmp/qmp_ctl.h"
#include "qmp/qmp_ctl_commands.h"
#include "qmp/qmp_ctl_probe.h"
#include "qmp/qmp_migration.h"
#include "qmp/qmp_model.h"

struct migrate_args {
	const char *src_addr;
	const char *dst_addr;
	const char *src_log;
	const char *dst_log;
	bool json;
	bool quiet;
	bool verify_guest;
	struct qmp_migration_opts opts;
	/* the controller, when --controller is given */
	bool use_ctl;
	enum qmp_ctl_kind kind;
	struct qmp_model_target target;
	bool max_time_set;
	struct qmp_ctl_known known;
	const char *model_path;
	const char *trace_path;
	double nova_scale;
	bool explain;
	bool predict_only;
};

/* What the controller knew and decided, for the report. */
struct migrate_ctl {
	struct qmp_ctl ctl;
	struct qmp_ctl_setup setup;
	struct qmp_model_input input;
	bool have_input;
	bool have_prediction;
	struct mig_dirty_source dirty;	/* palm: where ws and rate came from */
	bool have_dirty;
};

/* What the idle and progress hooks need while the migration runs. */
struct migrate_watch {
	struct guest_tail src_tail;
	struct guest_tail dst_tail;
	bool have_src_tail;
	bool have_dst_tail;
	struct guest_pause_meter pause;
	struct guest_pause_meter dst_only;	/* verify results on the destination */
	bool progress_on_tty;
	bool progress_printed;
	FILE *trace;			/* --trace: one query-migrate per line */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: palmctl migrate --src QMP --uri URI [options]\n"
		"\n"
		"Live-migrates the guest of the source QEMU to a destination QEMU that\n"
		"was started with '-incoming defer', and reports what happened.\n"
		"\n"
		"  --src QMP             source QEMU's QMP socket (unix:PATH, tcp:HOST:PORT or PATH)\n"
		"  --dst QMP             destination QEMU's QMP socket; palmctl starts its\n"
		"                        listener (migrate-incoming URI) and watches it\n"
		"  --uri URI             migration stream address, e.g. tcp:127.0.0.1:4444\n"
		"  --no-incoming         the destination already listens (-incoming URI)\n"
		"  --downtime MS         maximum pause QEMU may take at the switch-over\n"
		"  --bandwidth RATE      bandwidth cap, e.g. 100mbit, 1gbit, 50MiB\n"
		"  --budget DURATION     cancel when not completed by then (default 60s)\n"
		"  --poll-ms MS          query interval (default 100)\n"
		"  --guest-log-src FILE  the guest's serial log on the source\n"
		"  --guest-log-dst FILE  ... and on the destination: measures the pause\n"
		"                        the guest saw (palm's test guest protocol)\n"
		"  --verify-guest        after the end, ask the test guest to verify its\n"
		"                        memory and report the result\n"
		"  --json                print one JSON report on stdout\n"
		"\n"
		"Controller (--controller) and service-level target:\n"
		"  --controller NAME     palm (model plan, per-pass control), or a baseline:\n"
		"                        qemu (QEMU's defaults), nova (Nova's downtime steps),\n"
		"                        autoconverge (auto-converge always on)\n"
		"  --max-pause MS        longest pause the guest tolerates (default 300)\n"
		"  --max-time DURATION   longest migration (default: --budget)\n"
		"  --max-slowdown PCT    share of the guest's dirtying palm may throttle (0)\n"
		"  --allow-postcopy      palm may switch to post-copy\n"
		"  --link-rate RATE      the link's rate (e.g. 100mbit): palm predicts before\n"
		"                        the start only when it knows it\n"
		"  --dirty-rate RATE     the guest's page-write rate (e.g. 80MiB) and\n"
		"  --working-set SIZE    the pages it rewrites (e.g. 32MiB); without both,\n"
		"                        palm measures them: eBPF on the KVM dirty ring\n"
		"                        (root, a local QEMU with -accel kvm,dirty-ring-size=N,\n"
		"                        ~2 s), else calc-dirty-rate (~3 s)\n"
		"  --guest-used SIZE     non-zero RAM (default: all of it)\n"
		"  --measure-s N         dirty-rate measurement window (default 1)\n"
		"  --dirty-limit         the source runs KVM with a dirty ring: palm may use\n"
		"                        set-vcpu-dirty-limit\n"
		"  --model FILE          model coefficients (bench/migration/model.coef)\n"
		"  --nova-scale F        scale Nova's delays and timeout by F (0 < F <= 1)\n"
		"  --predict-only        plan and report the prediction; do not migrate\n"
		"  --explain             list every decision with the numbers behind it\n"
		"  --trace FILE          write each query-migrate as one JSON line\n"
		"  --quiet               no progress line\n"
		"\n"
		"Exit status: 0 completed (and verified, if asked; with --predict-only:\n"
		"feasible), 1 not completed, infeasible or verification failed (the\n"
		"source is left running), 2 bad arguments.\n");
}

static int parse_args(int argc, char **argv, struct migrate_args *a)
{
	enum { OPT_NO_INCOMING = 256, OPT_LOG_SRC, OPT_LOG_DST, OPT_VERIFY,
	       OPT_POLL, OPT_CTL, OPT_MAX_PAUSE, OPT_MAX_TIME, OPT_SLOWDOWN,
	       OPT_POSTCOPY, OPT_LINK, OPT_DIRTY, OPT_WS, OPT_USED, OPT_MEASURE,
	       OPT_DIRTY_LIMIT, OPT_MODEL, OPT_NOVA_SCALE, OPT_PREDICT,
	       OPT_EXPLAIN, OPT_TRACE };
	static const struct option longopts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "uri", required_argument, NULL, 'u' },
		{ "downtime", required_argument, NULL, 't' },
		{ "bandwidth", required_argument, NULL, 'b' },
		{ "budget", required_argument, NULL, 'B' },
		{ "poll-ms", required_argument, NULL, OPT_POLL },
		{ "no-incoming", no_argument, NULL, OPT_NO_INCOMING },
		{ "guest-log-src", required_argument, NULL, OPT_LOG_SRC },
		{ "guest-log-dst", required_argument, NULL, OPT_LOG_DST },
		{ "verify-guest", no_argument, NULL, OPT_VERIFY },
		{ "controller", required_argument, NULL, OPT_CTL },
		{ "max-pause", required_argument, NULL, OPT_MAX_PAUSE },
		{ "max-time", required_argument, NULL, OPT_MAX_TIME },
		{ "max-slowdown", required_argument, NULL, OPT_SLOWDOWN },
		{ "allow-postcopy", no_argument, NULL, OPT_POSTCOPY },
		{ "link-rate", required_argument, NULL, OPT_LINK },
		{ "dirty-rate", required_argument, NULL, OPT_DIRTY },
		{ "working-set", required_argument, NULL, OPT_WS },
		{ "guest-used", required_argument, NULL, OPT_USED },
		{ "measure-s", required_argument, NULL, OPT_MEASURE },
		{ "dirty-limit", no_argument, NULL, OPT_DIRTY_LIMIT },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "nova-scale", required_argument, NULL, OPT_NOVA_SCALE },
		{ "predict-only", no_argument, NULL, OPT_PREDICT },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int64_t v;
	int opt;

	memset(a, 0, sizeof(*a));
	qmp_migration_opts_init(&a->opts);
	qmp_ctl_known_init(&a->known);
	/* QEMU's own default downtime limit, as a pause the guest sees */
	a->target.max_pause_ms = 300;
	a->nova_scale = 1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			a->src_addr = optarg;
			break;
		case 'd':
			a->dst_addr = optarg;
			break;
		case 'u':
			a->opts.uri = optarg;
			break;
		case 't':
			if (parse_int64(optarg, 0, 3600 * 1000, &v)) {
				fprintf(stderr, "palmctl migrate: --downtime wants milliseconds (0..3600000), not '%s'\n",
					optarg);
				return -EINVAL;
			}
			a->opts.downtime_limit_ms = v;
			break;
		case 'b':
			if (parse_rate_bps(optarg, &a->opts.max_bandwidth_bps)) {
				fprintf(stderr, "palmctl migrate: --bandwidth wants a rate with a unit (100mbit, 1gbit, 50MiB), not '%s'\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'B':
			if (parse_duration_s(optarg, &a->opts.budget_s) ||
			    a->opts.budget_s <= 0) {
				fprintf(stderr, "palmctl migrate: --budget wants a duration (90s, 2m), not '%s'\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_POLL:
			if (parse_int64(optarg, 10, 10000, &v)) {
				fprintf(stderr, "palmctl migrate: --poll-ms wants 10..10000, not '%s'\n",
					optarg);
				return -EINVAL;
			}
			a->opts.poll_ms = (int)v;
			break;
		case OPT_NO_INCOMING:
			a->opts.start_incoming = false;
			break;
		case OPT_LOG_SRC:
			a->src_log = optarg;
			break;
		case OPT_LOG_DST:
			a->dst_log = optarg;
			break;
		case OPT_VERIFY:
			a->verify_guest = true;
			break;
		case OPT_CTL:
			if (qmp_ctl_kind_parse(optarg, &a->kind)) {
				fprintf(stderr, "palmctl migrate: --controller is palm, qemu, nova or autoconverge, not '%s'\n",
					optarg);
				return -EINVAL;
			}
			a->use_ctl = true;
			break;
		case OPT_MAX_PAUSE:
			if (parse_int64(optarg, 1, 3600 * 1000, &v)) {
				fprintf(stderr, "palmctl migrate: --max-pause wants milliseconds (1..3600000), not '%s'\n",
					optarg);
				return -EINVAL;
			}
			a->target.max_pause_ms = v;
			break;
		case OPT_MAX_TIME:
			if (parse_duration_s(optarg, &a->target.max_total_s) ||
			    a->target.max_total_s <= 0) {
				fprintf(stderr, "palmctl migrate: --max-time wants a duration (30s, 2m), not '%s'\n",
					optarg);
				return -EINVAL;
			}
			a->max_time_set = true;
			break;
		case OPT_SLOWDOWN:
			if (parse_int64(optarg, 0, 99, &v)) {
				fprintf(stderr, "palmctl migrate: --max-slowdown wants a percentage 0..99, not '%s'\n",
					optarg);
				return -EINVAL;
			}
			a->target.max_slowdown = v / 100.0;
			break;
		case OPT_POSTCOPY:
			a->target.allow_postcopy = true;
			break;
		case OPT_LINK:
		case OPT_DIRTY:
		case OPT_WS:
		case OPT_USED:
			/* "0" needs no unit: an idle guest, nothing written */
			if (opt != OPT_LINK && !strcmp(optarg, "0"))
				v = 0;
			else if (parse_rate_bps(optarg, &v) || v <= 0)
				v = -1;
			if (v < 0) {
				fprintf(stderr, "palmctl migrate: '%s' wants a %s with a unit, not '%s'\n",
					opt == OPT_LINK ? "--link-rate" : opt == OPT_DIRTY ? "--dirty-rate" :
					opt == OPT_WS ? "--working-set" : "--guest-used",
					opt == OPT_LINK || opt == OPT_DIRTY ? "rate (100mbit, 80MiB)" :
									      "size (32MiB)",
					optarg);
				return -EINVAL;
			}
			if (opt == OPT_LINK)
				a->known.link_bps = v;
			else if (opt == OPT_DIRTY)
				a->known.dirty_bps = v;
			else if (opt == OPT_WS)
				a->known.ws_bytes = v;
			else
				a->known.used_bytes = v;
			break;
		case OPT_MEASURE:
			if (parse_int64(optarg, 1, 60, &v)) {
				fprintf(stderr, "palmctl migrate: --measure-s wants 1..60, not '%s'\n",
					optarg);
				return -EINVAL;
			}
			a->known.measure_s = (int)v;
			break;
		case OPT_DIRTY_LIMIT:
			a->known.want_dirty_limit = true;
			break;
		case OPT_MODEL:
			a->model_path = optarg;
			break;
		case OPT_NOVA_SCALE: {
			char *end;

			a->nova_scale = strtod(optarg, &end);
			if (*end || !(a->nova_scale > 0 && a->nova_scale <= 1)) {
				fprintf(stderr, "palmctl migrate: --nova-scale wants 0 < F <= 1, not '%s'\n",
					optarg);
				return -EINVAL;
			}
			break;
		}
		case OPT_PREDICT:
			a->predict_only = true;
			break;
		case OPT_EXPLAIN:
			a->explain = true;
			break;
		case OPT_TRACE:
			a->trace_path = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(PALMCTL_OK);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "palmctl migrate: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	if (!a->src_addr || !a->opts.uri) {
		fprintf(stderr, "palmctl migrate: --src and --uri are required\n");
		usage(stderr);
		return -EINVAL;
	}
	if ((a->known.dirty_bps >= 0) != (a->known.ws_bytes >= 0)) {
		fprintf(stderr, "palmctl migrate: --dirty-rate and --working-set go together\n");
		return -EINVAL;
	}
	if (a->predict_only && !a->use_ctl) {
		fprintf(stderr, "palmctl migrate: --predict-only needs --controller\n");
		return -EINVAL;
	}
	if (!a->max_time_set)
		a->target.max_total_s = a->opts.budget_s;
	else if (a->use_ctl && a->kind == QMP_CTL_PALM)
		a->opts.budget_s = a->target.max_total_s;
	if (a->verify_guest && !(a->dst_log && a->dst_addr)) {
		fprintf(stderr, "palmctl migrate: --verify-guest needs --dst and --guest-log-dst\n");
		return -EINVAL;
	}
	return 0;
}

static void on_guest_line(void *ctx, const struct guest_line *line,
			  double arrival_s)
{
	guest_pause_meter_feed(ctx, line, arrival_s);
}

static void on_dst_line(void *ctx, const struct guest_line *line,
			double arrival_s)
{
	struct migrate_watch *w = ctx;

	guest_pause_meter_feed(&w->pause, line, arrival_s);
	guest_pause_meter_feed(&w->dst_only, line, arrival_s);
}

static void watch_logs(struct migrate_watch *w)
{
	double t = now_s();

	if (w->have_src_tail)
		guest_tail_read(&w->src_tail, t, on_guest_line, &w->pause);
	if (w->have_dst_tail)
		guest_tail_read(&w->dst_tail, t, on_dst_line, w);
}

static void idle_hook(void *ctx)
{
	watch_logs(ctx);
}

static void trace_sample(FILE *f, const struct qmp_migrate_info *info,
			 double elapsed_s)
{
	json_t *o = json_pack("{s:f, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:I}",
			      "t", elapsed_s, "status", info->status,
			      "transferred", (json_int_t)info->ram_transferred,
			      "remaining", (json_int_t)info->ram_remaining,
			      "total", (json_int_t)info->ram_total,
			      "dirty_pages_rate", (json_int_t)info->ram_dirty_pages_rate,
			      "dirty_sync_count", (json_int_t)info->ram_dirty_sync_count,
			      "page_size", (json_int_t)info->ram_page_size,
			      "mbps", info->ram_mbps,
			      "expected_downtime", (json_int_t)info->expected_downtime_ms,
			      "cpu_throttle_percentage", (json_int_t)info->cpu_throttle_percentage);

	if (!o)
		return;
	json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(o);
}

static void progress_hook(void *ctx, const struct qmp_migrate_info *info,
			  uint64_t passes, double elapsed_s)
{
	struct migrate_watch *w = ctx;

	if (w->trace)
		trace_sample(w->trace, info, elapsed_s);
	if (!w->progress_on_tty)
		return;
	fprintf(stderr,
		"\r\033[K%6.1fs %-10s pass %-3llu remaining %8.1f MiB  %7.1f Mbit/s  dirty %7llu pages/s  expected downtime %lld ms",
		elapsed_s, info->status, (unsigned long long)passes,
		info->ram_remaining / 1048576.0, info->ram_mbps,
		(unsigned long long)info->ram_dirty_pages_rate,
		(long long)info->expected_downtime_ms);
	w->progress_printed = true;
}

static int open_logs(const struct migrate_args *a, struct migrate_watch *w)
{
	int err;

	guest_pause_meter_init(&w->pause, 0);
	guest_pause_meter_init(&w->dst_only, 0);
	if (a->src_log) {
		err = guest_tail_open(&w->src_tail, a->src_log);
		if (err) {
			fprintf(stderr, "palmctl migrate: %s: %s\n", a->src_log,
				strerror(-err));
			return err;
		}
		w->have_src_tail = true;
		/*
		 * What is already in the log arrived at unknown times: read
		 * it for the period and the sequence only, then start the
		 * clock from the next line.
		 */
		guest_tail_read(&w->src_tail, 0, on_guest_line, &w->pause);
		w->pause.have_last = false;
		w->pause.max_gap_s = 0;
		w->pause.have_first = false;
	}
	if (a->dst_log) {
		err = guest_tail_open(&w->dst_tail, a->dst_log);
		if (err) {
			fprintf(stderr, "palmctl migrate: %s: %s\n", a->dst_log,
				strerror(-err));
			return err;
		}
		w->have_dst_tail = true;
		guest_tail_read(&w->dst_tail, 0, NULL, NULL);
	}
	return 0;
}

/*
 * The controller's measurements take seconds before the start; what
 * the guest logged meanwhile arrives in one read, so the meters start
 * over from now, as open_logs does.
 */
static void restart_watch(struct migrate_watch *w)
{
	if (w->have_src_tail) {
		guest_tail_read(&w->src_tail, now_s(), on_guest_line, &w->pause);
		w->pause.have_last = false;
		w->pause.max_gap_s = 0;
		w->pause.have_first = false;
	}
	if (w->have_dst_tail)
		guest_tail_read(&w->dst_tail, now_s(), NULL, NULL);
}

/*
 * After the switch-over the pause is known only once the destination's
 * first heartbeat arrives; wait a bounded time for it.
 */
static void await_first_heartbeat(struct migrate_watch *w)
{
	uint64_t seen = w->dst_only.heartbeats;
	double period = w->pause.period_ms ? w->pause.period_ms / 1000.0 : 0.1;
	double deadline = now_s() + 2 + 20 * period;

	while (now_s() < deadline && w->dst_only.heartbeats == seen) {
		watch_logs(w);
		usleep(2000);
	}
}

static int verify_guest(struct qmp_client *dst, struct migrate_watch *w,
			char *why, size_t len)
{
	double deadline = now_s() + 60;
	uint64_t after_seq = w->dst_only.last_seq;
	int err;

	w->dst_only.have_verify = false;
	err = qmp_send_key(dst, "v");
	if (err) {
		snprintf(why, len, "send-key: %s", qmp_last_error(dst));
		return err;
	}
	while (now_s() < deadline) {
		watch_logs(w);
		if (w->dst_only.have_verify &&
		    w->dst_only.last_verify.seq >= after_seq)
			return 0;
		usleep(5000);
	}
	snprintf(why, len, "the guest printed no verify line within 60 s");
	return -ETIMEDOUT;
}

static json_t *prediction_json(const struct migrate_ctl *mc)
{
	const struct qmp_model_plan *p = &mc->ctl.plan;
	const struct qmp_model_input *in = &mc->input;
	json_t *o;

	o = json_pack("{s:s, s:s, s:b, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
		      "mode", qmp_model_mode_name(p->mode),
		      "reason", p->reason,
		      "converges", p->pred.converges,
		      "passes", p->pred.passes,
		      "total_s", p->pred.total_s,
		      "bytes", p->pred.bytes,
		      "downtime_ms", p->pred.downtime_ms,
		      "pause_ms", p->pred.pause_ms,
		      "goodput_mbps", p->pred.goodput_bps * 8 / 1e6,
		      "downtime_limit_ms", p->downtime_limit_ms,
		      "throttle", p->throttle);
	if (!o)
		return NULL;
	if (p->mode == QMP_MODEL_INFEASIBLE)
		json_object_set_new(o, "needs",
				    json_pack("{s:f, s:f}",
					      "pause_ms", p->needed_pause_ms,
					      "link_mbps", p->needed_link_bps * 8 / 1e6));
	json_object_set_new(o, "input",
			    json_pack("{s:f, s:f, s:f, s:f, s:f}",
				      "ram_bytes", in->ram_bytes,
				      "used_bytes", in->used_bytes,
				      "ws_bytes", in->ws_bytes,
				      "dirty_bytes_per_s", in->dirty_bps,
				      "link_bytes_per_s", in->link_bps));
	return o;
}

static json_t *decisions_json(const struct qmp_ctl *ctl)
{
	json_t *arr = json_array();
	int i;

	for (i = 0; arr && i < ctl->nlog; i++)
		json_array_append_new(arr, json_pack("{s:f, s:s, s:f, s:s}",
						     "t_s", ctl->log[i].t_s,
						     "action", ctl->log[i].action,
						     "value", ctl->log[i].value,
						     "why", ctl->log[i].why));
	return arr;
}

static json_t *dirty_input_json(const struct mig_dirty_source *d)
{
	char desc[320];
	json_t *o;

	mig_dirty_describe(d, desc, sizeof(desc));
	o = json_pack("{s:s, s:f, s:f, s:f, s:I, s:s}",
		      "source", mig_dirty_src_name(d->src),
		      "dirty_pages_per_ms", d->dirty_bps / 4096 / 1000,
		      "dirty_bytes_per_s", d->dirty_bps,
		      "ws_bytes", d->ws_bytes,
		      "window_ms", (json_int_t)d->window_ms,
		      "description", desc);
	if (!o)
		return NULL;
	if (d->src == MIG_DIRTY_EBPF) {
		json_object_set_new(o, "distinct_pages",
				    json_integer((json_int_t)d->distinct));
		json_object_set_new(o, "ring_pushes",
				    json_integer((json_int_t)d->pushes));
		json_object_set_new(o, "fit_window_ms",
				    json_integer((json_int_t)d->short_ms));
	} else if (d->src != MIG_DIRTY_GIVEN) {
		json_object_set_new(o, "short_window_ms",
				    json_integer((json_int_t)d->short_ms));
		json_object_set_new(o, "ebpf_not_used", json_string(d->why_not_ebpf));
	}
	return o;
}

static void controller_json(json_t *rep, const struct migrate_args *a,
			    const struct migrate_ctl *mc,
			    const struct qmp_migration_result *r)
{
	json_object_set_new(rep, "controller",
			    json_string(a->use_ctl ? qmp_ctl_kind_name(a->kind) : "none"));
	json_object_set_new(rep, "postcopy", json_boolean(r->postcopy));
	if (!a->use_ctl)
		return;
	json_object_set_new(rep, "target",
			    json_pack("{s:f, s:f, s:f, s:b}",
				      "max_pause_ms", a->target.max_pause_ms,
				      "max_time_s", a->target.max_total_s,
				      "max_slowdown", a->target.max_slowdown,
				      "allow_postcopy", a->target.allow_postcopy));
	if (mc->have_prediction)
		json_object_set_new(rep, "prediction", prediction_json(mc));
	if (mc->have_dirty)
		json_object_set_new(rep, "dirty_input", dirty_input_json(&mc->dirty));
	json_object_set_new(rep, "decisions", decisions_json(&mc->ctl));
	if (mc->ctl.log_dropped)
		json_object_set_new(rep, "decisions_dropped",
				    json_integer(mc->ctl.log_dropped));
}

static json_t *report_json(const struct migrate_args *a,
			   const struct qmp_migration_result *r,
			   const struct migrate_watch *w,
			   const struct migrate_ctl *mc, bool verified,
			   const char *verify_error)
{
	const struct qmp_migrate_info *i = &r->last;
	json_t *rep, *guest;

	rep = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:s}",
			"status", qmp_migration_outcome_name(r->outcome),
			"reason", r->reason,
			"qemu_status", r->qemu_status,
			"total_time_ms", (json_int_t)i->total_time_ms,
			"downtime_ms", (json_int_t)i->downtime_ms,
			"setup_time_ms", (json_int_t)i->setup_time_ms,
			"expected_downtime_ms", (json_int_t)i->expected_downtime_ms,
			"bytes_transferred", (json_int_t)i->ram_transferred,
			"ram_total_bytes", (json_int_t)i->ram_total,
			"ram_remaining_bytes", (json_int_t)i->ram_remaining,
			"passes", (json_int_t)r->passes,
			"final_dirty_pages_rate", (json_int_t)i->ram_dirty_pages_rate,
			"peak_dirty_pages_rate", (json_int_t)r->peak_dirty_pages_rate,
			"throughput_mbps", i->ram_mbps,
			"wall_time_s", r->wall_s,
			"uri", a->opts.uri);
	if (!rep)
		return NULL;
	json_object_set_new(rep, "source",
			    json_pack("{s:s, s:b, s:b}", "status", r->src_status,
				      "running", r->src_running,
				      "resumed_by_palm", r->src_resumed_by_palm));
	if (a->dst_addr)
		json_object_set_new(rep, "destination",
				    json_pack("{s:s}", "status", r->dst_status));
	json_object_set_new(rep, "limits",
			    json_pack("{s:I, s:I, s:f}",
				      "downtime_limit_ms", (json_int_t)a->opts.downtime_limit_ms,
				      "max_bandwidth_bytes_per_s", (json_int_t)a->opts.max_bandwidth_bps,
				      "budget_s", a->opts.budget_s));
	controller_json(rep, a, mc, r);

	if (!a->src_log && !a->dst_log)
		return rep;
	guest = json_pack("{s:I, s:I, s:I}",
			  "heartbeats", (json_int_t)w->pause.heartbeats,
			  "skipped_heartbeats", (json_int_t)w->pause.seq_jumps,
			  "period_ms", (json_int_t)w->pause.period_ms);
	/* page writes the guest did while palm watched, for its slowdown */
	if (w->pause.have_first && w->pause.have_last) {
		json_object_set_new(guest, "work_pages",
				    json_integer((json_int_t)(w->pause.last_work -
							      w->pause.first_work)));
		json_object_set_new(guest, "work_window_s",
				    json_real(w->pause.last_arrival_s -
					      w->pause.first_arrival_s));
	}
	if (w->pause.heartbeats >= 2 && a->src_log && a->dst_log &&
	    w->dst_only.heartbeats > 0) {
		json_object_set_new(guest, "pause_ms",
				    json_real(guest_pause_ms(&w->pause)));
		json_object_set_new(guest, "max_heartbeat_gap_ms",
				    json_real(w->pause.max_gap_s * 1000));
	} else {
		json_object_set_new(guest, "pause_ms", json_null());
	}
	if (a->verify_guest) {
		if (verified)
			json_object_set_new(guest, "verify",
					    json_pack("{s:b, s:I, s:I, s:I}",
						      "ok", w->dst_only.last_verify.ok,
						      "pages", (json_int_t)w->dst_only.last_verify.pages,
						      "bad", (json_int_t)w->dst_only.last_verify.bad,
						      "first_bad", (json_int_t)w->dst_only.last_verify.first_bad));
		else
			json_object_set_new(guest, "verify",
					    json_pack("{s:b, s:s}", "ok", 0,
						      "error", verify_error));
	}
	json_object_set_new(rep, "guest", guest);
	return rep;
}

/* On stderr with --json, so that stdout stays one JSON document. */
static void explain_text(FILE *f, const struct qmp_ctl *ctl)
{
	int i;

	fprintf(f, "decisions (%s):\n", qmp_ctl_kind_name(ctl->kind));
	for (i = 0; i < ctl->nlog; i++) {
		const struct qmp_ctl_decision *d = &ctl->log[i];

		if (d->t_s < 0)
			fprintf(f, "   before  %-15s %s\n", d->action, d->why);
		else
			fprintf(f, "  %6.2fs  %-15s %s\n", d->t_s, d->action, d->why);
	}
	if (ctl->log_dropped)
		fprintf(f, "  (%d later decisions not kept)\n", ctl->log_dropped);
}

static void report_text(const json_t *rep)
{
	const json_t *guest = json_object_get(rep, "guest");
	const json_t *verify = json_object_get(guest, "verify");
	const json_t *pause = json_object_get(guest, "pause_ms");
	const json_t *dirty = json_object_get(rep, "dirty_input");

	printf("status:            %s (%s)\n",
	       json_string_value(json_object_get(rep, "status")),
	       json_string_value(json_object_get(rep, "reason")));
	printf("total time:        %lld ms (setup %lld ms)\n",
	       (long long)json_integer_value(json_object_get(rep, "total_time_ms")),
	       (long long)json_integer_value(json_object_get(rep, "setup_time_ms")));
	printf("downtime (QEMU):   %lld ms\n",
	       (long long)json_integer_value(json_object_get(rep, "downtime_ms")));
	if (json_is_real(pause))
		printf("pause (guest):     %.1f ms (largest heartbeat gap %.1f ms)\n",
		       json_real_value(pause),
		       json_real_value(json_object_get(guest, "max_heartbeat_gap_ms")));
	printf("transferred:       %.1f MiB of %.1f MiB RAM in %lld passes\n",
	       json_integer_value(json_object_get(rep, "bytes_transferred")) / 1048576.0,
	       json_integer_value(json_object_get(rep, "ram_total_bytes")) / 1048576.0,
	       (long long)json_integer_value(json_object_get(rep, "passes")));
	printf("dirty rate:        %lld pages/s at the end, %lld at peak\n",
	       (long long)json_integer_value(json_object_get(rep, "final_dirty_pages_rate")),
	       (long long)json_integer_value(json_object_get(rep, "peak_dirty_pages_rate")));
	if (dirty)
		printf("dirty input:       %s\n",
		       json_string_value(json_object_get(dirty, "description")));
	printf("source:            %s\n",
	       json_string_value(json_object_get(json_object_get(rep, "source"), "status")));
	if (json_object_get(rep, "destination"))
		printf("destination:       %s\n",
		       json_string_value(json_object_get(json_object_get(rep, "destination"), "status")));
	if (verify) {
		if (json_object_get(verify, "error"))
			printf("guest memory:      not verified: %s\n",
			       json_string_value(json_object_get(verify, "error")));
		else
			printf("guest memory:      %s (%lld pages, %lld bad)\n",
			       json_is_true(json_object_get(verify, "ok")) ? "verified" : "CORRUPT",
			       (long long)json_integer_value(json_object_get(verify, "pages")),
			       (long long)json_integer_value(json_object_get(verify, "bad")));
	}
}

/*
 * palm's model input: the dirty rate and working set given, else measured
 * with eBPF on the source's dirty ring, else by qmp_ctl_probe_input's
 * calc-dirty-rate windows.  The source goes to the log and the report.
 */
static int palm_input(const struct migrate_args *a, struct qmp_client *src,
		      struct migrate_ctl *mc, char *err, size_t errlen)
{
	struct qmp_ctl_known known = a->known;
	struct mig_dirty_source *d = &mc->dirty;
	char desc[320];
	uint64_t ram;
	double cap;
	bool kvm = false;
	int ret;

	memset(d, 0, sizeof(*d));
	if (known.dirty_bps >= 0 && known.ws_bytes >= 0) {
		d->src = MIG_DIRTY_GIVEN;
	} else {
		ret = qmp_query_ram_size(src, &ram);
		if (ret) {
			snprintf(err, errlen, "source: %s", qmp_last_error(src));
			return ret;
		}
		cap = known.used_bytes >= 0 && known.used_bytes < ram ?
		      known.used_bytes : (double)ram;
		if (!mig_dirty_measure_ebpf(src, known.measure_s, cap, d)) {
			known.dirty_bps = d->dirty_bps;
			known.ws_bytes = d->ws_bytes;
		} else {
			/* what qmp_ctl_probe_input will measure with */
			if (qmp_query_kvm_enabled(src, &kvm))
				kvm = false;
			d->src = kvm ? MIG_DIRTY_QMP_BITMAP : MIG_DIRTY_QMP_SAMPLING;
			d->short_ms = (uint32_t)known.measure_s * 1000;
			d->window_ms = 2 * d->short_ms;
		}
	}
	ret = qmp_ctl_probe_input(src, &known, &mc->input, &mc->have_prediction,
				  err, errlen);
	if (ret)
		return ret;
	d->dirty_bps = mc->input.dirty_bps;
	d->ws_bytes = mc->input.ws_bytes;
	mc->have_dirty = true;
	mig_dirty_describe(d, desc, sizeof(desc));
	qmp_ctl_log(&mc->ctl, -1, "dirty-input", d->dirty_bps / 4096 / 1000,
		    "%s", desc);
	return 0;
}

/*
 * Features, measurements and the controller's plan.  Fills res (not
 * started or infeasible) when the migration must not start.
 */
static int setup_controller(const struct migrate_args *a,
			    struct qmp_client *src, struct qmp_client *dst,
			    struct migrate_ctl *mc,
			    struct qmp_migration_result *res)
{
	struct qmp_model_coef coef;
	struct qmp_nova_opts nova;
	struct qmp_ctl_caps caps;
	char err[320] = "";
	int ret;

	qmp_model_coef_defaults(&coef);
	if (a->model_path) {
		ret = qmp_model_coef_load(a->model_path, &coef, err, sizeof(err));
		if (ret) {
			snprintf(res->reason, sizeof(res->reason), "model: %.240s", err);
			return ret;
		}
	}
	qmp_ctl_init(&mc->ctl, a->kind, &coef, &a->target);
	ret = qmp_ctl_probe_caps(src, dst, &a->known, &caps, err, sizeof(err));
	if (ret)
		goto fail;
	if (a->kind == QMP_CTL_PALM) {
		ret = palm_input(a, src, mc, err, sizeof(err));
		if (ret)
			goto fail;
		mc->have_input = mc->have_prediction;
	} else {
		uint64_t ram;

		ret = qmp_query_ram_size(src, &ram);
		if (ret) {
			snprintf(err, sizeof(err), "source: %s", qmp_last_error(src));
			goto fail;
		}
		memset(&mc->input, 0, sizeof(mc->input));
		mc->input.ram_bytes = (double)ram;
		mc->have_input = true;
		qmp_nova_opts_defaults(&nova);
		nova.time_scale = a->nova_scale;
		if (a->kind == QMP_CTL_NOVA &&
		    qmp_nova_schedule(&nova, mc->input.ram_bytes, &mc->ctl.nova)) {
			snprintf(err, sizeof(err), "Nova schedule: bad options");
			ret = -EINVAL;
			goto fail;
		}
	}
	ret = qmp_ctl_plan(&mc->ctl, mc->have_input ? &mc->input : NULL, &caps,
			   &mc->setup);
	if (ret == -ECANCELED) {
		res->outcome = QMP_MIG_INFEASIBLE;
		snprintf(res->reason, sizeof(res->reason), "%s",
			 mc->ctl.plan.reason);
		return ret;
	}
	if (ret == -EOPNOTSUPP)
		snprintf(err, sizeof(err), "this QEMU lacks what the %s controller needs",
			 qmp_ctl_kind_name(a->kind));
	else if (ret)
		snprintf(err, sizeof(err), "the %s controller could not plan: %s",
			 qmp_ctl_kind_name(a->kind), strerror(-ret));
fail:
	if (ret)
		snprintf(res->reason, sizeof(res->reason), "%.250s", err);
	return ret;
}

int palmctl_migrate(int argc, char **argv)
{
	struct qmp_migration_hooks hooks = { 0 };
	struct qmp_client *src = NULL, *dst = NULL;
	struct qmp_migration_result res;
	struct migrate_watch w = { 0 };
	static struct migrate_ctl mc;	/* large: the decision log */
	char verify_error[256] = "";
	struct migrate_args a;
	bool verified = false;
	json_t *rep = NULL;
	int ret = PALMCTL_FAILED;
	int err;

	if (parse_args(argc, argv, &a))
		return PALMCTL_USAGE;
	if (open_logs(&a, &w))
		return PALMCTL_USAGE;

	/* Failures before the start are reported like any other outcome. */
	memset(&res, 0, sizeof(res));
	res.outcome = QMP_MIG_NOT_STARTED;
	err = qmp_connect(a.src_addr, CONFIG_PALM_QMP_TIMEOUT_MS, &src);
	if (err) {
		snprintf(res.reason, sizeof(res.reason), "source %s: %s",
			 a.src_addr, strerror(-err));
		goto report;
	}
	if (a.dst_addr) {
		err = qmp_connect(a.dst_addr, CONFIG_PALM_QMP_TIMEOUT_MS, &dst);
		if (err) {
			snprintf(res.reason, sizeof(res.reason),
				 "destination %s: %s", a.dst_addr,
				 strerror(-err));
			snprintf(res.dst_status, sizeof(res.dst_status),
				 "unreachable");
			goto report;
		}
	}

	if (a.use_ctl) {
		if (setup_controller(&a, src, dst, &mc, &res))
			goto report;
		a.opts.ctl = &mc.ctl;
		a.opts.setup = &mc.setup;
		restart_watch(&w);
		if (a.predict_only) {
			snprintf(res.reason, sizeof(res.reason), "%s",
				 mc.have_prediction ? mc.ctl.plan.reason :
						      "no prediction without --link-rate");
			goto report;
		}
	}
	if (a.trace_path) {
		w.trace = fopen(a.trace_path, "w");
		if (!w.trace) {
			snprintf(res.reason, sizeof(res.reason), "--trace %s: %s",
				 a.trace_path, strerror(errno));
			goto report;
		}
	}

	w.progress_on_tty = !a.quiet && isatty(STDERR_FILENO);
	hooks.progress = progress_hook;
	hooks.idle = idle_hook;
	hooks.ctx = &w;
	err = qmp_migration_run(src, dst, &a.opts, &hooks, &res);
	if (w.progress_printed)
		fputc('\n', stderr);
	if (err)
		goto report;

	if (res.outcome == QMP_MIG_COMPLETED && w.have_dst_tail)
		await_first_heartbeat(&w);
	if (a.verify_guest && res.outcome == QMP_MIG_COMPLETED) {
		verified = verify_guest(dst, &w, verify_error,
					sizeof(verify_error)) == 0;
	} else if (a.verify_guest) {
		snprintf(verify_error, sizeof(verify_error),
			 "the migration did not complete");
	}

report:
	if (a.predict_only && res.outcome == QMP_MIG_NOT_STARTED &&
	    mc.have_prediction)
		ret = PALMCTL_OK;
	else if (res.outcome != QMP_MIG_COMPLETED)
		fprintf(stderr, "palmctl migrate: %s: %s\n",
			qmp_migration_outcome_name(res.outcome), res.reason);
	rep = report_json(&a, &res, &w, &mc, verified, verify_error);
	if (!rep) {
		fprintf(stderr, "palmctl migrate: out of memory for the report\n");
		goto out;
	}
	if (a.json) {
		json_dumpf(rep, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		report_text(rep);
	}
	if (a.explain && a.use_ctl)
		explain_text(a.json ? stderr : stdout, &mc.ctl);
	if (res.outcome == QMP_MIG_COMPLETED &&
	    (!a.verify_guest || (verified && w.dst_only.last_verify.ok)))
		ret = PALMCTL_OK;
out:
	json_decref(rep);
	if (w.trace)
		fclose(w.trace);
	if (w.have_src_tail)
		guest_tail_close(&w.src_tail);
	if (w.have_dst_tail)
		guest_tail_close(&w.dst_tail);
	if (dst)
		qmp_close(dst);
	if (src)
		qmp_close(src);
	return ret;
}
