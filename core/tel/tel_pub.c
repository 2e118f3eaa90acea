// SPDX-License-Identifier: GPL-2.0
/* Telemetry publisher: packs records into frames and sends them. */
#include "core/tel/tel_pub.h"

#include <errno.h>
#include <time.h>

void tel_pub_init(struct tel_pub *p, struct tel_transport *t,
		  uint32_t host_id)
{
	p->t = t;
	p->host_id = host_id;
	p->seq = 0;
	p->frames = 0;
	p->records = 0;
	tel_fb_init(&p->fb);
}

int tel_pub_flush(struct tel_pub *p)
{
	struct tel_msg m;
	struct timespec ts;
	int len, ret;

	if (!p->fb.count)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	len = tel_fb_finish(&p->fb, p->host_id, p->seq,
			    (uint64_t)ts.tv_sec * 1000000000ull +
			    (uint64_t)ts.tv_nsec);
	/* the number is used even if sending fails: receivers count the gap */
	p->seq++;
	if (len < 0) {
		tel_fb_init(&p->fb);
		return len;
	}
	m = (struct tel_msg){ .buf = p->fb.buf, .len = (uint16_t)len };
	ret = tel_send(p->t, &m, 1);
	if (ret == 1) {
		p->frames++;
		p->records += p->fb.count;
	}
	tel_fb_init(&p->fb);
	return ret < 0 ? ret : ret == 1 ? 0 : -EIO;
}

int tel_pub_add(struct tel_pub *p, const struct tel_record *rec)
{
	int ret;

	if (!tel_rec_size(rec->type))
		return -EINVAL;
	if (!tel_fb_fits(&p->fb, rec->type)) {
		ret = tel_pub_flush(p);
		if (ret)
			return ret;
	}
	return tel_fb_add(&p->fb, rec);
}
