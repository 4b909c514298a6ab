/* SPDX-License-Identifier: MIT */
/*
 * The architectural WRMSR rules (nvmx/msr.h) and the reference host's MSR
 * file. Every expected value is read off the SDM: vol. 4 table 2-2 for the
 * MSR layouts, vol. 3 11.11 (MTRR types 0, 1, 4, 5, 6), 11.12.2 (PAT adds
 * UC- 7), 10.4.4 and 10.12 (IA32_APIC_BASE), 3.3.7.1 (canonical addresses:
 * bits 63:47 equal with 48-bit linear addresses, 63:56 with 57-bit), and
 * the WRMSR instruction reference (#GP(0) for reserved bits, non-canonical
 * addresses, read-only and nonexistent MSRs).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <nvmx/nvmx.h>
#include "refhost.h"

#define R(x) NVMX_REASON_MSR_##x

struct wcase {
	uint32_t msr;
	uint64_t value;
	uint32_t reason;
};

static struct wcase cases[] = {
	/* IA32_EFER (C0000080H): SCE 0, LME 8, LMA 10, NXE 11; the rest reserved. */
	{ 0xc0000080u, 0xd01, R(WRITE_OK) },
	{ 0xc0000080u, 0x2, R(RESERVED_BITS) },
	{ 0xc0000080u, 1ull << 12, R(RESERVED_BITS) },
	{ 0xc0000080u, 1ull << 63, R(RESERVED_BITS) },
	/* IA32_PAT (277H): each byte 0, 1, 4, 5, 6 or 7. */
	{ 0x277, 0x0007040600070406ull, R(WRITE_OK) },
	{ 0x277, 0x0706050401000706ull, R(WRITE_OK) },
	{ 0x277, 0x0007040600070402ull, R(MEMTYPE) },
	{ 0x277, 0x0307040600070406ull, R(MEMTYPE) },
	{ 0x277, 0x0007040600080406ull, R(MEMTYPE) },
	/* Canonical addresses (48-bit): LSTAR, CSTAR, KERNEL_GS_BASE,
	 * SYSENTER_ESP/EIP, FS/GS_BASE, DS_AREA. */
	{ 0xc0000082u, 0xffffffff81000000ull, R(WRITE_OK) },
	{ 0xc0000082u, 0x00007fffffffffffull, R(WRITE_OK) },
	{ 0xc0000082u, 0x0000800000000000ull, R(NON_CANONICAL) },
	{ 0xc0000083u, 0xffff7fffffffffffull, R(NON_CANONICAL) },
	{ 0xc0000102u, 0x8000000000000000ull, R(NON_CANONICAL) },
	{ 0xc0000102u, 0xffff888000000000ull, R(WRITE_OK) },
	{ 0x175, 0x0001000000000000ull, R(NON_CANONICAL) },
	{ 0x176, 0x0000100000000000ull, R(WRITE_OK) },
	{ 0xc0000100u, 0x00f0000000000000ull, R(NON_CANONICAL) },
	{ 0xc0000101u, 0xfffff00000000000ull, R(WRITE_OK) },
	{ 0x600, 0x0000800000000000ull, R(NON_CANONICAL) },
	/* IA32_SYSENTER_CS, IA32_STAR, IA32_TSC: any value. */
	{ 0x174, ~0ull, R(WRITE_OK) },
	{ 0xc0000081u, ~0ull, R(WRITE_OK) },
	{ 0x10, ~0ull, R(WRITE_OK) },
	/* IA32_TSC_AUX (C0000103H): bits 63:32 reserved. */
	{ 0xc0000103u, 0xffffffffull, R(WRITE_OK) },
	{ 0xc0000103u, 1ull << 32, R(RESERVED_BITS) },
	/* IA32_DEBUGCTL (1D9H): 0, 1, 6-15 defined; 2-5 and 63:16 reserved. */
	{ 0x1d9, 0x3, R(WRITE_OK) },
	{ 0x1d9, 0x4, R(RESERVED_BITS) },
	{ 0x1d9, 1ull << 16, R(RESERVED_BITS) },
	/* IA32_APIC_BASE (1BH): 7:0 and 9 reserved, BSP 8, EXTD 10, EN 11,
	 * base 12..MAXPHYADDR-1 (46 here); EXTD without EN is invalid. */
	{ 0x1b, 0xfee00900ull, R(WRITE_OK) },
	{ 0x1b, 0xfee00c00ull, R(WRITE_OK) },
	{ 0x1b, 0xfee00901ull, R(RESERVED_BITS) },
	{ 0x1b, 0xfee00b00ull, R(RESERVED_BITS) },
	{ 0x1b, 0xfee00400ull, R(APIC_MODE) },
	{ 0x1b, (1ull << 46) | 0x800, R(BEYOND_MAXPHYADDR) },
	/* IA32_MTRR_DEF_TYPE (2FFH): type 7:0, FE 10, E 11. */
	{ 0x2ff, 0xc06, R(WRITE_OK) },
	{ 0x2ff, 0xc07, R(MEMTYPE) },
	{ 0x2ff, 0x100, R(RESERVED_BITS) },
	/* Fixed-range MTRRs: each byte an MTRR type (no UC- 7). */
	{ 0x250, 0x0606060606060606ull, R(WRITE_OK) },
	{ 0x26f, 0x0505050505050507ull, R(MEMTYPE) },
	/* Variable-range MTRR base/mask: 11:8 (base) and 10:0 (mask) reserved,
	 * bits from MAXPHYADDR up reserved. */
	{ 0x200, 0x80000006ull, R(WRITE_OK) },
	{ 0x200, 0x80000106ull, R(RESERVED_BITS) },
	{ 0x200, 0x80000002ull, R(MEMTYPE) },
	{ 0x201, 0x3fff80000800ull, R(WRITE_OK) },
	{ 0x201, 0x3fff80000801ull, R(RESERVED_BITS) },
	{ 0x201, (1ull << 46) | 0x800, R(BEYOND_MAXPHYADDR) },
	/* Read-only: IA32_MTRRCAP, IA32_ARCH_CAPABILITIES, VMX capabilities. */
	{ 0xfe, 0, R(READ_ONLY) },
	{ 0x10a, 0, R(READ_ONLY) },
	{ 0x480, 0, R(READ_ONLY) },
	{ 0x493, 0, R(READ_ONLY) },
	/* No rule: model-specific or not modelled: the host decides. */
	{ 0x1a0, 0, R(NOT_ARCHITECTURAL) },
	{ 0x4b564d00u, 0, R(NOT_ARCHITECTURAL) },
};

