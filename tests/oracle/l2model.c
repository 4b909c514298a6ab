/* SPDX-License-Identifier: MIT */
#include "l2model.h"

#include <string.h>

/* A byte of a page the library gave VMCS02 (merged bitmaps): shadow pages
 * come from the host allocator, anything else is L1 memory at its default
 * backing. Unknown memory reads as all ones (exit). */
static uint8_t hpa_byte(const struct refhost *h, uint64_t hpa)
{
	uint64_t page = hpa & ~0xfffull;
	for (unsigned i = 0; i < h->npages; i++)
		if (h->pages[i].hpa == page)
			return ((const uint8_t *)h->pages[i].va)[hpa & 0xfff];
	if (hpa >= REFHOST_HPA_BASE && hpa - REFHOST_HPA_BASE < h->mem_size)
		return h->mem[hpa - REFHOST_HPA_BASE];
	return 0xff;
}

static bool hpa_bit(const struct refhost *h, uint64_t base, uint32_t bit)
{
	return (hpa_byte(h, base + bit / 8) >> (bit % 8)) & 1u;
}

#define G(f) refhost_vmcs02_get(h, NVMX_F_##f)

static bool io_exits(const struct refhost *h, uint16_t port, unsigned size)
{
	uint64_t proc = G(CPU_BASED_VM_EXEC_CONTROL);
	if (!(proc & NVMX_PROC_USE_IO_BITMAPS))
		return proc & NVMX_PROC_UNCOND_IO_EXITING;
	for (unsigned i = 0; i < size; i++) {
		uint32_t p = (uint32_t)port + i;
		if (p > 0xffff)
			return true;
		uint64_t bm = p < 0x8000 ? G(IO_BITMAP_A) : G(IO_BITMAP_B);
		if (hpa_bit(h, bm, p & 0x7fff))
			return true;
	}
	return false;
}

static bool msr_exits(const struct refhost *h, uint32_t msr, bool write)
{
	if (!(G(CPU_BASED_VM_EXEC_CONTROL) & NVMX_PROC_USE_MSR_BITMAPS))
		return true;
	uint64_t base = G(MSR_BITMAP) + (write ? 0x800 : 0);
	if (msr <= 0x1fff)
		return hpa_bit(h, base, msr);
	if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		return hpa_bit(h, base + 0x400, msr & 0x1fff);
	return true;
}

static bool cr_exits(const struct refhost *h, const struct l2model_event *ev)
{
	uint64_t proc = G(CPU_BASED_VM_EXEC_CONTROL);
	if (ev->kind == L2EV_CR_READ)
		return (ev->cr == 3 && (proc & NVMX_PROC_CR3_STORE_EXITING)) ||
		       (ev->cr == 8 && (proc & NVMX_PROC_CR8_STORE_EXITING));
	switch (ev->cr) {
	case 0: return ((ev->value ^ G(CR0_READ_SHADOW)) & G(CR0_GUEST_HOST_MASK)) != 0;
	case 4: return ((ev->value ^ G(CR4_READ_SHADOW)) & G(CR4_GUEST_HOST_MASK)) != 0;
	case 3: {
		if (!(proc & NVMX_PROC_CR3_LOAD_EXITING))
			return false;
		uint64_t n = G(CR3_TARGET_COUNT);
		for (uint64_t i = 0; i < n && i < 4; i++)
			if (refhost_vmcs02_get(h, NVMX_F_CR3_TARGET_VALUE0 + 2 * (uint32_t)i) == ev->value)
				return false;
		return true;
	}
	case 8: return proc & NVMX_PROC_CR8_LOAD_EXITING;
	default: return false;
	}
}

static unsigned insn_len(const struct l2model_event *ev)
{
	switch (ev->kind) {
	case L2EV_HLT: case L2EV_IO: return 1;
	case L2EV_CPUID: case L2EV_RDTSC: case L2EV_RDMSR: case L2EV_WRMSR: return 2;
	case L2EV_VMCALL: case L2EV_CR_WRITE: case L2EV_CR_READ: case L2EV_INVLPG: case L2EV_VMX: return 3;
	default: return 0;
	}
}

