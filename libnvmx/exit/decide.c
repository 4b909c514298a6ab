/* SPDX-License-Identifier: MIT */
/*
 * Whether VMCS12 asks for an exit of L2: SDM 26.1 ("Instructions That Cause
 * VM Exits", unconditionally and conditionally), 26.2 ("Other Causes of VM
 * Exits"), 28.1 and appendix C. Everything read here is L1's: VMCS12 fields
 * and bitmaps in L1 memory. Unreadable bitmap pages count as all ones (L1
 * gets the exit: the conservative choice, and L1 owns the broken pointer).
 */
#include "exit.h"
#include "../ept/ept.h"

/* Bit `bit` of the bitmap at `gpa` in L1 memory; true when unreadable. */
static bool l1_bitmap_bit(struct nvmx_vcpu *v, uint64_t gpa, uint32_t bit, bool *unreadable)
{
	uint8_t byte;
	if (nvmx_gpa_read(v, gpa + bit / 8u, &byte, 1) != NVMX_STATUS_OK) {
		*unreadable = true;
		return true;
	}
	return (byte >> (bit % 8u)) & 1u;
}


static uint64_t proc3_of(const struct nvmx_vmcs12 *s)
{
	if (!(V12(s, CPU_BASED_VM_EXEC_CONTROL) & NVMX_PROC_TERTIARY_CONTROLS))
		return 0;
	return V12(s, TERTIARY_VM_EXEC_CONTROL);
}

/* Exception or NMI (SDM 26.2): NMI per NMI exiting, exceptions per the
 * exception bitmap, #PF per the error-code mask/match rule. */
static bool wants_exception(const struct nvmx_vmcs12 *s, const struct nvmx_l2_exit *e,
                            enum nvmx_reason *why)
{
	uint32_t info = e->intr_info;
	unsigned type = (info & NVMX_INTR_INFO_TYPE_MASK) >> NVMX_INTR_INFO_TYPE_SHIFT;
	unsigned vec = info & NVMX_INTR_INFO_VECTOR_MASK;
	if (type == NVMX_INTR_TYPE_NMI) {
		*why = NVMX_REASON_EXIT_L1_CONTROL;
		return V12(s, PIN_BASED_VM_EXEC_CONTROL) & NVMX_PIN_NMI_EXITING;
	}
	*why = NVMX_REASON_EXIT_L1_BITMAP;
	if (vec >= 32)
		return false;
	bool bit = (V12(s, EXCEPTION_BITMAP) >> vec) & 1u;
	if (vec == NVMX_VEC_PF) {
		uint32_t mask = (uint32_t)V12(s, PAGE_FAULT_ERROR_CODE_MASK);
		uint32_t match = (uint32_t)V12(s, PAGE_FAULT_ERROR_CODE_MATCH);
		return ((e->intr_error_code & mask) == match) ? bit : !bit;
	}
	return bit;
}

