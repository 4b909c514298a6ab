/* SPDX-License-Identifier: MIT */
/*
 * VM exits while L2 runs: the host reports what the hardware wrote into
 * VMCS02 and the library decides whether the exit is L0's own or L1's
 * (SDM 26.1-26.2, appendix C), and reflects it to L1 when it is (SDM 28).
 * Synthesized exits are exits L0 makes L1 see without a hardware exit of
 * that kind (an interrupt for L1, an emulated preemption timer...).
 */
#ifndef NVMX_EXIT_PUBLIC_H
#define NVMX_EXIT_PUBLIC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "status.h"
#include "vcpu.h"

#include "api.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * An exit of L2, as the hardware reported it in VMCS02's VM-exit
 * information fields (SDM 25.9), plus what only the host knows.
 */
struct nvmx_l2_exit {
	uint32_t size;                  /* sizeof(struct nvmx_l2_exit) */
	uint32_t exit_reason;           /* full exit reason (basic reason in 15:0) */
	uint64_t qualification;         /* exit qualification */
	uint64_t guest_linear_address;
	uint64_t guest_physical_address;
	uint32_t intr_info;             /* VM-exit interruption information */
	uint32_t intr_error_code;
	uint32_t idt_vectoring_info;
	uint32_t idt_vectoring_error_code;
	uint32_t insn_len;              /* VM-exit instruction length */
	uint32_t insn_info;             /* VM-exit instruction information */
	uint32_t flags;                 /* NVMX_L2_EXIT_* */
	uint32_t reserved0;
	/*
	 * Register values the decision needs (the VMCS does not hold L2's
	 * general-purpose registers):
	 *   RDMSR/WRMSR      operand = ECX (the MSR index)
	 *   MOV to CR0/3/4/8 operand = the value of the source register
	 *   IN/OUT/INS/OUTS  operand = DX, only for EMULATED exits without an
	 *                    immediate port
	 *   ENCLS/ENCLV/PCONFIG  operand = EAX (the leaf)
	 *   XSAVES/XRSTORS   operand = EDX:EAX & IA32_XSS of L2
	 *   VMFUNC           operand = EAX (function), operand2 = ECX (EPTP index)
	 */
	uint64_t operand;
	uint64_t operand2;
	/* The instruction bytes, for NVMX_L2_EXIT_EMULATED. */
	uint8_t bytes[15];
	uint8_t nbytes;
	uint64_t reserved[4];
};

/* L0 needs this exit for itself (an interrupt for L0, a fault in EPT01, a
 * machine check, an exit L0 requested for its own bookkeeping): it stays
 * with L0 even where VMCS12 asks for it too. */
#define NVMX_L2_EXIT_L0_OWNED (1u << 0)
/* An EPT violation or misconfiguration the host already attributed to L1's
 * EPT12 (qualification and guest-physical address as L1 sees them): L1
 * gets it. Without this flag, an EPT violation while L1 uses EPT goes to the
 * shadow-EPT module (nvmx_ept_fault), which fills EPT02 (L0_EXIT, result
 * value = host-physical address mapped), names an L1 address L0 must back
 * (L0_EXIT, reason EXIT_L0_EPT01, value = that L1 address), or makes it
 * L1's violation or misconfiguration; an EPT misconfiguration of EPT02
 * without this flag is L0's. */
#define NVMX_L2_EXIT_EPT12_FAULT (1u << 1)
/* L0 emulated the instruction for L2 (for instance in its MMIO path)
 * rather than the hardware exiting on it: `bytes` hold the instruction,
 * `exit_reason` the exit it would cause, and the library computes the
 * instruction length, instruction information and (where it is a
 * displacement or describes the I/O access) the qualification. */
#define NVMX_L2_EXIT_EMULATED (1u << 2)

/*
 * Handle an exit of L2. *res on OK:
 *   RESUME_L1 / EXIT_TO_L1   L1 sees the exit: VMCS12 holds the exit
 *                            information and L2's state, L1's state is its
 *                            host state; exit_reason, exit_qualification
 *                            are what L1 reads
 *   L0_EXIT / L0_EXIT        L0's exit: handle it and resume L2; an event
 *                            L2 was delivering is already set up in VMCS02
 *                            for re-injection
 *   SHUTDOWN_L1 / VMX_ABORT  the VM-exit MSR-store or MSR-load area failed
 *                            (SDM 28.7): abort indicator written, L1 shut down
 * WRONG_STATE when L2 is not running, INVALID_ARGUMENT for a malformed exit.
 */
NVMX_API enum nvmx_status nvmx_vcpu_handle_exit(struct nvmx_vcpu *vcpu, const struct nvmx_l2_exit *e,
                                       struct nvmx_result *res);

/* Exits L0 makes L1 see without a hardware exit of that kind. */
enum nvmx_synth_kind {
	NVMX_SYNTH_EXTINT = 1,          /* an external interrupt for L1 (vector) */
	NVMX_SYNTH_NMI = 2,             /* an NMI for L1 */
	NVMX_SYNTH_INTR_WINDOW = 3,     /* L2 became interruptible */
	NVMX_SYNTH_NMI_WINDOW = 4,      /* L2 can take an NMI */
	NVMX_SYNTH_PREEMPTION_TIMER = 5,/* L1's preemption timer, emulated by L0, expired */
	NVMX_SYNTH_MTF = 6,             /* monitor trap flag */
	NVMX_SYNTH_INIT = 7,            /* INIT signal */
	NVMX_SYNTH_SIPI = 8,            /* start-up IPI (vector) */
};

struct nvmx_synth_exit {
	uint32_t size;                  /* sizeof(struct nvmx_synth_exit) */
	uint32_t kind;                  /* enum nvmx_synth_kind */
	uint8_t vector;                 /* EXTINT, SIPI */
	uint8_t reserved0[7];
	uint64_t reserved[2];
};

/*
 * Make L1 see a synthesized exit. *res on OK:
 *   RESUME_L1 / EXIT_TO_L1   reflected (as nvmx_vcpu_handle_exit)
 *   L0_EXIT / NONE           VMCS12 does not ask for this exit (reason
 *                            EXIT_SYNTH_NOT_INTERCEPTED): L0 delivers the
 *                            event to L2 itself or keeps it pending
 *   SHUTDOWN_L1 / VMX_ABORT  as above
 * For NVMX_SYNTH_EXTINT without "acknowledge interrupt on exit" in VMCS12
 * the interrupt stays pending for L1 (the host keeps it in L1's APIC).
 */
NVMX_API enum nvmx_status nvmx_vcpu_inject_exit(struct nvmx_vcpu *vcpu, const struct nvmx_synth_exit *x,
                                       struct nvmx_result *res);

/*
 * Whether VMCS12 asks for this exit (SDM 26.1-26.2), without changing any
 * state: for hosts that want to know before they decide what they need.
 * Reads L1's bitmaps from L1 memory. *reason names the rule applied.
 */
NVMX_API enum nvmx_status nvmx_vcpu_exit_wanted_by_l1(struct nvmx_vcpu *vcpu, const struct nvmx_l2_exit *e,
                                             bool *wanted, enum nvmx_reason *reason);

#ifdef __cplusplus
}
#endif
#endif
