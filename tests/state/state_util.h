/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the nested-state tests, the fuzzer and the benchmark: the
 * blob layout as docs/nested-state.md specifies it (offsets written from
 * the document, not taken from the library), and a checksum recomputation
 * for blobs a test edits on purpose.
 */
#ifndef NVMX_TEST_STATE_UTIL_H
#define NVMX_TEST_STATE_UTIL_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

/* Header (docs/nested-state.md, "Header"). */
#define SU_MAGIC 0x53584d4eu
#define SU_OFF_VERSION 4u
#define SU_OFF_HDR_SIZE 6u
#define SU_OFF_LIBVER 8u
#define SU_OFF_FLAGS 12u
#define SU_OFF_TOTAL 16u
#define SU_OFF_SUM 24u
#define SU_OFF_NSEC 32u
#define SU_OFF_NCAPS 36u
#define SU_OFF_MAXPHY 40u
#define SU_HDR 64u
#define SU_CAP_REC 16u
#define SU_DIR_REC 24u
/* Sections. */
#define SU_SEC_VCPU 1u
#define SU_SEC_VMCS12 2u
#define SU_SEC_L2 3u
#define SU_REC_HDR 24u
#define SU_FIELD_REC 12u

static inline uint32_t su_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t su_get64(const uint8_t *p)
{
	return su_get32(p) | (uint64_t)su_get32(p + 4) << 32;
}
static inline void su_put32(uint8_t *p, uint32_t x)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}
static inline void su_put64(uint8_t *p, uint64_t x)
{
	su_put32(p, (uint32_t)x);
	su_put32(p + 4, (uint32_t)(x >> 32));
}

/* XXH64, seed 0, of the blob with the checksum field counted as zero. */
static inline void su_reseal(uint8_t *b, size_t len)
{
	uint8_t keep[8];
	memcpy(keep, b + SU_OFF_SUM, 8);
	memset(b + SU_OFF_SUM, 0, 8);
	uint64_t h = XXH64(b, len, 0);
	su_put64(b + SU_OFF_SUM, h);
	(void)keep;
}

static inline uint32_t su_hdr_size(const uint8_t *b)
{
	return (uint32_t)b[SU_OFF_HDR_SIZE] | (uint32_t)b[SU_OFF_HDR_SIZE + 1] << 8;
}

/* Directory entry i (type, flags, offset, length at +0, +4, +8, +16). */
static inline uint8_t *su_dir(uint8_t *b, unsigned i)
{
	return b + su_hdr_size(b) + i * SU_DIR_REC;
}

/* Offset of the section of `type`, 0 when absent; *len its length. */
static inline uint64_t su_section(uint8_t *b, uint32_t type, uint64_t *len)
{
	uint32_t n = su_get32(b + SU_OFF_NSEC);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *d = su_dir(b, i);
		if (su_get32(d) == type) {
			if (len)
				*len = su_get64(d + 16);
			return su_get64(d + 8);
		}
	}
	return 0;
}

/* The value of field `enc` in VMCS12 record `rec`, or ~0 when it has none;
 * *at gets the offset of the value. */
static inline uint64_t su_field(uint8_t *b, unsigned rec, uint32_t enc, uint64_t *at)
{
	uint64_t off = su_section(b, SU_SEC_VMCS12, NULL);
	uint32_t n = su_get32(b + off);
	uint64_t p = off + 8;
	for (unsigned r = 0; r < n; r++) {
		uint32_t nf = su_get32(b + p + 20);
		p += SU_REC_HDR;
		for (unsigned k = 0; k < nf; k++, p += SU_FIELD_REC) {
			if (r == rec && su_get32(b + p) == enc) {
				if (at)
					*at = p + 4;
				return su_get64(b + p + 4);
			}
		}
	}
	return ~0ull;
}

/* Offset of VMCS12 record `rec`'s header. */
static inline uint64_t su_record(uint8_t *b, unsigned rec)
{
	uint64_t off = su_section(b, SU_SEC_VMCS12, NULL);
	uint64_t p = off + 8;
	for (unsigned r = 0; r < rec; r++)
		p += SU_REC_HDR + (uint64_t)su_get32(b + p + 20) * SU_FIELD_REC;
	return p;
}

#endif
