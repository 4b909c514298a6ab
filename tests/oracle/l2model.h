/* SPDX-License-Identifier: MIT */
/*
 * The reference host's hardware model of L2 events: given an event of L2
 * (the `l2` commands of docs/scenario-format.md) and VMCS02 as the library
 * built it, decide as the processor would whether VMCS02 makes it a VM
 * exit (SDM 26.1-26.2), and if so report the exit to the library with
 * nvmx_vcpu_handle_exit, as a hypervisor's exit handler would.
 */
#ifndef NVMX_L2MODEL_H
#define NVMX_L2MODEL_H

#include "refhost.h"

enum l2model_kind {
	L2EV_CPUID = 1, L2EV_HLT, L2EV_VMCALL, L2EV_RDTSC, L2EV_RDMSR, L2EV_WRMSR,
	L2EV_IO, L2EV_CR_WRITE, L2EV_CR_READ, L2EV_EXCEPTION, L2EV_EXTINT, L2EV_NMI,
	L2EV_VMX, L2EV_PREEMPTION_TIMER, L2EV_INVLPG,
};

struct l2model_event {
	enum l2model_kind kind;
	uint32_t msr;            /* RDMSR, WRMSR */
	uint64_t value;          /* WRMSR value, CR-WRITE value */
	uint16_t port;           /* IO */
	uint8_t size;            /* IO: 1, 2 or 4 */
	bool in;                 /* IO: IN (true) or OUT */
	uint8_t cr;              /* CR-WRITE, CR-READ: 0, 3, 4 or 8 */
	uint8_t vector;          /* EXCEPTION, EXTINT */
	bool has_error_code;     /* EXCEPTION */
	uint32_t error_code;
	uint32_t vmx_reason;     /* VMX: basic exit reason of the instruction */
	uint32_t vmx_info;       /* VMX: VM-exit instruction information */
	uint64_t vmx_qual;       /* VMX: exit qualification (the displacement) */
	uint64_t address;        /* INVLPG */
};

enum l2model_outcome {
	L2M_NO_EXIT = 0,         /* VMCS02 does not intercept it; L2 goes on */
	L2M_L0_HANDLED = 1,      /* an exit L0 keeps; L2 goes on */
	L2M_EXIT_TO_L1 = 2,      /* reflected: res.exit_reason/exit_qualification */
	L2M_SHUTDOWN = 3,        /* VMX abort: L1 shut down */
};

/* Whether VMCS02 makes `ev` a VM exit, and the exit the hardware would
 * report (size, reason, qualification, interruption information...). */
bool l2model_hw_exit(const struct refhost *h, const struct l2model_event *ev,
                     struct nvmx_l2_exit *out);

/* Run `ev` in L2: no exit, or the exit handled by the library. On an exit
 * L0 keeps, the model acts as L0 (it completes the instruction: RIP moves
 * past it). Returns the library's status. */
enum nvmx_status l2model_run(struct refhost *h, const struct l2model_event *ev,
                             struct nvmx_result *res, enum l2model_outcome *out);

#endif
