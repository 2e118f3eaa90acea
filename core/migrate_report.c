// SPDX-License-Identifier: GPL-2.0
/*
 * palmctl migrate's report: one JSON object with QEMU's figures, the
 * guest's pause and verification, and the controller's prediction and
 * decisions; the same as text, and --explain's list of decisions.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/migrate_cmd.h"

static json_t *prediction_json(const struct migrate_ctl *mc)
{
	const struct qmp_model_plan *p = &mc->ctl.plan;
	/* as planned: compression scaled to the threads QEMU will run */
	const struct qmp_model_input *in = &mc->ctl.input;
	json_t *o;

	o = json_pack("{s:s, s:s, s:b, s:b, s:b, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
		      "mode", qmp_model_mode_name(p->mode),
		      "reason", p->reason,
		      "converges", p->pred.converges,
		      "compress", p->compress,
		      "xbzrle", p->xbzrle,
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
			    json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
				      "ram_bytes", in->ram_bytes,
				      "used_bytes", in->used_bytes,
				      "ws_bytes", in->ws_bytes,
				      "dirty_bytes_per_s", in->dirty_bps,
				      "link_bytes_per_s", in->link_bps,
				      "compress_ratio", in->compress_ratio,
				      "compress_bytes_per_s", in->compress_bps,
				      "xbzrle_ratio", in->xbzrle_ratio));
	return o;
}

/*
 * The coefficients the plan was made with, and their file: the run can
 * be re-predicted after the file is refitted, and a plan made without
 * calibration says so.
 */
static json_t *model_json(const struct migrate_args *a,
			  const struct migrate_ctl *mc)
{
	json_t *o = json_object(), *coef = json_object();
	const char *name;
	double value;
	size_t i;
	int ret;

	if (!o || !coef)
		goto fail;
	for (i = 0; !qmp_model_coef_get(&mc->ctl.coef, i, &name, &value); i++)
		if (json_object_set_new(coef, name, json_real(value)))
			goto fail;
	ret = json_object_set_new(o, "coefficients", coef);
	coef = NULL;	/* o holds it, or jansson has freed it */
	if (ret || json_object_set_new(o, "file", a->model_path ?
				       json_string(a->model_path) : json_null()))
		goto fail;
	return o;
fail:
	json_decref(coef);
	json_decref(o);
	return NULL;
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

/* Where the model's non-zero RAM came from. */
static json_t *guest_used_json(const struct migrate_args *a,
			       const struct migrate_ctl *mc)
{
	const struct qmp_ram_sample *rs = &mc->ram_sample;

	if (!mc->have_ram_sample)
		return json_pack("{s:s, s:s}", "source",
				 a->known.used_bytes >= 0 ? "given" : "none",
				 "description", mc->ram_sample_why);
	return json_pack("{s:s, s:f, s:I, s:i, s:I, s:I, s:s}",
			 "source", a->libvirt ? "libvirt-memory-peek-sample" :
						"pmemsave-sample",
			 "used_bytes", rs->used_bytes,
			 "mapped_bytes", (json_int_t)rs->mapped_bytes,
			 "chunks", (int)rs->chunks,
			 "pages", (json_int_t)rs->pages,
			 "nonzero_pages", (json_int_t)rs->nonzero_pages,
			 "description", mc->ram_sample_why);
}

/* What the per-pass eBPF feed saw: how many windows, and the last one. */
static json_t *vcpu_feed_json(const struct migrate_ctl *mc)
{
	const struct qmp_ctl_vcpu_dirty *v = &mc->feed.last;
	json_t *o, *last;
	int i;

	if (!mc->have_feed)
		return json_pack("{s:s, s:s}", "source", "none",
				 "why", mc->feed_why);
	last = json_array();
	for (i = 0; last && i < v->nvcpu && mc->feed.observations; i++)
		json_array_append_new(last, json_pack("{s:i, s:f}",
				"cpu_index", v->cpu_index[i],
				"dirty_bytes_per_s", v->dirty_bps[i]));
	o = json_pack("{s:s, s:i, s:I}", "source", "ebpf-dirty-ring",
		      "vcpus", mc->feed.nmap,
		      "windows", (json_int_t)mc->feed.observations);
	if (o && last)
		json_object_set_new(o, "last_window", last);
	else
		json_decref(last);
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
			    json_pack("{s:f, s:f, s:f, s:b, s:b}",
				      "max_pause_ms", a->target.max_pause_ms,
				      "max_time_s", a->target.max_total_s,
				      "max_slowdown", a->target.max_slowdown,
				      "allow_postcopy", a->target.allow_postcopy,
				      "allow_compress", a->known.allow_compress));
	if (mc->have_prediction) {
		json_object_set_new(rep, "prediction", prediction_json(mc));
		json_object_set_new(rep, "model", model_json(a, mc));
	}
	if (mc->have_dirty)
		json_object_set_new(rep, "dirty_input", dirty_input_json(&mc->dirty));
	if (a->kind == QMP_CTL_PALM) {
		json_object_set_new(rep, "guest_used", guest_used_json(a, mc));
		json_object_set_new(rep, "vcpu_dirty", vcpu_feed_json(mc));
	}
	json_object_set_new(rep, "decisions", decisions_json(&mc->ctl));
	if (mc->ctl.log_dropped)
		json_object_set_new(rep, "decisions_dropped",
				    json_integer(mc->ctl.log_dropped));
}

