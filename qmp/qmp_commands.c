// SPDX-License-Identifier: GPL-2.0
/*
 * Typed QMP command wrappers and their reply decoders.  The decoders
 * trust nothing: every field read is checked for presence, type and
 * range before it is used.
 */
#include "qmp/qmp_commands.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* --- field decoding --------------------------------------------------- */

struct dec {
	const char *what;	/* the command, for messages */
	char *err;
	size_t errlen;
};

static int dec_fail(struct dec *d, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int dec_fail(struct dec *d, int errnum, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	if (d->err && d->errlen) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		snprintf(d->err, d->errlen, "%s: %s", d->what, why);
	}
	return errnum;
}

/* 1: present and stored; 0: absent and optional; or -EPROTO. */
static int dec_int(struct dec *d, const json_t *obj, const char *key,
		   bool required, int64_t min, int64_t max, int64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	json_int_t x;

	if (!v)
		return required ? dec_fail(d, -EPROTO, "missing \"%s\"", key) : 0;
	if (!json_is_integer(v))
		return dec_fail(d, -EPROTO, "\"%s\" is %s, not an integer",
				key, qmp_json_type(v));
	x = json_integer_value(v);
	if (x < min || x > max)
		return dec_fail(d, -EPROTO, "\"%s\" = %lld is outside [%lld, %lld]",
				key, (long long)x, (long long)min,
				(long long)max);
	*out = x;
	return 1;
}

static int dec_u64(struct dec *d, const json_t *obj, const char *key,
		   bool required, uint64_t *out)
{
	int64_t x;
	int r;

	r = dec_int(d, obj, key, required, 0, INT64_MAX, &x);
	if (r == 1)
		*out = (uint64_t)x;
	return r;
}

static int dec_small(struct dec *d, const json_t *obj, const char *key,
		     int *out)
{
	int64_t x;
	int r;

	r = dec_int(d, obj, key, true, 0, INT_MAX, &x);
	if (r == 1)
		*out = (int)x;
	return r;
}

/* A non-negative finite number; QEMU prints whole ones without a dot. */
static int dec_rate(struct dec *d, const json_t *obj, const char *key,
		    double *out)
{
	const json_t *v = json_object_get(obj, key);
	double x;

	if (!v)
		return 0;
	if (!json_is_number(v))
		return dec_fail(d, -EPROTO, "\"%s\" is %s, not a number", key,
				qmp_json_type(v));
	x = json_number_value(v);
	if (!isfinite(x) || x < 0)
		return dec_fail(d, -EPROTO, "\"%s\" = %g is not a rate", key, x);
	*out = x;
	return 1;
}

/*
 * A string into out[len].  Identifiers (states, modes, paths) that do not
 * fit are an error, since a truncated one would be misread; free text
 * may be truncated.
 */
static int dec_str(struct dec *d, const json_t *obj, const char *key,
		   bool required, bool may_truncate, char *out, size_t len)
{
	const json_t *v = json_object_get(obj, key);

	if (!v)
		return required ? dec_fail(d, -EPROTO, "missing \"%s\"", key) : 0;
	if (!json_is_string(v))
		return dec_fail(d, -EPROTO, "\"%s\" is %s, not a string", key,
				qmp_json_type(v));
	if (!may_truncate &&
	    (json_string_length(v) == 0 || json_string_length(v) >= len))
		return dec_fail(d, -EPROTO, "\"%s\" of %zu bytes (1 to %zu allowed)",
				key, json_string_length(v), len - 1);
	/* strings from jansson never hold NUL: it rejects \u0000 */
	snprintf(out, len, "%s", json_string_value(v));
	return 1;
}

static int dec_object(struct dec *d, const json_t *v, const char *what)
{
	if (json_is_object(v))
		return 0;
	return dec_fail(d, -EPROTO, "%s is %s, not an object", what,
			qmp_json_type(v));
}

/* --- query-migrate ---------------------------------------------------- */

#define MI_FIELD(f) offsetof(struct qmp_migrate_info, f)

/* An unsigned member of a query-migrate sub-object, where it goes. */
struct mi_u64_field {
	const char *key;
	size_t off;
	bool required;
};

static const struct mi_u64_field mi_ram_fields[] = {
	{ "transferred", MI_FIELD(ram_transferred), true },
	{ "remaining", MI_FIELD(ram_remaining), true },
	{ "total", MI_FIELD(ram_total), true },
	{ "duplicate", MI_FIELD(ram_duplicate), false },
	{ "normal", MI_FIELD(ram_normal), false },
	{ "dirty-pages-rate", MI_FIELD(ram_dirty_pages_rate), false },
	{ "dirty-sync-count", MI_FIELD(ram_dirty_sync_count), false },
	{ "page-size", MI_FIELD(ram_page_size), false },
	{ "multifd-bytes", MI_FIELD(ram_multifd_bytes), false },
	{ "postcopy-requests", MI_FIELD(ram_postcopy_requests), false },
};

