/* SPDX-License-Identifier: GPL-2.0 */
/*
 * palm telemetry frames: the host <-> host wire format and its codec.
 * The layout is specified in core/tel/FRAME.md; this header is its C
 * face.  All multi-byte fields are little-endian on the wire; the codec
 * never relies on the alignment of the buffer it is given.
 */
#ifndef PALM_TEL_FRAME_H
#define PALM_TEL_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEL_FRAME_MAGIC 0x544d4c50u	/* "PLMT" as stored on the wire */
#define TEL_FRAME_VERSION 1
#define TEL_FRAME_HDR_LEN 32
/* A UDP payload that fits a 1500-byte IPv4 MTU without fragmenting. */
#define TEL_FRAME_MAX 1472
#define TEL_REC_HDR_LEN 4
#define TEL_REC_MIN_LEN 32
#define TEL_FRAME_MAX_RECORDS ((TEL_FRAME_MAX - TEL_FRAME_HDR_LEN) / TEL_REC_MIN_LEN)

enum tel_rec_type {
	TEL_REC_HOST = 1,	/* host pressure and capacity */
	TEL_REC_VM = 2,		/* per-VM dirty rate and load */
	TEL_REC_VCPU = 3,	/* per-vCPU load */
	TEL_REC_LINK = 4,	/* link probe result towards one peer */
	TEL_REC_FAULT = 5,	/* fault-precursor event */
	TEL_REC_PREDICT = 6,	/* predicted-failure event */
	TEL_REC_PROBE = 7,	/* link probe packet (tel_probe.h), not state */
	TEL_REC_TYPE_MAX,
};

/* Decoded records: host byte order, the same fields as on the wire. */
struct tel_host_sample {
	uint16_t ncpus;
	uint16_t nvms;
	uint64_t ts_ns;
	uint64_t mem_total_kib;
	uint64_t mem_avail_kib;
	uint32_t cpu_util_ppm;		/* parts per million of all CPUs */
	uint32_t psi_cpu_ppm;		/* PSI "some" avg10, ppm */
	uint32_t psi_mem_ppm;
	uint32_t psi_io_ppm;
};

struct tel_vm_sample {
	uint32_t vm_id;
	uint64_t ts_ns;
	uint64_t dirty_pages_per_s;
	uint64_t mem_kib;
	uint32_t cpu_util_ppm;
	uint16_t nvcpus;
	uint64_t wss_kib;		/* estimated working set */
};

struct tel_vcpu_sample {
	uint32_t vm_id;
	uint64_t ts_ns;
	uint16_t vcpu;
	uint16_t pcpu;
	uint32_t util_ppm;
	uint32_t steal_ppm;
	uint32_t exits_per_s;
};

struct tel_link_sample {
	uint32_t peer_host_id;
	uint64_t ts_ns;
	uint64_t configured_bps;	/* 0: not configured */
	uint64_t avail_bps;		/* estimate; 0: unknown */
	uint32_t rtt_ns;
	uint32_t rtt_var_ns;
	uint32_t loss_ppm;
};

enum tel_fault_kind {
	TEL_FAULT_MCE_CORRECTED = 1,
	TEL_FAULT_EDAC_CE = 2,
	TEL_FAULT_DISK_SMART = 3,
	TEL_FAULT_THERMAL = 4,
	TEL_FAULT_OTHER = 5,
};

struct tel_fault_event {
	uint16_t kind;			/* enum tel_fault_kind */
	uint16_t severity;		/* 0 info .. 3 critical */
	uint64_t ts_ns;
	uint32_t count;			/* occurrences in the window */
	uint32_t vm_id;			/* 0: the host itself */
	uint64_t detail;		/* kind-specific (bank, address, sensor) */
};

struct tel_predict_event {
	uint16_t kind;			/* enum tel_fault_kind it anticipates */
	uint16_t confidence_pm;		/* per mille */
	uint64_t ts_ns;
	uint64_t eta_ns;		/* predicted time of failure */
	uint32_t vm_id;			/* 0: the host itself */
};