/*
 * QEMU rates dirtying only when two dirty-bitmap syncs are more than 1 s
 * apart (migration_bitmap_sync), so a shorter migration reports 0 pages/s
 * whatever the guest wrote.  A longer one has its setup sync and its
 * final sync that far apart, so its rate is QEMU's measure.
 */
static bool qemu_rated_dirtying(const struct qmp_migration_result *r,
				const struct qmp_migrate_info *i)
{
	return r->peak_dirty_pages_rate > 0 || i->total_time_ms > 1000;
}

json_t *migrate_report_json(const struct migrate_args *a,
			   const struct qmp_migration_result *r,
			   const struct migrate_watch *w,
			   const struct migrate_ctl *mc, bool verified,
			   const char *verify_error)
{
	const struct qmp_migrate_info *i = &r->last;
	json_t *rep, *guest;

	rep = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:f, s:f, s:s}",
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
			"dirty_pages_rate_rated", qemu_rated_dirtying(r, i),
			"throughput_mbps", i->ram_mbps,
			"wall_time_s", r->wall_s,
			"uri", a->opts.uri);
	if (!rep)
		return NULL;
	json_object_set_new(rep, "backend",
			    json_string(a->libvirt ? "libvirt" : "qmp"));
	/*
	 * The non-zero pages sent, whatever bytes_transferred counts: QEMU
	 * 10 counts multifd's compressed bytes there, QEMU 7.2 the pages.
	 */
	json_object_set_new(rep, "page_bytes_sent",
			    json_integer((json_int_t)qmp_migrate_page_bytes(i)));
	/* what QEMU sent as differences: the check on palm's xbzrle plan */
	if (i->has_xbzrle)
		json_object_set_new(rep, "xbzrle",
				    json_pack("{s:I, s:I, s:I, s:I, s:I}",
					      "cache_bytes", (json_int_t)i->xbzrle_cache_size,
					      "pages", (json_int_t)i->xbzrle_pages,
					      "bytes", (json_int_t)i->xbzrle_bytes,
					      "cache_misses", (json_int_t)i->xbzrle_cache_miss,
					      "overflows", (json_int_t)i->xbzrle_overflow));
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
		/* the pause's resolution: lines are stamped when read */
		json_object_set_new(guest, "log_read_max_gap_ms",
				    json_real(w->read_max_gap_s * 1000));
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
void migrate_explain_text(FILE *f, const struct qmp_ctl *ctl)
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

void migrate_report_text(const json_t *rep)
{
	const json_t *guest = json_object_get(rep, "guest");
	const json_t *verify = json_object_get(guest, "verify");
	const json_t *pause = json_object_get(guest, "pause_ms");
	const json_t *dirty = json_object_get(rep, "dirty_input");
	const json_t *model = json_object_get(rep, "model");
	double sent, pages;

	printf("status:            %s (%s)\n",
	       json_string_value(json_object_get(rep, "status")),
	       json_string_value(json_object_get(rep, "reason")));
	printf("total time:        %lld ms (setup %lld ms)\n",
	       (long long)json_integer_value(json_object_get(rep, "total_time_ms")),
	       (long long)json_integer_value(json_object_get(rep, "setup_time_ms")));
	printf("downtime (QEMU):   %lld ms\n",
	       (long long)json_integer_value(json_object_get(rep, "downtime_ms")));
	if (json_is_real(pause))
		printf("pause (guest):     %.1f ms (largest heartbeat gap %.1f ms; logs read at most %.1f ms apart)\n",
		       json_real_value(pause),
		       json_real_value(json_object_get(guest, "max_heartbeat_gap_ms")),
		       json_real_value(json_object_get(guest, "log_read_max_gap_ms")));
	sent = (double)json_integer_value(json_object_get(rep, "bytes_transferred"));
	pages = (double)json_integer_value(json_object_get(rep, "page_bytes_sent"));
	printf("transferred:       %.1f MiB of %.1f MiB RAM in %lld passes",
	       sent / 1048576.0,
	       json_integer_value(json_object_get(rep, "ram_total_bytes")) / 1048576.0,
	       (long long)json_integer_value(json_object_get(rep, "passes")));
	if (qmp_counts_sent_bytes(pages, sent))
		printf(" (%.1f MiB of pages: this QEMU counts multifd's compressed bytes)",
		       pages / 1048576.0);
	printf("\n");
	if (json_is_false(json_object_get(rep, "dirty_pages_rate_rated")))
		printf("dirty rate:        not rated by QEMU (it rates over dirty-bitmap syncs more than 1 s apart; this migration took %lld ms)\n",
		       (long long)json_integer_value(json_object_get(rep, "total_time_ms")));
	else
		printf("dirty rate:        %lld pages/s at the end, %lld at peak\n",
		       (long long)json_integer_value(json_object_get(rep, "final_dirty_pages_rate")),
		       (long long)json_integer_value(json_object_get(rep, "peak_dirty_pages_rate")));
	if (dirty)
		printf("dirty input:       %s\n",
		       json_string_value(json_object_get(dirty, "description")));
	if (model)
		printf("model:             %s\n",
		       json_is_string(json_object_get(model, "file")) ?
		       json_string_value(json_object_get(model, "file")) :
		       "built-in coefficients, not calibrated on this host (--model: make bench fits them)");
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
