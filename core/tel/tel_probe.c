// SPDX-License-Identifier: GPL-2.0
/* Link probe: echo RTT and packet-train bandwidth, both ends. */
#include "core/tel/tel_probe.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Ethernet + IPv4 + UDP headers a frame carries on the wire. */
#define PROBE_WIRE_OVERHEAD 42
#define PROBE_POLL_MS 5

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* A probe frame of @nrecs copies of @pr (a train frame fills one MTU). */
static int probe_frame(struct tel_frame_builder *fb, uint32_t host,
		       uint32_t seq, const struct tel_probe_rec *pr,
		       unsigned int nrecs)
{
	struct tel_record r;
	unsigned int i;
	int ret;

	memset(&r, 0, sizeof(r));
	r.type = TEL_REC_PROBE;
	r.probe = *pr;
	tel_fb_init(fb);
	for (i = 0; i < nrecs; i++) {
		ret = tel_fb_add(fb, &r);
		if (ret)
			return ret;
	}
	return tel_fb_finish(fb, host, seq, clock_ns(CLOCK_REALTIME));
}

static int send_one(struct tel_transport *t, struct tel_frame_builder *fb,
		    int len, struct in_addr to, uint16_t port)
{
	struct tel_msg m = { .buf = fb->buf, .len = (uint16_t)len,
			     .addr = to, .port = port };

	if (len < 0)
		return len;
	return tel_send(t, &m, 1) == 1 ? 0 : -EIO;
}

/*
 * Wait up to @timeout_ms for a probe record with @op and @token (and
 * @index unless it is negative); 0 with it in @out, or -ETIMEDOUT.
 */
static int await(struct tel_transport *t, uint8_t op, uint32_t token,
		 int index, uint32_t timeout_ms, struct tel_probe_rec *out,
		 uint32_t *sender)
{
	static uint8_t buf[TEL_FRAME_MAX];
	struct tel_record recs[TEL_FRAME_MAX_RECORDS];
	uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * 1000000ull;
	struct tel_frame_hdr hdr;
	struct tel_msg m;
	int n;

	while (mono_ns() < deadline) {
		m = (struct tel_msg){ .buf = buf, .len = sizeof(buf) };
		n = tel_recv(t, &m, 1, PROBE_POLL_MS);
		if (n < 0)
			return n;
		if (n == 0)
			continue;
		n = tel_frame_decode(m.buf, m.len, &hdr, recs,
				     TEL_FRAME_MAX_RECORDS, NULL, NULL);
		if (n < 1 || recs[0].type != TEL_REC_PROBE ||
		    recs[0].probe.op != op || recs[0].probe.token != token ||
		    (index >= 0 && recs[0].probe.index != index))
			continue;
		*out = recs[0].probe;
		*sender = hdr.sender;
		return 0;
	}
	return -ETIMEDOUT;
}

int tel_probe_run(struct tel_transport *t, const struct tel_probe_config *cfg,
		  struct tel_probe_result *res)
{
	struct tel_frame_builder fb;
	struct tel_probe_rec pr, got;
	double sum = 0, sum2 = 0, mean, bits;
	uint32_t i, seq = 0, token;
	uint64_t t1, rtt;
	unsigned int sent;
	int ret, len;

	memset(res, 0, sizeof(*res));
	if (!cfg->probes || cfg->probes > 100000 || cfg->train < 2 ||
	    cfg->train > TEL_PROBE_MAX_TRAIN || !cfg->timeout_ms ||
	    cfg->timeout_ms > 60000 || !cfg->peer.ip.s_addr)
		return -EINVAL;
	token = (uint32_t)mono_ns() ^ (uint32_t)rand();
	res->link.configured_bps = cfg->configured_bps;
	res->rtt_min_ns = UINT64_MAX;

	for (i = 0; i < cfg->probes; i++) {
		memset(&pr, 0, sizeof(pr));
		pr.op = TEL_PROBE_REQUEST;
		pr.index = (uint16_t)i;
		pr.token = token;
		t1 = mono_ns();
		pr.t1_ns = t1;
		len = probe_frame(&fb, cfg->host_id, seq++, &pr, 1);
		ret = send_one(t, &fb, len, cfg->peer.ip, cfg->peer.port);
		if (ret)
			return ret;
		res->sent++;
		ret = await(t, TEL_PROBE_REPLY, token, (uint16_t)i,
			    cfg->timeout_ms, &got, &res->link.peer_host_id);
		if (ret == -ETIMEDOUT)
			continue;
		if (ret)
			return ret;
		rtt = mono_ns() - t1;
		res->replies++;
		sum += (double)rtt;
		sum2 += (double)rtt * (double)rtt;
		if (rtt < res->rtt_min_ns)
			res->rtt_min_ns = rtt;
	}
	if (res->replies) {
		mean = sum / res->replies;
		res->link.rtt_ns = (uint32_t)fmin(mean, UINT32_MAX);
		res->link.rtt_var_ns = (uint32_t)fmin(
			sqrt(fmax(sum2 / res->replies - mean * mean, 0)),
			UINT32_MAX);
	} else {
		res->rtt_min_ns = 0;
	}