/* Control-register accesses (SDM 26.1.3, exit qualification Table 28-3). */
static bool wants_cr(const struct nvmx_vmcs12 *s, const struct nvmx_l2_exit *e,
                     enum nvmx_reason *why)
{
	uint64_t q = e->qualification;
	unsigned cr = q & 0xfu, access = (q >> 4) & 3u;
	uint32_t proc = (uint32_t)V12(s, CPU_BASED_VM_EXEC_CONTROL);
	uint64_t val = e->operand;
	*why = NVMX_REASON_EXIT_L1_CONTROL;
	switch (access) {
	case 0: /* MOV to CR */
		switch (cr) {
		case 0:
			*why = NVMX_REASON_EXIT_L1_CR_MASK;
			return ((val ^ V12(s, CR0_READ_SHADOW)) & V12(s, CR0_GUEST_HOST_MASK)) != 0;
		case 4:
			*why = NVMX_REASON_EXIT_L1_CR_MASK;
			return ((val ^ V12(s, CR4_READ_SHADOW)) & V12(s, CR4_GUEST_HOST_MASK)) != 0;
		case 3: {
			if (!(proc & NVMX_PROC_CR3_LOAD_EXITING))
				return false;
			*why = NVMX_REASON_EXIT_L1_CR3_TARGET;
			/* Entry checks keep the count at most 4; clamp anyway. */
			uint64_t n = V12(s, CR3_TARGET_COUNT);
			if (n > 4)
				n = 4;
			for (unsigned i = 0; i < n; i++)
				if (s->f[NVMX_IDX_CR3_TARGET_VALUE0 + i] == val)
					return false;
			return true;
		}
		case 8:
			return proc & NVMX_PROC_CR8_LOAD_EXITING;
		default:
			return false;
		}
	case 1: /* MOV from CR */
		if (cr == 3)
			return proc & NVMX_PROC_CR3_STORE_EXITING;
		if (cr == 8)
			return proc & NVMX_PROC_CR8_STORE_EXITING;
		return false;
	case 2: /* CLTS: TS owned by L1 and set in its shadow */
		*why = NVMX_REASON_EXIT_L1_CR_MASK;
		return (V12(s, CR0_GUEST_HOST_MASK) & 8u) && (V12(s, CR0_READ_SHADOW) & 8u);
	default: { /* LMSW */
		*why = NVMX_REASON_EXIT_L1_CR_MASK;
		uint64_t src = (q >> 16) & 0xfu;
		uint64_t mask = V12(s, CR0_GUEST_HOST_MASK), shadow = V12(s, CR0_READ_SHADOW);
		/* PE: only setting a PE that L1 owns and shadows as 0 exits
		 * (LMSW cannot clear PE); MP, EM, TS: any change of an owned bit. */
		if ((mask & 1u) && !(shadow & 1u) && (src & 1u))
			return true;
		return ((src ^ shadow) & mask & 0xeu) != 0;
	}
	}
}

/* I/O instructions (SDM 26.1.3): unconditional I/O exiting or the bitmaps;
 * every byte of the access is checked, and an access that wraps past
 * 0xFFFF exits. */
static bool wants_io(struct nvmx_vcpu *v, const struct nvmx_vmcs12 *s,
                     const struct nvmx_l2_exit *e, enum nvmx_reason *why)
{
	uint32_t proc = (uint32_t)V12(s, CPU_BASED_VM_EXEC_CONTROL);
	*why = NVMX_REASON_EXIT_L1_CONTROL;
	if (!(proc & NVMX_PROC_USE_IO_BITMAPS))
		return proc & NVMX_PROC_UNCOND_IO_EXITING;
	unsigned size = (unsigned)(e->qualification & 7u) + 1u; /* 0->1, 1->2, 3->4 */
	if (size != 1 && size != 2 && size != 4)
		size = 4;
	uint32_t port = (uint32_t)(e->qualification >> 16) & 0xffffu;
	*why = NVMX_REASON_EXIT_L1_BITMAP;
	for (unsigned i = 0; i < size; i++) {
		uint32_t p = port + i;
		if (p > 0xffffu) {
			*why = NVMX_REASON_EXIT_L1_IO_WRAP;
			return true;
		}
		uint64_t base = p < 0x8000u ? V12(s, IO_BITMAP_A) : V12(s, IO_BITMAP_B);
		bool bad = false;
		bool bit = l1_bitmap_bit(v, base, p & 0x7fffu, &bad);
		if (bad)
			*why = NVMX_REASON_EXIT_L1_BITMAP_UNREADABLE;
		if (bit)
			return true;
	}
	return false;
}

/* RDMSR/WRMSR (SDM 26.1.3, 25.6.9): read-low 0x000, read-high 0x400,
 * write-low 0x800, write-high 0xC00; MSRs outside 0-1FFF and
 * C0000000-C0001FFF always exit, as does every MSR without MSR bitmaps. */
static bool wants_msr(struct nvmx_vcpu *v, const struct nvmx_vmcs12 *s, bool write,
                      uint64_t ecx, enum nvmx_reason *why)
{
	uint32_t proc = (uint32_t)V12(s, CPU_BASED_VM_EXEC_CONTROL);
	uint32_t msr = (uint32_t)ecx;
	*why = NVMX_REASON_EXIT_L1_MSR_OUT_OF_RANGE;
	if (!(proc & NVMX_PROC_USE_MSR_BITMAPS))
		return true;
	uint32_t off;
	if (msr <= 0x1fffu)
		off = 0;
	else if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		off = 0x400;
	else
		return true;
	if (write)
		off += 0x800;
	bool bad = false;
	bool bit = l1_bitmap_bit(v, V12(s, MSR_BITMAP) + off, msr & 0x1fffu, &bad);
	*why = bad ? NVMX_REASON_EXIT_L1_BITMAP_UNREADABLE : NVMX_REASON_EXIT_L1_BITMAP;
	return bit;
}

