/* SPDX-License-Identifier: MIT */
/*
 * The second half of a VM exit to L1: the VM-exit MSR-store area (SDM
 * 28.4), L1's host state (28.5), the VM-exit MSR-load area (28.6) and VMX
 * aborts (28.7). Used for reflected exits and, through
 * nvmx_exit_load_l1_host_state, for VM-entry failures (27.8).
 */
#include "exit.h"
#include "../ept/ept.h"
#include <nvmx/msr.h>

#include "../util/rules.h"

/* VMX-abort indicators (SDM 28.7). */
#define ABORT_MSR_STORE 1u
#define ABORT_PDPTE 3u
#define ABORT_MSR_LOAD 4u

/* The bound on MSR-area entries: 512 * (N + 1) from IA32_VMX_MISC[27:25]
 * (SDM A.6); a larger count is refused at VM entry, and L1 cannot make the
 * library walk further than this. */
static uint32_t msr_area_max(const struct nvmx_vcpu *v)
{
	uint64_t misc = nvmx_caps_msr(&v->vm->caps, NVMX_MSR_IA32_VMX_MISC);
	return 512u * (uint32_t)(((misc & NVMX_MISC_MAX_MSR_LIST_MASK) >> NVMX_MISC_MAX_MSR_LIST_SHIFT) + 1u);
}

enum nvmx_status nvmx_exit_vmx_abort(struct nvmx_vcpu *v, uint32_t indicator,
                                     enum nvmx_reason why, struct nvmx_result *res)
{
	struct nvmx_vmcs12 *s = v->cur;
	if (s) {
		s->abort = indicator;
		/* SDM 28.7: the indicator goes to offset 4 of the VMCS region.
		 * Whether or not L1's memory takes it, L1 is shut down. */
		(void)nvmx_gpa_write(v, s->gpa + 4u, &indicator, 4);
	}
	v->in_l2 = false;
	nvmx_sync_l2_ran(&v->sync);
	v->abort_pending = indicator;
	nvmx_sync_lazy_drop(&v->sync);
	res->action = NVMX_ACTION_SHUTDOWN_L1;
	res->outcome = NVMX_OUTCOME_VMX_ABORT;
	res->reason = why;
	nvmx_trace(v, NVMX_TRACE_EXIT, why, indicator, 2);
	return NVMX_STATUS_OK;
}

/* A callback's status in an MSR area: OK goes on; `arch` (the failure the
 * SDM turns into a VMX abort: nonexistent memory, an MSR access that
 * faults) stops with *st OK; anything else is the host's failure, passed
 * up in *st instead of becoming a VMX abort L1 would pay for (found by the
 * failing-host sweep, tests/security/test_failing_host.c). */
static bool arch_ok(enum nvmx_status got, enum nvmx_status arch, enum nvmx_status *st)
{
	if (got == NVMX_STATUS_OK)
		return true;
	if (got != arch)
		*st = NVMX_STATUS_HOST_FAILURE;
	return false;
}

/* SDM 28.4: for each entry, RDMSR of its index into bytes 15:8. Fails (a
 * VMX abort) for x2APIC MSRs when L2's APIC is in x2APIC mode, for SMBASE,
 * for reserved bits 63:32 set, or when RDMSR would fault. */
bool nvmx_exit_msr_store(struct nvmx_vcpu *v, enum nvmx_status *st)
{
	struct nvmx_vmcs12 *s = v->cur;
	uint64_t count = V12(s, VM_EXIT_MSR_STORE_COUNT);
	uint64_t addr = V12(s, VM_EXIT_MSR_STORE_ADDR);
	*st = NVMX_STATUS_OK;
	if (count == 0)
		return true;
	if (count > msr_area_max(v) || !v->vm->ops.msr_store)
		return false;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t ent[2];
		if (!arch_ok(nvmx_gpa_read(v, addr + i * 16u, ent, 8), NVMX_STATUS_NOT_MAPPED, st))
			return false;
		uint32_t msr = (uint32_t)ent[0];
		if ((ent[0] >> 32) != 0 || NVMX_MSR_IS_X2APIC(msr) || msr == NVMX_MSR_IA32_SMBASE)
			return false;
		uint64_t val;
		if (!arch_ok(nvmx_host_msr_store(&v->vm->ops, v->host, msr, &val), NVMX_STATUS_NOT_SUPPORTED, st))
			return false;
		if (!arch_ok(nvmx_gpa_write(v, addr + i * 16u + 8u, &val, 8), NVMX_STATUS_NOT_MAPPED, st))
			return false;
	}
	return true;
}

/* SDM 28.6: each entry is WRMSR'd into L1. Fails (a VMX abort) for an
 * entry the MSR-area rule refuses (util/rules.h, the one shared with VM
 * entry) or when WRMSR would fault. Entries
 * before the failing one stay loaded. */
