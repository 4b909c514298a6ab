/* SPDX-License-Identifier: MIT */
/*
 * L2's state, VMCS02 -> VMCS12, on an exit reflected to L1 (SDM 28.3,
 * "Saving Guest State"). Hardware VMCS reads are counted and kept few:
 *  - eager: what changes on almost every exit (RIP, RSP, RFLAGS, CR0, CR3,
 *    CR4, interruptibility, activity, pending debug exceptions) and the
 *    fields the VM-exit controls ask to save (DR7/DEBUGCTL, PAT, EFER,
 *    preemption-timer value);
 *  - lazy: segments, GDTR/IDTR, SYSENTER MSRs and PDPTRs, which L1 reads
 *    rarely; they are handed to the lazy copy of vmcs/sync.h, which owns
 *    the question of which VMCS12 values agree with VMCS02.
 */
#include "exit.h"

/*
 * CR0/CR4 as L1 sees L2's (SDM 28.3.1 with the merge of masks): bits L1
 * owns (mask12) cannot change without an exit to L1, so VMCS12 keeps them;
 * bits only L0 owns read as VMCS02's read shadow (what L2 believes); bits
 * nobody owns are the real VMCS02 value.
 */
static uint64_t vmcs02_ctl(struct nvmx_vcpu *v, unsigned idx)
{
	uint64_t val;
	if (nvmx_sync_vmcs02_known(&v->sync, idx, &val))
		return val;
	return nvmx_vmcs02_read(v, nvmx_field_table[idx].encoding);
}

/* L1's view of L2's CR0 or CR4, from VMCS02's value cr02. */
static NVMX_ALWAYS_INLINE uint64_t
guest_cr(struct nvmx_vcpu *v, unsigned i_mask, unsigned i_shadow, uint64_t cr02, uint64_t cr12,
         uint64_t mask12)
{
	/* Masks and read shadows are controls the merge wrote: no read. */
	uint64_t mask02 = vmcs02_ctl(v, i_mask);
	uint64_t l0_only = mask02 & ~mask12;
	uint64_t shadow02 = l0_only ? vmcs02_ctl(v, i_shadow) : 0;
	return (cr02 & ~mask02 & ~mask12) | (shadow02 & l0_only) | (cr12 & mask12);
}

/* Store L1's view of L2's CR0 or CR4 (guest_cr) into VMCS12 field i_cr.
 * When it equals the hardware value (no bit differs between the masks'
 * owners) VMCS02 needs no rewrite at the next entry. */
static void store_guest_cr(struct nvmx_vcpu *v, struct nvmx_vmcs12 *s, unsigned i_cr,
                           unsigned i_mask, unsigned i_shadow, uint64_t cr02)
{
	uint64_t cr = guest_cr(v, i_mask, i_shadow, cr02, s->f[i_cr], s->f[i_mask]);
	if (cr == cr02)
		nvmx_vmcs12_store_as02(s, i_cr, cr);
	else
		nvmx_vmcs12_store_unlike02(s, i_cr, cr);
}

/* The lazily synced fields. */
static const uint16_t rare_fields[] = {
#define S(seg) NVMX_IDX_GUEST_##seg##_SELECTOR, NVMX_IDX_GUEST_##seg##_BASE, \
               NVMX_IDX_GUEST_##seg##_LIMIT, NVMX_IDX_GUEST_##seg##_AR_BYTES
	S(ES), S(CS), S(SS), S(DS), S(FS), S(GS), S(LDTR), S(TR),
#undef S
	NVMX_IDX_GUEST_GDTR_BASE, NVMX_IDX_GUEST_GDTR_LIMIT,
	NVMX_IDX_GUEST_IDTR_BASE, NVMX_IDX_GUEST_IDTR_LIMIT,
	NVMX_IDX_GUEST_SYSENTER_CS, NVMX_IDX_GUEST_SYSENTER_ESP, NVMX_IDX_GUEST_SYSENTER_EIP,
};

static const uint16_t pdptr_fields[] = {
	NVMX_IDX_GUEST_PDPTR0, NVMX_IDX_GUEST_PDPTR1, NVMX_IDX_GUEST_PDPTR2, NVMX_IDX_GUEST_PDPTR3,
};

/* Copied at every reflected exit, in this order (nvmx_exit_sync_guest). */
static const uint16_t eager_fields[7] = {
	NVMX_IDX_GUEST_RIP, NVMX_IDX_GUEST_RSP, NVMX_IDX_GUEST_RFLAGS, NVMX_IDX_GUEST_CR3,
	NVMX_IDX_GUEST_INTERRUPTIBILITY_INFO, NVMX_IDX_GUEST_ACTIVITY_STATE,
	NVMX_IDX_GUEST_PENDING_DBG_EXCEPTIONS,
};

static void set_bit(uint64_t *bm, unsigned idx)
{
	bm[idx / 64u] |= 1ull << (idx % 64u);
}

/* The lazy field set of this vCPU (computed once): segments, descriptor
 * tables and SYSENTER in `rare`, plus the PDPTRs in `rare_pdptr`. */
