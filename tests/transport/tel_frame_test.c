// SPDX-License-Identifier: GPL-2.0
/*
 * Telemetry frame codec: round trips of every record type, the wire
 * layout byte by byte, and rejection (with its counted reason) of every
 * kind of malformed frame, including every truncation and bit flip.
 */
#include "tests/lib/harness.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/tel/tel_frame.h"

static struct tel_record sample(unsigned int type, uint32_t n)
{
	struct tel_record r;

	memset(&r, 0, sizeof(r));
	r.type = (uint8_t)type;
	switch (type) {
	case TEL_REC_HOST:
		r.host = (struct tel_host_sample){
			.ncpus = 64, .nvms = 12, .ts_ns = 1000 + n,
			.mem_total_kib = 1ull << 40, .mem_avail_kib = 1ull << 39,
			.cpu_util_ppm = 500000, .psi_cpu_ppm = 1,
			.psi_mem_ppm = 2, .psi_io_ppm = 1000000,
		};
		break;
	case TEL_REC_VM:
		r.vm = (struct tel_vm_sample){
			.vm_id = 7 + n, .ts_ns = 0x0102030405060708ull,
			.dirty_pages_per_s = 123456789, .mem_kib = 8 << 20,
			.cpu_util_ppm = 999999, .nvcpus = 4, .wss_kib = 1 << 20,
		};
		break;
	case TEL_REC_VCPU:
		r.vcpu = (struct tel_vcpu_sample){
			.vm_id = 7, .ts_ns = 42, .vcpu = (uint16_t)n, .pcpu = 3,
			.util_ppm = 10, .steal_ppm = 20, .exits_per_s = 30,
		};
		break;
	case TEL_REC_LINK:
		r.link = (struct tel_link_sample){
			.peer_host_id = 2, .ts_ns = 43,
			.configured_bps = 10000000000ull, .avail_bps = 9e9,
			.rtt_ns = 25000, .rtt_var_ns = 100, .loss_ppm = 5,
		};
		break;
	case TEL_REC_FAULT:
		r.fault = (struct tel_fault_event){
			.kind = TEL_FAULT_EDAC_CE, .severity = 2, .ts_ns = 44,
			.count = 17, .vm_id = 0, .detail = 0xdeadbeefull,
		};
		break;
	case TEL_REC_PREDICT:
		r.predict = (struct tel_predict_event){
			.kind = TEL_FAULT_THERMAL, .confidence_pm = 870,
			.ts_ns = 45, .eta_ns = 45 + 600000000000ull, .vm_id = 9,
		};
		break;
	case TEL_REC_PROBE:
		r.probe = (struct tel_probe_rec){
			.op = TEL_PROBE_REPORT, .index = 31, .token = 0xabcdef,
			.train_len = 64, .t1_ns = 46, .t2_ns = 47,
		};
		break;
	}
	return r;
}

