/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ethernet/IPv4/UDP encapsulation of telemetry frames, for transports
 * that build packets themselves (DPDK).  Plain bytes in and out, so the
 * parser is unit-tested and fuzzed without DPDK.
 */
#ifndef PALM_TEL_WIRE_H
#define PALM_TEL_WIRE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define TEL_WIRE_ETH_LEN 14
#define TEL_WIRE_HDRS (TEL_WIRE_ETH_LEN + 20 + 8)

struct tel_wire_addr {
	uint8_t mac[6];
	struct in_addr ip;
	uint16_t port;			/* host order */
};

/* What a parsed packet carries. */
struct tel_wire_info {
	struct tel_wire_addr src;
	size_t payload_off;
	uint16_t payload_len;
};

/*
 * Write the headers and @len bytes of @payload into @pkt (@cap bytes):
 * returns the packet length, or -EMSGSIZE.  UDP checksum 0 (the frame
 * carries its own CRC32C), IPv4 header checksum computed, DF set.
 */
int tel_wire_build(uint8_t *pkt, size_t cap, const struct tel_wire_addr *src,
		   const struct tel_wire_addr *dst, uint16_t ip_id,
		   const void *payload, uint16_t len);

/*
 * Validate an Ethernet packet as IPv4/UDP to @local:@port: 0 with @info
 * filled, -EPROTONOSUPPORT (not IPv4/UDP, or a fragment), -EADDRNOTAVAIL
 * (another address or port), -EBADMSG (inconsistent lengths, bad header
 * checksum).  Never reads outside [pkt, pkt + len).
 */
int tel_wire_parse(const uint8_t *pkt, size_t len, struct in_addr local,
		   uint16_t port, struct tel_wire_info *info);

#endif /* PALM_TEL_WIRE_H */