static bool msr_load(struct nvmx_vcpu *v, enum nvmx_status *st)
{
	struct nvmx_vmcs12 *s = v->cur;
	uint64_t count = V12(s, VM_EXIT_MSR_LOAD_COUNT);
	uint64_t addr = V12(s, VM_EXIT_MSR_LOAD_ADDR);
	if (count == 0)
		return true;
	if (count > msr_area_max(v) || !v->vm->ops.msr_load)
		return false;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t ent[2];
		if (!arch_ok(nvmx_gpa_read(v, addr + i * 16u, ent, 16), NVMX_STATUS_NOT_MAPPED, st))
			return false;
		uint32_t msr = (uint32_t)ent[0];
		if (nvmx_msr_area_load_rule(msr, (uint32_t)(ent[0] >> 32)) != NVMX_REASON_NONE)
			return false;
		/* WRMSR's architectural rules (nvmx/msr.h), then the host. */
		enum nvmx_reason w = nvmx_vm_msr_write_check(v->vm, msr, ent[1]);
		if (w != NVMX_REASON_MSR_WRITE_OK && w != NVMX_REASON_MSR_NOT_ARCHITECTURAL)
			return false;
		if (!arch_ok(nvmx_host_msr_load(&v->vm->ops, v->host, false, msr, ent[1]),
		             NVMX_STATUS_NOT_SUPPORTED, st))
			return false;
	}
	return true;
}

/* CR0 bits a VM exit leaves alone (SDM 28.5.1): ET, NW, CD, 63:32, 28:19,
 * 17, 15:6, and every bit fixed in VMX operation. */
#define CR0_KEEP (0xffffffff00000000ull | (1ull << 4) | (1ull << 29) | (1ull << 30) | \
                  0x1ff80000ull | (1ull << 17) | 0xffc0ull)

struct image {
	struct nvmx_field_value *fv;
	unsigned n;
};

/* At most 60 entries (SDM 28.5 with every load control set) fit hs[64];
 * the bound keeps a future field from writing past it. */
static inline void put(struct image *im, uint32_t field, uint64_t value)
{
	if (im->n < NVMX_ARRAY_SIZE(((struct nvmx_exit_vcpu *)0)->hs))
		im->fv[im->n++] = (struct nvmx_field_value){ field, 0, value };
}

static void image_segments(struct image *im, const struct nvmx_vmcs12 *s, bool ia32e)
{
	/* CS (SDM 28.5.2): base 0, limit 4G, type 11, S, DPL 0, P, G; L is the
	 * host address-space size and D/B its opposite. */
	put(im, NVMX_F_GUEST_CS_SELECTOR, V12(s, HOST_CS_SELECTOR) & 0xffffu);
	put(im, NVMX_F_GUEST_CS_BASE, 0);
	put(im, NVMX_F_GUEST_CS_LIMIT, 0xffffffffu);
	put(im, NVMX_F_GUEST_CS_AR_BYTES,
	    11u | NVMX_AR_S | NVMX_AR_P | NVMX_AR_G | (ia32e ? NVMX_AR_L : NVMX_AR_DB));

	/* SS, DS, ES, FS, GS: usable with the flat data attributes unless the
	 * selector is null; FS and GS bases come from the host fields. */
	static const struct { uint16_t host_sel; uint32_t sel, base, limit, ar; } seg[] = {
		{ NVMX_IDX_HOST_SS_SELECTOR, NVMX_F_GUEST_SS_SELECTOR, NVMX_F_GUEST_SS_BASE,
		  NVMX_F_GUEST_SS_LIMIT, NVMX_F_GUEST_SS_AR_BYTES },
		{ NVMX_IDX_HOST_DS_SELECTOR, NVMX_F_GUEST_DS_SELECTOR, NVMX_F_GUEST_DS_BASE,
		  NVMX_F_GUEST_DS_LIMIT, NVMX_F_GUEST_DS_AR_BYTES },
		{ NVMX_IDX_HOST_ES_SELECTOR, NVMX_F_GUEST_ES_SELECTOR, NVMX_F_GUEST_ES_BASE,
		  NVMX_F_GUEST_ES_LIMIT, NVMX_F_GUEST_ES_AR_BYTES },
		{ NVMX_IDX_HOST_FS_SELECTOR, NVMX_F_GUEST_FS_SELECTOR, NVMX_F_GUEST_FS_BASE,
		  NVMX_F_GUEST_FS_LIMIT, NVMX_F_GUEST_FS_AR_BYTES },
		{ NVMX_IDX_HOST_GS_SELECTOR, NVMX_F_GUEST_GS_SELECTOR, NVMX_F_GUEST_GS_BASE,
		  NVMX_F_GUEST_GS_LIMIT, NVMX_F_GUEST_GS_AR_BYTES },
	};
	for (unsigned i = 0; i < NVMX_ARRAY_SIZE(seg); i++) {
		uint64_t sel = s->f[seg[i].host_sel] & 0xffffu;
		uint64_t base = 0;
		if (i == 3)
			base = V12(s, HOST_FS_BASE);
		else if (i == 4)
			base = V12(s, HOST_GS_BASE);
		put(im, seg[i].sel, sel);
		put(im, seg[i].base, base);
		if (sel == 0) {
			/* Unusable; SS keeps DPL 0 (the CPL). */
			put(im, seg[i].limit, 0);
			put(im, seg[i].ar, NVMX_AR_UNUSABLE);
		} else {
			put(im, seg[i].limit, 0xffffffffu);
			put(im, seg[i].ar, 3u | NVMX_AR_S | NVMX_AR_P | NVMX_AR_DB | NVMX_AR_G);
		}
	}
	/* TR: busy TSS (type 11), limit 0x67, base from the host field. */
	put(im, NVMX_F_GUEST_TR_SELECTOR, V12(s, HOST_TR_SELECTOR) & 0xffffu);
	put(im, NVMX_F_GUEST_TR_BASE, V12(s, HOST_TR_BASE));
	put(im, NVMX_F_GUEST_TR_LIMIT, 0x67);
	put(im, NVMX_F_GUEST_TR_AR_BYTES, 11u | NVMX_AR_P);
	/* LDTR: null selector, unusable. */
	put(im, NVMX_F_GUEST_LDTR_SELECTOR, 0);
	put(im, NVMX_F_GUEST_LDTR_BASE, 0);
	put(im, NVMX_F_GUEST_LDTR_LIMIT, 0);
	put(im, NVMX_F_GUEST_LDTR_AR_BYTES, NVMX_AR_UNUSABLE);
	/* GDTR, IDTR: bases from the host fields, limits 0xFFFF. */
	put(im, NVMX_F_GUEST_GDTR_BASE, V12(s, HOST_GDTR_BASE));
	put(im, NVMX_F_GUEST_GDTR_LIMIT, 0xffff);
	put(im, NVMX_F_GUEST_IDTR_BASE, V12(s, HOST_IDTR_BASE));
	put(im, NVMX_F_GUEST_IDTR_LIMIT, 0xffff);
}