static const struct mi_u64_field mi_xbzrle_fields[] = {
	{ "cache-size", MI_FIELD(xbzrle_cache_size), true },
	{ "bytes", MI_FIELD(xbzrle_bytes), true },
	{ "pages", MI_FIELD(xbzrle_pages), true },
	{ "cache-miss", MI_FIELD(xbzrle_cache_miss), true },
	{ "overflow", MI_FIELD(xbzrle_overflow), true },
};

static int dec_u64_fields(struct dec *d, const json_t *obj,
			  const struct mi_u64_field *f, size_t n,
			  struct qmp_migrate_info *mi)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		r = dec_u64(d, obj, f[i].key, f[i].required,
			    (uint64_t *)((char *)mi + f[i].off));
		if (r < 0)
			return r;
	}
	return 0;
}

static const struct {
	const char *key;
	size_t off;
} mi_time_fields[] = {
	{ "total-time", MI_FIELD(total_time_ms) },
	{ "downtime", MI_FIELD(downtime_ms) },
	{ "expected-downtime", MI_FIELD(expected_downtime_ms) },
	{ "setup-time", MI_FIELD(setup_time_ms) },
};

uint64_t qmp_migrate_page_bytes(const struct qmp_migrate_info *i)
{
	return i->ram_normal * (i->ram_page_size ? i->ram_page_size : 4096);
}

bool qmp_counts_sent_bytes(double page_bytes, double counted_bytes)
{
	return page_bytes >= 1048576 && page_bytes > 1.2 * counted_bytes;
}

int qmp_decode_migrate_info(const json_t *ret, struct qmp_migrate_info *out,
			    char *err, size_t errlen)
{
	struct dec d = { "query-migrate", err, errlen };
	struct qmp_migrate_info mi = { .status = "none" };
	const json_t *ram, *xbzrle;
	size_t i;
	int r;

	r = dec_object(&d, ret, "the reply");
	if (r)
		goto out;
	r = dec_str(&d, ret, "status", false, false, mi.status,
		    sizeof(mi.status));
	if (r < 0)
		goto out;
	for (i = 0; i < sizeof(mi_time_fields) / sizeof(mi_time_fields[0]); i++) {
		r = dec_int(&d, ret, mi_time_fields[i].key, false, 0, INT64_MAX,
			    (int64_t *)((char *)&mi + mi_time_fields[i].off));
		if (r < 0)
			goto out;
	}
	r = dec_int(&d, ret, "cpu-throttle-percentage", false, 0, 100,
		    &mi.cpu_throttle_percentage);
	if (r < 0)
		goto out;
	r = dec_str(&d, ret, "error-desc", false, true, mi.error_desc,
		    sizeof(mi.error_desc));
	if (r < 0)
		goto out;

	ram = json_object_get(ret, "ram");
	if (ram) {
		r = dec_object(&d, ram, "\"ram\"");
		if (r)
			goto out;
		mi.has_ram = true;
		d.what = "query-migrate: ram";
		r = dec_u64_fields(&d, ram, mi_ram_fields,
				   sizeof(mi_ram_fields) / sizeof(mi_ram_fields[0]),
				   &mi);
		if (r < 0)
			goto out;
		r = dec_rate(&d, ram, "mbps", &mi.ram_mbps);
		if (r < 0)
			goto out;
	}
	xbzrle = json_object_get(ret, "xbzrle-cache");
	if (xbzrle) {
		d.what = "query-migrate";
		r = dec_object(&d, xbzrle, "\"xbzrle-cache\"");
		if (r)
			goto out;
		mi.has_xbzrle = true;
		d.what = "query-migrate: xbzrle-cache";
		r = dec_u64_fields(&d, xbzrle, mi_xbzrle_fields,
				   sizeof(mi_xbzrle_fields) / sizeof(mi_xbzrle_fields[0]),
				   &mi);
		if (r < 0)
			goto out;
		r = dec_rate(&d, xbzrle, "cache-miss-rate",
			     &mi.xbzrle_cache_miss_rate);
		if (r < 0)
			goto out;
		r = dec_rate(&d, xbzrle, "encoding-rate",
			     &mi.xbzrle_encoding_rate);
		if (r < 0)
			goto out;
		if (mi.xbzrle_cache_miss_rate > 1) {
			r = dec_fail(&d, -EPROTO, "\"cache-miss-rate\" = %g is above 1",
				     mi.xbzrle_cache_miss_rate);
			goto out;
		}
	}
	*out = mi;
	r = 0;
out:
	return r;
}