bool l2model_hw_exit(const struct refhost *h, const struct l2model_event *ev,
                     struct nvmx_l2_exit *e)
{
	memset(e, 0, sizeof(*e));
	e->size = sizeof(*e);
	e->insn_len = insn_len(ev);
	uint64_t pin = G(PIN_BASED_VM_EXEC_CONTROL), proc = G(CPU_BASED_VM_EXEC_CONTROL);
	switch (ev->kind) {
	case L2EV_CPUID: e->exit_reason = NVMX_EXIT_REASON_CPUID; return true;
	case L2EV_VMCALL: e->exit_reason = NVMX_EXIT_REASON_VMCALL; return true;
	case L2EV_VMX:
		e->exit_reason = ev->vmx_reason;
		e->insn_info = ev->vmx_info;
		e->qualification = ev->vmx_qual;
		return true;
	case L2EV_HLT: e->exit_reason = NVMX_EXIT_REASON_HLT; return proc & NVMX_PROC_HLT_EXITING;
	case L2EV_RDTSC: e->exit_reason = NVMX_EXIT_REASON_RDTSC; return proc & NVMX_PROC_RDTSC_EXITING;
	case L2EV_INVLPG:
		e->exit_reason = NVMX_EXIT_REASON_INVLPG;
		e->qualification = ev->address;
		return proc & NVMX_PROC_INVLPG_EXITING;
	case L2EV_RDMSR: case L2EV_WRMSR:
		e->exit_reason = ev->kind == L2EV_RDMSR ? NVMX_EXIT_REASON_RDMSR : NVMX_EXIT_REASON_WRMSR;
		e->operand = ev->msr;
		return msr_exits(h, ev->msr, ev->kind == L2EV_WRMSR);
	case L2EV_IO: {
		unsigned size = ev->size == 2 ? 2 : ev->size == 4 ? 4 : 1;
		e->exit_reason = NVMX_EXIT_REASON_IO_INSTRUCTION;
		e->qualification = (uint64_t)(size - 1) | (ev->in ? 8u : 0u) | (uint64_t)ev->port << 16;
		return io_exits(h, ev->port, size);
	}
	case L2EV_CR_WRITE: case L2EV_CR_READ:
		e->exit_reason = NVMX_EXIT_REASON_CR_ACCESS;
		e->qualification = ev->cr | (ev->kind == L2EV_CR_READ ? 1u << 4 : 0u); /* GPR RAX */
		e->operand = ev->value;
		return cr_exits(h, ev);
	case L2EV_EXCEPTION: {
		unsigned v = ev->vector & 31;
		unsigned type = (v == 3 || v == 4) ? NVMX_INTR_TYPE_SW_EXCEPTION : NVMX_INTR_TYPE_HW_EXCEPTION;
		e->exit_reason = NVMX_EXIT_REASON_EXCEPTION_NMI;
		e->intr_info = v | type << 8 | NVMX_INTR_INFO_VALID |
		               (ev->has_error_code ? NVMX_INTR_INFO_DELIVER_CODE : 0);
		e->intr_error_code = ev->error_code;
		e->insn_len = type == NVMX_INTR_TYPE_SW_EXCEPTION ? 1 : 0;
		bool bit = (G(EXCEPTION_BITMAP) >> v) & 1u;
		if (v == 14)
			return ((ev->error_code & G(PAGE_FAULT_ERROR_CODE_MASK)) ==
			        G(PAGE_FAULT_ERROR_CODE_MATCH)) ? bit : !bit;
		return bit;
	}
	case L2EV_EXTINT:
		e->exit_reason = NVMX_EXIT_REASON_EXTERNAL_INTERRUPT;
		e->insn_len = 0;
		if (G(VM_EXIT_CONTROLS) & NVMX_EXIT_CTL_ACK_INTR_ON_EXIT)
			e->intr_info = ev->vector | NVMX_INTR_INFO_VALID;
		return pin & NVMX_PIN_EXT_INTR_EXITING;
	case L2EV_NMI:
		e->exit_reason = NVMX_EXIT_REASON_EXCEPTION_NMI;
		e->intr_info = 2 | NVMX_INTR_TYPE_NMI << 8 | NVMX_INTR_INFO_VALID;
		return pin & NVMX_PIN_NMI_EXITING;
	case L2EV_PREEMPTION_TIMER:
		e->exit_reason = NVMX_EXIT_REASON_PREEMPTION_TIMER;
		return pin & NVMX_PIN_PREEMPTION_TIMER;
	}
	return false;
}