/*
 * Known VMCS01 content (NVMX_L1_SKIP_UNCHANGED, docs/exit-reflection.md,
 * "Fewer VMCS01 writes"). A write of L1's host state may be skipped only
 * when VMCS01 provably holds the value already: the library wrote or read
 * it last, and since then neither L0 (which then calls
 * nvmx_vcpu_l1_state_changed) nor L1 changed it. L1 changes a field behind
 * L0's back only by an instruction that does not exit; each slot below is
 * "stable" (survives L1 running) only where the SDM makes every such
 * change exit to L0:
 *  - DR7: MOV to DR7 exits under "MOV-DR exiting" (SDM 26.1.3); a task
 *    switch always exits (26.1.2); a #DB only clears DR7.GD (18.2.4),
 *    which the load leaves 0.
 *  - CR3: MOV to CR3 exits under "CR3-load exiting" with no CR3-target
 *    values (26.1.3); a task switch exits.
 *  - CR4: MOV to CR4 leaves the bits of the CR4 guest/host mask alone or
 *    exits (26.1.3, 26.3); the bits fixed in VMX operation cannot change
 *    (24.8); so CR4 is stable when the mask covers every other bit.
 *  - GDTR, IDTR, TR, the LDTR selector: LGDT, LIDT, LTR, LLDT exit under
 *    "descriptor-table exiting" (26.1.3), task switches always exit. Of an
 *    unusable LDTR only the selector is kept: the base, limit and access
 *    rights a VM exit saves for it are not all defined (28.3.2).
 *  - MSRs: WRMSR exits when the write bit of the MSR in VMCS01's MSR
 *    bitmap is set (25.6.9, 26.1.3), and nothing else writes IA32_DEBUGCTL
 *    (a #DB or PMI only clears its bits, which the load left 0),
 *    SYSENTER_CS/ESP/EIP, IA32_PAT, IA32_BNDCFGS, IA32_PKRS, IA32_S_CET or
 *    IA32_INTERRUPT_SSP_TABLE_ADDR. IA32_EFER also changes its LMA bit
 *    when CR0.PG changes (2.2.1): stable only with PG in the CR0 mask.
 *    IA32_PERF_GLOBAL_CTRL is cleared on a PMI when IA32_DEBUGCTL's
 *    Freeze_PerfMon_On_PMI is set: stable only with DEBUGCTL intercepted
 *    too. RTIT_CTL and LBR_CTL are never kept (XRSTORS loads them: XSAVE
 *    state components 8 and 15, vol. 1 chapter 13), nor SSP (CALL and
 *    RET move it).
 * Never stable: RIP, RSP, RFLAGS, the segment registers CS, SS, DS, ES,
 * FS, GS (MOV to a segment register, far transfers, SYSCALL/SYSRET,
 * SWAPGS, WRFSBASE and WRGSBASE never exit), interruptibility (STI, MOV
 * SS), activity state (HLT without HLT exiting) and pending debug
 * exceptions.
 * The VMLAUNCH/VMRESUME that entered L2 read CR0, EFER, RFLAGS, the CS
 * and SS access rights, interruptibility (and IA32_PAT): VMCS01 still
 * holds them at the next exit, L1 having not run since; its activity
 * state is active, since L1 executed an instruction (28.3.4).
 */
enum {
	K_CR0, K_CR3, K_CR4, K_DR7, K_DEBUGCTL, K_SYSENTER_CS, K_SYSENTER_ESP, K_SYSENTER_EIP,
	K_PERF_GLOBAL, K_PAT, K_EFER, K_BNDCFGS, K_PKRS, K_S_CET, K_SSP_TABLE,
	K_CS, K_SS = K_CS + 4, K_DS = K_SS + 4, K_ES = K_DS + 4, K_FS = K_ES + 4,
	K_GS = K_FS + 4, K_TR = K_GS + 4, K_LDTR = K_TR + 4, K_GDTR_BASE = K_LDTR + 4,
	K_GDTR_LIMIT, K_IDTR_BASE, K_IDTR_LIMIT, K_RFLAGS, K_ACTIVITY, K_INTR, K_NSLOTS
};
_Static_assert(K_NSLOTS == NVMX_L1K_SLOTS, "slot count");
_Static_assert(K_RFLAGS == NVMX_L1K_RFLAGS, "RFLAGS slot");
#define KB(k) (1ull << (k))
#define K_SEG(k) (KB(k) | KB((k) + 1) | KB((k) + 2) | KB((k) + 3))
#define K_NONE 0xffu

