/* SPDX-License-Identifier: MIT */
/*
 * The architectural WRMSR rules (nvmx/msr.h, docs/msr.md). Each rule is
 * written from the SDM's description of the MSR (vol. 4, table 2-2, and the
 * vol. 3 sections cited below); MSRs whose layout depends on the processor
 * model are left to the host (MSR_NOT_ARCHITECTURAL).
 */
#include "../deps.h"
#include "../core.h"
#include <nvmx/msr.h>
#include "rules.h"

#define R(x) NVMX_REASON_MSR_##x


/* Bits at and above the physical-address width. */
static uint64_t above_width(unsigned maxphyaddr)
{
	return maxphyaddr >= 64 ? 0 : ~0ull << maxphyaddr;
}

/* MTRR memory types (SDM 11.11.1): UC 0, WC 1, WT 4, WP 5, WB 6. */
static bool mtrr_type_ok(uint8_t t) { return t == 0 || t == 1 || (t >= 4 && t <= 6); }

/* PAT entries (SDM 11.12.2): the MTRR types and UC- (7). */
static bool pat_ok(uint64_t v)
{
	for (unsigned i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(v >> (8 * i));
		if (!mtrr_type_ok(t) && t != 7)
			return false;
	}
	return true;
}

static bool fixed_mtrr_ok(uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		if (!mtrr_type_ok((uint8_t)(v >> (8 * i))))
			return false;
	return true;
}

/* IA32_DEBUGCTL: LBR (0), BTF (1), TR, BTS, BTINT, BTS_OFF_OS, BTS_OFF_USR,
 * FREEZE_LBRS_ON_PMI, FREEZE_PERFMON_ON_PMI, ENABLE_UNCORE_PMI,
 * FREEZE_WHILE_SMM, RTM_DEBUG (6-15); the same set the guest-state check
 * of VM entry allows. */
#define DEBUGCTL_VALID 0xffc3ull
/* IA32_PERF_GLOBAL_CTRL as the library models the PMU everywhere (the
 * VM-entry checks too): 8 general-purpose and 4 fixed counters, bit 48. */
#define PERF_GLOBAL_CTRL_VALID (0xffull | (0xfull << 32) | (1ull << 48))
/* IA32_EFER: SCE (0), LME (8), LMA (10), NXE (11). */
#define EFER_VALID ((1ull << 0) | (1ull << 8) | (1ull << 10) | (1ull << 11))

