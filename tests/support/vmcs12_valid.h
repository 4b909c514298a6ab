/* SPDX-License-Identifier: MIT */
/*
 * The one builder of a valid VMCS12 shared by tests, fuzzers and benchmarks:
 * a 64-bit L2 at CPL 0 under a 64-bit L1 host, valid for VM entry (SDM
 * 27.2-27.3). It includes only the public headers and writes every field
 * through the caller's setter, so that a fixture chooses the path (VMWRITE
 * on the reference host, or its own VMCS12 object) and adds its own fields.
 *
 * Controls: the capabilities' allowed-0 bits (the TRUE MSRs, SDM A.3-A.5)
 * plus external-interrupt exiting, "host address-space size" and "IA-32e
 * mode guest". Every other field the builder does not name is left as the
 * caller has it (a VMCS12 loaded from zeroed memory: 0).
 */
#ifndef NVMX_TEST_SUPPORT_VMCS12_VALID_H
#define NVMX_TEST_SUPPORT_VMCS12_VALID_H

#include <nvmx/nvmx.h>

typedef void tsup_vmcs12_set_fn(void *ctx, unsigned idx, uint64_t val);

/* Host-state area of a 64-bit L1 (SDM 27.2.3): CR0 PG|PE|NE|ET|WP|AM,
 * CR4.PAE and VMXE, flat selectors with RPL 0 and TI 0, a TR selector,
 * canonical RIP and RSP. */
static inline void tsup_vmcs12_host64(tsup_vmcs12_set_fn *set, void *ctx)
{
	set(ctx, NVMX_IDX_HOST_CR0, 0x80050033ull);
	set(ctx, NVMX_IDX_HOST_CR3, 0x5000);
	set(ctx, NVMX_IDX_HOST_CR4, NVMX_CR4_VMXE | NVMX_CR4_PAE);
	set(ctx, NVMX_IDX_HOST_CS_SELECTOR, 0x10);
	set(ctx, NVMX_IDX_HOST_SS_SELECTOR, 0x18);
	set(ctx, NVMX_IDX_HOST_DS_SELECTOR, 0x18);
	set(ctx, NVMX_IDX_HOST_ES_SELECTOR, 0x18);
	set(ctx, NVMX_IDX_HOST_TR_SELECTOR, 0x40);
	set(ctx, NVMX_IDX_HOST_RIP, 0x401000);
	set(ctx, NVMX_IDX_HOST_RSP, 0x402000);
}

/* The whole valid VMCS12: controls, host state, and a 64-bit L2's guest
 * state (SDM 27.3.1: CS long-mode code, SS writable data, the data segments
 * and LDTR unusable, a busy 64-bit TSS, EFER.LMA = LME = "IA-32e mode
 * guest", DR7 at its reset value, RFLAGS bit 1 set, link pointer ~0). */
static inline void tsup_vmcs12_valid(struct nvmx_vm *vm, tsup_vmcs12_set_fn *set, void *ctx)
{
	uint64_t pin0 = 0, proc0 = 0, exit0 = 0, entry0 = 0;
	nvmx_vm_get_cap(vm, NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS, &pin0);
	nvmx_vm_get_cap(vm, NVMX_MSR_IA32_VMX_TRUE_PROCBASED_CTLS, &proc0);
	nvmx_vm_get_cap(vm, NVMX_MSR_IA32_VMX_TRUE_EXIT_CTLS, &exit0);
	nvmx_vm_get_cap(vm, NVMX_MSR_IA32_VMX_TRUE_ENTRY_CTLS, &entry0);
	set(ctx, NVMX_IDX_PIN_BASED_VM_EXEC_CONTROL, (uint32_t)pin0 | NVMX_PIN_EXT_INTR_EXITING);
	set(ctx, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL, (uint32_t)proc0);
	set(ctx, NVMX_IDX_VM_EXIT_CONTROLS, (uint32_t)exit0 | NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE);
	set(ctx, NVMX_IDX_VM_ENTRY_CONTROLS, (uint32_t)entry0 | NVMX_ENTRY_CTL_IA32E_MODE_GUEST);
	set(ctx, NVMX_IDX_VMCS_LINK_POINTER, ~0ull);
	tsup_vmcs12_host64(set, ctx);
	set(ctx, NVMX_IDX_GUEST_CR0, 0x80000031ull);
	set(ctx, NVMX_IDX_GUEST_CR4, NVMX_CR4_VMXE | NVMX_CR4_PAE);
	set(ctx, NVMX_IDX_GUEST_CR3, 0x6000);
	set(ctx, NVMX_IDX_GUEST_IA32_EFER, NVMX_EFER_LMA | NVMX_EFER_LME);
	set(ctx, NVMX_IDX_GUEST_DR7, 0x400);
	set(ctx, NVMX_IDX_GUEST_RFLAGS, 2);
	set(ctx, NVMX_IDX_GUEST_RIP, 0x2000);
	set(ctx, NVMX_IDX_GUEST_CS_SELECTOR, 0x10);
	set(ctx, NVMX_IDX_GUEST_CS_LIMIT, 0xffffffff);
	set(ctx, NVMX_IDX_GUEST_CS_AR_BYTES, 0xa09b);
	set(ctx, NVMX_IDX_GUEST_SS_SELECTOR, 0x18);
	set(ctx, NVMX_IDX_GUEST_SS_LIMIT, 0xffffffff);
	set(ctx, NVMX_IDX_GUEST_SS_AR_BYTES, 0xc093);
	set(ctx, NVMX_IDX_GUEST_DS_AR_BYTES, NVMX_AR_UNUSABLE);
	set(ctx, NVMX_IDX_GUEST_ES_AR_BYTES, NVMX_AR_UNUSABLE);
	set(ctx, NVMX_IDX_GUEST_FS_AR_BYTES, NVMX_AR_UNUSABLE);
	set(ctx, NVMX_IDX_GUEST_GS_AR_BYTES, NVMX_AR_UNUSABLE);
	set(ctx, NVMX_IDX_GUEST_LDTR_AR_BYTES, NVMX_AR_UNUSABLE);
	set(ctx, NVMX_IDX_GUEST_TR_SELECTOR, 0x40);
	set(ctx, NVMX_IDX_GUEST_TR_LIMIT, 0x67);
	set(ctx, NVMX_IDX_GUEST_TR_AR_BYTES, 0x8b);
	set(ctx, NVMX_IDX_GUEST_GDTR_LIMIT, 0xffff);
	set(ctx, NVMX_IDX_GUEST_IDTR_LIMIT, 0xffff);
}

#endif