	/* the train: full frames, back to back */
	memset(&pr, 0, sizeof(pr));
	pr.op = TEL_PROBE_TRAIN;
	pr.token = token;
	pr.train_len = cfg->train;
	for (i = 0, sent = 0; i < cfg->train; i++) {
		pr.index = (uint16_t)i;
		len = probe_frame(&fb, cfg->host_id, seq++, &pr,
				  TEL_FRAME_MAX_RECORDS);
		ret = send_one(t, &fb, len, cfg->peer.ip, cfg->peer.port);
		if (ret)
			return ret;
		sent++;
	}
	memset(&pr, 0, sizeof(pr));
	pr.op = TEL_PROBE_REPORT_REQ;
	pr.token = token;
	pr.train_len = cfg->train;
	len = probe_frame(&fb, cfg->host_id, seq++, &pr, 1);
	ret = send_one(t, &fb, len, cfg->peer.ip, cfg->peer.port);
	if (ret)
		return ret;
	ret = await(t, TEL_PROBE_REPORT, token, -1, cfg->timeout_ms, &got,
		    &res->link.peer_host_id);
	if (ret && ret != -ETIMEDOUT)
		return ret;
	if (!ret) {
		res->train_received = got.train_len;
		if (got.index >= 2 && got.t2_ns > got.t1_ns) {
			/* train frames are full: TEL_FRAME_MAX bytes each */
			bits = (double)(got.index - 1) *
			       (TEL_FRAME_MAX + PROBE_WIRE_OVERHEAD) * 8.0;
			res->link.avail_bps = (uint64_t)(bits * 1e9 /
				(double)(got.t2_ns - got.t1_ns));
		}
	}
	/* a duplicated train frame must not make loss negative */
	if (res->train_received > sent)
		res->train_received = sent;
	res->link.loss_ppm = (uint32_t)(1000000ull *
		((res->sent - res->replies) + (sent - res->train_received)) /
		(res->sent + sent));
	res->link.ts_ns = clock_ns(CLOCK_REALTIME);
	return 0;
}

/* Receiver-side train state: arrival time of each frame of one token. */
struct train_state {
	uint32_t token;
	uint32_t received;
	uint64_t arrival[TEL_PROBE_MAX_TRAIN];
};

/* Report on the second half of the frames received, or zeros. */
static void train_report(const struct train_state *ts,
			 struct tel_probe_rec *rep)
{
	uint32_t half = ts->received / 2;

	rep->train_len = ts->received;
	if (ts->received < 4)
		return;
	rep->index = (uint16_t)(ts->received - half);
	rep->t1_ns = ts->arrival[half];
	rep->t2_ns = ts->arrival[ts->received - 1];
}

int tel_probe_echo(struct tel_transport *t, uint32_t host_id,
		   uint64_t duration_ms, volatile sig_atomic_t *stop)
{
	static uint8_t buf[TEL_FRAME_MAX];
	struct tel_record recs[TEL_FRAME_MAX_RECORDS];
	uint64_t end = mono_ns() + duration_ms * 1000000ull, now;
	struct train_state *ts;
	struct tel_frame_builder fb;
	struct tel_frame_hdr hdr;
	struct tel_probe_rec rep;
	struct tel_msg m;
	uint32_t seq = 0;
	int answered = 0, n, ret = 0;

	ts = calloc(1, sizeof(*ts));
	if (!ts)
		return -ENOMEM;
	while (!(stop && *stop) && mono_ns() < end) {
		m = (struct tel_msg){ .buf = buf, .len = sizeof(buf) };
		n = tel_recv(t, &m, 1, PROBE_POLL_MS);
		if (n < 0) {
			ret = n;
			goto out;
		}
		if (n == 0)
			continue;
		now = mono_ns();
		n = tel_frame_decode(m.buf, m.len, &hdr, recs,
				     TEL_FRAME_MAX_RECORDS, NULL, NULL);
		if (n < 1 || recs[0].type != TEL_REC_PROBE)
			continue;
		rep = recs[0].probe;
		switch (rep.op) {
		case TEL_PROBE_REQUEST:
			rep.op = TEL_PROBE_REPLY;
			break;
		case TEL_PROBE_TRAIN:
			if (ts->token != rep.token) {
				ts->token = rep.token;
				ts->received = 0;
			}
			/* arrival order, whatever the index: dispersion */
			if (ts->received < TEL_PROBE_MAX_TRAIN)
				ts->arrival[ts->received++] = now;
			continue;
		case TEL_PROBE_REPORT_REQ:
			memset(&rep, 0, sizeof(rep));
			rep.op = TEL_PROBE_REPORT;
			rep.token = recs[0].probe.token;
			if (ts->token == rep.token)
				train_report(ts, &rep);
			ts->token = 0;
			ts->received = 0;
			break;
		default:
			continue;
		}
		ret = send_one(t, &fb, probe_frame(&fb, host_id, seq++, &rep, 1),
			       m.addr, m.port);
		if (ret)
			goto out;
		answered++;
	}
	ret = answered;
out:
	free(ts);
	return ret;
}