static uint8_t slot_of(uint32_t f)
{
	switch (f) {
	case NVMX_F_GUEST_CR0: return K_CR0;
	case NVMX_F_GUEST_CR3: return K_CR3;
	case NVMX_F_GUEST_CR4: return K_CR4;
	case NVMX_F_GUEST_DR7: return K_DR7;
	case NVMX_F_GUEST_IA32_DEBUGCTL: return K_DEBUGCTL;
	case NVMX_F_GUEST_SYSENTER_CS: return K_SYSENTER_CS;
	case NVMX_F_GUEST_SYSENTER_ESP: return K_SYSENTER_ESP;
	case NVMX_F_GUEST_SYSENTER_EIP: return K_SYSENTER_EIP;
	case NVMX_F_GUEST_IA32_PERF_GLOBAL_CTRL: return K_PERF_GLOBAL;
	case NVMX_F_GUEST_IA32_PAT: return K_PAT;
	case NVMX_F_GUEST_IA32_EFER: return K_EFER;
	case NVMX_F_GUEST_BNDCFGS: return K_BNDCFGS;
	case NVMX_F_GUEST_IA32_PKRS: return K_PKRS;
	case NVMX_F_GUEST_S_CET: return K_S_CET;
	case NVMX_F_GUEST_INTR_SSP_TABLE_ADDR: return K_SSP_TABLE;
#define SEG(N, K) \
	case NVMX_F_GUEST_##N##_SELECTOR: return (K); \
	case NVMX_F_GUEST_##N##_BASE: return (K) + 1; \
	case NVMX_F_GUEST_##N##_LIMIT: return (K) + 2; \
	case NVMX_F_GUEST_##N##_AR_BYTES: return (K) + 3;
	SEG(CS, K_CS) SEG(SS, K_SS) SEG(DS, K_DS) SEG(ES, K_ES) SEG(FS, K_FS) SEG(GS, K_GS)
	SEG(TR, K_TR) SEG(LDTR, K_LDTR)
#undef SEG
	case NVMX_F_GUEST_GDTR_BASE: return K_GDTR_BASE;
	case NVMX_F_GUEST_GDTR_LIMIT: return K_GDTR_LIMIT;
	case NVMX_F_GUEST_IDTR_BASE: return K_IDTR_BASE;
	case NVMX_F_GUEST_IDTR_LIMIT: return K_IDTR_LIMIT;
	case NVMX_F_GUEST_RFLAGS: return K_RFLAGS;
	case NVMX_F_GUEST_ACTIVITY_STATE: return K_ACTIVITY;
	case NVMX_F_GUEST_INTERRUPTIBILITY_INFO: return K_INTR;
	default: return K_NONE;
	}
}

/* WRMSR of `msr` exits per the write half of an MSR bitmap (SDM 25.6.9:
 * low MSRs at byte 2048, high MSRs C0000000H-C0001FFFH at byte 3072). */
static bool wrmsr_exits(const uint8_t *bm, uint32_t msr)
{
	if (!bm)
		return false;
	uint32_t base;
	if (msr <= 0x1fffu)
		base = 2048u;
	else if (msr - 0xc0000000u <= 0x1fffu)
		base = 3072u;
	else
		return true; /* every other MSR's WRMSR exits (26.1.3) */
	uint32_t i = msr & 0x1fffu;
	return (bm[base + i / 8u] >> (i % 8u)) & 1u;
}

/* The slots L1 cannot change without an exit to L0 (the comment above). */
static uint64_t stable_slots(const struct nvmx_vcpu *v)
{
	const struct nvmx_l0_policy *p = &v->entry.pol;
	const struct nvmx_caps *c = &v->vm->caps;
	uint64_t m = 0;
	if (p->l1_flags & NVMX_L1_MOV_DR_EXITING)
		m |= KB(K_DR7);
	if (p->l1_flags & NVMX_L1_CR3_LOAD_EXITING)
		m |= KB(K_CR3);
	if (p->l1_flags & NVMX_L1_DESC_TABLE_EXITING)
		m |= K_SEG(K_TR) | KB(K_LDTR) | KB(K_GDTR_BASE) | KB(K_GDTR_LIMIT) |
		     KB(K_IDTR_BASE) | KB(K_IDTR_LIMIT);
	uint64_t fixed4 = nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR4_FIXED0) |
	                  ~nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR4_FIXED1);
	if ((~p->l1_cr4_mask & ~fixed4 & 0xffffffffull) == 0)
		m |= KB(K_CR4);
	const uint8_t *bm = p->l1_msr_bitmap;
	if (bm) {
		bool dbgctl = wrmsr_exits(bm, 0x1d9u);
		if (dbgctl)
			m |= KB(K_DEBUGCTL);
		if (wrmsr_exits(bm, 0x174u))
			m |= KB(K_SYSENTER_CS);
		if (wrmsr_exits(bm, 0x175u))
			m |= KB(K_SYSENTER_ESP);
		if (wrmsr_exits(bm, 0x176u))
			m |= KB(K_SYSENTER_EIP);
		if (dbgctl && wrmsr_exits(bm, 0x38fu))
			m |= KB(K_PERF_GLOBAL);
		if (wrmsr_exits(bm, 0x277u))
			m |= KB(K_PAT);
		if ((p->l1_cr0_mask & NVMX_CR0_PG) && wrmsr_exits(bm, 0xc0000080u))
			m |= KB(K_EFER);
		if (wrmsr_exits(bm, 0xd90u))
			m |= KB(K_BNDCFGS);
		if (wrmsr_exits(bm, 0x6e1u))
			m |= KB(K_PKRS);
		if (wrmsr_exits(bm, 0x6a2u))
			m |= KB(K_S_CET);
		if (wrmsr_exits(bm, 0x6a8u))
			m |= KB(K_SSP_TABLE);
	}
	return m;
}

