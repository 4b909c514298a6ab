/* SPDX-License-Identifier: MIT */
/* VMs, vCPUs, and the entry points the host calls. */
#ifndef NVMX_VCPU_H
#define NVMX_VCPU_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "status.h"
#include "caps.h"
#include "host.h"
#include "reason.h"

#include "api.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nvmx_vm;
struct nvmx_vcpu;

struct nvmx_vm_config {
	uint32_t size;                  /* sizeof(struct nvmx_vm_config) */
	uint32_t vmcs12_cache_slots;    /* cached VMCS12s per vCPU, 1..64 (default 8) */
	struct nvmx_hw_caps hw;         /* the host processor */
	uint64_t shadow_ept_budget;     /* bytes of shadow EPT tables per VM (default 64 MiB) */
	uint32_t flags;                 /* NVMX_VM_* */
	/* VPID02 values the library may give L2 (L0 keeps them apart from its
	 * own): vpid02_count values from vpid02_first; count 0 means the
	 * default pool 0xff00..0xfffe. At least 2 (one serves L1s without VPID). */
	uint16_t vpid02_first;
	uint16_t vpid02_count;
	uint64_t reserved[8];
};

/* Write-protect EPT12 pages in EPT01 so that L1's edits are seen at once. */
#define NVMX_VM_WRITE_PROTECT_EPT12 (1u << 0)

/*
 * Fill *cfg with defaults. cfg->hw is left empty: the host fills it from
 * its processor's capability MSRs (and CPUID), and nvmx_vm_create refuses
 * an empty one with NO_HW_CAPS, so that a VM is never offered an example
 * CPU's features by accident.
 */
NVMX_API void nvmx_vm_config_default(struct nvmx_vm_config *cfg);
/* The defaults with nvmx_hw_caps_example() as the hardware: for tests,
 * fuzzers, benchmarks and demos that run on no real processor. */
NVMX_API void nvmx_vm_config_example(struct nvmx_vm_config *cfg);

NVMX_API enum nvmx_status nvmx_vm_create(const struct nvmx_vm_config *cfg,
                                const struct nvmx_host_ops *ops, void *host,
                                struct nvmx_vm **out);
/* Frees the VM. Fails with BUSY while vCPUs exist. */
NVMX_API enum nvmx_status nvmx_vm_destroy(struct nvmx_vm *vm);

/*
 * The capability MSRs L1 sees (0x480..0x493, and IA32_FEATURE_CONTROL is
 * not among them). nvmx_vm_get_cap fails with CAP_UNKNOWN_MSR for any other
 * index. nvmx_vm_set_cap applies a policy value: it may only take features
 * away (fewer allowed-1 bits, more allowed-0 bits, fewer EPT/VPID/misc
 * features, a smaller CR3-target count or MSR-list size); otherwise it fails
 * with CAP_ADDS_FEATURE (or CAP_INCONSISTENT for a value that breaks a fixed
 * property such as the revision identifier) and changes nothing. Set caps
 * before any vCPU executes VMXON.
 */
NVMX_API enum nvmx_status nvmx_vm_get_cap(const struct nvmx_vm *vm, uint32_t msr, uint64_t *value);
NVMX_API enum nvmx_status nvmx_vm_set_cap(struct nvmx_vm *vm, uint32_t msr, uint64_t value);
/* The physical-address width L1 sees: at most the hardware's. */
NVMX_API enum nvmx_status nvmx_vm_set_maxphyaddr(struct nvmx_vm *vm, uint8_t bits);
NVMX_API uint8_t nvmx_vm_maxphyaddr(const struct nvmx_vm *vm);
/* Whether a VMCS field (by SDM encoding, access type 0 or 1) exists for L1. */
NVMX_API bool nvmx_vm_field_exists(const struct nvmx_vm *vm, uint64_t encoding);

NVMX_API enum nvmx_status nvmx_vcpu_create(struct nvmx_vm *vm, void *host, struct nvmx_vcpu **out);
NVMX_API void nvmx_vcpu_destroy(struct nvmx_vcpu *vcpu);

/*
 * What the host does next. The numbers are ABI (pinned by
 * tests/util/test_names.c); new values are appended.
 */
#define NVMX_ACTION_LIST(X) \
	X(RESUME_L1, 0, "L1 goes on; the library has updated its state") \
	X(INJECT_L1, 1, "deliver result.fault to L1 (RIP not advanced)") \
	X(RUN_L2, 2, "VMCS02 is ready: enter L2") \
	X(L0_EXIT, 3, "the exit is L0's own: handle it, then run L2 again") \
	X(SHUTDOWN_L1, 4, "VMX abort or triple fault: L1 shuts down") \
	X(INIT_L1, 5, "perform INIT on L1 as for any processor outside VMX operation")

