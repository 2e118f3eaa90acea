// SPDX-License-Identifier: GPL-2.0
/*
 * palmctl migrate's command line: the usage text and the options read
 * into struct migrate_args, checked against each other before the run
 * (cmd_migrate.c) starts.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/migrate_cmd.h"
#include "core/palmctl.h"
#include "core/parse_units.h"
#include "qmp/qmp_ctl.h"
#include "qmp/qmp_ctl_probe.h"
#include "qmp/qmp_migration.h"

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
		"  --allow-compress      palm may compress RAM where its sample says it\n"
		"                        saves time: multifd zstd (CPU on both hosts) or\n"
		"                        xbzrle (a cache of the working set on the source)\n"
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
		"  --model FILE          model coefficients (make bench fits bench/migration/\n"
		"                        model.coef; model-libvirt.coef for --libvirt)\n"
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

int migrate_parse_args(int argc, char **argv, struct migrate_args *a)
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
