// SPDX-License-Identifier: GPL-2.0
/* palm built without CONFIG_PALM_LIBVIRT: the backend says so. */
#include <errno.h>
#include <stdio.h>

#include "qmp/lv/qmp_lv.h"

int qmp_lv_open(const char *src_uri, const char *dst_uri, const char *domain,
		struct qmp_lv **out, char *err, size_t errlen)
{
	(void)src_uri;
	(void)dst_uri;
	(void)domain;
	*out = NULL;
	snprintf(err, errlen, "palm was built without libvirt (CONFIG_PALM_LIBVIRT)");
	return -EOPNOTSUPP;
}

void qmp_lv_close(struct qmp_lv *lv)
{
	(void)lv;
}

const char *qmp_lv_error(const struct qmp_lv *lv)
{
	(void)lv;
	return "palm was built without libvirt";
}

int qmp_lv_probe_caps(struct qmp_lv *lv, const struct qmp_ctl_known *k,
		      struct qmp_ctl_caps *caps)
{
	(void)lv;
	(void)k;
	(void)caps;
	return -EOPNOTSUPP;
}

int qmp_lv_probe_input(struct qmp_lv *lv, const struct qmp_ctl_known *k,
		       struct qmp_model_input *in, bool *have_prediction)
{
	(void)lv;
	(void)k;
	(void)in;
	*have_prediction = false;
	return -EOPNOTSUPP;
}

int qmp_lv_ram_size(struct qmp_lv *lv, uint64_t *bytes)
{
	(void)lv;
	(void)bytes;
	return -EOPNOTSUPP;
}

int qmp_lv_sample_used(struct qmp_lv *lv, struct qmp_ram_sample *s)
{
	(void)lv;
	(void)s;
	return -EOPNOTSUPP;
}

int qmp_lv_migration_run(struct qmp_lv *lv,
			 const struct qmp_lv_migration_opts *o,
			 const struct qmp_migration_hooks *hooks,
			 struct qmp_migration_result *res)
{
	(void)lv;
	(void)o;
	(void)hooks;
	snprintf(res->reason, sizeof(res->reason),
		 "palm was built without libvirt");
	return -EOPNOTSUPP;
}

int qmp_lv_job_decode(int job_type, const void *params, int nparams,
		      bool postcopy_paused, struct qmp_migrate_info *out,
		      char *err, size_t errlen)
{
	(void)job_type;
	(void)params;
	(void)nparams;
	(void)postcopy_paused;
	(void)out;
	snprintf(err, errlen, "palm was built without libvirt");
	return -EOPNOTSUPP;
}
