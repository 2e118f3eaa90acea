// SPDX-License-Identifier: GPL-2.0
/*
 * palmctl migrate: live-migrate a running guest from one QEMU to another
 * over QMP, show progress while it runs, and report what happened with
 * QEMU's figures and, when the guest's serial logs are given, the pause
 * the guest itself saw.  This file: arguments, the controller's setup,
 * and the run; migrate_watch.c and migrate_report.c do the rest.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/migrate_cmd.h"
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

static void usage(FILE *f)
{
	fprintf(f,
		"usage: palmctl migrate --src QMP --uri URI [options]\n"
		"       palmctl migrate --libvirt --src LIBVIRT-URI --dst LIBVIRT-URI --domain NAME --uri URI [options]\n"
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
		"libvirt (--libvirt): the guest is libvirt's; --src and --dst are libvirt\n"
		"connection URIs (e.g. qemu+unix:///system?socket=PATH, qemu+ssh://host/system)\n"
		"and --uri is QEMU's migration stream address (e.g. tcp://10.0.0.2).\n"
		"  --domain NAME         the guest, on the source\n"
		"  --dest-xml FILE       its domain XML on the destination (other paths)\n"
		"\n"
		"Controller (--controller) and service-level target:\n"
		"  --controller NAME     palm (model plan, per-pass control), or a baseline:\n"
		"                        qemu (QEMU's defaults), nova (Nova's downtime steps),\n"
		"                        autoconverge (auto-converge always on)\n"
		"  --max-pause MS        longest pause the guest tolerates (default 300)\n"
		"  --max-time DURATION   longest migration (default: --budget)\n"
		"  --max-slowdown PCT    share of the guest's dirtying palm may throttle (0)\n"
		"  --allow-postcopy      palm may switch to post-copy\n"
		"  --allow-compress      palm may compress RAM (multifd zstd, CPU on both\n"
		"                        hosts) where its sample says it saves time\n"
		"  --link-rate RATE      the link's rate (e.g. 100mbit): palm predicts before\n"
		"                        the start only when it knows it\n"
		"  --dirty-rate RATE     the guest's page-write rate (e.g. 80MiB) and\n"
		"  --working-set SIZE    the pages it rewrites (e.g. 32MiB); without both,\n"
		"                        palm measures them: eBPF on the KVM dirty ring\n"
		"                        (root, a local QEMU with -accel kvm,dirty-ring-size=N,\n"
		"                        ~2 s), else calc-dirty-rate (~3 s)\n"
		"  --guest-used SIZE     non-zero RAM (default: sampled with pmemsave)\n"
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
	       OPT_EXPLAIN, OPT_TRACE, OPT_LIBVIRT, OPT_DOMAIN, OPT_DEST_XML,
	       OPT_COMPRESS };
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
		{ "allow-compress", no_argument, NULL, OPT_COMPRESS },
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
		{ "libvirt", no_argument, NULL, OPT_LIBVIRT },
		{ "domain", required_argument, NULL, OPT_DOMAIN },
		{ "dest-xml", required_argument, NULL, OPT_DEST_XML },
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
	a->known.host_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
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
		case OPT_COMPRESS:
			a->known.allow_compress = true;
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
		case OPT_LIBVIRT:
			a->libvirt = true;
			break;
		case OPT_DOMAIN:
			a->domain = optarg;
			break;
		case OPT_DEST_XML:
			a->dest_xml_path = optarg;
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
	if (a->libvirt && (!a->dst_addr || !a->domain)) {
		fprintf(stderr, "palmctl migrate: --libvirt needs --dst (the destination's libvirt URI) and --domain\n");
		return -EINVAL;
	}
	if (a->libvirt && (a->verify_guest || !a->opts.start_incoming)) {
		fprintf(stderr, "palmctl migrate: --verify-guest and --no-incoming are QMP-only (libvirt prepares the destination itself)\n");
		return -EINVAL;
	}
	if (!a->libvirt && (a->domain || a->dest_xml_path)) {
		fprintf(stderr, "palmctl migrate: --domain and --dest-xml need --libvirt\n");
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

void migrate_record_ram_sample(struct migrate_ctl *mc,
			       struct qmp_ctl_known *known, const char *how,
			       int err, const char *why)
{
	const struct qmp_ram_sample *rs = &mc->ram_sample;

	if (err) {
		snprintf(mc->ram_sample_why, sizeof(mc->ram_sample_why),
			 "not sampled (%.200s): all of RAM assumed", why);
		qmp_ctl_log(&mc->ctl, -1, "guest-used", 0, "%s",
			    mc->ram_sample_why);
		return;
	}
	mc->have_ram_sample = true;
	known->used_bytes = rs->used_bytes;
	known->zstd_ratio = qmp_ram_sample_zstd_ratio(rs);
	known->zstd_thread_bps = qmp_ram_sample_zstd_bps(rs);
	snprintf(mc->ram_sample_why, sizeof(mc->ram_sample_why),
		 "%.1f MiB of %.1f MiB non-zero (%s sample: %u chunks, %llu of %llu pages non-zero; zstd-%d %.2fx at %.0f MB/s per thread)",
		 rs->used_bytes / 1048576, rs->mapped_bytes / 1048576.0, how,
		 rs->chunks, (unsigned long long)rs->nonzero_pages,
		 (unsigned long long)rs->pages, QMP_RAM_ZSTD_LEVEL,
		 known->zstd_ratio, known->zstd_thread_bps / 1e6);
	qmp_ctl_log(&mc->ctl, -1, "guest-used", rs->used_bytes / 1048576, "%s",
		    mc->ram_sample_why);
}

void migrate_record_dirty_input(struct migrate_ctl *mc)
{
	struct mig_dirty_source *d = &mc->dirty;
	char desc[320];

	d->dirty_bps = mc->input.dirty_bps;
	d->ws_bytes = mc->input.ws_bytes;
	mc->have_dirty = true;
	mig_dirty_describe(d, desc, sizeof(desc));
	qmp_ctl_log(&mc->ctl, -1, "dirty-input", d->dirty_bps / 4096 / 1000,
		    "%s", desc);
}

/*
 * Non-zero guest RAM, unless given: the model's zero pages cost a header
 * each, so guessing "all of it" over-predicts an idle guest many times.
 * Without a sample (QEMU cannot write where palm reads, no info mtree)
 * palm goes on with all of RAM and says why.
 */