void nvmx_exit_l1k_forget(struct nvmx_vcpu *v)
{
	v->exit.l1k_known = 0;
	v->exit.l1k_snap = 0;
	v->exit.ks_ok = false;
}

/* The slots a VMLAUNCH/VMRESUME snapshot may hold (nvmx_exit_l1k_entering). */
#define K_SNAP_SLOTS (KB(K_CR0) | KB(K_EFER) | KB(K_RFLAGS) | KB(K_CS + 3) | KB(K_SS + 3) | \
                      KB(K_INTR) | KB(K_PAT) | KB(K_ACTIVITY))

void nvmx_exit_l1k_wrote(struct nvmx_vcpu *v, uint32_t field, uint64_t value)
{
	uint8_t k = slot_of(field);
	if (k == K_NONE)
		return;
	v->exit.l1k_val[k] = value;
	v->exit.l1k_known |= KB(k);
}

void nvmx_exit_l1k_entering(struct nvmx_vcpu *v, const uint64_t l1_mode[7], bool pat_known)
{
	struct nvmx_exit_vcpu *xv = &v->exit;
	if (!(v->entry.pol.l1_flags & NVMX_L1_SKIP_UNCHANGED))
		return;
	static const uint8_t k[7] = { K_CR0, K_EFER, K_RFLAGS, K_CS + 3, K_SS + 3, K_INTR, K_PAT };
	unsigned n = pat_known ? 7u : 6u;
	xv->l1k_snap = 0;
	for (unsigned i = 0; i < n; i++) {
		xv->l1k_val[k[i]] = l1_mode[i];
		xv->l1k_snap |= KB(k[i]);
	}
	xv->l1k_val[K_ACTIVITY] = 0;
	xv->l1k_snap |= KB(K_ACTIVITY);
	xv->l1k_known |= xv->l1k_snap;
}

void nvmx_exit_l1k_resumed(struct nvmx_vcpu *v)
{
	v->exit.l1k_snap = 0;
}

/*
 * L1's host state (SDM 28.5) as the list of L1 fields to write, from
 * VMCS12's host-state fields and VM-exit controls (exit_state.h, hs_*).
 * CR0 goes first and, without "load IA32_EFER", EFER at hs_efer: their
 * values are completed at every exit from L1's current ones.
 */