static void rare_sets(struct nvmx_vcpu *v, const uint64_t **rare, const uint64_t **rare_pdptr)
{
	struct nvmx_exit_vcpu *x = &v->exit;
	if (!x->sets_ready) {
		for (unsigned i = 0; i < NVMX_ARRAY_SIZE(rare_fields); i++) {
			set_bit(x->set_lazy, rare_fields[i]);
			set_bit(x->set_lazy_pdptr, rare_fields[i]);
		}
		for (unsigned i = 0; i < NVMX_ARRAY_SIZE(pdptr_fields); i++)
			set_bit(x->set_lazy_pdptr, pdptr_fields[i]);
		for (unsigned i = 0; i < NVMX_ARRAY_SIZE(eager_fields); i++)
			set_bit(x->set_eager, eager_fields[i]);
		x->sets_ready = true;
	}
	*rare = x->set_lazy;
	*rare_pdptr = x->set_lazy_pdptr;
}

/* The VMCS02 reads of one exit (encodings and values, in read order): at
 * most the seven, CR0, CR4, DR7, DEBUGCTL, PAT, EFER, the timer and the
 * guest interrupt status. */
struct eager_batch {
	uint32_t enc[NVMX_ARRAY_SIZE(eager_fields) + 8];
	uint64_t val[NVMX_ARRAY_SIZE(eager_fields) + 8];
	unsigned n;
};

static NVMX_ALWAYS_INLINE unsigned add(struct eager_batch *b, unsigned idx)
{
	b->enc[b->n] = nvmx_field_table[idx].encoding;
	return b->n++;
}

/* Copy batch value `at` into VMCS12 field idx (stored = VMCS02's value). */
static NVMX_ALWAYS_INLINE void put(struct nvmx_vcpu *v,
                                                      const struct eager_batch *b, unsigned at,
                                                      unsigned idx)
{
	nvmx_vmcs12_store_as02(v->cur, idx, b->val[at]);
}

/* The lazy half of the save (SDM 28.3.1, 28.3.2): segments, descriptor
 * tables, SYSENTER and, when the processor saved them, the PDPTEs stay in
 * VMCS02; the sync owner (vmcs/sync.h) copies them on first need. */
static void hand_over_lazy(struct nvmx_vcpu *v, struct nvmx_vmcs12 *s, const uint64_t *rare,
                           const uint64_t *rare_pdptr)
{
	/* VMCS02 now holds L2's state for the lazy fields: whatever L1 wrote
	 * before the entry has been consumed by it. */
	nvmx_vmcs12_clear_differs(s, rare_pdptr);
	/* SDM 28.3.1: PDPTEs are saved when L1 uses EPT and L2 used PAE
	 * paging (CR0.PG=1, CR4.PAE=1, EFER.LMA=0). */
	uint32_t proc2 = nvmx_vmcs12_proc2(s);
	bool lma = V12(s, VM_ENTRY_CONTROLS) & NVMX_ENTRY_CTL_IA32E_MODE_GUEST;
	bool pdptrs = (proc2 & NVMX_PROC2_EPT) && (V12(s, GUEST_CR0) & NVMX_CR0_PG) &&
	              (V12(s, GUEST_CR4) & NVMX_CR4_PAE) && !lma;
	nvmx_sync_lazy_begin(v, pdptrs ? rare_pdptr : rare);
}