ParameterizedTestParameters(msr, write_check_follows_the_sdm)
{
	return cr_make_param_array(struct wcase, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct wcase *c, msr, write_check_follows_the_sdm)
{
	enum nvmx_reason r = nvmx_msr_write_check(c->msr, c->value, 46, false);
	cr_expect_eq(r, c->reason, "MSR %#x value %#llx: %s, expected %s", c->msr,
	             (unsigned long long)c->value, nvmx_reason_name(r),
	             nvmx_reason_name((enum nvmx_reason)c->reason));
	cr_expect_eq(nvmx_msr_write_valid(c->msr, c->value, 46, false), c->reason == R(WRITE_OK));
}

Test(msr, la57_widens_canonical_addresses_to_57_bits)
{
	/* 0x0000800000000000 is canonical with 57-bit linear addresses (bits
	 * 63:56 equal to bit 56), 0x0100000000000000 is not. */
	cr_expect_eq(nvmx_msr_write_check(0xc0000082u, 0x0000800000000000ull, 46, true), R(WRITE_OK));
	cr_expect_eq(nvmx_msr_write_check(0xc0000082u, 0x0100000000000000ull, 46, true),
	             R(NON_CANONICAL));
	cr_expect_eq(nvmx_msr_write_check(0xc0000082u, 0xff00000000000000ull, 46, true), R(WRITE_OK));
}

Test(msr, physical_width_bounds_apic_base_and_mtrrs)
{
	/* With MAXPHYADDR 36, bit 36 is beyond; with 52 it is an address bit. */
	cr_expect_eq(nvmx_msr_write_check(0x1b, (1ull << 36) | 0x800, 36, false), R(BEYOND_MAXPHYADDR));
	cr_expect_eq(nvmx_msr_write_check(0x1b, (1ull << 36) | 0x800, 52, false), R(WRITE_OK));
	cr_expect_eq(nvmx_msr_write_check(0x202, (1ull << 35) | 6, 36, false), R(WRITE_OK));
	cr_expect_eq(nvmx_msr_write_check(0x202, (1ull << 36) | 6, 36, false), R(BEYOND_MAXPHYADDR));
}

Test(msr, the_vm_form_uses_l1s_physical_address_width)
{
	struct refhost h;
	cr_assert_eq(refhost_init(&h, 1u << 20, NULL), NVMX_STATUS_OK);
	cr_assert_eq(nvmx_vm_set_maxphyaddr(h.vm, 36), NVMX_STATUS_OK);
	cr_expect_eq(nvmx_vm_msr_write_check(h.vm, 0x1b, (1ull << 40) | 0x800), R(BEYOND_MAXPHYADDR));
	cr_expect_eq(nvmx_vm_msr_write_check(h.vm, 0x1b, (1ull << 30) | 0x800), R(WRITE_OK));
	refhost_fini(&h);
}

/* ---- the reference host's MSR file ---- */

Test(refhost_msr, keeps_what_was_written_and_refuses_what_wrmsr_refuses)
{
	struct refhost h;
	cr_assert_eq(refhost_init(&h, 1u << 20, NULL), NVMX_STATUS_OK);
	uint64_t v = 1;
	/* Reset values: PAT 0007040600070406H (SDM 11.12.4), others 0. */
	cr_expect_eq(refhost_rdmsr(&h, 0x277, &v), R(WRITE_OK));
	cr_expect_eq(v, 0x0007040600070406ull);
	cr_expect_eq(refhost_rdmsr(&h, 0xc0000102u, &v), R(WRITE_OK));
	cr_expect_eq(v, 0);
	cr_expect_eq(refhost_wrmsr(&h, 0xc0000102u, 0xffff888000001000ull), R(WRITE_OK));
	cr_expect_eq(refhost_rdmsr(&h, 0xc0000102u, &v), R(WRITE_OK));
	cr_expect_eq(v, 0xffff888000001000ull);
	/* A refused write changes nothing. */
	cr_expect_eq(refhost_wrmsr(&h, 0xc0000102u, 0x0000800000000000ull), R(NON_CANONICAL));
	cr_expect_eq(refhost_rdmsr(&h, 0xc0000102u, &v), R(WRITE_OK));
	cr_expect_eq(v, 0xffff888000001000ull);
	/* No such MSR: RDMSR and WRMSR #GP. */
	cr_expect_eq(refhost_wrmsr(&h, 0x4b564d00u, 1), R(UNKNOWN));
	cr_expect_eq(refhost_rdmsr(&h, 0x4b564d00u, &v), R(UNKNOWN));
	/* Read-only MSRs read, never write. */
	cr_expect_eq(refhost_rdmsr(&h, 0x480, &v), R(WRITE_OK));
	cr_expect_eq(v & 0x7fffffffu, 4u, "VMX revision of the example CPU");
	cr_expect_eq(refhost_wrmsr(&h, 0x480, 0), R(READ_ONLY));
	/* IA32_FEATURE_CONTROL is locked: WRMSR #GPs (SDM 23.7). */
	cr_expect_eq(refhost_wrmsr(&h, NVMX_MSR_IA32_FEATURE_CONTROL, 0), R(READ_ONLY));
	refhost_fini(&h);
}
