// SPDX-License-Identifier: GPL-2.0
/* Policy file encode/decode; every header field is checked on load. */
#include "policy/pol_file.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ferr(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int ferr(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

uint32_t pol_crc32(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int pol_file_encode(const struct pol_nn *nn, uint32_t episodes,
		    uint8_t **out, size_t *len)
{
	size_t n = POL_FILE_HDR + 4 * (size_t)nn->n_params + 4;
	uint8_t *b;
	uint32_t u;
	unsigned int i;

	b = calloc(1, n);
	if (!b)
		return -ENOMEM;
	memcpy(b, POL_FILE_MAGIC, 8);
	put32(b + 8, POL_FILE_VERSION);
	put32(b + 12, nn->n_in);
	put32(b + 16, nn->n_h1);
	put32(b + 20, nn->n_h2);
	put32(b + 24, pol_dqn_layout_hash());
	put32(b + 28, nn->n_params);
	put32(b + 32, episodes);
	for (i = 0; i < nn->n_params; i++) {
		memcpy(&u, &nn->w[i], 4);
		put32(b + POL_FILE_HDR + 4 * i, u);
	}
	put32(b + n - 4, pol_crc32(b, n - 4));
	*out = b;
	*len = n;
	return 0;
}

int pol_file_decode(struct pol_nn *nn, const uint8_t *buf, size_t len,
		    uint32_t *episodes, char *err, size_t errlen)
{
	uint32_t ver, nin, h1, h2, hash, np, u;
	unsigned int i;
	float *w;

	if (len < POL_FILE_HDR + 4)
		return ferr(err, errlen, -EBADMSG,
			    "policy file truncated (%zu bytes)", len);
	if (memcmp(buf, POL_FILE_MAGIC, 8))
		return ferr(err, errlen, -EBADMSG,
			    "not a palm policy file (bad magic)");
	ver = get32(buf + 8);
	if (ver != POL_FILE_VERSION)
		return ferr(err, errlen, -EPROTONOSUPPORT,
			    "policy file version %u, this palm reads %u", ver,
			    POL_FILE_VERSION);
	if (len > POL_FILE_MAX)
		return ferr(err, errlen, -EBADMSG, "policy file too large");
	if (pol_crc32(buf, len - 4) != get32(buf + len - 4))
		return ferr(err, errlen, -EBADMSG,
			    "policy file checksum mismatch (corrupt or truncated)");
	nin = get32(buf + 12);
	h1 = get32(buf + 16);
	h2 = get32(buf + 20);
	hash = get32(buf + 24);
	np = get32(buf + 28);
	if (nin != nn->n_in || h1 != nn->n_h1 || h2 != nn->n_h2)
		return ferr(err, errlen, -EINVAL,
			    "policy network %ux%ux%u, expected %ux%ux%u", nin,
			    h1, h2, nn->n_in, nn->n_h1, nn->n_h2);
	if (hash != pol_dqn_layout_hash())
		return ferr(err, errlen, -EINVAL,
			    "policy feature layout %08x differs from %08x",
			    hash, pol_dqn_layout_hash());
	if (np != nn->n_params ||
	    len != POL_FILE_HDR + 4 * (size_t)np + 4)
		return ferr(err, errlen, -EINVAL,
			    "policy parameter count %u / size %zu inconsistent",
			    np, len);
	w = malloc(np * sizeof(float));
	if (!w)
		return -ENOMEM;
	for (i = 0; i < np; i++) {
		u = get32(buf + POL_FILE_HDR + 4 * i);
		memcpy(&w[i], &u, 4);
		if (!isfinite(w[i])) {
			free(w);
			return ferr(err, errlen, -EINVAL,
				    "policy parameter %u is not finite", i);
		}
	}
	memcpy(nn->w, w, np * sizeof(float));
	free(w);
	if (episodes)
		*episodes = get32(buf + 32);
	return 0;
}

int pol_file_save(const struct pol_dqn *q, uint32_t episodes,
		  const char *path, char *err, size_t errlen)
{
	char tmp[4096];
	uint8_t *buf = NULL;
	size_t len;
	FILE *f = NULL;
	int ret;

	ret = pol_file_encode(&q->online, episodes, &buf, &len);
	if (ret)
		return ferr(err, errlen, ret, "out of memory");
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		ret = ferr(err, errlen, -ENAMETOOLONG, "path too long");
		goto out;
	}
	/* write a temporary and rename: a crash never leaves half a file */
	f = fopen(tmp, "wb");
	if (!f) {
		ret = ferr(err, errlen, -errno, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fwrite(buf, 1, len, f) != len || fflush(f)) {
		ret = ferr(err, errlen, -EIO, "%s: write failed", tmp);
		goto out;
	}
	if (fclose(f)) {
		f = NULL;
		ret = ferr(err, errlen, -EIO, "%s: close failed", tmp);
		goto out;
	}
	f = NULL;
	if (rename(tmp, path))
		ret = ferr(err, errlen, -errno, "%s: %s", path, strerror(errno));
out:
	if (f)
		fclose(f);
	if (ret)
		unlink(tmp);
	free(buf);
	return ret;
}

int pol_file_load(struct pol_dqn *q, const char *path, uint32_t *episodes,
		  char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len;
	FILE *f;
	int ret;

	f = fopen(path, "rb");
	if (!f)
		return ferr(err, errlen, -errno, "%s: %s", path, strerror(errno));
	buf = malloc(POL_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(buf, 1, POL_FILE_MAX + 1, f);
	fclose(f);
	ret = pol_file_decode(&q->online, buf, len, episodes, err, errlen);
	if (!ret)
		pol_nn_copy_weights(&q->target, &q->online);
	free(buf);
	return ret;
}