static void build_image(struct nvmx_vcpu *v)
{
	const struct nvmx_vmcs12 *s = v->cur;
	const struct nvmx_caps *c = &v->vm->caps;
	struct nvmx_exit_vcpu *xv = &v->exit;
	struct image im = { xv->hs, 0 };
	uint32_t exitc = (uint32_t)V12(s, VM_EXIT_CONTROLS);
	bool ia32e = exitc & NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE;

	/* 28.5.1: control registers; bits fixed in VMX operation keep L1's
	 * values. For CR4 those are known: L1 in VMX operation has the fixed-1
	 * bits set and the fixed-0 bits clear. */
	uint64_t cr0_fixed = nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR0_FIXED0) |
	                     ~nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR0_FIXED1);
	xv->hs_cr0_keep = CR0_KEEP | cr0_fixed;
	xv->hs_cr0_host = V12(s, HOST_CR0) & ~xv->hs_cr0_keep;
	put(&im, NVMX_F_GUEST_CR0, 0);
	put(&im, NVMX_F_GUEST_CR3, V12(s, HOST_CR3));
	uint64_t f0 = nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR4_FIXED0);
	uint64_t keep4 = f0 | ~nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR4_FIXED1);
	uint64_t cr4 = (f0 & keep4) | (V12(s, HOST_CR4) & ~keep4);
	if (ia32e)
		cr4 |= NVMX_CR4_PAE;
	else
		cr4 &= ~NVMX_CR4_PCIDE;
	put(&im, NVMX_F_GUEST_CR4, cr4);
	/* 28.5.4: PDPTEs for a host with PAE paging outside IA-32e mode. CR0.PG
	 * after the exit: L1's (a fixed bit, known as for CR4) or the host's. */
	bool pg = (xv->hs_cr0_keep & NVMX_CR0_PG)
	                  ? (nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR0_FIXED0) & NVMX_CR0_PG) != 0
	                  : (V12(s, HOST_CR0) & NVMX_CR0_PG) != 0;
	xv->hs_pae = !ia32e && (cr4 & NVMX_CR4_PAE) && pg;

	/* 28.5.1: DR7 = 400H, IA32_DEBUGCTL = 0, SYSENTER MSRs. */
	put(&im, NVMX_F_GUEST_DR7, 0x400);
	put(&im, NVMX_F_GUEST_IA32_DEBUGCTL, 0);
	put(&im, NVMX_F_GUEST_SYSENTER_CS, V12(s, HOST_IA32_SYSENTER_CS) & 0xffffffffu);
	put(&im, NVMX_F_GUEST_SYSENTER_ESP, V12(s, HOST_IA32_SYSENTER_ESP));
	put(&im, NVMX_F_GUEST_SYSENTER_EIP, V12(s, HOST_IA32_SYSENTER_EIP));

	/* MSRs per the VM-exit controls. Without "load IA32_EFER", LMA and LME
	 * follow the host address-space size and the other bits stay. */
	if (exitc & NVMX_EXIT_CTL_LOAD_PERF_GLOBAL_CTRL)
		put(&im, NVMX_F_GUEST_IA32_PERF_GLOBAL_CTRL, V12(s, HOST_IA32_PERF_GLOBAL_CTRL));
	if (exitc & NVMX_EXIT_CTL_LOAD_PAT)
		put(&im, NVMX_F_GUEST_IA32_PAT, V12(s, HOST_IA32_PAT));
	xv->hs_efer = 0;
	if (exitc & NVMX_EXIT_CTL_LOAD_EFER) {
		put(&im, NVMX_F_GUEST_IA32_EFER, V12(s, HOST_IA32_EFER));
	} else {
		xv->hs_efer = (uint8_t)im.n;
		put(&im, NVMX_F_GUEST_IA32_EFER, ia32e ? NVMX_EFER_LMA | NVMX_EFER_LME : 0);
	}
	if (exitc & NVMX_EXIT_CTL_CLEAR_BNDCFGS)
		put(&im, NVMX_F_GUEST_BNDCFGS, 0);
	if (exitc & NVMX_EXIT_CTL_CLEAR_RTIT_CTL)
		put(&im, NVMX_F_GUEST_IA32_RTIT_CTL, 0);
	if (exitc & NVMX_EXIT_CTL_CLEAR_LBR_CTL)
		put(&im, NVMX_F_GUEST_IA32_LBR_CTL, 0);
	if (exitc & NVMX_EXIT_CTL_LOAD_PKRS)
		put(&im, NVMX_F_GUEST_IA32_PKRS, V12(s, HOST_IA32_PKRS));
	if (exitc & NVMX_EXIT_CTL_LOAD_CET) {
		put(&im, NVMX_F_GUEST_S_CET, V12(s, HOST_S_CET));
		put(&im, NVMX_F_GUEST_SSP, V12(s, HOST_SSP));
		put(&im, NVMX_F_GUEST_INTR_SSP_TABLE_ADDR, V12(s, HOST_INTR_SSP_TABLE_ADDR));
	}

	image_segments(&im, s, ia32e);

	/* 28.5.3: RIP, RSP from the host fields; RFLAGS cleared but bit 1.
	 * L1 runs on, active, with no STI/MOV-SS blocking and no pending debug
	 * exceptions; NMI blocking is set by nvmx_exit_finish when an NMI
	 * caused the exit. */
	put(&im, NVMX_F_GUEST_RIP, V12(s, HOST_RIP));
	put(&im, NVMX_F_GUEST_RSP, V12(s, HOST_RSP));
	put(&im, NVMX_F_GUEST_RFLAGS, NVMX_RFLAGS_FIXED1);
	put(&im, NVMX_F_GUEST_ACTIVITY_STATE, 0);
	put(&im, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 0);
	put(&im, NVMX_F_GUEST_PENDING_DBG_EXCEPTIONS, 0);
	xv->hs_n = im.n;
	for (unsigned i = 0; i < im.n; i++)
		xv->hs_slot[i] = slot_of(xv->hs[i].field);
	xv->ks_ok = false;
	xv->hs_ok = true;
	xv->hs_s = s;
	xv->hs_ver = s->host_ver;
	xv->hs_caps_gen = v->vm->caps_gen;
}

/*
 * The image without the fields VMCS01 provably holds already (the known
 * slots that are stable, or that the entry read and L1 has not run since,
 * with the same value); afterwards every slot of the image is known.
 * Under NVMX_L1_VERIFY_SKIPS the skipped fields go to l1_write_n too,
 * flagged NVMX_FV_REDUNDANT.
 */
static void write_verifying(struct nvmx_vcpu *v, uint64_t ok)
{
	struct nvmx_exit_vcpu *xv = &v->exit;
	struct nvmx_field_value out[NVMX_ARRAY_SIZE(xv->hs)];
	for (unsigned i = 0; i < xv->hs_n; i++) {
		const struct nvmx_field_value *e = &xv->hs[i];
		uint8_t k = xv->hs_slot[i];
		bool same = k != K_NONE && (ok & KB(k)) && xv->l1k_val[k] == e->value;
		if (k != K_NONE) {
			xv->l1k_val[k] = e->value;
			xv->l1k_known |= KB(k);
		}
		out[i] = *e;
		out[i].flags = same ? NVMX_FV_REDUNDANT : 0;
		v->stats.l1_writes_skipped += same;
	}
	nvmx_host_l1_write_n(&v->vm->ops, v->host, out, xv->hs_n);
}

