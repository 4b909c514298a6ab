/* SPDX-License-Identifier: MIT */
/*
 * The library-emulation mode of APIC virtualization (NVMX_L0_EMULATE_APIC_VIRT,
 * include/nvmx/entry.h): the hooks the VMCS02 merge, the MSR-bitmap merge and
 * the shadow-EPT fault path call, one each.
 */
#ifndef NVMX_APIC_EMULATE_H
#define NVMX_APIC_EMULATE_H

#include "../core.h"

/* The policy in force asks the library to emulate APIC virtualization. */
bool nvmx_apic_emulated(struct nvmx_vcpu *v);

/*
 * VMCS02's controls in emulation mode: L1's APIC-virtualization controls
 * removed (pin: process posted interrupts; proc: use TPR shadow; proc2:
 * virtualize APIC accesses, APIC-register virtualization, virtual-interrupt
 * delivery, virtualize x2APIC mode) and CR8-load/store exiting set when L1
 * uses a TPR shadow; when L1 virtualizes APIC accesses, EPT02 leaves
 * built from L1's APIC-access page are dropped. Without the mode nothing
 * changes.
 */
void nvmx_apic_merge_controls(struct nvmx_vcpu *v, const struct nvmx_vmcs12 *s, uint32_t l1_proc,
                              uint32_t l1_proc2, uint32_t *pin, uint32_t *proc, uint32_t *proc2);

/*
 * The shadow-EPT fill for L1 page `l1_gpa`: true when, in emulation mode,
 * it is L1's APIC-access page (VMCS12 virtualizes APIC accesses): EPT02
 * must not map it. Otherwise *max_size (a leaf size: 4 KiB, 2 MiB or
 * 1 GiB) is lowered so that the leaf around l1_gpa does not cover it.
 */
bool nvmx_apic_ept_withhold(struct nvmx_vcpu *v, uint64_t l1_gpa, uint64_t *max_size);

#endif
