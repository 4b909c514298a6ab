/* SPDX-License-Identifier: MIT */
/*
 * The VMCS12 + L0 merge into VMCS02 (SDM chapters 25-26 give the meaning of
 * each field; the rules are in docs/vm-entry-checks.md, "Where VMCS02 fields
 * come from").
 *
 * Write economy: control fields (which the hardware never changes) are
 * recomputed at every entry and written only when the VMCS02 shadow does
 * not know VMCS02 to hold that value already; guest-state fields (which the
 * hardware updates while L2 runs, and the exit module syncs back into
 * VMCS12) are written only when VMCS12 may differ from VMCS02 on them. Both
 * facts come from vmcs/sync.h.
 * VMLAUNCH, a different VMCS12 or a new L0 policy rewrite everything.
 */
#include "entry_int.h"
#include "../ept/ept.h"
#include "../apic/emulate.h"

#define ONE_48 (1ull << 48)

struct writer {
	struct nvmx_vcpu *v;
	struct nvmx_vmcs12 *s;
	bool full;
};

/* A control-like field: compared with what VMCS02 holds. */
static NVMX_ALWAYS_INLINE void put_ctl(struct writer *w, unsigned idx,
                                                         uint64_t val)
{
	if (!w->full && nvmx_sync_vmcs02_holds(&w->v->sync, idx, val))
		return;
	nvmx_vmcs02_put(w->v, idx, val);
}

static enum nvmx_status translate(struct nvmx_entry_ctx *x, uint64_t gpa, uint32_t field,
                                  uint64_t *hpa)
{
	struct nvmx_l0_map m;
	nvmx_memset(&m, 0, sizeof(m));
	enum nvmx_status st = nvmx_host_gpa_to_hpa(&x->v->vm->ops, x->v->host, gpa, &m);
	/* The SDM checks these addresses for alignment and width only: one L0
	 * does not back gets a page of ones (bitmaps.c). */
	if (st == NVMX_STATUS_NOT_MAPPED)
		return nvmx_bitmaps_unbacked(x, gpa, field, hpa);
	if (st != NVMX_STATUS_OK)
		return NVMX_STATUS_HOST_FAILURE;
	*hpa = (m.hpa & ~0xfffull) | (gpa & 0xfffull);
	return NVMX_STATUS_OK;
}

