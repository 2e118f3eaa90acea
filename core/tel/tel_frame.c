// SPDX-License-Identifier: GPL-2.0
/*
 * Telemetry frame codec.  Fields are written and read byte by byte at
 * the offsets of FRAME.md, so the code is endian- and alignment-neutral
 * and every read is bounded by a length checked beforehand.
 */
#include "core/tel/tel_frame.h"

#include <errno.h>
#include <string.h>

/* Header offsets (FRAME.md, "Header"). */
#define HO_MAGIC 0
#define HO_VERSION 4
#define HO_FLAGS 5
#define HO_COUNT 6
#define HO_SENDER 8
#define HO_SEQ 12
#define HO_TS 16
#define HO_LEN 24
#define HO_RESERVED 26
#define HO_CHECK 28

#define PPM_MAX 1000000u
#define PERMILLE_MAX 1000u
#define SEVERITY_MAX 3u

static const uint8_t rec_sizes[TEL_REC_TYPE_MAX] = {
	[TEL_REC_HOST] = 48,
	[TEL_REC_VM] = 48,
	[TEL_REC_VCPU] = 32,
	[TEL_REC_LINK] = 48,
	[TEL_REC_FAULT] = 32,
	[TEL_REC_PREDICT] = 32,
	[TEL_REC_PROBE] = 32,
};

static const char *const reject_names[TEL_REJ_MAX] = {
	[TEL_REJ_SHORT] = "short",
	[TEL_REJ_MAGIC] = "magic",
	[TEL_REJ_VERSION] = "version",
	[TEL_REJ_TRUNCATED] = "truncated",
	[TEL_REJ_LENGTH] = "length",
	[TEL_REJ_CHECK] = "check",
	[TEL_REJ_COUNT] = "count",
	[TEL_REJ_REC_TYPE] = "record_type",
	[TEL_REJ_REC_LEN] = "record_length",
	[TEL_REJ_RESERVED] = "reserved",
	[TEL_REJ_VALUE] = "value",
};

static const char *const type_names[TEL_REC_TYPE_MAX] = {
	[TEL_REC_HOST] = "host",
	[TEL_REC_VM] = "vm",
	[TEL_REC_VCPU] = "vcpu",
	[TEL_REC_LINK] = "link",
	[TEL_REC_FAULT] = "fault",
	[TEL_REC_PREDICT] = "predict",
	[TEL_REC_PROBE] = "probe",
};

size_t tel_rec_size(unsigned int type)
{
	return type < TEL_REC_TYPE_MAX ? rec_sizes[type] : 0;
}

const char *tel_reject_name(enum tel_reject why)
{
	return (unsigned int)why < TEL_REJ_MAX ? reject_names[why] : "?";
}

const char *tel_rec_type_name(unsigned int type)
{
	return type < TEL_REC_TYPE_MAX && type_names[type] ? type_names[type] :
		"?";
}

/* --- little-endian accessors ------------------------------------------ */

