/* SPDX-License-Identifier: MIT */
/*
 * A VMCS12 for a 64-bit L2 under a 64-bit L1 host, valid for VM entry (SDM
 * 27.2-27.3): the baseline of the round-trip tests (test_roundtrip.c) and
 * benchmarks (bench/bench_exit.c). Controls are the capabilities' allowed-0
 * bits plus external-interrupt exiting, host address-space size and IA-32e
 * mode guest; callers add theirs. Every field is marked dirty, as after a
 * load from memory.
 */
#ifndef NVMX_TEST_RT_BASELINE_H
#define NVMX_TEST_RT_BASELINE_H

#include "core.h"

static inline void rt_vmcs12_baseline(struct nvmx_vm *vm, struct nvmx_vmcs12 *s)
{
	uint64_t pin0 = 0, proc0 = 0, exit0 = 0, entry0 = 0;
	nvmx_vm_get_cap(vm, NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS, &pin0);
	nvmx_vm_get_cap(vm, NVMX_MSR_IA32_VMX_TRUE_PROCBASED_CTLS, &proc0);
	nvmx_vm_get_cap(vm, NVMX_MSR_IA32_VMX_TRUE_EXIT_CTLS, &exit0);
	nvmx_vm_get_cap(vm, NVMX_MSR_IA32_VMX_TRUE_ENTRY_CTLS, &entry0);
#define RT_S(name, val) (s->f[NVMX_IDX_##name] = (val))
	RT_S(PIN_BASED_VM_EXEC_CONTROL, (uint32_t)pin0 | NVMX_PIN_EXT_INTR_EXITING);
	RT_S(CPU_BASED_VM_EXEC_CONTROL, (uint32_t)proc0);
	RT_S(VM_EXIT_CONTROLS, (uint32_t)exit0 | NVMX_EXIT_HOST_ADDR_SPACE_SIZE);
	RT_S(VM_ENTRY_CONTROLS, (uint32_t)entry0 | NVMX_ENTRY_IA32E_MODE_GUEST);
	RT_S(VMCS_LINK_POINTER, ~0ull);
	RT_S(HOST_CR0, 0x80050033ull);
	RT_S(HOST_CR3, 0x5000);
	RT_S(HOST_CR4, NVMX_CR4_VMXE | NVMX_CR4_PAE);
	RT_S(HOST_CS_SELECTOR, 0x10);
	RT_S(HOST_SS_SELECTOR, 0x18);
	RT_S(HOST_DS_SELECTOR, 0x18);
	RT_S(HOST_ES_SELECTOR, 0x18);
	RT_S(HOST_TR_SELECTOR, 0x40);
	RT_S(HOST_RIP, 0x401000);
	RT_S(HOST_RSP, 0x402000);
	RT_S(GUEST_CR0, 0x80000031ull);
	RT_S(GUEST_CR4, NVMX_CR4_VMXE | NVMX_CR4_PAE);
	RT_S(GUEST_CR3, 0x6000);
	RT_S(GUEST_IA32_EFER, NVMX_EFER_LMA | NVMX_EFER_LME);
	RT_S(GUEST_DR7, 0x400);
	RT_S(GUEST_RFLAGS, 2);
	RT_S(GUEST_RIP, 0x2000);
	RT_S(GUEST_CS_SELECTOR, 0x10);
	RT_S(GUEST_CS_LIMIT, 0xffffffff);
	RT_S(GUEST_CS_AR_BYTES, 0xa09b);
	RT_S(GUEST_SS_SELECTOR, 0x18);
	RT_S(GUEST_SS_LIMIT, 0xffffffff);
	RT_S(GUEST_SS_AR_BYTES, 0xc093);
	RT_S(GUEST_DS_AR_BYTES, NVMX_AR_UNUSABLE);
	RT_S(GUEST_ES_AR_BYTES, NVMX_AR_UNUSABLE);
	RT_S(GUEST_FS_AR_BYTES, NVMX_AR_UNUSABLE);
	RT_S(GUEST_GS_AR_BYTES, NVMX_AR_UNUSABLE);
	RT_S(GUEST_LDTR_AR_BYTES, NVMX_AR_UNUSABLE);
	RT_S(GUEST_TR_SELECTOR, 0x40);
	RT_S(GUEST_TR_LIMIT, 0x67);
	RT_S(GUEST_TR_AR_BYTES, 0x8b);
	RT_S(GUEST_GDTR_LIMIT, 0xffff);
	RT_S(GUEST_IDTR_LIMIT, 0xffff);
#undef RT_S
	nvmx_vmcs12_mark_all_dirty(s);
}

#endif