/* A frame with one record of each type; returns its length. */
static int build_all(struct tel_frame_builder *fb)
{
	unsigned int t;

	tel_fb_init(fb);
	for (t = TEL_REC_HOST; t < TEL_REC_TYPE_MAX; t++) {
		struct tel_record r = sample(t, t);

		if (tel_fb_add(fb, &r))
			return -1;
	}
	return tel_fb_finish(fb, 0x11223344, 0xaabbccdd, 0x0807060504030201ull);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Recompute the check after an edit, so that a later check fires. */
static void fix_check(uint8_t *buf, size_t len)
{
	uint32_t c;

	memset(buf + 28, 0, 4);
	c = tel_crc32c(0, buf, len);
	buf[28] = (uint8_t)c;
	buf[29] = (uint8_t)(c >> 8);
	buf[30] = (uint8_t)(c >> 16);
	buf[31] = (uint8_t)(c >> 24);
}

static enum tel_reject reject_of(const uint8_t *buf, size_t len)
{
	struct tel_record recs[TEL_FRAME_MAX_RECORDS];
	struct tel_frame_hdr hdr;
	enum tel_reject why = TEL_REJ_MAX;
	int n;

	n = tel_frame_decode(buf, len, &hdr, recs, TEL_FRAME_MAX_RECORDS, &why,
			     NULL);
	return n < 0 ? why : TEL_REJ_MAX;
}

TEST(crc32c_known_answer)
{
	/* the CRC-32C check value from the iSCSI standard (RFC 3720) */
	ASSERT_EQ(0xe3069283u, tel_crc32c(0, "123456789", 9));
	ASSERT_EQ(0u, tel_crc32c(0, "", 0));
	/* incremental equals one-shot */
	ASSERT_EQ(tel_crc32c(0, "123456789", 9),
		  tel_crc32c(tel_crc32c(0, "1234", 4), "56789", 5));
}

TEST(record_sizes_are_fixed)
{
	ASSERT_EQ(48, tel_rec_size(TEL_REC_HOST));
	ASSERT_EQ(48, tel_rec_size(TEL_REC_VM));
	ASSERT_EQ(32, tel_rec_size(TEL_REC_VCPU));
	ASSERT_EQ(48, tel_rec_size(TEL_REC_LINK));
	ASSERT_EQ(32, tel_rec_size(TEL_REC_FAULT));
	ASSERT_EQ(32, tel_rec_size(TEL_REC_PREDICT));
	ASSERT_EQ(32, tel_rec_size(TEL_REC_PROBE));
	ASSERT_EQ(0, tel_rec_size(0));
	ASSERT_EQ(0, tel_rec_size(TEL_REC_TYPE_MAX));
	ASSERT_EQ(0, tel_rec_size(255));
	ASSERT_EQ(45, TEL_FRAME_MAX_RECORDS);
}

TEST(round_trip_every_type)
{
	struct tel_record recs[TEL_FRAME_MAX_RECORDS];
	struct tel_frame_builder fb, again;
	struct tel_decode_stats st = { 0 };
	struct tel_frame_hdr hdr;
	unsigned int t;
	int len, n, i;

	len = build_all(&fb);
	ASSERT_EQ(32 + 48 + 48 + 32 + 48 + 32 + 32 + 32, len);
	n = tel_frame_decode(fb.buf, (size_t)len, &hdr, recs,
			     TEL_FRAME_MAX_RECORDS, NULL, &st);
	ASSERT_EQ(7, n);
	ASSERT_EQ(1, st.ok);
	ASSERT_EQ(TEL_FRAME_VERSION, hdr.version);
	ASSERT_EQ(0x11223344u, hdr.sender);
	ASSERT_EQ(0xaabbccddu, hdr.seq);
	ASSERT_EQ(0x0807060504030201ull, hdr.ts_ns);
	ASSERT_EQ(7, hdr.count);
	ASSERT_EQ(len, hdr.len);
	for (t = TEL_REC_HOST, i = 0; t < TEL_REC_TYPE_MAX; t++, i++)
		ASSERT_EQ(t, recs[i].type);
	ASSERT_EQ(1ull << 40, recs[0].host.mem_total_kib);
	ASSERT_EQ(1000000u, recs[0].host.psi_io_ppm);
	ASSERT_EQ(123456789u, recs[1].vm.dirty_pages_per_s);
	ASSERT_EQ(0x0102030405060708ull, recs[1].vm.ts_ns);
	ASSERT_EQ(3, recs[2].vcpu.vcpu);
	ASSERT_EQ(30u, recs[2].vcpu.exits_per_s);
	ASSERT_EQ(10000000000ull, recs[3].link.configured_bps);
	ASSERT_EQ(25000u, recs[3].link.rtt_ns);
	ASSERT_EQ(0xdeadbeefull, recs[4].fault.detail);
	ASSERT_EQ(870, recs[5].predict.confidence_pm);
	ASSERT_EQ(9u, recs[5].predict.vm_id);
	ASSERT_EQ(TEL_PROBE_REPORT, recs[6].probe.op);
	ASSERT_EQ(0xabcdefu, recs[6].probe.token);
	ASSERT_EQ(47u, recs[6].probe.t2_ns);

	/* decoding then encoding gives the same bytes */
	tel_fb_init(&again);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, tel_fb_add(&again, &recs[i]));
	ASSERT_EQ(len, tel_fb_finish(&again, hdr.sender, hdr.seq, hdr.ts_ns));
	ASSERT_EQ(0, memcmp(fb.buf, again.buf, (size_t)len));
}