NVMX_EXPORT enum nvmx_reason nvmx_msr_write_check(uint32_t msr, uint64_t v, unsigned maxphyaddr,
                                                  bool la57)
{
	if (maxphyaddr == 0 || maxphyaddr > 52)
		maxphyaddr = 52;
	const uint64_t wide = above_width(maxphyaddr);
	switch (msr) {
	/* Any value. */
	case 0x10:       /* IA32_TIME_STAMP_COUNTER */
	case 0x3b:       /* IA32_TSC_ADJUST */
	case 0x8b:       /* IA32_BIOS_SIGN_ID (software writes 0 before CPUID) */
	case 0x174:      /* IA32_SYSENTER_CS: bits 63:32 writes ignored */
	case 0x6e0:      /* IA32_TSC_DEADLINE */
	case 0xc0000081: /* IA32_STAR */
	case 0xc0000084: /* IA32_FMASK: the processor keeps bits 31:0 */
		return R(WRITE_OK);

	/* Read-only. */
	case 0x17:       /* IA32_PLATFORM_ID */
	case 0xfe:       /* IA32_MTRRCAP */
	case 0x10a:      /* IA32_ARCH_CAPABILITIES */
		return R(READ_ONLY);

	/* Linear addresses: canonical or #GP. */
	case 0x175:      /* IA32_SYSENTER_ESP */
	case 0x176:      /* IA32_SYSENTER_EIP */
	case 0x600:      /* IA32_DS_AREA */
	case 0xc0000082: /* IA32_LSTAR */
	case 0xc0000083: /* IA32_CSTAR */
	case 0xc0000100: /* IA32_FS_BASE */
	case 0xc0000101: /* IA32_GS_BASE */
	case 0xc0000102: /* IA32_KERNEL_GS_BASE */
		return nvmx_canonical(v, la57) ? R(WRITE_OK) : R(NON_CANONICAL);

	case 0x1b: /* IA32_APIC_BASE (SDM 10.4.4, 10.12.1): 7:0 and 9 reserved,
	            * BSP 8, EXTD 10, EN 11, base 12..MAXPHYADDR-1. */
		if (v & (0xffull | (1ull << 9)))
			return R(RESERVED_BITS);
		if (v & wide)
			return R(BEYOND_MAXPHYADDR);
		/* EXTD without EN is the invalid state of SDM 10.12.5. */
		if ((v & (1ull << 10)) && !(v & (1ull << 11)))
			return R(APIC_MODE);
		return R(WRITE_OK);

	case 0x1d9: /* IA32_DEBUGCTL */
		return (v & ~DEBUGCTL_VALID) ? R(RESERVED_BITS) : R(WRITE_OK);

	case 0x277: /* IA32_PAT */
		return pat_ok(v) ? R(WRITE_OK) : R(MEMTYPE);

	case 0x2ff: /* IA32_MTRR_DEF_TYPE: type 7:0, FE 10, E 11 */
		if (v & ~(0xffull | (1ull << 10) | (1ull << 11)))
			return R(RESERVED_BITS);
		return mtrr_type_ok((uint8_t)v) ? R(WRITE_OK) : R(MEMTYPE);

	case 0x250:              /* IA32_MTRR_FIX64K_00000 */
	case 0x258: case 0x259:  /* IA32_MTRR_FIX16K_80000, _A0000 */
	case 0x268: case 0x269: case 0x26a: case 0x26b: /* IA32_MTRR_FIX4K_C0000.. */
	case 0x26c: case 0x26d: case 0x26e: case 0x26f: /* ..IA32_MTRR_FIX4K_F8000 */
		return fixed_mtrr_ok(v) ? R(WRITE_OK) : R(MEMTYPE);

	case 0x38f: /* IA32_PERF_GLOBAL_CTRL */
		return (v & ~PERF_GLOBAL_CTRL_VALID) ? R(RESERVED_BITS) : R(WRITE_OK);

	case 0xc0000080: /* IA32_EFER */
		return (v & ~EFER_VALID) ? R(RESERVED_BITS) : R(WRITE_OK);

	case 0xc0000103: /* IA32_TSC_AUX: bits 63:32 reserved */
		return (v >> 32) ? R(RESERVED_BITS) : R(WRITE_OK);
	default:
		break;
	}
	/* The VMX capability MSRs (SDM A.1): read-only. */
	if (msr >= 0x480 && msr <= 0x493)
		return R(READ_ONLY);
	/* Variable-range MTRRs (SDM 11.11.2.3), the first 8 pairs (every
	 * processor with MTRRs reports IA32_MTRRCAP.VCNT >= 8 in practice;
	 * the host decides about pairs beyond). */
	if (msr >= 0x200 && msr <= 0x20f) {
		if (!(msr & 1u)) { /* IA32_MTRR_PHYSBASEn: type 7:0, 11:8 reserved */
			if (v & 0xf00ull)
				return R(RESERVED_BITS);
			if (v & wide)
				return R(BEYOND_MAXPHYADDR);
			return mtrr_type_ok((uint8_t)v) ? R(WRITE_OK) : R(MEMTYPE);
		}
		/* IA32_MTRR_PHYSMASKn: 10:0 reserved, valid 11 */
		if (v & 0x7ffull)
			return R(RESERVED_BITS);
		return (v & wide) ? R(BEYOND_MAXPHYADDR) : R(WRITE_OK);
	}
	return R(NOT_ARCHITECTURAL);
}

NVMX_EXPORT bool nvmx_msr_write_valid(uint32_t msr, uint64_t value, unsigned maxphyaddr, bool la57)
{
	return nvmx_msr_write_check(msr, value, maxphyaddr, la57) == NVMX_REASON_MSR_WRITE_OK;
}

NVMX_EXPORT enum nvmx_reason nvmx_vm_msr_write_check(const struct nvmx_vm *vm, uint32_t msr,
                                                     uint64_t value)
{
	if (!vm)
		return NVMX_REASON_MSR_NOT_ARCHITECTURAL;
	return nvmx_msr_write_check(msr, value, vm->caps.maxphyaddr, vm->caps.la57);
}