/* A leaf bitmap (ENCLS, ENCLV, PCONFIG): bit n for leaf n < 63, bit 63 for
 * every larger leaf. */
static bool leaf_bit(uint64_t bitmap, uint64_t eax)
{
	uint32_t leaf = (uint32_t)eax;
	return (bitmap >> (leaf < 63 ? leaf : 63)) & 1u;
}

/* VMFUNC (SDM 26.1.3, 26.5.6): the hardware exits when the function is not
 * enabled or EPTP switching fails; L1 gets exactly those exits. A valid EPTP
 * switch is L0's to perform (VMCS02 holds shadow EPTPs). */
static bool wants_vmfunc(struct nvmx_vcpu *v, const struct nvmx_vmcs12 *s,
                         const struct nvmx_l2_exit *e, enum nvmx_reason *why)
{
	*why = NVMX_REASON_EXIT_L1_VMFUNC_FAIL;
	uint64_t fn = (uint32_t)e->operand;
	if (fn >= 64 || !((V12(s, VM_FUNCTION_CONTROL) >> fn) & 1u))
		return true;
	if (fn != 0)
		return true; /* only EPTP switching is defined; no other can succeed */
	uint64_t idx = (uint32_t)e->operand2;
	if (idx >= 512)
		return true;
	uint64_t eptp;
	if (nvmx_gpa_read(v, V12(s, EPTP_LIST_ADDRESS) + idx * 8u, &eptp, 8) != NVMX_STATUS_OK)
		return true;
	/* The new EPTP must pass the VM-entry EPTP checks (SDM 27.2.1.1,
	 * 26.5.6.3) against what L1 is offered. */
	if (!nvmx_ept_eptp_valid(v->vm, eptp))
		return true;
	*why = NVMX_REASON_EXIT_L0_VMFUNC_EMULATE;
	return false;
}

/*
 * The exit gates of SDM 26.1-26.2 as a table indexed by basic exit reason:
 * exits that are unconditional in VMX non-root operation (26.1.2, and 26.2:
 * triple fault, INIT, SIPI, task switch; 27.8: entry failures), the SMM
 * exits L0 always keeps, and the exits one VM-execution control bit gates
 * (26.1.3, 26.2), optionally behind an "enable" control without which the
 * instruction is #UD in L2 and never exits (RDTSCP, INVPCID, UMWAIT/TPAUSE).
 * Everything else is a real special case (exit_special).
 */