TEST(wire_layout_is_little_endian)
{
	static const uint8_t want_hdr[28] = {
		'P', 'L', 'M', 'T', 1, 0, 7, 0,		/* magic ver flags count */
		0x44, 0x33, 0x22, 0x11,			/* sender */
		0xdd, 0xcc, 0xbb, 0xaa,			/* seq */
		1, 2, 3, 4, 5, 6, 7, 8,			/* ts */
		0x30, 0x01, 0, 0,			/* len 304, reserved */
	};
	struct tel_frame_builder fb;
	uint8_t *vm;
	int len;

	len = build_all(&fb);
	ASSERT_EQ(304, len);
	ASSERT_EQ(0, memcmp(fb.buf, want_hdr, sizeof(want_hdr)));
	/* the VM record follows the 48-byte host record */
	vm = fb.buf + 32 + 48;
	ASSERT_EQ(TEL_REC_VM, vm[0]);
	ASSERT_EQ(0, vm[1]);
	ASSERT_EQ(48, vm[2]);
	ASSERT_EQ(0, vm[3]);
	ASSERT_EQ(9, vm[4]);		/* vm_id 7 + 2 */
	ASSERT_EQ(0x08, vm[8]);		/* ts, least significant byte first */
	ASSERT_EQ(0x01, vm[15]);
}

TEST(full_frame_fits_one_mtu)
{
	struct tel_record recs[TEL_FRAME_MAX_RECORDS];
	struct tel_record r = sample(TEL_REC_VCPU, 0);
	struct tel_frame_builder fb;
	struct tel_frame_hdr hdr;
	int n = 0, len, i;

	tel_fb_init(&fb);
	while (tel_fb_add(&fb, &r) == 0) {
		n++;
		r.vcpu.vcpu = (uint16_t)n;
	}
	ASSERT_EQ(TEL_FRAME_MAX_RECORDS, n);
	ASSERT_FALSE(tel_fb_fits(&fb, TEL_REC_VCPU));
	ASSERT_EQ(-ENOSPC, tel_fb_add(&fb, &r));
	len = tel_fb_finish(&fb, 1, 2, 3);
	ASSERT_LE(len, TEL_FRAME_MAX);
	ASSERT_EQ(n, tel_frame_decode(fb.buf, (size_t)len, &hdr, recs,
				      TEL_FRAME_MAX_RECORDS, NULL, NULL));
	for (i = 0; i < n; i++)
		ASSERT_EQ(i, recs[i].vcpu.vcpu);
}

TEST(builder_rejects_bad_use)
{
	struct tel_frame_builder fb;
	struct tel_record r;

	memset(&r, 0, sizeof(r));
	tel_fb_init(&fb);
	ASSERT_EQ(-ENODATA, tel_fb_finish(&fb, 1, 1, 1));
	r.type = 0;
	ASSERT_EQ(-EINVAL, tel_fb_add(&fb, &r));
	r.type = TEL_REC_TYPE_MAX;
	ASSERT_EQ(-EINVAL, tel_fb_add(&fb, &r));
}

/* One valid frame to break in the cases below. */
FIXTURE(bad) {
	uint8_t buf[TEL_FRAME_MAX + 64];
	size_t len;
};

