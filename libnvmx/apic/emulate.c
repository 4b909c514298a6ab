/* SPDX-License-Identifier: MIT */
/*
 * NVMX_L0_EMULATE_APIC_VIRT: L0's processor does not virtualize the APIC
 * for L2, so VMCS02 must not carry L1's APIC-virtualization controls (the
 * processor would then act on them with L0's pages or not at all) and
 * every event those controls govern must reach L0, which hands it to this
 * module's entry points (apic.c). The controls and what each one needs to
 * see (SDM vol. 3, "APIC Virtualization and Virtual Interrupts"; 25.6.2
 * and 25.6.8 for the controls, 27.2.1.1 for their consistency):
 *   use TPR shadow             MOV to/from CR8 (CR8-load/store exiting);
 *   virtualize APIC accesses   accesses to the APIC-access page (EPT02 does
 *                              not map it: an EPT violation L0 sees);
 *   virtualize x2APIC mode     RDMSR/WRMSR of 800H-8FFH (the MSR bitmap:
 *                              bitmaps.c x2apic_forced forces every exit);
 *   APIC-register virt.,       nothing of their own: they act through the
 *   virtual-interrupt delivery three above (and nvmx_vcpu_apic_deliver);
 *   process posted interrupts  the notification vector arrives as an
 *                              external interrupt L0 takes (nvmx_vcpu_apic_interrupt).
 * Removing all six keeps VMCS02 consistent (27.2.1.1: virtualize x2APIC
 * mode, APIC-register virtualization and virtual-interrupt delivery need
 * use TPR shadow; posted interrupts need virtual-interrupt delivery).
 */
#include "emulate.h"
#include "../entry/entry_int.h"
#include "../ept/ept.h"

bool nvmx_apic_emulated(struct nvmx_vcpu *v)
{
	return (nvmx_entry_policy(v)->flags & NVMX_L0_EMULATE_APIC_VIRT) != 0;
}

void nvmx_apic_merge_controls(struct nvmx_vcpu *v, const struct nvmx_vmcs12 *s, uint32_t l1_proc,
                              uint32_t l1_proc2, uint32_t *pin, uint32_t *proc, uint32_t *proc2)
{
	if (!nvmx_apic_emulated(v))
		return;
	/* EPT02 may map the page from before (L1 turned the control on or
	 * moved the address, or the policy changed): the control half of
	 * VMCS02 is rebuilt in each of those cases, and the page dropped. */
	if (l1_proc2 & NVMX_PROC2_VIRT_APIC_ACCESSES)
		nvmx_ept_zap_l1_page(v->vm, V12(s, APIC_ACCESS_ADDR));
	*pin &= ~NVMX_PIN_POSTED_INTR;
	*proc &= ~NVMX_PROC_TPR_SHADOW;
	*proc2 &= ~(NVMX_PROC2_VIRT_APIC_ACCESSES | NVMX_PROC2_APIC_REG_VIRT |
	            NVMX_PROC2_VIRT_INTR_DELIVERY | NVMX_PROC2_VIRT_X2APIC);
	/* With a TPR shadow, MOV to/from CR8 acts on L1's VTPR (SDM "Virtualizing
	 * MOV to/from CR8"): the library must do it, so both exit. */
	if (l1_proc & NVMX_PROC_TPR_SHADOW)
		*proc |= NVMX_PROC_CR8_LOAD_EXITING | NVMX_PROC_CR8_STORE_EXITING;
}

#define PAGE_4K 4096ull

bool nvmx_apic_ept_withhold(struct nvmx_vcpu *v, uint64_t l1_gpa, uint64_t *max_size)
{
	if (!v->cur || !nvmx_apic_emulated(v))
		return false;
	const struct nvmx_vmcs12 *s = v->cur;
	if (!(nvmx_vmcs12_proc2(s) & NVMX_PROC2_VIRT_APIC_ACCESSES))
		return false;
	/* The APIC-access address is 4-KiB aligned (SDM 27.2.1.1, checked at
	 * entry); the mask keeps this independent of that check. */
	uint64_t aa = V12(s, APIC_ACCESS_ADDR) & ~(PAGE_4K - 1);
	if ((l1_gpa & ~(PAGE_4K - 1)) == aa)
		return true;
	/* EPT leaves are 4 KiB, 2 MiB or 1 GiB (SDM 29.3.2): the largest one
	 * around l1_gpa that does not contain the APIC-access page. */
	const uint64_t m2 = ~((2ull << 20) - 1), m1 = ~((1ull << 30) - 1);
	if ((l1_gpa & m2) == (aa & m2))
		*max_size = PAGE_4K;
	else if ((l1_gpa & m1) == (aa & m1) && *max_size > (2ull << 20))
		*max_size = 2ull << 20;
	return false;
}