enum gate_kind { G_UNKNOWN = 0, G_ALWAYS, G_L0, G_CTL, G_SPECIAL };
enum gate_word { W_PIN, W_PROC, W_PROC2, W_PROC3 };
struct exit_gate {
	uint8_t kind, word, en_word;
	uint64_t bit, en_bit;
};
#define ALWAYS(r) [NVMX_EXIT_REASON_##r] = { G_ALWAYS, 0, 0, 0, 0 }
#define L0(r) [NVMX_EXIT_REASON_##r] = { G_L0, 0, 0, 0, 0 }
#define CTL(r, wd, b) [NVMX_EXIT_REASON_##r] = { G_CTL, W_##wd, 0, (b), 0 }
#define CTL_IF(r, ewd, eb, wd, b) [NVMX_EXIT_REASON_##r] = { G_CTL, W_##wd, W_##ewd, (b), (eb) }
#define SPECIAL(r) [NVMX_EXIT_REASON_##r] = { G_SPECIAL, 0, 0, 0, 0 }
static const struct exit_gate gates[] = {
	ALWAYS(TRIPLE_FAULT), ALWAYS(INIT_SIGNAL), ALWAYS(SIPI), ALWAYS(TASK_SWITCH),
	ALWAYS(CPUID), ALWAYS(GETSEC), ALWAYS(INVD), ALWAYS(VMCALL), ALWAYS(VMCLEAR),
	ALWAYS(VMLAUNCH), ALWAYS(VMPTRLD), ALWAYS(VMPTRST), ALWAYS(VMREAD), ALWAYS(VMRESUME),
	ALWAYS(VMWRITE), ALWAYS(VMXOFF), ALWAYS(VMXON), ALWAYS(INVEPT), ALWAYS(INVVPID),
	ALWAYS(XSETBV), ALWAYS(ENTRY_FAIL_GUEST_STATE), ALWAYS(ENTRY_FAIL_MSR_LOAD),
	ALWAYS(ENTRY_FAIL_MACHINE_CHECK), ALWAYS(SEAMCALL), ALWAYS(TDCALL),
	L0(IO_SMI), L0(OTHER_SMI), L0(RSM),
	CTL(EXTERNAL_INTERRUPT, PIN, NVMX_PIN_EXT_INTR_EXITING),
	CTL(PREEMPTION_TIMER, PIN, NVMX_PIN_PREEMPTION_TIMER),
	CTL(INTERRUPT_WINDOW, PROC, NVMX_PROC_INTR_WINDOW_EXITING),
	CTL(NMI_WINDOW, PROC, NVMX_PROC_NMI_WINDOW_EXITING),
	CTL(HLT, PROC, NVMX_PROC_HLT_EXITING),
	CTL(INVLPG, PROC, NVMX_PROC_INVLPG_EXITING),
	CTL(RDPMC, PROC, NVMX_PROC_RDPMC_EXITING),
	CTL(RDTSC, PROC, NVMX_PROC_RDTSC_EXITING),
	CTL(DR_ACCESS, PROC, NVMX_PROC_MOV_DR_EXITING),
	CTL(MWAIT, PROC, NVMX_PROC_MWAIT_EXITING),
	CTL(MONITOR, PROC, NVMX_PROC_MONITOR_EXITING),
	CTL(MONITOR_TRAP_FLAG, PROC, NVMX_PROC_MONITOR_TRAP_FLAG),
	CTL(APIC_ACCESS, PROC2, NVMX_PROC2_VIRT_APIC_ACCESSES),
	CTL(GDTR_IDTR, PROC2, NVMX_PROC2_DESC_TABLE_EXITING),
	CTL(LDTR_TR, PROC2, NVMX_PROC2_DESC_TABLE_EXITING),
	CTL(WBINVD, PROC2, NVMX_PROC2_WBINVD_EXITING),
	CTL(RDRAND, PROC2, NVMX_PROC2_RDRAND_EXITING),
	CTL(RDSEED, PROC2, NVMX_PROC2_RDSEED_EXITING),
	CTL(PML_FULL, PROC2, NVMX_PROC2_PML),
	CTL(SPP, PROC2, NVMX_PROC2_SPP),
	CTL(ENQCMD_PASID_FAIL, PROC2, NVMX_PROC2_PASID_TRANSLATION),
	CTL(ENQCMDS_PASID_FAIL, PROC2, NVMX_PROC2_PASID_TRANSLATION),
	CTL(BUS_LOCK, PROC2, NVMX_PROC2_BUS_LOCK_DETECTION),
	CTL(INSTRUCTION_TIMEOUT, PROC2, NVMX_PROC2_NOTIFY_VM_EXITING),
	CTL(LOADIWKEY, PROC3, NVMX_PROC3_LOADIWKEY_EXITING),
	CTL_IF(RDTSCP, PROC2, NVMX_PROC2_RDTSCP, PROC, NVMX_PROC_RDTSC_EXITING),
	CTL_IF(INVPCID, PROC2, NVMX_PROC2_INVPCID, PROC, NVMX_PROC_INVLPG_EXITING),
	CTL_IF(UMWAIT, PROC2, NVMX_PROC2_USER_WAIT_PAUSE, PROC, NVMX_PROC_RDTSC_EXITING),
	CTL_IF(TPAUSE, PROC2, NVMX_PROC2_USER_WAIT_PAUSE, PROC, NVMX_PROC_RDTSC_EXITING),
	SPECIAL(EXCEPTION_NMI), SPECIAL(CR_ACCESS), SPECIAL(IO_INSTRUCTION), SPECIAL(RDMSR),
	SPECIAL(WRMSR), SPECIAL(PAUSE), SPECIAL(TPR_BELOW_THRESHOLD), SPECIAL(APIC_WRITE),
	SPECIAL(VIRTUALIZED_EOI), SPECIAL(EPT_VIOLATION), SPECIAL(EPT_MISCONFIG),
	SPECIAL(VMFUNC), SPECIAL(ENCLS), SPECIAL(ENCLV), SPECIAL(PCONFIG), SPECIAL(XSAVES),
	SPECIAL(XRSTORS),
};
#undef ALWAYS
#undef L0
#undef CTL
#undef CTL_IF
#undef SPECIAL