static void write_skipping(struct nvmx_vcpu *v)
{
	struct nvmx_exit_vcpu *xv = &v->exit;
	const struct nvmx_host_ops *o = &v->vm->ops;
	if (!xv->ks_ok) {
		/* Split the image once: a field neither stable nor in a
		 * snapshot is written at every exit. Their values do not change
		 * while the image is kept (only CR0 and EFER do, both
		 * candidates). */
		xv->ks_stable = stable_slots(v);
		const uint64_t cand = xv->ks_stable | K_SNAP_SLOTS;
		unsigned na = 0, nc = 0;
		for (unsigned i = 0; i < xv->hs_n; i++) {
			uint8_t k = xv->hs_slot[i];
			if (k != K_NONE && (cand & KB(k))) {
				xv->ks_cand[nc++] = (uint8_t)i;
			} else {
				xv->ks_out[na] = xv->hs[i];
				xv->ks_out[na++].flags = 0;
			}
		}
		xv->ks_nalways = na;
		xv->ks_ncand = nc;
		xv->ks_cand_mask = 0;
		for (unsigned j = 0; j < nc; j++)
			xv->ks_cand_mask |= KB(xv->hs_slot[xv->ks_cand[j]]);
		xv->ks_ok = true;
	}
	const uint64_t ok = xv->l1k_snap | (xv->l1k_known & xv->ks_stable);
	xv->l1k_snap = 0;
	if ((v->entry.pol.l1_flags & NVMX_L1_VERIFY_SKIPS) && o->l1_write_n) {
		write_verifying(v, ok);
		return;
	}
	unsigned m = xv->ks_nalways;
	for (unsigned j = 0; j < xv->ks_ncand; j++) {
		const struct nvmx_field_value *e = &xv->hs[xv->ks_cand[j]];
		uint8_t k = xv->hs_slot[xv->ks_cand[j]];
		if ((ok & KB(k)) && xv->l1k_val[k] == e->value)
			continue;
		xv->l1k_val[k] = e->value;
		xv->ks_out[m] = *e;
		xv->ks_out[m++].flags = 0;
	}
	xv->l1k_known |= xv->ks_cand_mask;
	v->stats.l1_writes_skipped += xv->hs_n - m;
	if (m == 0)
		return;
	if (NVMX_HOST_HAS(o, l1_write_n))
		nvmx_host_l1_write_n(o, v->host, xv->ks_out, m);
	else
		for (unsigned i = 0; i < m; i++)
			nvmx_host_l1_write(o, v->host, xv->ks_out[i].field, xv->ks_out[i].value);
}

/* L1's host state (SDM 28.5). */
static void load_host_state(struct nvmx_vcpu *v)
{
	const struct nvmx_vmcs12 *s = v->cur;
	struct nvmx_exit_vcpu *xv = &v->exit;
	if (!xv->hs_ok || xv->hs_s != s || xv->hs_ver != s->host_ver ||
	    xv->hs_caps_gen != v->vm->caps_gen)
		build_image(v);
	/* L1's CR0 and EFER from the VMLAUNCH/VMRESUME that entered L2, else
	 * (an entry made through nvmx_entry_enter) read now, in one call. */
	const bool snap = xv->l1_snap;
	xv->l1_snap = false;
	uint64_t cr0 = xv->l1_cr0, efer = xv->l1_efer;
	if (!snap || cr0 == NVMX_L1_CR0_UNKNOWN) {
		static const uint32_t f[2] = { NVMX_F_GUEST_CR0, NVMX_F_GUEST_IA32_EFER };
		uint64_t val[2] = { 0, 0 };
		bool need_efer = !snap && xv->hs_efer;
		nvmx_l1_read_n(v, f, val, need_efer ? 2u : 1u);
		cr0 = val[0];
		if (need_efer)
			efer = val[1];
	}
	xv->hs[0].value = (cr0 & xv->hs_cr0_keep) | xv->hs_cr0_host;
	if (xv->hs_efer) {
		struct nvmx_field_value *e = &xv->hs[xv->hs_efer];
		e->value = (efer & ~(NVMX_EFER_LMA | NVMX_EFER_LME)) |
		           (V12(s, VM_EXIT_CONTROLS) & NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE
		                    ? NVMX_EFER_LMA | NVMX_EFER_LME : 0);
	}
	if (v->entry.pol.l1_flags & NVMX_L1_SKIP_UNCHANGED)
		write_skipping(v);
	else if (NVMX_HOST_HAS(&v->vm->ops, l1_write_n))
		nvmx_host_l1_write_n(&v->vm->ops, v->host, xv->hs, xv->hs_n);
	else
		for (unsigned i = 0; i < xv->hs_n; i++)
			nvmx_host_l1_write(&v->vm->ops, v->host, xv->hs[i].field, xv->hs[i].value);

	/*
	 * SDM 29.4.3.3: with "enable VPID" 0 in VMCS12, this exit (and the
	 * entry before it) invalidates the linear and combined mappings of
	 * VPID 0000H, which in L1's view are L1's own: L0 tags them with
	 * VPID01, so it is flushed here (nothing when L0 runs L1 without VPID:
	 * the hardware exits and entries of L1 flush them already). L2's
	 * VPID02 is flushed by the next entry (nvmx_vpid_for_entry, merge.c).
	 */
	uint32_t proc2 = nvmx_vmcs12_proc2(s);
	if (nvmx_vpid_exit_flush(v, proc2 & NVMX_PROC2_VPID))
		nvmx_vpid_flush(v, v->entry.have_policy ? (uint16_t)v->entry.pol.vpid01 : 0);
}

