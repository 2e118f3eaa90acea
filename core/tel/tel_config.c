// SPDX-License-Identifier: GPL-2.0
/* Transport configuration: defaults, parsing and validation of outside input. */
#include "core/tel/tel_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tel/tel_frame.h"
#include "generated/palm_config.h"

void tel_transport_config_init(struct tel_transport_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->kind = TEL_TRANSPORT_UDP;
	cfg->port = TEL_DEFAULT_PORT;
	cfg->burst = 32;
	cfg->udp_fallback = true;
}

int tel_transport_config_check(const struct tel_transport_config *cfg)
{
	const char *why = NULL;

	if (cfg->kind != TEL_TRANSPORT_UDP && cfg->kind != TEL_TRANSPORT_DPDK)
		why = "unknown transport kind";
	else if (!cfg->port)
		why = "port 0";
	else if (cfg->npeers > TEL_MAX_PEERS)
		why = "too many peers";
	else if (!cfg->burst || cfg->burst > TEL_MAX_BURST)
		why = "burst must be 1..64";
	else if (cfg->rcvbuf < 0)
		why = "negative receive buffer";
	else if (!memchr(cfg->eal_args, '\0', sizeof(cfg->eal_args)))
		why = "EAL arguments not terminated";
	else if (cfg->mbufs && (cfg->mbufs < 4096 || cfg->mbufs > (1u << 20)))
		why = "mbufs must be 0 (derived) or 4096..1M";
	else if (cfg->idle_us > 100000)
		why = "idle sleep above 100 ms";
	if (why) {
		fprintf(stderr, "tel: bad transport configuration: %s\n", why);
		return -EINVAL;
	}
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (s[i * 3 + 2] != (i == 5 ? '\0' : ':'))
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

int tel_peer_parse(const char *s, uint16_t default_port, struct tel_peer *p)
{
	char ip[INET_ADDRSTRLEN], *end;
	const char *colon, *at;
	size_t iplen;
	long port;

	memset(p, 0, sizeof(*p));
	if (!s)
		return -EINVAL;
	at = strchr(s, '@');
	colon = strchr(s, ':');
	if (colon && at && colon > at)
		colon = NULL;	/* the colons of the MAC */
	iplen = colon ? (size_t)(colon - s) : at ? (size_t)(at - s) : strlen(s);
	if (!iplen || iplen >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, iplen);
	ip[iplen] = '\0';
	if (inet_pton(AF_INET, ip, &p->ip) != 1)
		return -EINVAL;
	p->port = default_port;
	if (colon) {
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno || end == colon + 1 || port < 1 || port > 65535 ||
		    (*end && *end != '@'))
			return -EINVAL;
		p->port = (uint16_t)port;
	}
	if (at) {
		if (parse_mac(at + 1, p->mac))
			return -EINVAL;
		p->have_mac = true;
	}
	return 0;
}

int tel_transport_kind_parse(const char *s, enum tel_transport_kind *kind)
{
	if (s && !strcmp(s, "udp"))
		*kind = TEL_TRANSPORT_UDP;
	else if (s && !strcmp(s, "dpdk"))
		*kind = TEL_TRANSPORT_DPDK;
	else
		return -EINVAL;
	return 0;
}

/* An unsigned decimal in [min, max], nothing else; 0 or -EINVAL. */
static int parse_ulong(const char *s, unsigned long min, unsigned long max,
		       unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int tel_transport_config_set(struct tel_transport_config *cfg, const char *key,
			     const char *value)
{
	unsigned long v;
	int ret = 0;

	if (!key || !value)
		return -EINVAL;
	if (!strcmp(key, "transport")) {
		ret = tel_transport_kind_parse(value, &cfg->kind);
	} else if (!strcmp(key, "local")) {
		ret = inet_pton(AF_INET, value, &cfg->local_ip) == 1 ? 0 : -EINVAL;
	} else if (!strcmp(key, "port")) {
		ret = parse_ulong(value, 1, 65535, &v);
		if (!ret)
			cfg->port = (uint16_t)v;
	} else if (!strcmp(key, "peer")) {
		if (cfg->npeers == TEL_MAX_PEERS)
			return -EINVAL;
		ret = tel_peer_parse(value, cfg->port, &cfg->peers[cfg->npeers]);
		if (!ret)
			cfg->npeers++;
	} else if (!strcmp(key, "burst")) {
		ret = parse_ulong(value, 1, TEL_MAX_BURST, &v);
		if (!ret)
			cfg->burst = (unsigned int)v;
	} else if (!strcmp(key, "rcvbuf")) {
		ret = parse_ulong(value, 0, 1ul << 30, &v);
		if (!ret)
			cfg->rcvbuf = (int)v;
	} else if (!strcmp(key, "eal")) {
		if (strlen(value) >= sizeof(cfg->eal_args))
			return -EINVAL;
		snprintf(cfg->eal_args, sizeof(cfg->eal_args), "%s", value);
	} else if (!strcmp(key, "mbufs")) {
		ret = parse_ulong(value, 0, 1ul << 20, &v);
		if (!ret && v && v < 4096)
			ret = -EINVAL;
		if (!ret)
			cfg->mbufs = (uint32_t)v;
	} else if (!strcmp(key, "idle_us")) {
		ret = parse_ulong(value, 0, 100000, &v);
		if (!ret)
			cfg->idle_us = (unsigned int)v;
	} else if (!strcmp(key, "udp_fallback")) {
		if (!strcmp(value, "yes"))
			cfg->udp_fallback = true;
		else if (!strcmp(value, "no"))
			cfg->udp_fallback = false;
		else
			ret = -EINVAL;
	} else {
		ret = -ENOENT;
	}
	return ret;
}

int tel_transport_open(const struct tel_transport_config *cfg,
		       struct tel_transport **out)
{
	int ret;

	*out = NULL;
	ret = tel_transport_config_check(cfg);
	if (ret)
		return ret;
	if (cfg->kind == TEL_TRANSPORT_UDP)
		return tel_udp_open(cfg, out);
	if (!IS_ENABLED(CONFIG_PALM_DPDK)) {
		fprintf(stderr, "tel: DPDK transport not built (CONFIG_PALM_DPDK=n)\n");
		ret = -EOPNOTSUPP;
	} else {
		ret = tel_dpdk_open(cfg, out);
	}
	if (ret && cfg->udp_fallback) {
		fprintf(stderr, "tel: falling back to kernel UDP\n");
		return tel_udp_open(cfg, out);
	}
	return ret;
}