/* The exits whose gate is more than one control bit. */
static bool exit_special(struct nvmx_vcpu *v, const struct nvmx_vmcs12 *s,
                         const struct nvmx_l2_exit *e, uint32_t basic, const uint64_t *ctl,
                         enum nvmx_reason *why)
{
	uint64_t proc = ctl[W_PROC], proc2 = ctl[W_PROC2];
	switch (basic) {
	case NVMX_EXIT_REASON_EXCEPTION_NMI:
		return wants_exception(s, e, why);
	case NVMX_EXIT_REASON_CR_ACCESS:
		return wants_cr(s, e, why);
	case NVMX_EXIT_REASON_IO_INSTRUCTION:
		return wants_io(v, s, e, why);
	case NVMX_EXIT_REASON_RDMSR:
	case NVMX_EXIT_REASON_WRMSR:
		return wants_msr(v, s, basic == NVMX_EXIT_REASON_WRMSR, e->operand, why);
	case NVMX_EXIT_REASON_PAUSE:
		/* PAUSE exiting, or PAUSE-loop exiting, which acts only at CPL 0
		 * (SDM 26.1.3; VMCS02 carries L1's gap and window when L1 enables
		 * it). L2's CPL is SS.DPL in VMCS02. */
		if (proc & NVMX_PROC_PAUSE_EXITING)
			return true;
		if (proc2 & NVMX_PROC2_PAUSE_LOOP_EXITING)
			return ((nvmx_vmcs02_read(v, NVMX_F_GUEST_SS_AR_BYTES) & NVMX_AR_DPL_MASK) >>
			        NVMX_AR_DPL_SHIFT) == 0;
		return false;
	case NVMX_EXIT_REASON_TPR_BELOW_THRESHOLD:
		return (proc & NVMX_PROC_TPR_SHADOW) && !(proc2 & NVMX_PROC2_VIRT_INTR_DELIVERY);
	case NVMX_EXIT_REASON_APIC_WRITE:
		return (proc & NVMX_PROC_TPR_SHADOW) &&
		       (proc2 & (NVMX_PROC2_APIC_REG_VIRT | NVMX_PROC2_VIRT_INTR_DELIVERY |
		                 NVMX_PROC2_VIRT_APIC_ACCESSES | NVMX_PROC2_VIRT_X2APIC));
	case NVMX_EXIT_REASON_VIRTUALIZED_EOI: {
		/* EOI virtualization exits for vectors set in L1's EOI-exit bitmap. */
		unsigned vec = e->qualification & 0xffu;
		*why = NVMX_REASON_EXIT_L1_BITMAP;
		return (proc2 & NVMX_PROC2_VIRT_INTR_DELIVERY) &&
		       ((s->f[NVMX_IDX_EOI_EXIT_BITMAP0 + vec / 64u] >> (vec % 64u)) & 1u);
	}
	case NVMX_EXIT_REASON_EPT_VIOLATION:
	case NVMX_EXIT_REASON_EPT_MISCONFIG:
		if (!(proc2 & NVMX_PROC2_EPT)) {
			*why = NVMX_REASON_EXIT_L0_L1_NO_EPT;
			return false;
		}
		if (e->flags & NVMX_L2_EXIT_EPT12_FAULT) {
			*why = NVMX_REASON_EXIT_L1_EPT12;
			return true;
		}
		*why = NVMX_REASON_EXIT_L0_EPT02_FILL;
		return false;
	case NVMX_EXIT_REASON_VMFUNC:
		if (!(proc2 & NVMX_PROC2_VMFUNC)) {
			*why = NVMX_REASON_EXIT_L0_UD_FOR_L2;
			return false;
		}
		return wants_vmfunc(v, s, e, why);
	case NVMX_EXIT_REASON_ENCLS:
		*why = NVMX_REASON_EXIT_L1_BITMAP;
		return (proc2 & NVMX_PROC2_ENCLS_EXITING) &&
		       leaf_bit(V12(s, ENCLS_EXITING_BITMAP), e->operand);
	case NVMX_EXIT_REASON_ENCLV:
		*why = NVMX_REASON_EXIT_L1_BITMAP;
		return (proc2 & NVMX_PROC2_ENCLV_EXITING) &&
		       leaf_bit(V12(s, ENCLV_EXITING_BITMAP), e->operand);
	case NVMX_EXIT_REASON_PCONFIG:
		if (!(proc2 & NVMX_PROC2_PCONFIG)) {
			*why = NVMX_REASON_EXIT_L0_UD_FOR_L2;
			return false;
		}
		*why = NVMX_REASON_EXIT_L1_BITMAP;
		return leaf_bit(V12(s, PCONFIG_EXITING_BITMAP), e->operand);
	case NVMX_EXIT_REASON_XSAVES:
	case NVMX_EXIT_REASON_XRSTORS:
		if (!(proc2 & NVMX_PROC2_XSAVES)) {
			*why = NVMX_REASON_EXIT_L0_UD_FOR_L2;
			return false;
		}
		*why = NVMX_REASON_EXIT_L1_BITMAP;
		return (e->operand & V12(s, XSS_EXIT_BITMAP)) != 0;
	default:
		*why = NVMX_REASON_EXIT_UNKNOWN_REASON;
		return false;
	}
}