/*
 * SDM 28.5.4: a host that returns to PAE paging outside IA-32e mode (host
 * address-space size 0, CR0.PG = 1, CR4.PAE = 1) gets its four PDPTEs loaded
 * from the 32-byte table at CR3. A present entry with a reserved bit set
 * (bits 2:1, 8:5, or beyond MAXPHYADDR), or a table L0 does not back, is a
 * VMX abort (indicator 3). L1's PDPTEs are set through its VMCS01 guest
 * PDPTE fields.
 */
static bool load_pdptes(struct nvmx_vcpu *v)
{
	const struct nvmx_vmcs12 *s = v->cur;
	if (!v->exit.hs_pae)
		return true;
	uint8_t raw[32];
	if (nvmx_gpa_read(v, V12(s, HOST_CR3) & 0xffffffe0ull, raw, sizeof(raw)) != NVMX_STATUS_OK)
		return false;
	const uint64_t rsvd = 0x1e6ull | ~((1ull << v->vm->caps.maxphyaddr) - 1);
	uint64_t pdpte[4];
	for (unsigned i = 0; i < 4; i++) {
		pdpte[i] = 0;
		for (unsigned b = 0; b < 8; b++)
			pdpte[i] |= (uint64_t)raw[8 * i + b] << (8 * b);
		if ((pdpte[i] & 1u) && (pdpte[i] & rsvd))
			return false;
	}
	static const uint32_t field[4] = { NVMX_F_GUEST_PDPTR0, NVMX_F_GUEST_PDPTR1,
	                                   NVMX_F_GUEST_PDPTR2, NVMX_F_GUEST_PDPTR3 };
	for (unsigned i = 0; i < 4; i++)
		nvmx_l1_write(v, field[i], pdpte[i]);
	return true;
}

enum nvmx_status nvmx_exit_load_l1_host_state(struct nvmx_vcpu *v, bool *abort)
{
	if (!v || !abort)
		return NVMX_STATUS_INVALID_ARGUMENT;
	*abort = false;
	if (!v->cur)
		return NVMX_STATUS_WRONG_STATE;
	load_host_state(v);
	v->in_l2 = false;
	nvmx_sync_l2_ran(&v->sync);
	uint32_t ind = 0;
	enum nvmx_status mst = NVMX_STATUS_OK;
	if (!load_pdptes(v))
		ind = ABORT_PDPTE;
	else if (!msr_load(v, &mst))
		ind = ABORT_MSR_LOAD;
	if (mst != NVMX_STATUS_OK)
		return mst;
	if (ind) {
		/* SDM 28.7: the indicator goes to offset 4 of the region. */
		v->cur->abort = ind;
		v->abort_pending = ind;
		(void)nvmx_gpa_write(v, v->cur->gpa + 4u, &ind, 4);
		nvmx_sync_lazy_drop(&v->sync);
		*abort = true;
	}
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_exit_finish(struct nvmx_vcpu *v, const struct nvmx_l2_exit *e,
                                  enum nvmx_reason why, struct nvmx_result *res)
{
	enum nvmx_status st;
	/* A VM-entry failure stores no MSRs (SDM 27.8). */
	if (!(e->exit_reason & NVMX_EXIT_REASON_ENTRY_FAIL) && !nvmx_exit_msr_store(v, &st)) {
		if (st != NVMX_STATUS_OK)
			return st;
		return nvmx_exit_vmx_abort(v, ABORT_MSR_STORE, NVMX_REASON_EXIT_ABORT_MSR_STORE, res);
	}
	bool abort;
	NVMX_CHECK(nvmx_exit_load_l1_host_state(v, &abort));
	/* NMIs are blocked after a VM exit caused by an NMI. */
	const struct nvmx_vmcs12 *s = v->cur;
	uint32_t pin = (uint32_t)V12(s, PIN_BASED_VM_EXEC_CONTROL);
	if ((e->exit_reason & 0xffffu) == NVMX_EXIT_REASON_EXCEPTION_NMI &&
	    ((e->intr_info & NVMX_INTR_INFO_TYPE_MASK) >> NVMX_INTR_INFO_TYPE_SHIFT) == NVMX_INTR_TYPE_NMI &&
	    (pin & NVMX_PIN_NMI_EXITING))
		nvmx_l1_write(v, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 8u);
	if (abort)
		return v->cur->abort == ABORT_PDPTE
		               ? nvmx_exit_vmx_abort(v, ABORT_PDPTE, NVMX_REASON_EXIT_ABORT_PDPTE, res)
		               : nvmx_exit_vmx_abort(v, ABORT_MSR_LOAD, NVMX_REASON_EXIT_ABORT_MSR_LOAD, res);
	v->exit.generation++;
	v->stats.exits_reflected++;
	res->action = NVMX_ACTION_RESUME_L1;
	res->outcome = NVMX_OUTCOME_EXIT_TO_L1;
	res->reason = why;
	res->exit_reason = (uint32_t)V12(s, VM_EXIT_REASON);
	res->exit_qualification = V12(s, EXIT_QUALIFICATION);
	nvmx_trace(v, NVMX_TRACE_EXIT, why, e->exit_reason & 0xffffu, 1);
	return NVMX_STATUS_OK;
}
