// SPDX-License-Identifier: GPL-2.0
/*
 * palmctl migrate's watch over a running migration: the guest's serial
 * logs on both ends (heartbeats for the pause it saw, verify results),
 * the progress line and the --trace file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/migrate_cmd.h"
#include "qmp/qmp_clock.h"
#include "qmp/qmp_commands.h"

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
	double t = qmp_now_s();

	if (w->have_src_tail)
		guest_tail_read(&w->src_tail, t, on_guest_line, &w->pause);
	if (w->have_dst_tail)
		guest_tail_read(&w->dst_tail, t, on_dst_line, w);
}

/* The reader's period: the pause's resolution, when it gets the CPU. */
#define READ_PERIOD_US 2000

static void watch_lock(struct migrate_watch *w)
{
	if (w->reader_running)
		pthread_mutex_lock(&w->lock);
}

static void watch_unlock(struct migrate_watch *w)
{
	if (w->reader_running)
		pthread_mutex_unlock(&w->lock);
}

/* Locks the meters, read up to now: by the reader, else here. */
static void watch_lock_current(struct migrate_watch *w)
{
	watch_lock(w);
	if (!w->reader_running)
		watch_logs(w);
}

static void *reader_main(void *arg)
{
	struct migrate_watch *w = arg;
	double last = qmp_now_s();

	while (!atomic_load(&w->reader_stop)) {
		double now;

		pthread_mutex_lock(&w->lock);
		watch_logs(w);
		now = qmp_now_s();
		if (now - last > w->read_max_gap_s)
			w->read_max_gap_s = now - last;
		last = now;
		pthread_mutex_unlock(&w->lock);
		usleep(READ_PERIOD_US);
	}
	return NULL;
}

int migrate_watch_start(struct migrate_watch *w)
{
	int err;

	if (w->reader_running || (!w->have_src_tail && !w->have_dst_tail))
		return 0;
	err = pthread_mutex_init(&w->lock, NULL);
	if (err)
		return -err;
	atomic_store(&w->reader_stop, false);
	w->read_max_gap_s = 0;
	/* set before the thread exists: watch_lock pairs with it from now */
	w->reader_running = true;
	err = pthread_create(&w->reader, NULL, reader_main, w);
	if (err) {
		w->reader_running = false;
		pthread_mutex_destroy(&w->lock);
		fprintf(stderr, "palmctl migrate: guest log reader: %s; the pause is read by the control loop\n",
			strerror(err));
		return -err;
	}
	return 0;
}

void migrate_watch_stop(struct migrate_watch *w)
{
	if (!w->reader_running)
		return;
	atomic_store(&w->reader_stop, true);
	pthread_join(w->reader, NULL);
	w->reader_running = false;
	pthread_mutex_destroy(&w->lock);
	watch_logs(w);		/* what arrived after its last read */
}

void migrate_idle_hook(void *ctx)
{
	struct migrate_watch *w = ctx;

	if (!w->reader_running)
		watch_logs(w);
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

void migrate_progress_hook(void *ctx, const struct qmp_migrate_info *info,
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

int migrate_open_logs(const struct migrate_args *a, struct migrate_watch *w)
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
void migrate_restart_watch(struct migrate_watch *w)
{
	watch_lock(w);
	w->read_max_gap_s = 0;
	if (w->have_src_tail) {
		guest_tail_read(&w->src_tail, qmp_now_s(), on_guest_line, &w->pause);
		w->pause.have_last = false;
		w->pause.max_gap_s = 0;
		w->pause.have_first = false;
	}
	if (w->have_dst_tail)
		guest_tail_read(&w->dst_tail, qmp_now_s(), NULL, NULL);
	watch_unlock(w);
}

/*
 * After the switch-over the pause is known only once the destination's
 * first heartbeat arrives; wait a bounded time for it.
 */
void migrate_await_first_heartbeat(struct migrate_watch *w)
{
	uint64_t seen, now_seen;
	double period, deadline;

	watch_lock(w);
	seen = w->dst_only.heartbeats;
	period = w->pause.period_ms ? w->pause.period_ms / 1000.0 : 0.1;
	watch_unlock(w);
	deadline = qmp_now_s() + 2 + 20 * period;
	do {
		watch_lock_current(w);
		now_seen = w->dst_only.heartbeats;
		watch_unlock(w);
		if (now_seen != seen)
			break;
		usleep(2000);
	} while (qmp_now_s() < deadline);
}

int migrate_verify_guest(struct qmp_client *dst, struct migrate_watch *w,
			char *why, size_t len)
{
	double deadline = qmp_now_s() + 60;
	uint64_t after_seq;
	bool done;
	int err;

	watch_lock(w);
	after_seq = w->dst_only.last_seq;
	w->dst_only.have_verify = false;
	watch_unlock(w);
	err = qmp_send_key(dst, "v");
	if (err) {
		snprintf(why, len, "send-key: %s", qmp_last_error(dst));
		return err;
	}
	while (qmp_now_s() < deadline) {
		watch_lock_current(w);
		done = w->dst_only.have_verify &&
		       w->dst_only.last_verify.seq >= after_seq;
		watch_unlock(w);
		if (done)
			return 0;
		usleep(5000);
	}
	snprintf(why, len, "the guest printed no verify line within 60 s");
	return -ETIMEDOUT;
}