/* --- query-dirty-rate ------------------------------------------------- */

static int decode_vcpu_rates(struct dec *d, const json_t *arr,
			     struct qmp_dirty_rate *dr)
{
	bool seen[QMP_DIRTY_RATE_MAX_VCPUS] = { false };
	const json_t *e;
	int64_t id, rate;
	size_t i;
	int r = 0;

	if (!json_is_array(arr))
		return dec_fail(d, -EPROTO, "\"vcpu-dirty-rate\" is %s, not an array",
				qmp_json_type(arr));
	json_array_foreach(arr, i, e) {
		r = dec_object(d, e, "a vcpu-dirty-rate entry");
		if (r)
			break;
		r = dec_int(d, e, "id", true, 0, INT_MAX, &id);
		if (r < 0)
			break;
		r = dec_int(d, e, "dirty-rate", true, 0, INT64_MAX, &rate);
		if (r < 0)
			break;
		if (id >= QMP_DIRTY_RATE_MAX_VCPUS) {
			r = dec_fail(d, -EOVERFLOW, "vCPU id %lld, at most %d vCPUs supported",
				     (long long)id, QMP_DIRTY_RATE_MAX_VCPUS);
			break;
		}
		if (seen[id]) {
			r = dec_fail(d, -EPROTO, "vCPU id %lld listed twice",
				     (long long)id);
			break;
		}
		seen[id] = true;
		dr->vcpu_rate_mbps[id] = rate;
		if (id >= dr->nvcpu)
			dr->nvcpu = (int)id + 1;
	}
	return r < 0 ? r : 0;
}

int qmp_decode_dirty_rate(const json_t *ret, struct qmp_dirty_rate *out,
			  char *err, size_t errlen)
{
	struct dec d = { "query-dirty-rate", err, errlen };
	struct qmp_dirty_rate dr = { .dirty_rate_mbps = -1 };
	const json_t *vcpus;
	int r;

	r = dec_object(&d, ret, "the reply");
	if (r)
		goto out;
	r = dec_str(&d, ret, "status", true, false, dr.status, sizeof(dr.status));
	if (r < 0)
		goto out;
	r = dec_str(&d, ret, "mode", true, false, dr.mode, sizeof(dr.mode));
	if (r < 0)
		goto out;
	r = dec_int(&d, ret, "dirty-rate", false, 0, INT64_MAX,
		    &dr.dirty_rate_mbps);
	if (r < 0)
		goto out;
	r = dec_int(&d, ret, "start-time", true, 0, INT64_MAX, &dr.start_time);
	if (r < 0)
		goto out;
	r = dec_int(&d, ret, "calc-time", true, 0, INT64_MAX, &dr.calc_time);
	if (r < 0)
		goto out;
	r = dec_int(&d, ret, "sample-pages", true, 0, INT64_MAX,
		    &dr.sample_pages);
	if (r < 0)
		goto out;
	vcpus = json_object_get(ret, "vcpu-dirty-rate");
	if (vcpus) {
		r = decode_vcpu_rates(&d, vcpus, &dr);
		if (r)
			goto out;
	}
	*out = dr;
	r = 0;
out:
	return r;
}

/* --- query-cpus-fast -------------------------------------------------- */

int qmp_decode_cpus_fast(const json_t *ret, struct qmp_vcpu *out, int max,
			 int *n, char *err, size_t errlen)
{
	struct dec d = { "query-cpus-fast", err, errlen };
	struct qmp_vcpu v;
	const json_t *e;
	size_t i;
	int r = 0;

	*n = 0;
	if (max < 0 || (max > 0 && !out))
		return dec_fail(&d, -EINVAL, "no room for the vCPUs");
	if (!json_is_array(ret))
		return dec_fail(&d, -EPROTO, "the reply is %s, not an array",
				qmp_json_type(ret));
	if (json_array_size(ret) > INT_MAX)
		return dec_fail(&d, -EPROTO, "too many vCPUs");
	json_array_foreach(ret, i, e) {
		memset(&v, 0, sizeof(v));
		r = dec_object(&d, e, "an entry");
		if (r)
			break;
		r = dec_small(&d, e, "cpu-index", &v.cpu_index);
		if (r < 0)
			break;
		r = dec_small(&d, e, "thread-id", &v.thread_id);
		if (r < 0)
			break;
		r = dec_str(&d, e, "qom-path", true, false, v.qom_path,
			    sizeof(v.qom_path));
		if (r < 0)
			break;
		if ((int)i < max)
			out[i] = v;
		r = 0;
	}
	if (r < 0) {
		*n = 0;
		return r;
	}
	*n = (int)json_array_size(ret);
	if (*n > max)
		return dec_fail(&d, -ENOBUFS, "%d vCPUs, room for %d", *n, max);
	return 0;
}

