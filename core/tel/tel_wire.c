// SPDX-License-Identifier: GPL-2.0
/* Ethernet/IPv4/UDP headers around telemetry frames: build and validate. */
#include "core/tel/tel_wire.h"

#include <errno.h>
#include <string.h>

#define WIRE_ETHERTYPE_IPV4 0x0800
#define WIRE_IP_MIN 20
#define WIRE_UDP_LEN 8
#define WIRE_DF 0x4000
#define WIRE_MF 0x2000
#define WIRE_OFFMASK 0x1fff
#define WIRE_TTL 64

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The Internet checksum's folded sum (RFC 1071), not complemented. */
static uint16_t ones_sum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get_be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

int tel_wire_build(uint8_t *pkt, size_t cap, const struct tel_wire_addr *src,
		   const struct tel_wire_addr *dst, uint16_t ip_id,
		   const void *payload, uint16_t len)
{
	uint8_t *ip = pkt + TEL_WIRE_ETH_LEN, *udp = ip + WIRE_IP_MIN;
	size_t total = TEL_WIRE_HDRS + (size_t)len;

	if (total > cap || WIRE_IP_MIN + WIRE_UDP_LEN + (size_t)len > 0xffff)
		return -EMSGSIZE;
	memcpy(pkt, dst->mac, 6);
	memcpy(pkt + 6, src->mac, 6);
	put_be16(pkt + 12, WIRE_ETHERTYPE_IPV4);
	memset(ip, 0, WIRE_IP_MIN);
	ip[0] = 0x45;				/* version 4, 5 words */
	put_be16(ip + 2, (uint16_t)(WIRE_IP_MIN + WIRE_UDP_LEN + len));
	put_be16(ip + 4, ip_id);
	put_be16(ip + 6, WIRE_DF);
	ip[8] = WIRE_TTL;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &src->ip.s_addr, 4);	/* already network order */
	memcpy(ip + 16, &dst->ip.s_addr, 4);
	put_be16(ip + 10, (uint16_t)~ones_sum(ip, WIRE_IP_MIN));
	put_be16(udp, src->port);
	put_be16(udp + 2, dst->port);
	put_be16(udp + 4, (uint16_t)(WIRE_UDP_LEN + len));
	put_be16(udp + 6, 0);
	memcpy(udp + WIRE_UDP_LEN, payload, len);
	return (int)total;
}

int tel_wire_parse(const uint8_t *pkt, size_t len, struct in_addr local,
		   uint16_t port, struct tel_wire_info *info)
{
	const uint8_t *ip, *udp;
	size_t ihl, tot, ulen;
	uint16_t frag;

	if (len < TEL_WIRE_HDRS)
		return -EBADMSG;
	if (get_be16(pkt + 12) != WIRE_ETHERTYPE_IPV4)
		return -EPROTONOSUPPORT;
	ip = pkt + TEL_WIRE_ETH_LEN;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = get_be16(ip + 2);
	frag = get_be16(ip + 6);
	if ((ip[0] >> 4) != 4 || ip[9] != IPPROTO_UDP ||
	    (frag & (WIRE_MF | WIRE_OFFMASK)))
		return -EPROTONOSUPPORT;
	/* the Ethernet minimum pads short packets: tot may be below len */
	if (ihl < WIRE_IP_MIN || tot < ihl + WIRE_UDP_LEN ||
	    tot > len - TEL_WIRE_ETH_LEN || ones_sum(ip, ihl) != 0xffff)
		return -EBADMSG;
	if (memcmp(ip + 16, &local.s_addr, 4))
		return -EADDRNOTAVAIL;
	udp = ip + ihl;
	ulen = get_be16(udp + 4);
	if (ulen < WIRE_UDP_LEN || ulen > tot - ihl)
		return -EBADMSG;
	if (get_be16(udp + 2) != port)
		return -EADDRNOTAVAIL;
	memcpy(info->src.mac, pkt + 6, 6);
	memcpy(&info->src.ip.s_addr, ip + 12, 4);
	info->src.port = get_be16(udp);
	info->payload_off = (size_t)(udp - pkt) + WIRE_UDP_LEN;
	info->payload_len = (uint16_t)(ulen - WIRE_UDP_LEN);
	return 0;
}