static void sample_used(struct qmp_client *src, struct qmp_ctl_known *known,
			struct migrate_ctl *mc)
{
	const char *dir = getenv("TMPDIR");
	char why[240] = "";
	int err;

	if (known->used_bytes >= 0) {
		snprintf(mc->ram_sample_why, sizeof(mc->ram_sample_why),
			 "given (--guest-used)");
		return;
	}
	if (!dir || !*dir)
		dir = "/tmp";
	err = qmp_ram_sample_used(src, dir, &mc->ram_sample, why, sizeof(why));
	migrate_record_ram_sample(mc, known, "pmemsave", err, why);
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
	uint64_t ram;
	double cap;
	bool kvm = false;
	int ret;

	memset(d, 0, sizeof(*d));
	sample_used(src, &known, mc);
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
		/* one load of the programs for the measurement and the feed */
		if (!mig_vcpu_feed_open(&mc->feed, src, d->why_not_ebpf,
					sizeof(d->why_not_ebpf)) &&
		    mig_dirty_measure_ebpf(mc->feed.bpf, mc->feed.pid, src,
					   known.measure_s, cap, d))
			mig_vcpu_feed_close(&mc->feed);
		if (d->src == MIG_DIRTY_EBPF) {
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
	migrate_record_dirty_input(mc);
	return 0;
}

/*
 * palm's per-pass view of which vCPUs dirty: the programs palm_input
 * loaded, kept when they measured (KVM pushes nothing without a dirty
 * ring).  Without it palm decides on query-migrate's whole-guest rate,
 * and says why.
 */
static void keep_vcpu_feed(struct migrate_ctl *mc)
{
	if (mc->dirty.src == MIG_DIRTY_GIVEN)
		snprintf(mc->feed_why, sizeof(mc->feed_why),
			 "dirty input given: no eBPF attempted");
	else if (mc->dirty.src != MIG_DIRTY_EBPF)
		snprintf(mc->feed_why, sizeof(mc->feed_why), "%s",
			 mc->dirty.why_not_ebpf);
	else if (!mc->feed.nmap)
		snprintf(mc->feed_why, sizeof(mc->feed_why),
			 "more than %d vCPUs", QMP_CTL_MAX_VCPUS);
	else
		mc->have_feed = true;
	if (mc->dirty.src == MIG_DIRTY_EBPF && !mc->have_feed)
		mig_vcpu_feed_close(&mc->feed);
	if (mc->have_feed)
		qmp_ctl_log(&mc->ctl, -1, "vcpu-feed", 1,
			    "per-vCPU dirty rates from eBPF on the dirty ring: %d vCPUs, 1 s windows",
			    mc->feed.nmap);
	else
		qmp_ctl_log(&mc->ctl, -1, "vcpu-feed", 0,
			    "no per-vCPU dirty rates (%s): query-migrate's whole-guest rate",
			    mc->feed_why);
}

int migrate_ctl_begin(const struct migrate_args *a, struct migrate_ctl *mc,
		      struct qmp_migration_result *res)
{
	struct qmp_model_coef coef;
	char err[240];
	int ret;