FIXTURE_SETUP(bad)
{
	struct tel_frame_builder fb;
	int len = build_all(&fb);

	ASSERT_GT(len, 0);
	memset(self->buf, 0, sizeof(self->buf));
	memcpy(self->buf, fb.buf, (size_t)len);
	self->len = (size_t)len;
	ASSERT_EQ(TEL_REJ_MAX, reject_of(self->buf, self->len));
}

FIXTURE_TEARDOWN(bad)
{
}

TEST_F(bad, short)
{
	ASSERT_EQ(TEL_REJ_SHORT, reject_of(self->buf, 0));
	ASSERT_EQ(TEL_REJ_SHORT, reject_of(self->buf, 31));
	ASSERT_EQ(TEL_REJ_SHORT, reject_of(NULL, 0));
}

TEST_F(bad, magic)
{
	self->buf[3] ^= 0x20;
	ASSERT_EQ(TEL_REJ_MAGIC, reject_of(self->buf, self->len));
}

TEST_F(bad, version)
{
	self->buf[4] = 2;
	ASSERT_EQ(TEL_REJ_VERSION, reject_of(self->buf, self->len));
	self->buf[4] = 0;
	ASSERT_EQ(TEL_REJ_VERSION, reject_of(self->buf, self->len));
}

TEST_F(bad, truncated)
{
	ASSERT_EQ(TEL_REJ_TRUNCATED, reject_of(self->buf, self->len - 1));
	ASSERT_EQ(TEL_REJ_TRUNCATED, reject_of(self->buf, 32));
}

TEST_F(bad, length)
{
	/* trailing bytes after what the header says */
	ASSERT_EQ(TEL_REJ_LENGTH, reject_of(self->buf, self->len + 1));
	/* a header length below the header */
	put16(self->buf + 24, 16);
	ASSERT_EQ(TEL_REJ_LENGTH, reject_of(self->buf, 16 + 16));
	/* beyond one MTU, even when that much was received */
	put16(self->buf + 24, TEL_FRAME_MAX + 8);
	ASSERT_EQ(TEL_REJ_LENGTH, reject_of(self->buf, TEL_FRAME_MAX + 8));
}

TEST_F(bad, check)
{
	self->buf[100] ^= 1;
	ASSERT_EQ(TEL_REJ_CHECK, reject_of(self->buf, self->len));
	self->buf[100] ^= 1;
	self->buf[29] ^= 0x80;
	ASSERT_EQ(TEL_REJ_CHECK, reject_of(self->buf, self->len));
}

TEST_F(bad, reserved)
{
	self->buf[5] = 1;		/* header flags */
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_RESERVED, reject_of(self->buf, self->len));
	self->buf[5] = 0;
	self->buf[27] = 1;		/* header reserved */
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_RESERVED, reject_of(self->buf, self->len));
	self->buf[27] = 0;
	self->buf[32 + 1] = 4;		/* first record's flags */
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_RESERVED, reject_of(self->buf, self->len));
	self->buf[32 + 1] = 0;
	self->buf[32 + 48 + 38] = 1;	/* VM record reserved */
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_RESERVED, reject_of(self->buf, self->len));
}

TEST_F(bad, count)
{
	struct tel_record recs[2];
	struct tel_frame_hdr hdr;
	enum tel_reject why;

	put16(self->buf + 6, 0);
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_COUNT, reject_of(self->buf, self->len));
	/* more records announced than present */
	put16(self->buf + 6, 8);
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_COUNT, reject_of(self->buf, self->len));
	/* fewer: bytes left over */
	put16(self->buf + 6, 6);
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_COUNT, reject_of(self->buf, self->len));
	/* more than the caller can take */
	put16(self->buf + 6, 7);
	fix_check(self->buf, self->len);
	ASSERT_EQ(-EBADMSG, tel_frame_decode(self->buf, self->len, &hdr, recs,
					     2, &why, NULL));
	ASSERT_EQ(TEL_REJ_COUNT, why);
	put16(self->buf + 6, 0xffff);
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_COUNT, reject_of(self->buf, self->len));
}