enum tel_probe_op {
	TEL_PROBE_REQUEST = 1,	/* echo request: t1 = requester's send time */
	TEL_PROBE_REPLY = 2,	/* echo reply: the request's fields back */
	TEL_PROBE_TRAIN = 3,	/* one frame of a packet train */
	TEL_PROBE_REPORT_REQ = 4,	/* "the train is over, report" */
	TEL_PROBE_REPORT = 5,	/* index: frames timed; t1, t2: first, last */
};

struct tel_probe_rec {
	uint8_t op;			/* enum tel_probe_op */
	uint16_t index;
	uint32_t token;			/* ties replies to one probe run */
	uint32_t train_len;
	uint64_t t1_ns;
	uint64_t t2_ns;
};

struct tel_record {
	uint8_t type;			/* enum tel_rec_type */
	union {
		struct tel_host_sample host;
		struct tel_vm_sample vm;
		struct tel_vcpu_sample vcpu;
		struct tel_link_sample link;
		struct tel_fault_event fault;
		struct tel_predict_event predict;
		struct tel_probe_rec probe;
	};
};

struct tel_frame_hdr {
	uint8_t version;
	uint32_t sender;
	uint32_t seq;
	uint64_t ts_ns;			/* sender's CLOCK_REALTIME at send */
	uint16_t count;
	uint16_t len;
};

/* Why a frame was rejected; each has a counter. */
enum tel_reject {
	TEL_REJ_SHORT,		/* shorter than the header */
	TEL_REJ_MAGIC,
	TEL_REJ_VERSION,
	TEL_REJ_TRUNCATED,	/* header length beyond the bytes received */
	TEL_REJ_LENGTH,		/* header length below received, or too big */
	TEL_REJ_CHECK,		/* CRC32C mismatch */
	TEL_REJ_COUNT,		/* record count 0, or not what the body holds */
	TEL_REJ_REC_TYPE,	/* unknown record type */
	TEL_REJ_REC_LEN,	/* record length not its type's, or past end */
	TEL_REJ_RESERVED,	/* a reserved field or flag is not zero */
	TEL_REJ_VALUE,		/* a field outside its documented range, sender 0 */
	TEL_REJ_MAX,
};

struct tel_decode_stats {
	uint64_t ok;
	uint64_t rejected[TEL_REJ_MAX];
};

/* Wire size of a record of @type, or 0 when unknown. */
size_t tel_rec_size(unsigned int type);

const char *tel_reject_name(enum tel_reject why);
const char *tel_rec_type_name(unsigned int type);

/* CRC32C (Castagnoli), as in the frame header. */
uint32_t tel_crc32c(uint32_t crc, const void *buf, size_t len);

/* Builds one frame in place: init, add records, finish. */
struct tel_frame_builder {
	uint8_t buf[TEL_FRAME_MAX];
	size_t len;
	uint16_t count;
};

void tel_fb_init(struct tel_frame_builder *fb);
/* 0, -ENOSPC when the frame is full, -EINVAL for a bad record type. */
int tel_fb_add(struct tel_frame_builder *fb, const struct tel_record *rec);
/* Room for another record of @type? */
bool tel_fb_fits(const struct tel_frame_builder *fb, unsigned int type);
/*
 * Write the header and the check: returns the frame length, or -ENODATA
 * for a frame with no record.  The builder may be finished again (with a
 * new seq) to resend the same records.
 */
int tel_fb_finish(struct tel_frame_builder *fb, uint32_t sender, uint32_t seq,
		  uint64_t ts_ns);

/*
 * Validate and decode @len bytes at @buf.  Returns the number of records
 * (all of them are stored in @recs, which must hold @max_recs; a frame
 * with more records than @max_recs is rejected as TEL_REJ_COUNT), or
 * -EBADMSG with the reason in @why.  @stats, when given, counts the
 * outcome.  Never reads outside [buf, buf + len).
 */
int tel_frame_decode(const void *buf, size_t len, struct tel_frame_hdr *hdr,
		     struct tel_record *recs, size_t max_recs,
		     enum tel_reject *why, struct tel_decode_stats *stats);

#endif /* PALM_TEL_FRAME_H */