#define TRANSLATE(x, cond, name, out)                                                      \
	do {                                                                               \
		if (cond) {                                                                \
			NVMX_CHECK(translate(x, V12((x)->s, name), NVMX_F_##name, out));   \
			if ((x)->reason)                                                   \
				return NVMX_STATUS_OK;                                     \
		}                                                                          \
	} while (0)

enum nvmx_status nvmx_merge_translate(struct nvmx_entry_ctx *x)
{
	TRANSLATE(x, x->proc2 & NVMX_PROC2_VIRT_APIC_ACCESSES, APIC_ACCESS_ADDR, &x->xl.hpa_apic_access);
	TRANSLATE(x, x->proc & NVMX_PROC_TPR_SHADOW, VIRTUAL_APIC_PAGE_ADDR, &x->xl.hpa_vapic);
	TRANSLATE(x, x->pin & NVMX_PIN_POSTED_INTR, POSTED_INTR_DESC_ADDR, &x->xl.hpa_pi_desc);
	TRANSLATE(x, x->proc2 & NVMX_PROC2_PML, PML_ADDRESS, &x->xl.hpa_pml);
	TRANSLATE(x, x->proc2 & NVMX_PROC2_EPT_VE, VE_INFORMATION_ADDRESS, &x->xl.hpa_ve);
	NVMX_CHECK(nvmx_bitmaps_msr(x, &x->xl.msr_use, &x->xl.msr_hpa));
	if (x->reason)
		return NVMX_STATUS_OK;
	const struct nvmx_l0_policy *pol = nvmx_entry_policy(x->v);
	if (pol->proc_set & NVMX_PROC_UNCOND_IO_EXITING) {
		/* L0 wants every port: no merge needed. */
		x->xl.io_use = false;
		x->xl.io_uncond = true;
		return NVMX_STATUS_OK;
	}
	return nvmx_bitmaps_io(x, &x->xl.io_use, &x->xl.io_uncond, &x->xl.io_hpa_a, &x->xl.io_hpa_b);
}

/* a * b >> 48 with a 128-bit intermediate (SDM 25.6.5, TSC scaling). */
static uint64_t mul48(uint64_t a, uint64_t b)
{
	return nvmx_mul_shr48(a, b);
}

static uint64_t smul48(uint64_t off, uint64_t m)
{
	return nvmx_smul_shr48(off, m);
}

#define PUT(w, name, val) put_ctl(w, NVMX_IDX_##name, val)
#define HAS(c, f) nvmx_caps_has(c, NVMX_FEAT_##f)

/* What the merge needs besides VMCS12's control fields and the policy;
 * computed at every entry. */
struct dyn {
	uint16_t vpid02;
	bool flush;             /* VPID02 must be flushed (SDM 29.4.3.3) */
	uint64_t eptp02, list02;
	bool eptp_sw;
};

/*
 * The control half of VMCS02: a function of VMCS12's control fields, the
 * policy, the capabilities, the translations in x->xl and whether VMCS02
 * uses a VPID; nothing else. The VMRESUME fast path skips it while none of
 * those changed (entry.c).
 */
static void merge_controls(struct nvmx_entry_ctx *x, struct writer *w, const struct dyn *d)
{
	struct nvmx_vcpu *v = x->v;
	struct nvmx_vmcs12 *s = x->s;
	const struct nvmx_caps *c = x->c;
	const struct nvmx_l0_policy *pol = nvmx_entry_policy(v);

	/* --- execution controls --- */
	uint32_t pin = x->pin | pol->pin_set;
	if (pol->flags & NVMX_L0_EMULATE_PREEMPTION_TIMER)
		pin &= ~NVMX_PIN_PREEMPTION_TIMER;

	uint32_t proc = (x->proc | pol->proc_set) &
	                ~(NVMX_PROC_USE_MSR_BITMAPS | NVMX_PROC_USE_IO_BITMAPS |
	                  NVMX_PROC_UNCOND_IO_EXITING | NVMX_PROC_SECONDARY_CONTROLS |
	                  NVMX_PROC_TERTIARY_CONTROLS);
	if (x->xl.msr_use)
		proc |= NVMX_PROC_USE_MSR_BITMAPS;
	if (x->xl.io_use)
		proc |= NVMX_PROC_USE_IO_BITMAPS;
	else if (x->xl.io_uncond)
		proc |= NVMX_PROC_UNCOND_IO_EXITING;
	uint32_t proc2 = x->proc2 | pol->proc2_set;
	/* NVMX_L0_EMULATE_APIC_VIRT: L1's APIC controls stay out (apic/emulate.c). */
	nvmx_apic_merge_controls(v, s, x->proc, x->proc2, &pin, &proc, &proc2);
	/* Without a TPR shadow, MOV to/from CR8 in VMX non-root operation
	 * operates on the local APIC's TPR (SDM 26.3), which is L0's, not L1's:
	 * both must exit, to L0, which emulates L1's TPR for L2 (the class of
	 * CVE-2017-12154, docs/security.md). */
	if (!(proc & NVMX_PROC_TPR_SHADOW))
		proc |= NVMX_PROC_CR8_LOAD_EXITING | NVMX_PROC_CR8_STORE_EXITING;

	/* VMCS shadowing is never offered; VPID is decided by the caller. */
	proc2 &= ~(NVMX_PROC2_SHADOW_VMCS | NVMX_PROC2_VPID);

	/* TSC (SDM 25.6.5): L2's TSC = L1's TSC scaled by VMCS12 then offset,
	 * L1's TSC = host TSC scaled by L0 then offset. */
	const bool l1_off = x->proc & NVMX_PROC_TSC_OFFSETTING;
	const bool l1_scale = l1_off && (x->proc2 & NVMX_PROC2_TSC_SCALING);
	uint64_t m01 = pol->tsc_multiplier ? pol->tsc_multiplier : ONE_48;
	uint64_t m12 = l1_scale ? V12(s, TSC_MULTIPLIER) : ONE_48;
	uint64_t off12 = l1_off ? V12(s, TSC_OFFSET) : 0;
	uint64_t m02 = mul48(m01, m12);
	uint64_t off02 = smul48(pol->tsc_offset, m12) + off12;
	if (l1_off || pol->tsc_offset || m01 != ONE_48)
		proc |= NVMX_PROC_TSC_OFFSETTING;
	proc2 &= ~NVMX_PROC2_TSC_SCALING;
	if (m02 != ONE_48)
		proc2 |= NVMX_PROC2_TSC_SCALING;
	if (d->vpid02)
		proc2 |= NVMX_PROC2_VPID;
	if (!(x->proc2 & NVMX_PROC2_EPT) && pol->eptp01)
		proc2 |= NVMX_PROC2_EPT;
	if (proc2)
		proc |= NVMX_PROC_SECONDARY_CONTROLS;

	/* Exit controls describe the exit to L0: L0's own, plus the "save"
	 * controls L1 asked for so that the exit module finds the values in
	 * VMCS02, plus the hardware's default-1 bits. */
	uint32_t exit = pol->exit_set | nvmx_caps_allowed0(c, NVMX_MSR_IA32_VMX_EXIT_CTLS) |
	                (x->exit & (NVMX_EXIT_CTL_SAVE_DEBUG_CONTROLS | NVMX_EXIT_CTL_SAVE_PAT |
	                            NVMX_EXIT_CTL_SAVE_EFER));
	/* Posted interrupts require acknowledge-on-exit (SDM 27.2.1.1): with
	 * L1's posted interrupts in VMCS02, L0 gets acknowledged interrupts. */
	if (pin & NVMX_PIN_POSTED_INTR)
		exit |= NVMX_EXIT_CTL_ACK_INTR_ON_EXIT;
	/* When L1 asks for acknowledge-on-exit, the hardware must acknowledge
	 * too: only then does it report the vector (SDM 28.2.2) that L1 reads
	 * in VM_EXIT_INTR_INFO. An interrupt L0 keeps then arrives acknowledged,
	 * as with any L0 that sets this control for itself. */
	exit |= x->exit & NVMX_EXIT_CTL_ACK_INTR_ON_EXIT;
	if ((pin & NVMX_PIN_PREEMPTION_TIMER) && (x->exit & NVMX_EXIT_CTL_SAVE_PREEMPTION_TIMER))
		exit |= NVMX_EXIT_CTL_SAVE_PREEMPTION_TIMER;

	/* Entry controls: L1's. EFER and PAT are always loaded when the
	 * hardware can (values: merge_dynamic). */
	uint32_t entry = x->entry | pol->entry_set;
	if (HAS(c, EFER))
		entry |= NVMX_ENTRY_CTL_LOAD_EFER;
	if (HAS(c, PAT))
		entry |= NVMX_ENTRY_CTL_LOAD_PAT;

	PUT(w, PIN_BASED_VM_EXEC_CONTROL, pin);
	PUT(w, CPU_BASED_VM_EXEC_CONTROL, proc);
	if (proc & NVMX_PROC_SECONDARY_CONTROLS)
		PUT(w, SECONDARY_VM_EXEC_CONTROL, proc2);
	PUT(w, VM_EXIT_CONTROLS, exit);
	PUT(w, VM_ENTRY_CONTROLS, entry);

	/* Exceptions: union; when L0 takes #PF, every #PF must exit. */
	uint32_t eb = (uint32_t)V12(s, EXCEPTION_BITMAP) | pol->exception_bitmap;
	uint64_t pfm = V12(s, PAGE_FAULT_ERROR_CODE_MASK), pfmt = V12(s, PAGE_FAULT_ERROR_CODE_MATCH);
	if (pol->exception_bitmap & (1u << NVMX_VEC_PF))
		pfm = pfmt = 0;
	PUT(w, EXCEPTION_BITMAP, eb);
	PUT(w, PAGE_FAULT_ERROR_CODE_MASK, pfm);
	PUT(w, PAGE_FAULT_ERROR_CODE_MATCH, pfmt);

	/* CR0/CR4: L0's bits and L1's bits are host-owned (read shadows:
	 * merge_dynamic). */
	PUT(w, CR0_GUEST_HOST_MASK, V12(s, CR0_GUEST_HOST_MASK) | pol->cr0_mask);
	PUT(w, CR4_GUEST_HOST_MASK, V12(s, CR4_GUEST_HOST_MASK) | pol->cr4_mask);

	/* CR3 targets only when L0 does not need every CR3 load itself. */
	uint32_t n3 = (pol->proc_set & NVMX_PROC_CR3_LOAD_EXITING) ? 0
	                                                          : (uint32_t)V12(s, CR3_TARGET_COUNT);
	PUT(w, CR3_TARGET_COUNT, n3);
	for (unsigned i = 0; i < n3 && i < 4; i++)
		put_ctl(w, NVMX_IDX_CR3_TARGET_VALUE0 + i, s->f[NVMX_IDX_CR3_TARGET_VALUE0 + i]);

	if (proc & NVMX_PROC_TSC_OFFSETTING)
		PUT(w, TSC_OFFSET, off02);
	if (proc2 & NVMX_PROC2_TSC_SCALING)
		PUT(w, TSC_MULTIPLIER, m02);
	if (x->xl.msr_use)
		PUT(w, MSR_BITMAP, x->xl.msr_hpa);
	if (x->xl.io_use) {
		PUT(w, IO_BITMAP_A, x->xl.io_hpa_a);
		PUT(w, IO_BITMAP_B, x->xl.io_hpa_b);
	}
	if (x->proc & proc & NVMX_PROC_TPR_SHADOW) {
		PUT(w, VIRTUAL_APIC_PAGE_ADDR, x->xl.hpa_vapic);
		PUT(w, TPR_THRESHOLD, V12(s, TPR_THRESHOLD));
	}
	if (x->proc2 & proc2 & NVMX_PROC2_VIRT_APIC_ACCESSES)
		PUT(w, APIC_ACCESS_ADDR, x->xl.hpa_apic_access);
	if (x->pin & pin & NVMX_PIN_POSTED_INTR) {
		PUT(w, POSTED_INTR_DESC_ADDR, x->xl.hpa_pi_desc);
		PUT(w, POSTED_INTR_NV, V12(s, POSTED_INTR_NV));
	}
	if (x->proc2 & NVMX_PROC2_PML)
		PUT(w, PML_ADDRESS, x->xl.hpa_pml);
	if (x->proc2 & NVMX_PROC2_EPT_VE) {
		PUT(w, VE_INFORMATION_ADDRESS, x->xl.hpa_ve);
		PUT(w, EPTP_INDEX, V12(s, EPTP_INDEX));
	}
	if (x->proc2 & proc2 & NVMX_PROC2_VIRT_INTR_DELIVERY)
		for (unsigned i = 0; i < 4; i++)
			put_ctl(w, NVMX_IDX_EOI_EXIT_BITMAP0 + i, s->f[NVMX_IDX_EOI_EXIT_BITMAP0 + i]);
	if (x->proc2 & NVMX_PROC2_PAUSE_LOOP_EXITING) {
		PUT(w, PLE_GAP, V12(s, PLE_GAP));
		PUT(w, PLE_WINDOW, V12(s, PLE_WINDOW));
	}
	if (x->proc2 & NVMX_PROC2_VMFUNC)
		PUT(w, VM_FUNCTION_CONTROL, V12(s, VM_FUNCTION_CONTROL));
	if (x->proc2 & NVMX_PROC2_XSAVES)
		PUT(w, XSS_EXIT_BITMAP, V12(s, XSS_EXIT_BITMAP));
	if (x->proc2 & NVMX_PROC2_ENCLS_EXITING)
		PUT(w, ENCLS_EXITING_BITMAP, V12(s, ENCLS_EXITING_BITMAP));
	if (x->proc2 & NVMX_PROC2_NOTIFY_VM_EXITING)
		PUT(w, INSTRUCTION_TIMEOUT_CONTROL, V12(s, INSTRUCTION_TIMEOUT_CONTROL));
	/* The library loads the entry MSR-load area itself; exit areas are L0's. */
	PUT(w, VM_ENTRY_MSR_LOAD_COUNT, 0);
	PUT(w, VM_EXIT_MSR_STORE_COUNT, 0);
	PUT(w, VM_EXIT_MSR_LOAD_COUNT, 0);
	/* No shadow VMCS is ever offered: VMCS02 links to nothing. */
	PUT(w, VMCS_LINK_POINTER, ~0ull);
	v->entry.ctl_vpid_on = d->vpid02 != 0;
}

/*
 * The part of VMCS02's controls that depends on more than VMCS12's control
 * fields, done at every entry: VPID02 (and its flush), EPTP02 and the EPTP
 * list (shadow roots may be rebuilt), EFER and PAT (L1's or VMCS12's guest
 * values), the CR0/CR4 read shadows (VMCS12's guest CR0/CR4).
 */
static void merge_dynamic(struct nvmx_entry_ctx *x, struct writer *w, const struct dyn *d)
{
	struct nvmx_vcpu *v = x->v;
	struct nvmx_vmcs12 *s = x->s;
	const struct nvmx_caps *c = x->c;

	/* EFER and PAT, so that L2 starts with what SDM 27.3.2.1 gives it even
	 * when VMCS12 does not load them (L1's values, LMA/LME from IA-32e mode
	 * guest). */
	if (HAS(c, EFER)) {
		uint64_t efer02 = V12(s, GUEST_IA32_EFER);
		if (!(x->entry & NVMX_ENTRY_CTL_LOAD_EFER)) {
			efer02 = x->l1_efer & ~(NVMX_EFER_LMA | NVMX_EFER_LME);
			if (x->ia32e)
				efer02 |= NVMX_EFER_LMA | ((V12(s, GUEST_CR0) & NVMX_CR0_PG) ? NVMX_EFER_LME : 0);
		}
		PUT(w, GUEST_IA32_EFER, efer02);
	}
	if (nvmx_entry_l2_inherits_pat(v, s))
		PUT(w, GUEST_IA32_PAT, x->l1_pat_known ? x->l1_pat
		                                       : nvmx_l1_read(v, NVMX_F_GUEST_IA32_PAT));
	else if (HAS(c, PAT))
		PUT(w, GUEST_IA32_PAT, V12(s, GUEST_IA32_PAT));

	/* L2 reads L1's shadow for L1's bits and the real value for bits only
	 * L0 owns. */
	uint64_t m0 = V12(s, CR0_GUEST_HOST_MASK), m4 = V12(s, CR4_GUEST_HOST_MASK);
	PUT(w, CR0_READ_SHADOW, (V12(s, CR0_READ_SHADOW) & m0) | (V12(s, GUEST_CR0) & ~m0));
	PUT(w, CR4_READ_SHADOW, (V12(s, CR4_READ_SHADOW) & m4) | (V12(s, GUEST_CR4) & ~m4));

	if (d->eptp02)
		PUT(w, EPT_POINTER, d->eptp02);
	if (d->vpid02)
		PUT(w, VIRTUAL_PROCESSOR_ID, d->vpid02);
	/* SDM 29.4.3.3 (L1 without VPID) or a VPID02 new to its VPID12. */
	if (d->flush)
		nvmx_vpid_flush(v, d->vpid02);
	if (d->eptp_sw)
		PUT(w, EPTP_LIST_ADDRESS, d->list02);
}

enum nvmx_status nvmx_merge_build(struct nvmx_entry_ctx *x)
{
	struct nvmx_vcpu *v = x->v;
	struct nvmx_vmcs12 *s = x->s;
	const struct nvmx_caps *c = x->c;
	const struct nvmx_l0_policy *pol = nvmx_entry_policy(v);
	struct nvmx_entry_vcpu *e = &v->entry;
	struct writer w = { v, s,
	                    x->launch || e->built_gpa != s->gpa ||
	                            e->built_policy_gen != e->policy_gen };

	struct dyn d = { 0 };
	if (x->proc2 & NVMX_PROC2_EPT)
		NVMX_CHECK(nvmx_ept_root(v, V12(s, EPT_POINTER), &d.eptp02));
	else if (pol->eptp01)
		d.eptp02 = pol->eptp01;
	d.eptp_sw = (x->proc2 & NVMX_PROC2_VMFUNC) &&
	            (V12(s, VM_FUNCTION_CONTROL) & NVMX_VMFUNC_EPTP_SWITCHING);
	if (d.eptp_sw)
		NVMX_CHECK(nvmx_ept_eptp_list(v, V12(s, EPTP_LIST_ADDRESS), &d.list02));
	/* After everything that can fail: a VPID02 newly given to this VPID12
	 * is flushed below (merge_dynamic) before L2 runs with it. Taken
	 * before a failure, it would stay assigned unflushed and the next
	 * entry would find it "in use" and run L2 on the previous owner's
	 * translations (KVM's "always flush vpid02 on first use"). */
	d.vpid02 = nvmx_vpid_for_entry(v, x->proc2 & NVMX_PROC2_VPID,
	                               (uint16_t)V12(s, VIRTUAL_PROCESSOR_ID), &d.flush);

	/* The fast path keeps the control half unless the VPID bit flips. */
	if (!x->ctl_fast || w.full || (d.vpid02 != 0) != e->ctl_vpid_on)
		merge_controls(x, &w, &d);
	merge_dynamic(x, &w, &d);

	/* --- guest state, and the event-injection fields (the hardware clears
	 * their valid bit on exit, so they are handled like guest state): only
	 * fields on which VMCS12 may differ from VMCS02 (vmcs/sync.h), found
	 * word by word --- */
	if (!e->guest_ready) {
		static const uint16_t event[] = { NVMX_IDX_VM_ENTRY_INTR_INFO_FIELD,
		                                  NVMX_IDX_VM_ENTRY_EXCEPTION_ERROR_CODE,
		                                  NVMX_IDX_VM_ENTRY_INSTRUCTION_LEN };
		for (unsigned i = 0; i < NVMX_ARRAY_SIZE(event); i++)
			e->guest[event[i] / 64u] |= 1ull << (event[i] % 64u);
		for (unsigned i = 0; i < NVMX_FIELD_COUNT; i++) {
			const struct nvmx_field_info *fi = &nvmx_field_table[i];
			if (NVMX_FIELD_TYPE(fi->encoding) != NVMX_FIELD_TYPE_GUEST ||
			    !nvmx_caps_has(c, fi->feature) || i == NVMX_IDX_VMCS_LINK_POINTER ||
			    i == NVMX_IDX_GUEST_IA32_EFER || i == NVMX_IDX_GUEST_IA32_PAT)
				continue;
			e->guest[i / 64u] |= 1ull << (i % 64u);
		}
		e->guest_ready = true;
	}
	const bool emulate_timer = pol->flags & NVMX_L0_EMULATE_PREEMPTION_TIMER;
	for (unsigned wd = 0; wd < NVMX_FIELD_WORDS; wd++) {
		uint64_t m = e->guest[wd] & (w.full ? ~0ull : nvmx_vmcs12_differs_word(s, wd));
		for (; m; m &= m - 1) {
			unsigned i = wd * 64u + nvmx_ctz64(m);
			if (i == NVMX_IDX_VMX_PREEMPTION_TIMER_VALUE && emulate_timer)
				continue;
			if (x->pdpte_from_mem && i >= NVMX_IDX_GUEST_PDPTR0 && i <= NVMX_IDX_GUEST_PDPTR3)
				continue;
			nvmx_vmcs02_put(v, i, s->f[i]);
		}
	}
	/* VMCS02 runs with EPT01 while L2 uses PAE paging on L1's memory: the
	 * hardware takes the PDPTEs from VMCS02 (SDM 27.3.2.4). */
	if (x->pdpte_from_mem && d.eptp02 && !(x->proc2 & NVMX_PROC2_EPT))
		for (unsigned i = 0; i < 4; i++)
			nvmx_vmcs02_put(v, NVMX_IDX_GUEST_PDPTR0 + i, x->pdpte[i]);

	nvmx_vmcs12_merged(s);
	e->built_gpa = s->gpa;
	e->built_policy_gen = e->policy_gen;
	return NVMX_STATUS_OK;
}