void nvmx_exit_sync_guest(struct nvmx_vcpu *v, const struct nvmx_l2_exit *e)
{
	struct nvmx_vmcs12 *s = v->cur;
	uint32_t exitc = (uint32_t)V12(s, VM_EXIT_CONTROLS);
	uint32_t pin = (uint32_t)V12(s, PIN_BASED_VM_EXEC_CONTROL);

	const uint64_t *rare, *rare_pdptr;
	rare_sets(v, &rare, &rare_pdptr);

	/*
	 * Every VMCS02 field this exit saves (SDM 28.3.1, 28.3.4), read in one
	 * batch: the seven fields every exit changes, CR0 and CR4, and those
	 * the VM-exit controls ask for (positions ~0u: not read).
	 */
	struct eager_batch b;
	b.n = 0;
	for (unsigned i = 0; i < NVMX_ARRAY_SIZE(eager_fields); i++)
		add(&b, eager_fields[i]);
	unsigned at_cr0 = add(&b, NVMX_IDX_GUEST_CR0);
	unsigned at_cr4 = add(&b, NVMX_IDX_GUEST_CR4);
	/* SDM 28.3.1: DR7 and IA32_DEBUGCTL when "save debug controls". */
	unsigned at_dbg = ~0u, at_pat = ~0u, at_efer = ~0u, at_timer = ~0u;
	if (exitc & NVMX_EXIT_CTL_SAVE_DEBUG_CONTROLS) {
		at_dbg = add(&b, NVMX_IDX_GUEST_DR7);
		add(&b, NVMX_IDX_GUEST_IA32_DEBUGCTL);
	}
	/* SDM 28.3.1: PAT and EFER per their save controls. */
	if (exitc & NVMX_EXIT_CTL_SAVE_PAT)
		at_pat = add(&b, NVMX_IDX_GUEST_IA32_PAT);
	/* EFER is also read without "save IA32_EFER" when IA32_EFER.LMA goes
	 * into the "IA-32e mode guest" entry control (below). */
	bool store_lma = nvmx_caps_msr(&v->vm->caps, NVMX_MSR_IA32_VMX_MISC) & NVMX_MISC_STORE_LMA;
	if ((exitc & NVMX_EXIT_CTL_SAVE_EFER) || store_lma)
		at_efer = add(&b, NVMX_IDX_GUEST_IA32_EFER);
	/* SDM 28.3.4: the preemption-timer value, 0 when the timer caused the
	 * exit. Entry checks make the save control need the pin control. */
	bool save_timer = (exitc & NVMX_EXIT_CTL_SAVE_PREEMPTION_TIMER) && (pin & NVMX_PIN_PREEMPTION_TIMER);
	bool timer_exit = NVMX_EXIT_REASON_BASIC(e->exit_reason) == NVMX_EXIT_REASON_PREEMPTION_TIMER;
	if (save_timer && !timer_exit)
		at_timer = add(&b, NVMX_IDX_VMX_PREEMPTION_TIMER_VALUE);
	/* SDM 28.3.4: with "virtual-interrupt delivery" the guest interrupt
	 * status (RVI, SVI) is saved; the processor, or the library's APIC
	 * virtualization, keeps it current in VMCS02 while L2 runs. */
	unsigned at_intr = ~0u;
	if (nvmx_vmcs12_proc2(s) & NVMX_PROC2_VIRT_INTR_DELIVERY)
		at_intr = add(&b, NVMX_IDX_GUEST_INTR_STATUS);
	nvmx_vmcs02_read_n(v, b.enc, b.val, b.n);

	/* The seven: stored with one mask update (they now agree with VMCS02). */
	for (unsigned i = 0; i < NVMX_ARRAY_SIZE(eager_fields); i++)
		s->f[eager_fields[i]] = b.val[i];
	s->mem_dirty = true;
	nvmx_vmcs12_clear_differs(s, v->exit.set_eager);

	store_guest_cr(v, s, NVMX_IDX_GUEST_CR0, NVMX_IDX_CR0_GUEST_HOST_MASK,
	               NVMX_IDX_CR0_READ_SHADOW, b.val[at_cr0]);
	store_guest_cr(v, s, NVMX_IDX_GUEST_CR4, NVMX_IDX_CR4_GUEST_HOST_MASK,
	               NVMX_IDX_CR4_READ_SHADOW, b.val[at_cr4]);

	if (at_dbg != ~0u) {
		put(v, &b, at_dbg, NVMX_IDX_GUEST_DR7);
		put(v, &b, at_dbg + 1u, NVMX_IDX_GUEST_IA32_DEBUGCTL);
	}
	if (at_pat != ~0u)
		put(v, &b, at_pat, NVMX_IDX_GUEST_IA32_PAT);
	if (at_efer != ~0u && (exitc & NVMX_EXIT_CTL_SAVE_EFER))
		put(v, &b, at_efer, NVMX_IDX_GUEST_IA32_EFER);
	if (at_intr != ~0u)
		put(v, &b, at_intr, NVMX_IDX_GUEST_INTR_STATUS);
	if (save_timer) {
		if (timer_exit)
			nvmx_vmcs12_store_unlike02(s, NVMX_IDX_VMX_PREEMPTION_TIMER_VALUE, 0);
		else
			put(v, &b, at_timer, NVMX_IDX_VMX_PREEMPTION_TIMER_VALUE);
	}
	/* SDM 28.2.x: every VM exit clears the valid bit of the VM-entry
	 * interruption-information field (hardware did so in VMCS02 too). */
	uint64_t ei = V12(s, VM_ENTRY_INTR_INFO_FIELD);
	if (ei & NVMX_INTR_INFO_VALID)
		nvmx_vmcs12_store_unlike02(s, NVMX_IDX_VM_ENTRY_INTR_INFO_FIELD,
		                           ei & ~(uint64_t)NVMX_INTR_INFO_VALID);

	/* SDM 28.3.x: IA32_EFER.LMA is stored into the "IA-32e mode guest"
	 * VM-entry control. */
	if (store_lma) {
		uint64_t efer = b.val[at_efer];
		uint64_t ent = V12(s, VM_ENTRY_CONTROLS);
		uint64_t nent = (efer & NVMX_EFER_LMA) ? (ent | NVMX_ENTRY_CTL_IA32E_MODE_GUEST)
		                                       : (ent & ~(uint64_t)NVMX_ENTRY_CTL_IA32E_MODE_GUEST);
		if (nent != ent)
			nvmx_vmcs12_store_unlike02(s, NVMX_IDX_VM_ENTRY_CONTROLS, nent);
	}

	hand_over_lazy(v, s, rare, rare_pdptr);
}
