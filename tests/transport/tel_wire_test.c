// SPDX-License-Identifier: GPL-2.0
/*
 * Ethernet/IPv4/UDP encapsulation of frames (the DPDK path): built
 * headers are what the RFCs say, and the parser refuses every packet
 * that is not well-formed IPv4/UDP to our address and port.
 */
#include "tests/lib/harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "core/tel/tel_wire.h"

#define PORT 47100

FIXTURE(wire) {
	struct tel_wire_addr src, dst;
	uint8_t payload[100];
	uint8_t pkt[256];
	int len;
};

FIXTURE_SETUP(wire)
{
	static const uint8_t smac[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t dmac[6] = { 2, 0, 0, 0, 0, 2 };
	size_t i;

	memcpy(self->src.mac, smac, 6);
	memcpy(self->dst.mac, dmac, 6);
	inet_pton(AF_INET, "10.213.7.1", &self->src.ip);
	inet_pton(AF_INET, "10.213.7.2", &self->dst.ip);
	self->src.port = 47101;
	self->dst.port = PORT;
	for (i = 0; i < sizeof(self->payload); i++)
		self->payload[i] = (uint8_t)(i * 7);
	self->len = tel_wire_build(self->pkt, sizeof(self->pkt), &self->src,
				   &self->dst, 0x1234, self->payload,
				   sizeof(self->payload));
	ASSERT_EQ(TEL_WIRE_HDRS + 100, self->len);
}

FIXTURE_TEARDOWN(wire)
{
}

static int parse(FIXTURE_DATA(wire) *self, size_t len)
{
	struct tel_wire_info info;

	return tel_wire_parse(self->pkt, len, self->dst.ip, PORT, &info);
}

/* Recompute the IPv4 header checksum after an edit. */
static void fix_ip_check(uint8_t *pkt)
{
	uint8_t *ip = pkt + TEL_WIRE_ETH_LEN;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4, i;
	uint32_t sum = 0;

	ip[10] = ip[11] = 0;
	for (i = 0; i < ihl; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
}

TEST_F(wire, round_trip)
{
	struct tel_wire_info info;

	ASSERT_EQ(0, tel_wire_parse(self->pkt, (size_t)self->len, self->dst.ip,
				    PORT, &info));
	ASSERT_EQ(0, memcmp(info.src.mac, self->src.mac, 6));
	ASSERT_EQ(self->src.ip.s_addr, info.src.ip.s_addr);
	ASSERT_EQ(47101, info.src.port);
	ASSERT_EQ(TEL_WIRE_HDRS, info.payload_off);
	ASSERT_EQ(100, info.payload_len);
	ASSERT_EQ(0, memcmp(self->pkt + info.payload_off, self->payload, 100));
	/* Ethernet padding after the datagram is allowed */
	ASSERT_EQ(0, parse(self, (size_t)self->len + 20));
}

TEST_F(wire, header_bytes)
{
	const uint8_t *ip = self->pkt + TEL_WIRE_ETH_LEN;

	ASSERT_EQ(2, self->pkt[0]);
	ASSERT_EQ(2, self->pkt[5]);
	ASSERT_EQ(1, self->pkt[11]);
	ASSERT_EQ(0x08, self->pkt[12]);
	ASSERT_EQ(0x00, self->pkt[13]);
	ASSERT_EQ(0x45, ip[0]);
	ASSERT_EQ(0, ip[2]);
	ASSERT_EQ(128, ip[3]);		/* 20 + 8 + 100 */
	ASSERT_EQ(0x12, ip[4]);
	ASSERT_EQ(0x40, ip[6]);		/* don't fragment */
	ASSERT_EQ(64, ip[8]);
	ASSERT_EQ(17, ip[9]);
	ASSERT_EQ(10, ip[16]);
	ASSERT_EQ(2, ip[19]);
	ASSERT_EQ(0xb7, ip[20]);	/* source port 47101 = 0xb7fd */
	ASSERT_EQ(0xfd, ip[21]);
	ASSERT_EQ(108, ip[25]);		/* UDP length 8 + 100 */
	ASSERT_EQ(0, ip[26]);		/* no UDP checksum */
	ASSERT_EQ(0, ip[27]);
}

TEST(ipv4_checksum_known_answer)
{
	/* the worked example of en.wikipedia.org/wiki/IPv4_header_checksum */
	struct tel_wire_addr s = { .port = 1 }, d = { .port = 2 };
	uint8_t pkt[256], payload[0x73 - 28];
	int len;

	memset(payload, 0, sizeof(payload));
	inet_pton(AF_INET, "192.168.0.1", &s.ip);
	inet_pton(AF_INET, "192.168.0.199", &d.ip);
	len = tel_wire_build(pkt, sizeof(pkt), &s, &d, 0, payload,
			     sizeof(payload));
	ASSERT_EQ(14 + 0x73, len);
	ASSERT_EQ(0xb8, pkt[14 + 10]);
	ASSERT_EQ(0x61, pkt[14 + 11]);
}

TEST_F(wire, too_small_buffer)
{
	uint8_t small[TEL_WIRE_HDRS + 99];

	ASSERT_EQ(-EMSGSIZE, tel_wire_build(small, sizeof(small), &self->src,
					    &self->dst, 0, self->payload,
					    sizeof(self->payload)));
}

TEST_F(wire, not_ours)
{
	struct tel_wire_info info;
	struct in_addr other;

	inet_pton(AF_INET, "10.213.7.3", &other);
	ASSERT_EQ(-EADDRNOTAVAIL, tel_wire_parse(self->pkt, (size_t)self->len,
						 other, PORT, &info));
	ASSERT_EQ(-EADDRNOTAVAIL, tel_wire_parse(self->pkt, (size_t)self->len,
						 self->dst.ip, PORT + 1, &info));
}

TEST_F(wire, not_ipv4_udp)
{
	self->pkt[12] = 0x08;
	self->pkt[13] = 0x06;			/* ARP */
	ASSERT_EQ(-EPROTONOSUPPORT, parse(self, (size_t)self->len));
	self->pkt[13] = 0x00;
	self->pkt[14] = 0x65;			/* version 6 */
	ASSERT_EQ(-EPROTONOSUPPORT, parse(self, (size_t)self->len));
	self->pkt[14] = 0x45;
	self->pkt[14 + 9] = 6;			/* TCP */
	ASSERT_EQ(-EPROTONOSUPPORT, parse(self, (size_t)self->len));
	self->pkt[14 + 9] = 17;
	self->pkt[14 + 6] = 0x20;		/* more fragments */
	ASSERT_EQ(-EPROTONOSUPPORT, parse(self, (size_t)self->len));
	self->pkt[14 + 6] = 0x40;
	self->pkt[14 + 7] = 0x01;		/* a fragment's offset */
	ASSERT_EQ(-EPROTONOSUPPORT, parse(self, (size_t)self->len));
}

TEST_F(wire, bad_lengths_and_check)
{
	size_t cut;

	for (cut = 0; cut < (size_t)self->len; cut++)
		ASSERT_NE(0, parse(self, cut));
	self->pkt[14 + 10] ^= 1;		/* header checksum */
	ASSERT_EQ(-EBADMSG, parse(self, (size_t)self->len));
	self->pkt[14 + 10] ^= 1;
	self->pkt[14] = 0x44;			/* IHL 4 words */
	fix_ip_check(self->pkt);
	ASSERT_EQ(-EBADMSG, parse(self, (size_t)self->len));
	self->pkt[14] = 0x45;
	self->pkt[14 + 3] = 27;			/* total below IP + UDP */
	fix_ip_check(self->pkt);
	ASSERT_EQ(-EBADMSG, parse(self, (size_t)self->len));
	self->pkt[14 + 3] = 129;		/* total beyond the packet */
	fix_ip_check(self->pkt);
	ASSERT_EQ(-EBADMSG, parse(self, (size_t)self->len));
	self->pkt[14 + 3] = 128;
	fix_ip_check(self->pkt);
	ASSERT_EQ(0, parse(self, (size_t)self->len));
	self->pkt[14 + 25] = 7;			/* UDP length below its header */
	ASSERT_EQ(-EBADMSG, parse(self, (size_t)self->len));
	self->pkt[14 + 25] = 109;		/* UDP length beyond IP's */
	ASSERT_EQ(-EBADMSG, parse(self, (size_t)self->len));
}
