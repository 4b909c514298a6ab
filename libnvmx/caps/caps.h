/* SPDX-License-Identifier: MIT */
/* The capability model: what L1 is offered (SDM appendix A). */
#ifndef NVMX_CAPS_INTERNAL_H
#define NVMX_CAPS_INTERNAL_H

#include "../deps.h"
#include <nvmx/caps.h>
#include <nvmx/status.h>
#include <nvmx/reason.h>

struct nvmx_caps {
	uint64_t base[NVMX_CAP_MSR_COUNT];  /* hardware intersected with the library */
	uint64_t msr[NVMX_CAP_MSR_COUNT];   /* offered to L1 (base with policy applied) */
	uint64_t features;                  /* bit n: enum nvmx_feature n is offered */
	uint8_t hw_maxphyaddr;
	uint8_t maxphyaddr;                 /* L1's MAXPHYADDR */
	bool la57;
};

/* Compute base and offered caps from the hardware description. */
enum nvmx_status nvmx_caps_init(struct nvmx_caps *c, const struct nvmx_hw_caps *hw);
enum nvmx_status nvmx_caps_get(const struct nvmx_caps *c, uint32_t msr, uint64_t *value);
enum nvmx_status nvmx_caps_set(struct nvmx_caps *c, uint32_t msr, uint64_t value);
enum nvmx_status nvmx_caps_set_maxphyaddr(struct nvmx_caps *c, uint8_t bits);

static inline uint64_t nvmx_caps_msr(const struct nvmx_caps *c, uint32_t msr)
{
	return c->msr[(msr - NVMX_CAP_MSR_FIRST) % NVMX_CAP_MSR_COUNT];
}

static inline bool nvmx_caps_has(const struct nvmx_caps *c, enum nvmx_feature f)
{
	return (c->features >> f) & 1u;
}

/* Allowed-1 bits of a control MSR pair; the TRUE_* MSR when BASIC[55] is set. */
uint32_t nvmx_caps_allowed1(const struct nvmx_caps *c, uint32_t msr);
/* Allowed-0 (must-be-1) bits, from the TRUE_* MSR when BASIC[55] is set. */
uint32_t nvmx_caps_allowed0(const struct nvmx_caps *c, uint32_t msr);
/* Width of physical addresses in VMX pointers: 32 if BASIC[48], else MAXPHYADDR. */
unsigned nvmx_caps_vmx_addr_width(const struct nvmx_caps *c);
/* VMCS revision identifier offered to L1. */
static inline uint32_t nvmx_caps_revision(const struct nvmx_caps *c)
{
	return (uint32_t)(nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_BASIC) & NVMX_BASIC_REVISION_MASK);
}

/*
 * The one EPTP validity rule (SDM 27.2.1.1, "VM-Execution Control Fields",
 * EPTP checks, and 25.6.11): a memory type the processor reports (UC with
 * EPT_VPID_CAP[8], WB with [14]), a page-walk length it reports (4 with
 * [6], 5 with [7]), A/D only with [21], bit 7 (supervisor shadow stack)
 * only with [23], bits 11:8 and 63:MAXPHYADDR zero. The VM-entry control
 * checks, INVEPT (SDM 31.3: the same checks, VMfail otherwise) and the
 * shadow-EPT walker all ask this. Returns NVMX_REASON_NONE for a valid
 * EPTP, else the entry reason naming the rule that fails.
 */
static inline enum nvmx_reason nvmx_caps_eptp_check(const struct nvmx_caps *c, uint64_t eptp)
{
	uint64_t cap = nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_EPT_VPID_CAP);
	unsigned mt = (unsigned)(eptp & 7u), wl = (unsigned)(eptp >> 3) & 7u;
	if (!((mt == 0 && (cap & NVMX_EPT_CAP_MT_UC)) || (mt == 6 && (cap & NVMX_EPT_CAP_MT_WB))))
		return NVMX_REASON_ENTRY_CTL_EPTP_MEMTYPE;
	if (!((wl == 3 && (cap & NVMX_EPT_CAP_PWL4)) || (wl == 4 && (cap & NVMX_EPT_CAP_PWL5))))
		return NVMX_REASON_ENTRY_CTL_EPTP_WALK_LENGTH;
	if ((eptp & (1ull << 6)) && !(cap & NVMX_EPT_CAP_AD))
		return NVMX_REASON_ENTRY_CTL_EPTP_AD;
	uint64_t rsvd = 0xf00ull | ((cap & NVMX_EPT_CAP_SSS) ? 0 : 0x80ull);
	unsigned w = c->maxphyaddr;
	if ((eptp & rsvd) || (w < 64 && (eptp >> w)))
		return NVMX_REASON_ENTRY_CTL_EPTP_RESERVED;
	return NVMX_REASON_NONE;
}

#endif