/* --- query-status ----------------------------------------------------- */

int qmp_decode_status(const json_t *ret, char *status, size_t len,
		      bool *running, char *err, size_t errlen)
{
	struct dec d = { "query-status", err, errlen };
	char st[64];
	const json_t *run;
	int r;

	r = dec_object(&d, ret, "the reply");
	if (r)
		return r;
	r = dec_str(&d, ret, "status", true, false, st, sizeof(st));
	if (r < 0)
		return r;
	run = json_object_get(ret, "running");
	if (!run)
		return dec_fail(&d, -EPROTO, "missing \"running\"");
	if (!json_is_boolean(run))
		return dec_fail(&d, -EPROTO, "\"running\" is %s, not a boolean",
				qmp_json_type(run));
	if (status && strlen(st) >= len)
		return dec_fail(&d, -ENOBUFS, "status \"%s\" does not fit in %zu bytes",
				st, len);
	if (status)
		memcpy(status, st, strlen(st) + 1);
	if (running)
		*running = json_is_true(run);
	return 0;
}

/* --- commands --------------------------------------------------------- */

/* Commands whose reply carries nothing: QEMU returns {}. */
static int exec_empty(struct qmp_client *c, const char *cmd, json_t *args)
{
	json_t *ret = NULL;
	int r;

	r = qmp_execute(c, cmd, args, 0, &ret);
	if (r)
		goto out;
	if (!json_is_object(ret)) {
		qmp_set_error(c, "%s: reply is %s, not an object", cmd,
			      qmp_json_type(ret));
		r = -EPROTO;
	}
out:
	json_decref(ret);
	return r;
}

static int bad_arg(struct qmp_client *c, const char *cmd, const char *what)
{
	qmp_set_error(c, "%s: invalid %s", cmd, what);
	return -EINVAL;
}

static int exec_uri(struct qmp_client *c, const char *cmd, const char *uri)
{
	json_t *args;

	if (!uri || !*uri)
		return bad_arg(c, cmd, "uri");
	args = json_pack("{s:s}", "uri", uri);
	if (!args)
		return bad_arg(c, cmd, "uri (not UTF-8)");
	return exec_empty(c, cmd, args);
}

int qmp_migrate(struct qmp_client *c, const char *uri)
{
	return exec_uri(c, "migrate", uri);
}

int qmp_migrate_incoming(struct qmp_client *c, const char *uri)
{
	return exec_uri(c, "migrate-incoming", uri);
}

int qmp_migrate_cancel(struct qmp_client *c)
{
	return exec_empty(c, "migrate_cancel", NULL);
}

int qmp_migrate_set_capability(struct qmp_client *c, const char *name, bool on)
{
	json_t *args;

	if (!name || !*name)
		return bad_arg(c, "migrate-set-capabilities", "capability");
	args = json_pack("{s:[{s:s, s:b}]}", "capabilities", "capability",
			 name, "state", on);
	if (!args)
		return bad_arg(c, "migrate-set-capabilities",
			       "capability (not UTF-8)");
	return exec_empty(c, "migrate-set-capabilities", args);
}

int qmp_migrate_set_parameters(struct qmp_client *c, json_t *params)
{
	if (!json_is_object(params)) {
		json_decref(params);
		return bad_arg(c, "migrate-set-parameters", "parameters");
	}
	return exec_empty(c, "migrate-set-parameters", params);
}

int qmp_query_migrate(struct qmp_client *c, struct qmp_migrate_info *out)
{
	char err[256];
	json_t *ret = NULL;
	int r;

	r = qmp_execute(c, "query-migrate", NULL, 0, &ret);
	if (r)
		goto out;
	r = qmp_decode_migrate_info(ret, out, err, sizeof(err));
	if (r)
		qmp_set_error(c, "%s", err);
out:
	json_decref(ret);
	return r;
}

