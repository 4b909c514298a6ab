/* SPDX-License-Identifier: MIT */
/* The VMCS field table, generated from NVMX_VMCS_FIELDS (nvmx/vmcs_fields.h). */
#ifndef NVMX_FIELDS_H
#define NVMX_FIELDS_H

#include "../deps.h"
#include <nvmx/vmcs_fields.h>
#include <nvmx/caps.h>

struct nvmx_field_info {
	uint16_t encoding;   /* full encoding, access type 0 */
	uint8_t feature;     /* enum nvmx_feature */
	uint8_t reserved;
	const char *name;    /* SDM appendix B name as Linux spells it */
};

extern const struct nvmx_field_info nvmx_field_table[NVMX_FIELD_COUNT];

/*
 * The compact index of a field named by a VMREAD/VMWRITE operand, or -1 if no
 * such component exists: bits 63:32 set, reserved bit 12 or bits 31:15 set,
 * an unknown index, or the high access type on a field that is not 64-bit
 * (SDM 25.11.2). Existence for L1 (the feature) is checked separately.
 */
int nvmx_field_lookup(uint64_t encoding);

/* Look up by name (upper case, as in the table); -1 if unknown. */
int nvmx_field_by_name(const char *name);

/* Mask of the bits a field holds: 16, 32 or 64 bits (natural = 64). */
static inline uint64_t nvmx_field_mask(uint32_t encoding)
{
	switch (NVMX_FIELD_WIDTH(encoding)) {
	case NVMX_FIELD_WIDTH_16: return 0xffffull;
	case NVMX_FIELD_WIDTH_32: return 0xffffffffull;
	default: return ~0ull;
	}
}

/* Read-only data fields: the VM-exit information type (SDM 25.9). */
static inline bool nvmx_field_is_exit_info(uint32_t encoding)
{
	return NVMX_FIELD_TYPE(encoding) == NVMX_FIELD_TYPE_EXIT_INFO;
}

#endif
