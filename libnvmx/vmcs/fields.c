/* SPDX-License-Identifier: MIT */
#include "fields.h"

const struct nvmx_field_info nvmx_field_table[NVMX_FIELD_COUNT] = {
#define X(name, enc, feat) [NVMX_IDX_##name] = { enc, NVMX_FEAT_##feat, 0, #name },
	NVMX_VMCS_FIELDS(X)
#undef X
};

/*
 * Reverse map from (width, type, index) to compact index + 1, built at
 * compile time with designated initializers: 8192 entries, O(1) lookups.
 */
#define KEY(enc) ((((enc) >> 13) & 3u) << 11 | (((enc) >> 10) & 3u) << 9 | (((enc) >> 1) & 0x1ffu))
static const uint16_t reverse[1u << 13] = {
#define X(name, enc, feat) [KEY(enc)] = NVMX_IDX_##name + 1,
	NVMX_VMCS_FIELDS(X)
#undef X
};

int nvmx_field_lookup(uint64_t encoding)
{
	/* Bits 63:15 and reserved bit 12 must be clear. */
	if ((encoding & ~0x6fffull) != 0)
		return -1;
	uint32_t enc = (uint32_t)encoding;
	unsigned idx1 = reverse[KEY(enc)];
	if (idx1 == 0)
		return -1;
	if (NVMX_FIELD_ACCESS_HIGH(enc) && NVMX_FIELD_WIDTH(enc) != NVMX_FIELD_WIDTH_64)
		return -1;
	return (int)idx1 - 1;
}

int nvmx_field_by_name(const char *name)
{
	for (unsigned i = 0; i < NVMX_FIELD_COUNT; i++) {
		const char *a = nvmx_field_table[i].name, *b = name;
		while (*a && *a == *b) {
			a++;
			b++;
		}
		if (*a == 0 && *b == 0)
			return (int)i;
	}
	return -1;
}

NVMX_EXPORT const char *nvmx_vmcs_field_name(uint32_t encoding)
{
	int idx = nvmx_field_lookup(encoding);
	return idx < 0 ? NULL : nvmx_field_table[idx].name;
}

NVMX_EXPORT bool nvmx_vmcs_field_by_name(const char *name, uint32_t *encoding)
{
	/* Copy at most 63 characters: a longer name is no field's. */
	char buf[64];
	unsigned n = 0;
	while (n < sizeof(buf) && name[n] != 0) {
		buf[n] = name[n];
		n++;
	}
	if (n == sizeof(buf))
		return false;
	buf[n] = 0;
	int idx = nvmx_field_by_name(buf);
	if (idx >= 0) {
		*encoding = nvmx_field_table[idx].encoding;
		return true;
	}
	/* NAME_HIGH: the high 32 bits of a 64-bit field (access type 1). */
	if (n > 5 && buf[n - 5] == '_' && buf[n - 4] == 'H' && buf[n - 3] == 'I' &&
	    buf[n - 2] == 'G' && buf[n - 1] == 'H') {
		buf[n - 5] = 0;
		idx = nvmx_field_by_name(buf);
		if (idx >= 0 && NVMX_FIELD_WIDTH(nvmx_field_table[idx].encoding) == NVMX_FIELD_WIDTH_64) {
			*encoding = nvmx_field_table[idx].encoding | 1u;
			return true;
		}
	}
	return false;
}
