// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: Ethernet packets as a DPDK port delivers them.  An
 * odd first byte points the packet at our address and port and repairs
 * its IPv4 header checksum, so that the fuzzer gets past those checks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tel/tel_frame.h"
#include "core/tel/tel_wire.h"

#define LOCAL_IP 0x01d50d0au	/* 10.213.13.1 in network order on LE */
#define PORT 47100

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void repair(uint8_t *pkt, size_t len)
{
	uint8_t *ip = pkt + TEL_WIRE_ETH_LEN;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4, i;
	uint32_t sum = 0, local = LOCAL_IP;

	memcpy(ip + 16, &local, 4);
	if (TEL_WIRE_ETH_LEN + ihl + 4 <= len) {
		ip[ihl + 2] = PORT >> 8;
		ip[ihl + 3] = PORT & 0xff;
	}
	if (TEL_WIRE_ETH_LEN + ihl > len)
		return;
	ip[10] = ip[11] = 0;
	for (i = 0; i + 1 < ihl; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tel_record recs[TEL_FRAME_MAX_RECORDS];
	struct in_addr local = { .s_addr = LOCAL_IP };
	struct tel_wire_info info;
	struct tel_frame_hdr hdr;
	uint8_t *pkt;
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1;
	pkt = malloc(len ? len : 1);
	if (!pkt)
		return 0;
	memcpy(pkt, data + 1, len);
	if ((data[0] & 1) && len >= TEL_WIRE_HDRS)
		repair(pkt, len);
	if (tel_wire_parse(pkt, len, local, PORT, &info) == 0) {
		if (info.payload_off + info.payload_len > len)
			abort();
		tel_frame_decode(pkt + info.payload_off, info.payload_len, &hdr,
				 recs, TEL_FRAME_MAX_RECORDS, NULL, NULL);
	}
	free(pkt);
	return 0;
}