static void put8(uint8_t *p, uint8_t v)
{
	p[0] = v;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* --- CRC32C ----------------------------------------------------------- */

/* Slice-by-8 tables, built once; the polynomial is Castagnoli's. */
static uint32_t crc_tab[8][256];
static int crc_ready;

static void crc_init(void)
{
	uint32_t c;
	int i, j, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (j = 0; j < 8; j++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_tab[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			crc_tab[k][i] = (crc_tab[k - 1][i] >> 8) ^
				crc_tab[0][crc_tab[k - 1][i] & 0xff];
	__atomic_store_n(&crc_ready, 1, __ATOMIC_RELEASE);
}

uint32_t tel_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t lo, hi;

	/* racing initialisers write the same values: harmless */
	if (!__atomic_load_n(&crc_ready, __ATOMIC_ACQUIRE))
		crc_init();
	crc = ~crc;
	while (len >= 8) {
		lo = get32(p) ^ crc;
		hi = get32(p + 4);
		crc = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^
		      crc_tab[5][(lo >> 16) & 0xff] ^ crc_tab[4][lo >> 24] ^
		      crc_tab[3][hi & 0xff] ^ crc_tab[2][(hi >> 8) & 0xff] ^
		      crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc_tab[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

/* --- records ---------------------------------------------------------- */

static void encode_record(uint8_t *p, const struct tel_record *r)
{
	size_t size = rec_sizes[r->type];

	memset(p, 0, size);
	put8(p, r->type);
	put16(p + 2, (uint16_t)size);
	switch (r->type) {
	case TEL_REC_HOST:
		put16(p + 4, r->host.ncpus);
		put16(p + 6, r->host.nvms);
		put64(p + 8, r->host.ts_ns);
		put64(p + 16, r->host.mem_total_kib);
		put64(p + 24, r->host.mem_avail_kib);
		put32(p + 32, r->host.cpu_util_ppm);
		put32(p + 36, r->host.psi_cpu_ppm);
		put32(p + 40, r->host.psi_mem_ppm);
		put32(p + 44, r->host.psi_io_ppm);
		break;
	case TEL_REC_VM:
		put32(p + 4, r->vm.vm_id);
		put64(p + 8, r->vm.ts_ns);
		put64(p + 16, r->vm.dirty_pages_per_s);
		put64(p + 24, r->vm.mem_kib);
		put32(p + 32, r->vm.cpu_util_ppm);
		put16(p + 36, r->vm.nvcpus);
		put64(p + 40, r->vm.wss_kib);
		break;
	case TEL_REC_VCPU:
		put32(p + 4, r->vcpu.vm_id);
		put64(p + 8, r->vcpu.ts_ns);
		put16(p + 16, r->vcpu.vcpu);
		put16(p + 18, r->vcpu.pcpu);
		put32(p + 20, r->vcpu.util_ppm);
		put32(p + 24, r->vcpu.steal_ppm);
		put32(p + 28, r->vcpu.exits_per_s);
		break;
	case TEL_REC_LINK:
		put32(p + 4, r->link.peer_host_id);
		put64(p + 8, r->link.ts_ns);
		put64(p + 16, r->link.configured_bps);
		put64(p + 24, r->link.avail_bps);
		put32(p + 32, r->link.rtt_ns);
		put32(p + 36, r->link.rtt_var_ns);
		put32(p + 40, r->link.loss_ppm);
		break;
	case TEL_REC_FAULT:
		put16(p + 4, r->fault.kind);
		put16(p + 6, r->fault.severity);
		put64(p + 8, r->fault.ts_ns);
		put32(p + 16, r->fault.count);
		put32(p + 20, r->fault.vm_id);
		put64(p + 24, r->fault.detail);
		break;
	case TEL_REC_PREDICT:
		put16(p + 4, r->predict.kind);
		put16(p + 6, r->predict.confidence_pm);
		put64(p + 8, r->predict.ts_ns);
		put64(p + 16, r->predict.eta_ns);
		put32(p + 24, r->predict.vm_id);
		break;
	case TEL_REC_PROBE:
		put8(p + 4, r->probe.op);
		put16(p + 6, r->probe.index);
		put32(p + 8, r->probe.token);
		put32(p + 12, r->probe.train_len);
		put64(p + 16, r->probe.t1_ns);
		put64(p + 24, r->probe.t2_ns);
		break;
	}
}

/*
 * Decode one record whose type and length are already checked.  Returns
 * TEL_REJ_MAX when it is valid, else the reason.
 */
static enum tel_reject decode_record(const uint8_t *p, struct tel_record *r)
{
	memset(r, 0, sizeof(*r));
	r->type = p[0];
	if (p[1])
		return TEL_REJ_RESERVED;
	switch (r->type) {
	case TEL_REC_HOST:
		r->host.ncpus = get16(p + 4);
		r->host.nvms = get16(p + 6);
		r->host.ts_ns = get64(p + 8);
		r->host.mem_total_kib = get64(p + 16);
		r->host.mem_avail_kib = get64(p + 24);
		r->host.cpu_util_ppm = get32(p + 32);
		r->host.psi_cpu_ppm = get32(p + 36);
		r->host.psi_mem_ppm = get32(p + 40);
		r->host.psi_io_ppm = get32(p + 44);
		if (r->host.mem_avail_kib > r->host.mem_total_kib ||
		    r->host.cpu_util_ppm > PPM_MAX ||
		    r->host.psi_cpu_ppm > PPM_MAX ||
		    r->host.psi_mem_ppm > PPM_MAX ||
		    r->host.psi_io_ppm > PPM_MAX)
			return TEL_REJ_VALUE;
		break;
	case TEL_REC_VM:
		r->vm.vm_id = get32(p + 4);
		r->vm.ts_ns = get64(p + 8);
		r->vm.dirty_pages_per_s = get64(p + 16);
		r->vm.mem_kib = get64(p + 24);
		r->vm.cpu_util_ppm = get32(p + 32);
		r->vm.nvcpus = get16(p + 36);
		if (get16(p + 38))
			return TEL_REJ_RESERVED;
		r->vm.wss_kib = get64(p + 40);
		if (r->vm.cpu_util_ppm > PPM_MAX ||
		    r->vm.wss_kib > r->vm.mem_kib)
			return TEL_REJ_VALUE;
		break;
	case TEL_REC_VCPU:
		r->vcpu.vm_id = get32(p + 4);
		r->vcpu.ts_ns = get64(p + 8);
		r->vcpu.vcpu = get16(p + 16);
		r->vcpu.pcpu = get16(p + 18);
		r->vcpu.util_ppm = get32(p + 20);
		r->vcpu.steal_ppm = get32(p + 24);
		r->vcpu.exits_per_s = get32(p + 28);
		if (r->vcpu.util_ppm > PPM_MAX || r->vcpu.steal_ppm > PPM_MAX)
			return TEL_REJ_VALUE;
		break;
	case TEL_REC_LINK:
		r->link.peer_host_id = get32(p + 4);
		r->link.ts_ns = get64(p + 8);
		r->link.configured_bps = get64(p + 16);
		r->link.avail_bps = get64(p + 24);
		r->link.rtt_ns = get32(p + 32);
		r->link.rtt_var_ns = get32(p + 36);
		r->link.loss_ppm = get32(p + 40);
		if (get32(p + 44))
			return TEL_REJ_RESERVED;
		if (r->link.loss_ppm > PPM_MAX)
			return TEL_REJ_VALUE;
		break;
	case TEL_REC_FAULT:
		r->fault.kind = get16(p + 4);
		r->fault.severity = get16(p + 6);
		r->fault.ts_ns = get64(p + 8);
		r->fault.count = get32(p + 16);
		r->fault.vm_id = get32(p + 20);
		r->fault.detail = get64(p + 24);
		if (r->fault.kind < TEL_FAULT_MCE_CORRECTED ||
		    r->fault.kind > TEL_FAULT_OTHER ||
		    r->fault.severity > SEVERITY_MAX)
			return TEL_REJ_VALUE;
		break;
	case TEL_REC_PREDICT:
		r->predict.kind = get16(p + 4);
		r->predict.confidence_pm = get16(p + 6);
		r->predict.ts_ns = get64(p + 8);
		r->predict.eta_ns = get64(p + 16);
		r->predict.vm_id = get32(p + 24);
		if (get32(p + 28))
			return TEL_REJ_RESERVED;
		if (r->predict.kind < TEL_FAULT_MCE_CORRECTED ||
		    r->predict.kind > TEL_FAULT_OTHER ||
		    r->predict.confidence_pm > PERMILLE_MAX)
			return TEL_REJ_VALUE;
		break;
	case TEL_REC_PROBE:
		r->probe.op = p[4];
		if (p[5])
			return TEL_REJ_RESERVED;
		r->probe.index = get16(p + 6);
		r->probe.token = get32(p + 8);
		r->probe.train_len = get32(p + 12);
		r->probe.t1_ns = get64(p + 16);
		r->probe.t2_ns = get64(p + 24);
		if (r->probe.op < TEL_PROBE_REQUEST ||
		    r->probe.op > TEL_PROBE_REPORT)
			return TEL_REJ_VALUE;
		break;
	default:
		return TEL_REJ_REC_TYPE;
	}
	return TEL_REJ_MAX;
}

/* --- frames ----------------------------------------------------------- */

void tel_fb_init(struct tel_frame_builder *fb)
{
	fb->len = TEL_FRAME_HDR_LEN;
	fb->count = 0;
}

bool tel_fb_fits(const struct tel_frame_builder *fb, unsigned int type)
{
	size_t size = tel_rec_size(type);

	return size && fb->len + size <= TEL_FRAME_MAX;
}

int tel_fb_add(struct tel_frame_builder *fb, const struct tel_record *rec)
{
	if (!tel_rec_size(rec->type))
		return -EINVAL;
	if (!tel_fb_fits(fb, rec->type))
		return -ENOSPC;
	encode_record(fb->buf + fb->len, rec);
	fb->len += rec_sizes[rec->type];
	fb->count++;
	return 0;
}

int tel_fb_finish(struct tel_frame_builder *fb, uint32_t sender, uint32_t seq,
		  uint64_t ts_ns)
{
	uint8_t *p = fb->buf;

	if (!fb->count)
		return -ENODATA;
	put32(p + HO_MAGIC, TEL_FRAME_MAGIC);
	put8(p + HO_VERSION, TEL_FRAME_VERSION);
	put8(p + HO_FLAGS, 0);
	put16(p + HO_COUNT, fb->count);
	put32(p + HO_SENDER, sender);
	put32(p + HO_SEQ, seq);
	put64(p + HO_TS, ts_ns);
	put16(p + HO_LEN, (uint16_t)fb->len);
	put16(p + HO_RESERVED, 0);
	put32(p + HO_CHECK, 0);
	put32(p + HO_CHECK, tel_crc32c(0, p, fb->len));
	return (int)fb->len;
}

static enum tel_reject check_header(const uint8_t *p, size_t len,
				    struct tel_frame_hdr *hdr)
{
	uint32_t want, got;
	uint8_t zero[4] = { 0 };

	if (len < TEL_FRAME_HDR_LEN)
		return TEL_REJ_SHORT;
	if (get32(p + HO_MAGIC) != TEL_FRAME_MAGIC)
		return TEL_REJ_MAGIC;
	hdr->version = p[HO_VERSION];
	if (hdr->version != TEL_FRAME_VERSION)
		return TEL_REJ_VERSION;
	hdr->len = get16(p + HO_LEN);
	if (hdr->len > len)
		return TEL_REJ_TRUNCATED;
	if (hdr->len < len || hdr->len > TEL_FRAME_MAX ||
	    hdr->len < TEL_FRAME_HDR_LEN)
		return TEL_REJ_LENGTH;
	/* the check covers the frame with its own field as zero */
	got = get32(p + HO_CHECK);
	want = tel_crc32c(0, p, HO_CHECK);
	want = tel_crc32c(want, zero, sizeof(zero));
	want = tel_crc32c(want, p + TEL_FRAME_HDR_LEN,
			  hdr->len - TEL_FRAME_HDR_LEN);
	if (got != want)
		return TEL_REJ_CHECK;
	if (p[HO_FLAGS] || get16(p + HO_RESERVED))
		return TEL_REJ_RESERVED;
	hdr->count = get16(p + HO_COUNT);
	hdr->sender = get32(p + HO_SENDER);
	hdr->seq = get32(p + HO_SEQ);
	hdr->ts_ns = get64(p + HO_TS);
	/* host ids are configured nonzero: 0 is a sender that was not */
	if (!hdr->sender)
		return TEL_REJ_VALUE;
	return TEL_REJ_MAX;
}

static enum tel_reject decode_body(const uint8_t *p, size_t len,
				   const struct tel_frame_hdr *hdr,
				   struct tel_record *recs, size_t max_recs)
{
	size_t off = TEL_FRAME_HDR_LEN, size;
	enum tel_reject why;
	unsigned int i;

	if (!hdr->count || hdr->count > max_recs)
		return TEL_REJ_COUNT;
	for (i = 0; i < hdr->count; i++) {
		if (off == len)
			return TEL_REJ_COUNT;
		if (len - off < TEL_REC_HDR_LEN)
			return TEL_REJ_REC_LEN;
		size = tel_rec_size(p[off]);
		if (!size)
			return TEL_REJ_REC_TYPE;
		if (get16(p + off + 2) != size || len - off < size)
			return TEL_REJ_REC_LEN;
		why = decode_record(p + off, &recs[i]);
		if (why != TEL_REJ_MAX)
			return why;
		off += size;
	}
	return off == len ? TEL_REJ_MAX : TEL_REJ_COUNT;
}

int tel_frame_decode(const void *buf, size_t len, struct tel_frame_hdr *hdr,
		     struct tel_record *recs, size_t max_recs,
		     enum tel_reject *why, struct tel_decode_stats *stats)
{
	enum tel_reject reason;

	memset(hdr, 0, sizeof(*hdr));
	reason = check_header(buf, len, hdr);
	if (reason == TEL_REJ_MAX)
		reason = decode_body(buf, hdr->len, hdr, recs, max_recs);
	if (reason != TEL_REJ_MAX) {
		if (why)
			*why = reason;
		if (stats)
			stats->rejected[reason]++;
		return -EBADMSG;
	}
	if (stats)
		stats->ok++;
	return hdr->count;
}