enum nvmx_action {
#define NVMX_X_ACTION_(name, num, text) NVMX_ACTION_##name = num,
	NVMX_ACTION_LIST(NVMX_X_ACTION_)
#undef NVMX_X_ACTION_
};

/* The architectural outcome, as L1 would observe it. Numbers are ABI. */
#define NVMX_OUTCOME_LIST(X) \
	X(NONE, 0, "no outcome recorded") \
	X(SUCCEED, 1, "VMsucceed") \
	X(VMFAIL_INVALID, 2, "VMfailInvalid") \
	X(VMFAIL_VALID, 3, "VMfailValid: vm_insn_error holds the error number") \
	X(FAULT, 4, "a fault: result.fault holds what L1 takes") \
	X(ENTRY_FAILED, 5, "VM-entry failure exit to L1 (exit_reason has bit 31)") \
	X(L2_ENTERED, 6, "VM entry succeeded") \
	X(EXIT_TO_L1, 7, "an L2 exit was reflected to L1") \
	X(L0_EXIT, 8, "an L2 exit stays with L0") \
	X(VMX_ABORT, 9, "VMX abort: L1 shut down")

enum nvmx_outcome {
#define NVMX_X_OUTCOME_(name, num, text) NVMX_OUTCOME_##name = num,
	NVMX_OUTCOME_LIST(NVMX_X_OUTCOME_)
#undef NVMX_X_OUTCOME_
};

/* Stable names without the prefix ("RUN_L2", "ENTRY_FAILED"), or "UNKNOWN";
 * one-line descriptions. Never NULL. */
NVMX_API const char *nvmx_action_name(enum nvmx_action a);
NVMX_API const char *nvmx_action_describe(enum nvmx_action a);
NVMX_API const char *nvmx_outcome_name(enum nvmx_outcome o);
NVMX_API const char *nvmx_outcome_describe(enum nvmx_outcome o);

struct nvmx_result {
	enum nvmx_action action;
	enum nvmx_outcome outcome;
	enum nvmx_reason reason;        /* the named cause of the outcome */
	uint32_t vm_insn_error;         /* VMFAIL_VALID: the VM-instruction error number */
	struct nvmx_fault fault;        /* INJECT_L1 */
	uint32_t exit_reason;           /* ENTRY_FAILED, EXIT_TO_L1: full exit reason L1 sees */
	/* VMFAIL_VALID 7/8 and ENTRY_FAILED of VMLAUNCH/VMRESUME: the SDM
	 * encoding of the VMCS12 field whose check failed (for an MSR-load
	 * failure VM_ENTRY_MSR_LOAD_ADDR or _COUNT, with the MSR index in
	 * `value`); 0 when no single field is at fault. */
	uint32_t field;
	uint64_t exit_qualification;    /* ENTRY_FAILED, EXIT_TO_L1 */
	uint64_t value;                 /* VMREAD, VMPTRST: the value stored; MSR-load failure: the MSR */
	uint64_t reserved[4];
};

/*
 * A VM exit of L1 caused by a VMX instruction (VMCLEAR..VMXON, INVEPT,
 * INVVPID), as the hardware reported it in VMCS01. If the host has no
 * instruction-information field, it clears NVMX_INSN_INFO_VALID and supplies
 * the instruction bytes; the library decodes them.
 */
struct nvmx_insn_exit {
	uint32_t size;                  /* sizeof(struct nvmx_insn_exit) */
	uint32_t exit_reason;           /* basic exit reason */
	uint64_t qualification;         /* exit qualification (displacement) */
	uint32_t insn_info;             /* VM-exit instruction-information field */
	uint32_t insn_len;              /* VM-exit instruction length */
	uint32_t flags;                 /* NVMX_INSN_* */
	uint32_t reserved0;             /* 0 */
	uint8_t bytes[15];              /* instruction bytes, when INFO_VALID is clear */
	uint8_t nbytes;
	uint64_t reserved[2];           /* 0 */
};
#define NVMX_INSN_INFO_VALID (1u << 0)

/*
 * Emulate the VMX instruction L1 executed. Returns OK with *res filled for
 * every architectural outcome (including faults and VMfail); a non-OK status
 * means a host callback failed or the arguments were wrong, and L1's state
 * is then unchanged.
 */