int qmp_calc_dirty_rate(struct qmp_client *c, int calc_time_s,
			const char *mode, int sample_pages)
{
	static const char *const modes[] = { "page-sampling", "dirty-ring",
					     "dirty-bitmap" };
	json_t *args;
	size_t i;

	if (calc_time_s < 1)
		return bad_arg(c, "calc-dirty-rate", "calc-time");
	if (sample_pages < 0)
		return bad_arg(c, "calc-dirty-rate", "sample-pages");
	for (i = 0; mode && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(mode, modes[i]))
			break;
	if (mode && i == sizeof(modes) / sizeof(modes[0]))
		return bad_arg(c, "calc-dirty-rate", "mode");

	args = json_pack("{s:i}", "calc-time", calc_time_s);
	if (!args ||
	    (mode && json_object_set_new(args, "mode", json_string(mode))) ||
	    (sample_pages && json_object_set_new(args, "sample-pages",
						 json_integer(sample_pages)))) {
		json_decref(args);
		qmp_set_error(c, "calc-dirty-rate: out of memory");
		return -ENOMEM;
	}
	return exec_empty(c, "calc-dirty-rate", args);
}

int qmp_query_dirty_rate(struct qmp_client *c, struct qmp_dirty_rate *out)
{
	char err[256];
	json_t *ret = NULL;
	int r;

	r = qmp_execute(c, "query-dirty-rate", NULL, 0, &ret);
	if (r)
		goto out;
	r = qmp_decode_dirty_rate(ret, out, err, sizeof(err));
	if (r)
		qmp_set_error(c, "%s", err);
out:
	json_decref(ret);
	return r;
}

int qmp_query_cpus_fast(struct qmp_client *c, struct qmp_vcpu *out, int max,
			int *n)
{
	char err[256];
	json_t *ret = NULL;
	int r;

	*n = 0;
	r = qmp_execute(c, "query-cpus-fast", NULL, 0, &ret);
	if (r)
		goto out;
	r = qmp_decode_cpus_fast(ret, out, max, n, err, sizeof(err));
	if (r)
		qmp_set_error(c, "%s", err);
out:
	json_decref(ret);
	return r;
}

int qmp_query_status(struct qmp_client *c, char *status, size_t len,
		     bool *running)
{
	char err[256];
	json_t *ret = NULL;
	int r;

	r = qmp_execute(c, "query-status", NULL, 0, &ret);
	if (r)
		goto out;
	r = qmp_decode_status(ret, status, len, running, err, sizeof(err));
	if (r)
		qmp_set_error(c, "%s", err);
out:
	json_decref(ret);
	return r;
}

int qmp_stop(struct qmp_client *c)
{
	return exec_empty(c, "stop", NULL);
}

int qmp_cont(struct qmp_client *c)
{
	return exec_empty(c, "cont", NULL);
}

int qmp_send_key(struct qmp_client *c, const char *qcode)
{
	json_t *args;

	if (!qcode || !*qcode)
		return bad_arg(c, "send-key", "key");
	args = json_pack("{s:[{s:s, s:s}]}", "keys", "type", "qcode", "data",
			 qcode);
	if (!args)
		return bad_arg(c, "send-key", "key (not UTF-8)");
	return exec_empty(c, "send-key", args);
}

int qmp_pmemsave(struct qmp_client *c, uint64_t addr, uint64_t size,
		 const char *path)
{
	json_t *args;

	if (!path || !*path)
		return bad_arg(c, "pmemsave", "filename");
	if (!size || addr > INT64_MAX || size > INT64_MAX)
		return bad_arg(c, "pmemsave", "range");
	args = json_pack("{s:I, s:I, s:s}", "val", (json_int_t)addr, "size",
			 (json_int_t)size, "filename", path);
	if (!args)
		return bad_arg(c, "pmemsave", "filename (not UTF-8)");
	return exec_empty(c, "pmemsave", args);
}

int qmp_hmp(struct qmp_client *c, const char *cmdline, char **text)
{
	json_t *args, *ret = NULL;
	int r;

	*text = NULL;
	if (!cmdline || !*cmdline)
		return bad_arg(c, "human-monitor-command", "command-line");
	args = json_pack("{s:s}", "command-line", cmdline);
	if (!args)
		return bad_arg(c, "human-monitor-command",
			       "command-line (not UTF-8)");
	r = qmp_execute(c, "human-monitor-command", args, 0, &ret);
	if (r)
		goto out;
	if (!json_is_string(ret)) {
		qmp_set_error(c, "human-monitor-command: reply is %s, not a string",
			      qmp_json_type(ret));
		r = -EPROTO;
		goto out;
	}
	*text = strdup(json_string_value(ret));
	if (!*text) {
		qmp_set_error(c, "human-monitor-command: out of memory");
		r = -ENOMEM;
	}
out:
	json_decref(ret);
	return r;
}