/* L2 completed the instruction (no exit, or L0 emulated it). */
static void complete(struct refhost *h, const struct l2model_event *ev)
{
	unsigned len = insn_len(ev);
	if (ev->kind == L2EV_EXCEPTION || ev->kind == L2EV_EXTINT || ev->kind == L2EV_NMI ||
	    ev->kind == L2EV_PREEMPTION_TIMER || len == 0)
		return;
	refhost_vmcs02_set(h, NVMX_F_GUEST_RIP, G(GUEST_RIP) + len);
	if (ev->kind == L2EV_CR_WRITE) {
		if (ev->cr == 0 || ev->cr == 4) {
			uint32_t f = ev->cr == 0 ? NVMX_F_GUEST_CR0 : NVMX_F_GUEST_CR4;
			uint64_t mask = refhost_vmcs02_get(h, ev->cr == 0 ? NVMX_F_CR0_GUEST_HOST_MASK
			                                                : NVMX_F_CR4_GUEST_HOST_MASK);
			refhost_vmcs02_set(h, f, (refhost_vmcs02_get(h, f) & mask) | (ev->value & ~mask));
		} else if (ev->cr == 3) {
			refhost_vmcs02_set(h, NVMX_F_GUEST_CR3, ev->value);
		}
	}
}

/*
 * RDMSR/WRMSR that L2 executes (no exit) or L0 emulates for it (an exit L0
 * keeps): the MSR file (refhost_wrmsr). False when the instruction raises
 * #GP(0) instead (an unknown MSR, a value WRMSR refuses).
 */
static bool msr_access(struct refhost *h, const struct l2model_event *ev)
{
	uint64_t v;
	if (ev->kind == L2EV_RDMSR)
		return refhost_rdmsr(h, ev->msr, &v) == NVMX_REASON_MSR_WRITE_OK;
	if (ev->kind == L2EV_WRMSR)
		return refhost_wrmsr(h, ev->msr, ev->value) == NVMX_REASON_MSR_WRITE_OK;
	return true;
}

/* The #GP(0) an RDMSR/WRMSR raises in L2: an exception event, which exits
 * if VMCS02's exception bitmap has bit 13 (SDM 26.2). */
static enum nvmx_status l2_gp(struct refhost *h, struct nvmx_result *res,
                              enum l2model_outcome *out)
{
	struct l2model_event gp;
	memset(&gp, 0, sizeof(gp));
	gp.kind = L2EV_EXCEPTION;
	gp.vector = 13;
	gp.has_error_code = true;
	return l2model_run(h, &gp, res, out);
}

enum nvmx_status l2model_run(struct refhost *h, const struct l2model_event *ev,
                             struct nvmx_result *res, enum l2model_outcome *out)
{
	struct nvmx_l2_exit e;
	memset(res, 0, sizeof(*res));
	if (!l2model_hw_exit(h, ev, &e)) {
		if (!msr_access(h, ev))
			return l2_gp(h, res, out);
		complete(h, ev);
		*out = L2M_NO_EXIT;
		return NVMX_STATUS_OK;
	}
	/* Hardware writes the exit information into VMCS02 too, and clears
	 * the valid bit of the VM-entry interruption information. */
	refhost_vmcs02_set(h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD,
	                   G(VM_ENTRY_INTR_INFO_FIELD) & ~(uint64_t)NVMX_INTR_INFO_VALID);
	refhost_vmcs02_set(h, NVMX_F_VM_EXIT_REASON, e.exit_reason);
	refhost_vmcs02_set(h, NVMX_F_EXIT_QUALIFICATION, e.qualification);
	refhost_vmcs02_set(h, NVMX_F_VM_EXIT_INTR_INFO, e.intr_info);
	refhost_vmcs02_set(h, NVMX_F_VM_EXIT_INSTRUCTION_LEN, e.insn_len);
	refhost_hw_exit(h);
	enum nvmx_status s = nvmx_vcpu_handle_exit(h->vcpu, &e, res);
	if (s != NVMX_STATUS_OK)
		return s;
	switch (res->outcome) {
	case NVMX_OUTCOME_EXIT_TO_L1: *out = L2M_EXIT_TO_L1; break;
	case NVMX_OUTCOME_VMX_ABORT: *out = L2M_SHUTDOWN; break;
	default:
		/* L0 emulates the instruction for L2. */
		if (!msr_access(h, ev))
			return l2_gp(h, res, out);
		complete(h, ev);
		refhost_hw_enter(h); /* L0 resumes L2 */
		*out = L2M_L0_HANDLED;
		break;
	}
	return NVMX_STATUS_OK;
}