	qmp_model_coef_defaults(&coef);
	if (a->model_path) {
		ret = qmp_model_coef_load(a->model_path, &coef, err, sizeof(err));
		if (ret) {
			snprintf(res->reason, sizeof(res->reason), "model: %s", err);
			return ret;
		}
	}
	qmp_ctl_init(&mc->ctl, a->kind, &coef, &a->target);
	return 0;
}

int migrate_ctl_plan(const struct migrate_args *a, struct migrate_ctl *mc,
		     const struct qmp_ctl_caps *caps, uint64_t ram_bytes,
		     struct qmp_migration_result *res)
{
	struct qmp_nova_opts nova;
	int ret;

	if (a->kind != QMP_CTL_PALM) {
		memset(&mc->input, 0, sizeof(mc->input));
		mc->input.ram_bytes = (double)ram_bytes;
		mc->have_input = true;
		qmp_nova_opts_defaults(&nova);
		nova.time_scale = a->nova_scale;
		if (a->kind == QMP_CTL_NOVA &&
		    qmp_nova_schedule(&nova, mc->input.ram_bytes, &mc->ctl.nova)) {
			snprintf(res->reason, sizeof(res->reason),
				 "Nova schedule: bad options");
			return -EINVAL;
		}
	}
	ret = qmp_ctl_plan(&mc->ctl, mc->have_input ? &mc->input : NULL, caps,
			   &mc->setup);
	if (ret == -ECANCELED) {
		res->outcome = QMP_MIG_INFEASIBLE;
		snprintf(res->reason, sizeof(res->reason), "%s",
			 mc->ctl.plan.reason);
	} else if (ret == -EOPNOTSUPP) {
		snprintf(res->reason, sizeof(res->reason),
			 "this QEMU lacks what the %s controller needs",
			 qmp_ctl_kind_name(a->kind));
	} else if (ret) {
		snprintf(res->reason, sizeof(res->reason),
			 "the %s controller could not plan: %s",
			 qmp_ctl_kind_name(a->kind), strerror(-ret));
	}
	return ret;
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
	struct qmp_ctl_known known = a->known;
	struct qmp_ctl_caps caps;
	char err[320] = "";
	uint64_t ram = 0;
	int ret;

