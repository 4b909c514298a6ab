/* SPDX-License-Identifier: MIT */
/*
 * APIC virtualization for L2 in software (SDM vol. 3 chapter "APIC
 * Virtualization and Virtual Interrupts"): what the processor does for L2
 * under L1's VMCS12 controls, for hosts whose hardware does not do it for
 * L2 itself (no APICv, or L0 keeps the APIC-access page unmapped in EPT02).
 * The virtual-APIC page, the posted-interrupt descriptor and the EOI-exit
 * bitmap are L1's (VMCS12); RVI and SVI are the guest interrupt status,
 * kept in VMCS12 and VMCS02 alike. Every call is for a vCPU whose L2 is
 * running (WRONG_STATE otherwise); a refused input changes nothing.
 *
 * Results (struct nvmx_result):
 *   EXIT_TO_L1 / RESUME_L1  the event became an exit L1 sees (43, 44, 45,
 *                           56, 31, 32): VMCS12 holds it, L1 runs next
 *   L0_EXIT / L0_EXIT       virtualized, no exit to L1: `reason` says how,
 *                           `value` holds the data of a read; the host
 *                           completes the instruction (writes the
 *                           destination, advances RIP) and resumes L2
 * Trap-like exits (43, 45, 56) leave L2's RIP after the instruction: the
 * library adds `insn_len` to VMCS02's guest RIP before it reflects them.
 * Virtual interrupts that become recognized are delivered by
 * nvmx_vcpu_apic_deliver, which the host calls before it resumes L2.
 */
#ifndef NVMX_APIC_H
#define NVMX_APIC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "status.h"
#include "vcpu.h"

#include "api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The access type, as bits 15:12 of an APIC-access exit qualification
 * (SDM 28.2.1, table "Exit Qualification for APIC-Access VM Exits"). */
enum nvmx_apic_access_type {
	NVMX_APIC_LINEAR_READ = 0,      /* linear data read during instruction execution */
	NVMX_APIC_LINEAR_WRITE = 1,     /* linear data write during instruction execution */
	NVMX_APIC_LINEAR_FETCH = 2,     /* linear instruction fetch */
	NVMX_APIC_LINEAR_EVENT = 3,     /* linear access during event delivery */
	NVMX_APIC_GPA_EVENT = 10,       /* guest-physical access during event delivery */
	NVMX_APIC_GPA_INSN = 15,        /* guest-physical access during instruction fetch or execution */
};

/* NVMX_APIC_LINEAR_EVENT: the event-delivery access writes (a stack push). */
#define NVMX_APIC_ACCESS_WRITES (1u << 0)

/* An access of L2 to L1's APIC-access page: through EPT12 when L1 uses
 * EPT (the L2 guest-physical address translates to it), or at that
 * guest-physical address when L1 does not use EPT. */
struct nvmx_apic_access {
	uint32_t size;                  /* sizeof(struct nvmx_apic_access) */
	uint32_t type;                  /* enum nvmx_apic_access_type */
	uint32_t offset;                /* page offset of the first byte, 0..0xfff */
	uint32_t width;                 /* bytes accessed, 1..64, within the page */
	uint64_t value;                 /* data written (low `width` bytes, width <= 8) */
	uint64_t gpa;                   /* L2 guest-physical address (guest-physical accesses) */
	uint32_t insn_len;              /* length of the accessing instruction */
	uint32_t flags;                 /* NVMX_APIC_ACCESS_* */
	uint32_t idt_vectoring_info;    /* event-delivery types: the event being delivered (valid) */
	uint32_t idt_vectoring_error_code;
	uint64_t reserved[4];
};

/* An L2 access to L1's APIC-access page (SDM "Virtualizing Memory-Mapped
 * APIC Accesses"). L0_EXIT with reason APIC_NOT_ENABLED when VMCS12 does
 * not virtualize APIC accesses (the page is ordinary L1 memory then). */
NVMX_API enum nvmx_status nvmx_vcpu_apic_access(struct nvmx_vcpu *vcpu,
                                                const struct nvmx_apic_access *acc,
                                                struct nvmx_result *res);

/* MOV to CR8 (write, `value` the source) or MOV from CR8 (value = the
 * result) in 64-bit mode, after the host's nvmx_vcpu_handle_exit left the
 * CR-access exit with L0 (SDM "Virtualizing CR8-Based TPR Accesses"). */
NVMX_API enum nvmx_status nvmx_vcpu_apic_cr8(struct nvmx_vcpu *vcpu, bool write, uint64_t value,
                                             uint32_t insn_len, struct nvmx_result *res);

/* RDMSR (write false; value = EDX:EAX read) or WRMSR (value = EDX:EAX) of
 * an MSR 0x800-0x8ff by L2 (SDM "Virtualizing MSR-Based APIC Accesses"):
 * L1's MSR bitmap first, then "virtualize x2APIC mode".
 * INVALID_ARGUMENT for an MSR outside 0x800-0x8ff. */
NVMX_API enum nvmx_status nvmx_vcpu_apic_msr(struct nvmx_vcpu *vcpu, bool write, uint32_t msr,
                                             uint64_t value, struct nvmx_result *res);

/* An interrupt with `vector` for L2's processor while L2 runs: L1 sent an
 * IPI to this vCPU, or L0 received it for L1 (SDM "Posted-Interrupt
 * Processing"). With "process posted interrupts" and L1's notification
 * vector, L1's descriptor is processed (ON cleared, PIR moved into VIRR,
 * RVI raised) without an exit: L0_EXIT / APIC_PI_PROCESSED. Otherwise
 * L0_EXIT with APIC_PI_NOT_ENABLED or APIC_PI_OTHER_VECTOR: the host makes
 * it an ordinary external interrupt (nvmx_vcpu_inject_exit). The EOI the
 * processor sends to its local APIC is L0's: L1's virtual APIC keeps no
 * trace of the notification. */
NVMX_API enum nvmx_status nvmx_vcpu_apic_interrupt(struct nvmx_vcpu *vcpu, uint8_t vector,
                                                   struct nvmx_result *res);

/* Virtual EOI by L2 without an MMIO or MSR access to report (the host
 * decoded it elsewhere): EOI virtualization (SDM "EOI Virtualization"). */
NVMX_API enum nvmx_status nvmx_vcpu_apic_eoi(struct nvmx_vcpu *vcpu, uint32_t insn_len,
                                             struct nvmx_result *res);

/* At an instruction boundary before L2 resumes: evaluate pending virtual
 * interrupts and, when L2 can take one, deliver it through L2's IDT by
 * VMCS02's VM-entry interruption information (SDM "Evaluation and Delivery
 * of Virtual Interrupts"). Reason APIC_INTR_DELIVERED (value = vector),
 * APIC_INTR_NONE, APIC_INTR_BLOCKED (the host arms its own
 * interrupt-window exit and calls again), or APIC_NOT_ENABLED. */
NVMX_API enum nvmx_status nvmx_vcpu_apic_deliver(struct nvmx_vcpu *vcpu, struct nvmx_result *res);

/* Right after a VM entry to L2: the TPR check the SDM makes there ("use TPR
 * shadow" without virtual-interrupt delivery: exit 43 when VTPR[7:4] is
 * below the threshold). L0_EXIT / APIC_NONE when nothing happens. */
NVMX_API enum nvmx_status nvmx_vcpu_apic_after_entry(struct nvmx_vcpu *vcpu, struct nvmx_result *res);

#ifdef __cplusplus
}
#endif
#endif
