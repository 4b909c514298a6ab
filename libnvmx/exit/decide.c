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

static uint32_t proc2_of(const struct nvmx_vmcs12 *s)
{
	if (!(V12(s, CPU_BASED_VM_EXEC_CONTROL) & NVMX_PROC_SECONDARY_CONTROLS))
		return 0;
	return (uint32_t)V12(s, SECONDARY_VM_EXEC_CONTROL);
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

enum nvmx_status nvmx_exit_l1_wants(struct nvmx_vcpu *v, const struct nvmx_l2_exit *e,
                                    bool *wanted, enum nvmx_reason *why)
{
	const struct nvmx_vmcs12 *s = v->cur;
	if (!s)
		return NVMX_STATUS_WRONG_STATE;
	uint32_t pin = (uint32_t)V12(s, PIN_BASED_VM_EXEC_CONTROL);
	uint32_t proc = (uint32_t)V12(s, CPU_BASED_VM_EXEC_CONTROL);
	uint32_t proc2 = proc2_of(s);
	uint64_t proc3 = proc3_of(s);
	uint32_t basic = NVMX_EXIT_REASON_BASIC(e->exit_reason);
	bool w = false;

	*why = NVMX_REASON_EXIT_L1_CONTROL;
	switch (basic) {
	/* Unconditional in VMX non-root operation (SDM 26.1.2) and the other
	 * causes that always exit (26.2: triple fault, INIT, SIPI, task switch;
	 * 27.8: entry failures). */
	case NVMX_EXIT_TRIPLE_FAULT: case NVMX_EXIT_INIT_SIGNAL: case NVMX_EXIT_SIPI:
	case NVMX_EXIT_TASK_SWITCH: case NVMX_EXIT_CPUID: case NVMX_EXIT_GETSEC:
	case NVMX_EXIT_INVD: case NVMX_EXIT_VMCALL: case NVMX_EXIT_VMCLEAR:
	case NVMX_EXIT_VMLAUNCH: case NVMX_EXIT_VMPTRLD: case NVMX_EXIT_VMPTRST:
	case NVMX_EXIT_VMREAD: case NVMX_EXIT_VMRESUME: case NVMX_EXIT_VMWRITE:
	case NVMX_EXIT_VMXOFF: case NVMX_EXIT_VMXON: case NVMX_EXIT_INVEPT:
	case NVMX_EXIT_INVVPID: case NVMX_EXIT_XSETBV: case NVMX_EXIT_ENTRY_FAIL_GUEST_STATE:
	case NVMX_EXIT_ENTRY_FAIL_MSR_LOAD: case NVMX_EXIT_ENTRY_FAIL_MACHINE_CHECK:
	case NVMX_EXIT_SEAMCALL: case NVMX_EXIT_TDCALL:
		*why = NVMX_REASON_EXIT_UNCONDITIONAL;
		w = true;
		break;
	case NVMX_EXIT_IO_SMI: case NVMX_EXIT_OTHER_SMI: case NVMX_EXIT_RSM:
		*why = NVMX_REASON_EXIT_L0_ALWAYS;
		w = false;
		break;
	case NVMX_EXIT_EXCEPTION_NMI:
		w = wants_exception(s, e, why);
		break;
	case NVMX_EXIT_EXTERNAL_INTERRUPT:
		w = pin & NVMX_PIN_EXT_INTR_EXITING;
		break;
	case NVMX_EXIT_INTERRUPT_WINDOW:
		w = proc & NVMX_PROC_INTR_WINDOW_EXITING;
		break;
	case NVMX_EXIT_NMI_WINDOW:
		w = proc & NVMX_PROC_NMI_WINDOW_EXITING;
		break;
	case NVMX_EXIT_HLT:
		w = proc & NVMX_PROC_HLT_EXITING;
		break;
	case NVMX_EXIT_INVLPG:
		w = proc & NVMX_PROC_INVLPG_EXITING;
		break;
	case NVMX_EXIT_RDPMC:
		w = proc & NVMX_PROC_RDPMC_EXITING;
		break;
	case NVMX_EXIT_RDTSC:
		w = proc & NVMX_PROC_RDTSC_EXITING;
		break;
	case NVMX_EXIT_RDTSCP:
		/* Without "enable RDTSCP" RDTSCP is #UD in L2, not an exit. */
		if (!(proc2 & NVMX_PROC2_RDTSCP)) {
			*why = NVMX_REASON_EXIT_L0_UD_FOR_L2;
			w = false;
		} else {
			w = proc & NVMX_PROC_RDTSC_EXITING;
		}
		break;
	case NVMX_EXIT_CR_ACCESS:
		w = wants_cr(s, e, why);
		break;
	case NVMX_EXIT_DR_ACCESS:
		w = proc & NVMX_PROC_MOV_DR_EXITING;
		break;
	case NVMX_EXIT_IO_INSTRUCTION:
		w = wants_io(v, s, e, why);
		break;
	case NVMX_EXIT_RDMSR:
	case NVMX_EXIT_WRMSR:
		w = wants_msr(v, s, basic == NVMX_EXIT_WRMSR, e->operand, why);
		break;
	case NVMX_EXIT_MWAIT:
		w = proc & NVMX_PROC_MWAIT_EXITING;
		break;
	case NVMX_EXIT_MONITOR:
		w = proc & NVMX_PROC_MONITOR_EXITING;
		break;
	case NVMX_EXIT_MONITOR_TRAP_FLAG:
		w = proc & NVMX_PROC_MONITOR_TRAP_FLAG;
		break;
	case NVMX_EXIT_PAUSE:
		/* PAUSE exiting, or PAUSE-loop exiting, which acts only at CPL 0
		 * (SDM 26.1.3; VMCS02 carries L1's gap and window when L1 enables
		 * it). L2's CPL is SS.DPL in VMCS02. */
		if (proc & NVMX_PROC_PAUSE_EXITING)
			w = true;
		else if (proc2 & NVMX_PROC2_PAUSE_LOOP_EXITING)
			w = ((nvmx_vmcs02_read(v, NVMX_F_GUEST_SS_AR_BYTES) & NVMX_AR_DPL_MASK) >>
			     NVMX_AR_DPL_SHIFT) == 0;
		else
			w = false;
		break;
	case NVMX_EXIT_TPR_BELOW_THRESHOLD:
		w = (proc & NVMX_PROC_TPR_SHADOW) && !(proc2 & NVMX_PROC2_VIRT_INTR_DELIVERY);
		break;
	case NVMX_EXIT_APIC_ACCESS:
		w = proc2 & NVMX_PROC2_VIRT_APIC_ACCESSES;
		break;
	case NVMX_EXIT_APIC_WRITE:
		w = (proc & NVMX_PROC_TPR_SHADOW) &&
		    (proc2 & (NVMX_PROC2_APIC_REG_VIRT | NVMX_PROC2_VIRT_INTR_DELIVERY |
		              NVMX_PROC2_VIRT_APIC_ACCESSES | NVMX_PROC2_VIRT_X2APIC));
		break;
	case NVMX_EXIT_VIRTUALIZED_EOI: {
		/* EOI virtualization exits for vectors set in L1's EOI-exit bitmap. */
		unsigned vec = e->qualification & 0xffu;
		*why = NVMX_REASON_EXIT_L1_BITMAP;
		w = (proc2 & NVMX_PROC2_VIRT_INTR_DELIVERY) &&
		    ((s->f[NVMX_IDX_EOI_EXIT_BITMAP0 + vec / 64u] >> (vec % 64u)) & 1u);
		break;
	}
	case NVMX_EXIT_GDTR_IDTR:
	case NVMX_EXIT_LDTR_TR:
		w = proc2 & NVMX_PROC2_DESC_TABLE_EXITING;
		break;
	case NVMX_EXIT_EPT_VIOLATION:
	case NVMX_EXIT_EPT_MISCONFIG:
		if (!(proc2 & NVMX_PROC2_EPT)) {
			*why = NVMX_REASON_EXIT_L0_L1_NO_EPT;
			w = false;
		} else if (e->flags & NVMX_L2_EXIT_EPT12_FAULT) {
			*why = NVMX_REASON_EXIT_L1_EPT12;
			w = true;
		} else {
			*why = NVMX_REASON_EXIT_L0_EPT02_FILL;
			w = false;
		}
		break;
	case NVMX_EXIT_PREEMPTION_TIMER:
		w = pin & NVMX_PIN_PREEMPTION_TIMER;
		break;
	case NVMX_EXIT_WBINVD:
		w = proc2 & NVMX_PROC2_WBINVD_EXITING;
		break;
	case NVMX_EXIT_RDRAND:
		w = proc2 & NVMX_PROC2_RDRAND_EXITING;
		break;
	case NVMX_EXIT_RDSEED:
		w = proc2 & NVMX_PROC2_RDSEED_EXITING;
		break;
	case NVMX_EXIT_INVPCID:
		/* Without "enable INVPCID" INVPCID is #UD in L2. */
		if (!(proc2 & NVMX_PROC2_INVPCID)) {
			*why = NVMX_REASON_EXIT_L0_UD_FOR_L2;
			w = false;
		} else {
			w = proc & NVMX_PROC_INVLPG_EXITING;
		}
		break;
	case NVMX_EXIT_VMFUNC:
		if (!(proc2 & NVMX_PROC2_VMFUNC)) {
			*why = NVMX_REASON_EXIT_L0_UD_FOR_L2;
			w = false;
		} else {
			w = wants_vmfunc(v, s, e, why);
		}
		break;
	case NVMX_EXIT_ENCLS:
		*why = NVMX_REASON_EXIT_L1_BITMAP;
		w = (proc2 & NVMX_PROC2_ENCLS_EXITING) &&
		    leaf_bit(V12(s, ENCLS_EXITING_BITMAP), e->operand);
		break;
	case NVMX_EXIT_ENCLV:
		*why = NVMX_REASON_EXIT_L1_BITMAP;
		w = (proc2 & NVMX_PROC2_ENCLV_EXITING) &&
		    leaf_bit(V12(s, ENCLV_EXITING_BITMAP), e->operand);
		break;
	case NVMX_EXIT_PCONFIG:
		if (!(proc2 & NVMX_PROC2_PCONFIG)) {
			*why = NVMX_REASON_EXIT_L0_UD_FOR_L2;
			w = false;
		} else {
			*why = NVMX_REASON_EXIT_L1_BITMAP;
			w = leaf_bit(V12(s, PCONFIG_EXITING_BITMAP), e->operand);
		}
		break;
	case NVMX_EXIT_PML_FULL:
		w = proc2 & NVMX_PROC2_PML;
		break;
	case NVMX_EXIT_XSAVES:
	case NVMX_EXIT_XRSTORS:
		if (!(proc2 & NVMX_PROC2_XSAVES)) {
			*why = NVMX_REASON_EXIT_L0_UD_FOR_L2;
			w = false;
		} else {
			*why = NVMX_REASON_EXIT_L1_BITMAP;
			w = (e->operand & V12(s, XSS_EXIT_BITMAP)) != 0;
		}
		break;
	case NVMX_EXIT_SPP:
		w = proc2 & NVMX_PROC2_SPP;
		break;
	case NVMX_EXIT_UMWAIT:
	case NVMX_EXIT_TPAUSE:
		if (!(proc2 & NVMX_PROC2_USER_WAIT_PAUSE)) {
			*why = NVMX_REASON_EXIT_L0_UD_FOR_L2;
			w = false;
		} else {
			w = proc & NVMX_PROC_RDTSC_EXITING;
		}
		break;
	case NVMX_EXIT_LOADIWKEY:
		w = proc3 & NVMX_PROC3_LOADIWKEY_EXITING;
		break;
	case NVMX_EXIT_ENQCMD_PASID_FAIL:
	case NVMX_EXIT_ENQCMDS_PASID_FAIL:
		w = proc2 & NVMX_PROC2_PASID_TRANSLATION;
		break;
	case NVMX_EXIT_BUS_LOCK:
		w = proc2 & NVMX_PROC2_BUS_LOCK_DETECTION;
		break;
	case NVMX_EXIT_INSTRUCTION_TIMEOUT:
		w = proc2 & NVMX_PROC2_NOTIFY_VM_EXITING;
		break;
	default:
		*why = NVMX_REASON_EXIT_UNKNOWN_REASON;
		w = false;
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