NVMX_API enum nvmx_status nvmx_vcpu_emulate_vmx_insn(struct nvmx_vcpu *vcpu, const struct nvmx_insn_exit *exit,
                                    struct nvmx_result *res);

/* Counters for benchmarks and researchers. */
struct nvmx_vcpu_stats {
	uint64_t vmcs_reads;            /* host vmcs_read calls */
	uint64_t vmcs_writes;           /* host vmcs_write calls */
	uint64_t vmcs12_loads;          /* VMCS12 read from L1 memory */
	uint64_t vmcs12_writebacks;     /* VMCS12 written back to L1 memory */
	uint64_t entries;
	uint64_t exits_reflected;
	uint64_t exits_l0;
	/* VMCS01 writes of L1's host state a reflected exit skipped as
	 * redundant (NVMX_L1_SKIP_UNCHANGED, entry.h). */
	uint64_t l1_writes_skipped;
	uint64_t reserved[7];
};
NVMX_API void nvmx_vcpu_get_stats(const struct nvmx_vcpu *vcpu, struct nvmx_vcpu_stats *st);

/*
 * An INIT signal for the vCPU (SDM 24.8, 26.2). *res on OK:
 *   INIT_L1 / NONE     L1 is not in VMX operation: the host performs the INIT
 *                      (reason VCPU_INIT_OUTSIDE_VMX)
 *   RESUME_L1 / NONE   L1 is in VMX root operation, where INIT is blocked:
 *                      the host keeps it pending and signals it again after
 *                      VMXOFF, or at the next VM entry to L2, where it exits
 *                      (VCPU_INIT_BLOCKED_ROOT)
 *   RUN_L2 / NONE      L2 is in the wait-for-SIPI state, which blocks INIT:
 *                      L2 goes on waiting (VCPU_INIT_BLOCKED_WAIT_SIPI)
 *   RESUME_L1 / EXIT_TO_L1  L2 runs: the INIT is a VM exit to L1, reason 3,
 *                      as nvmx_vcpu_inject_exit(NVMX_SYNTH_INIT) (VCPU_INIT_EXIT)
 *   SHUTDOWN_L1 / VMX_ABORT  that exit's MSR areas failed
 * A SIPI is the host's outside VMX operation, and while L2 waits for one it
 * is nvmx_vcpu_inject_exit(NVMX_SYNTH_SIPI) (exit reason 4).
 */
NVMX_API enum nvmx_status nvmx_vcpu_init_signal(struct nvmx_vcpu *vcpu, struct nvmx_result *res);
/*
 * RESET (power-up or a reset of the vCPU): the vCPU leaves VMX operation,
 * root or non-root, and has no current VMCS. Cached VMCS12 data is dropped,
 * not written back: the SDM gives software no guarantee that cached VMCS
 * data reaches memory without VMCLEAR, and memory that L1's firmware reuses
 * after the reset must not be overwritten by stale VMCS12 contents.
 * The host also resets VMCS02 (the next entry rewrites every field).
 */
NVMX_API void nvmx_vcpu_reset(struct nvmx_vcpu *vcpu);

/* VMX operation state, for hosts and tests. */
NVMX_API bool nvmx_vcpu_in_vmx_operation(const struct nvmx_vcpu *vcpu);
NVMX_API bool nvmx_vcpu_in_l2(const struct nvmx_vcpu *vcpu);
/* The current-VMCS pointer, all ones when there is none (SDM 25.1). */
NVMX_API uint64_t nvmx_vcpu_current_vmptr(const struct nvmx_vcpu *vcpu);
/*
 * Inspect the current VMCS12 without an exit, for tools, debuggers and
 * tracing: the value of a VM-execution/exit/entry control field or a
 * host-state field (encoding bits 11:10 = 0 or 3) as L1 last wrote it or
 * the last VM exit stored it (what L1's VMREAD returns in root operation;
 * while L2 runs, an exit may still change it, e.g. the valid bit of the
 * VM-entry interruption information); the high access type (bit 0) of a 64-bit field gives its upper
 * 32 bits. Changes nothing. WRONG_STATE: no current VMCS. INVALID_ARGUMENT:
 * an encoding that is no field for L1, a guest-state field or an exit
 * information field (while L2 runs their current values are in VMCS02, and
 * only an exit brings them into VMCS12).
 */
NVMX_API enum nvmx_status nvmx_vcpu_vmcs12_peek(const struct nvmx_vcpu *vcpu, uint64_t encoding,
                                                uint64_t *value);

#ifdef __cplusplus
}
#endif
#endif