TEST_F(bad, record_type)
{
	self->buf[32] = 0;
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_REC_TYPE, reject_of(self->buf, self->len));
	self->buf[32] = TEL_REC_TYPE_MAX;
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_REC_TYPE, reject_of(self->buf, self->len));
	self->buf[32] = 0xff;
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_REC_TYPE, reject_of(self->buf, self->len));
}

TEST_F(bad, record_length)
{
	/* a host record claiming a VCPU record's size */
	put16(self->buf + 32 + 2, 32);
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_REC_LEN, reject_of(self->buf, self->len));
	put16(self->buf + 32 + 2, 48);
	/* the last record cut short, header length and check consistent */
	put16(self->buf + 24, (uint16_t)(self->len - 8));
	fix_check(self->buf, self->len - 8);
	ASSERT_EQ(TEL_REJ_REC_LEN, reject_of(self->buf, self->len - 8));
	/* an eighth record of two bytes: not even its header fits */
	put16(self->buf + 24, (uint16_t)(self->len + 2));
	put16(self->buf + 6, 8);
	self->buf[self->len] = TEL_REC_HOST;
	fix_check(self->buf, self->len + 2);
	ASSERT_EQ(TEL_REJ_REC_LEN, reject_of(self->buf, self->len + 2));
}

TEST_F(bad, value)
{
	/* host cpu_util_ppm above one million */
	self->buf[32 + 32] = 0x41;
	self->buf[32 + 33] = 0x42;
	self->buf[32 + 34] = 0x0f;
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_VALUE, reject_of(self->buf, self->len));
	/* sender 0 */
	memset(self->buf + 8, 0, 4);
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_VALUE, reject_of(self->buf, self->len));
	self->buf[8] = 1;
	/* a probe record with an unknown op */
	self->buf[32 + 32] = 0;
	self->buf[32 + 33] = 0;
	self->buf[32 + 34] = 0;
	self->buf[self->len - 32 + 4] = 9;
	fix_check(self->buf, self->len);
	ASSERT_EQ(TEL_REJ_VALUE, reject_of(self->buf, self->len));
}

TEST_F(bad, every_truncation)
{
	size_t cut;

	for (cut = 0; cut < self->len; cut++)
		ASSERT_NE(TEL_REJ_MAX, reject_of(self->buf, cut));
}

TEST_F(bad, every_bit_flip)
{
	struct tel_decode_stats st = { 0 };
	struct tel_record recs[TEL_FRAME_MAX_RECORDS];
	struct tel_frame_hdr hdr;
	size_t bit, flips = self->len * 8;

	for (bit = 0; bit < flips; bit++) {
		self->buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ASSERT_EQ(-EBADMSG,
			  tel_frame_decode(self->buf, self->len, &hdr, recs,
					   TEL_FRAME_MAX_RECORDS, NULL, &st));
		self->buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	ASSERT_EQ(0, st.ok);
	/* counted once each, by reason */
	ASSERT_EQ(flips, st.rejected[TEL_REJ_MAGIC] +
		  st.rejected[TEL_REJ_VERSION] + st.rejected[TEL_REJ_LENGTH] +
		  st.rejected[TEL_REJ_TRUNCATED] + st.rejected[TEL_REJ_CHECK]);
	ASSERT_EQ(32, st.rejected[TEL_REJ_MAGIC]);
	ASSERT_EQ(8, st.rejected[TEL_REJ_VERSION]);
}

TEST(reject_names)
{
	int i;

	for (i = 0; i < TEL_REJ_MAX; i++)
		ASSERT_STRNE("?", tel_reject_name(i));
	ASSERT_STREQ("?", tel_reject_name(TEL_REJ_MAX));
	ASSERT_STREQ("vm", tel_rec_type_name(TEL_REC_VM));
	ASSERT_STREQ("?", tel_rec_type_name(0));
}