enum nvmx_status nvmx_exit_l1_wants(struct nvmx_vcpu *v, const struct nvmx_l2_exit *e,
                                    bool *wanted, enum nvmx_reason *why)
{
	const struct nvmx_vmcs12 *s = v->cur;
	if (!s)
		return NVMX_STATUS_WRONG_STATE;
	const uint64_t ctl[4] = {
		[W_PIN] = (uint32_t)V12(s, PIN_BASED_VM_EXEC_CONTROL),
		[W_PROC] = (uint32_t)V12(s, CPU_BASED_VM_EXEC_CONTROL),
		[W_PROC2] = nvmx_vmcs12_proc2(s),
		[W_PROC3] = proc3_of(s),
	};
	uint32_t basic = NVMX_EXIT_REASON_BASIC(e->exit_reason);
	static const struct exit_gate unknown = { G_UNKNOWN, 0, 0, 0, 0 };
	const struct exit_gate *g = basic < NVMX_ARRAY_SIZE(gates) ? &gates[basic] : &unknown;
	bool w = false;

	*why = NVMX_REASON_EXIT_L1_CONTROL;
	switch (g->kind) {
	case G_ALWAYS:
		*why = NVMX_REASON_EXIT_UNCONDITIONAL;
		w = true;
		break;
	case G_L0:
		*why = NVMX_REASON_EXIT_L0_ALWAYS;
		break;
	case G_CTL:
		if (g->en_bit && !(ctl[g->en_word] & g->en_bit))
			*why = NVMX_REASON_EXIT_L0_UD_FOR_L2; /* #UD in L2, not an exit */
		else
			w = (ctl[g->word] & g->bit) != 0;
		break;
	case G_SPECIAL:
		w = exit_special(v, s, e, basic, ctl, why);
		break;
	default:
		*why = NVMX_REASON_EXIT_UNKNOWN_REASON;
		break;
	}
	*wanted = w;
	if (!w && (*why == NVMX_REASON_EXIT_L1_CONTROL || *why == NVMX_REASON_EXIT_L1_BITMAP ||
	           *why == NVMX_REASON_EXIT_L1_CR_MASK || *why == NVMX_REASON_EXIT_L1_CR3_TARGET))
		*why = NVMX_REASON_EXIT_L0_NOT_WANTED_BY_L1;
	return NVMX_STATUS_OK;
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_exit_wanted_by_l1(struct nvmx_vcpu *v,
                                                         const struct nvmx_l2_exit *e,
                                                         bool *wanted, enum nvmx_reason *reason)
{
	if (!v || !e || !wanted || !reason)
		return NVMX_STATUS_INVALID_ARGUMENT;
	struct nvmx_l2_exit ex;
	NVMX_CHECK(nvmx_abi_load(&ex, sizeof(ex), e, offsetof(struct nvmx_l2_exit, reserved)));
	if (ex.reserved0 || !NVMX_RESERVED_ZERO(&ex, reserved))
		return NVMX_STATUS_INVALID_ARGUMENT;
	if (!v->in_l2 || !v->cur)
		return NVMX_STATUS_WRONG_STATE;
	return nvmx_exit_l1_wants(v, &ex, wanted, reason);
}