	ret = migrate_ctl_begin(a, mc, res);
	if (ret)
		return ret;
	if (a->kind == QMP_CTL_PALM) {
		ret = palm_input(a, src, mc, err, sizeof(err));
		if (ret)
			goto fail;
		mc->have_input = mc->have_prediction;
		/* eBPF saw the ring: QEMU can limit per vCPU, palm can tell whom */
		if (mc->dirty.src == MIG_DIRTY_EBPF)
			known.want_dirty_limit = true;
		keep_vcpu_feed(mc);
	}
	ret = qmp_ctl_probe_caps(src, dst, &known, &caps, err, sizeof(err));
	if (ret)
		goto fail;
	if (a->kind != QMP_CTL_PALM) {
		ret = qmp_query_ram_size(src, &ram);
		if (ret) {
			snprintf(err, sizeof(err), "source: %s", qmp_last_error(src));
			goto fail;
		}
	}
	return migrate_ctl_plan(a, mc, &caps, ram, res);
fail:
	snprintf(res->reason, sizeof(res->reason), "%.250s", err);
	return ret;
}

static int open_trace(const struct migrate_args *a, struct migrate_watch *w,
		      struct qmp_migration_result *res)
{
	if (!a->trace_path)
		return 0;
	w->trace = fopen(a->trace_path, "w");
	if (!w->trace) {
		snprintf(res->reason, sizeof(res->reason), "--trace %s: %s",
			 a->trace_path, strerror(errno));
		return -errno;
	}
	return 0;
}

static void set_hooks(const struct migrate_args *a, struct migrate_watch *w,
		      struct migrate_ctl *mc, struct qmp_migration_hooks *hooks)
{
	w->progress_on_tty = !a->quiet && isatty(STDERR_FILENO);
	hooks->progress = migrate_progress_hook;
	hooks->idle = migrate_idle_hook;
	hooks->ctx = w;
	if (mc->have_feed) {
		hooks->vcpu_dirty = mig_vcpu_feed_hook;
		hooks->vcpu_ctx = &mc->feed;
	}
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
	if (migrate_open_logs(&a, &w))
		return PALMCTL_USAGE;

	/* Failures before the start are reported like any other outcome. */
	memset(&res, 0, sizeof(res));
	res.outcome = QMP_MIG_NOT_STARTED;
	if (a.libvirt) {
		if (open_trace(&a, &w, &res))
			goto report;
		set_hooks(&a, &w, &mc, &hooks);
		err = migrate_libvirt(&a, &mc, &w, &hooks, &res);
		if (w.progress_printed)
			fputc('\n', stderr);
		if (!err && res.outcome == QMP_MIG_COMPLETED && w.have_dst_tail)
			migrate_await_first_heartbeat(&w);
		goto report;
	}
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
		migrate_restart_watch(&w);
		if (a.predict_only) {
			snprintf(res.reason, sizeof(res.reason), "%s",
				 mc.have_prediction ? mc.ctl.plan.reason :
						      "no prediction without --link-rate");
			goto report;
		}
	}
	if (open_trace(&a, &w, &res))
		goto report;
	set_hooks(&a, &w, &mc, &hooks);
	err = qmp_migration_run(src, dst, &a.opts, &hooks, &res);
	if (w.progress_printed)
		fputc('\n', stderr);
	if (err)
		goto report;

	if (res.outcome == QMP_MIG_COMPLETED && w.have_dst_tail)
		migrate_await_first_heartbeat(&w);
	if (a.verify_guest && res.outcome == QMP_MIG_COMPLETED) {
		verified = migrate_verify_guest(dst, &w, verify_error,
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
	rep = migrate_report_json(&a, &res, &w, &mc, verified, verify_error);
	if (!rep) {
		fprintf(stderr, "palmctl migrate: out of memory for the report\n");
		goto out;
	}
	if (a.json) {
		json_dumpf(rep, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		migrate_report_text(rep);
	}
	if (a.explain && a.use_ctl)
		migrate_explain_text(a.json ? stderr : stdout, &mc.ctl);
	if (res.outcome == QMP_MIG_COMPLETED &&
	    (!a.verify_guest || (verified && w.dst_only.last_verify.ok)))
		ret = PALMCTL_OK;
out:
	json_decref(rep);
	mig_vcpu_feed_close(&mc.feed);
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
