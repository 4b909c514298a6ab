/* SPDX-License-Identifier: MIT */
/*
 * The host callback ABI. The library never executes a VMX instruction and
 * never touches memory except through these callbacks.
 *
 * Context: every callback except vm_lock/vm_unlock receives as `host` the
 * opaque pointer of the object the library was called through: the vCPU's pointer (nvmx_vcpu_create) for a
 * call on a vCPU, the VM's pointer (nvmx_vm_create) for a call on a VM. Calls
 * on a VM only use the callbacks marked [vm]. The library never passes its own
 * handles to a callback and never expects to be re-entered from one.
 *
 * Versioning: `size` is sizeof(struct nvmx_host_ops) as the host was built;
 * members are only ever appended, and a member beyond `size` counts as NULL.
 *
 * What may run in parallel (DESIGN invariant 7; docs/concurrency.md has the
 * same list with the reasons). With vm_lock/vm_unlock given:
 *  1. Calls on different vCPUs of one VM, from different threads, at the
 *     same time: every nvmx_vcpu_* entry point (VMX instructions, VM exits,
 *     EPT violations, INVEPT, INVVPID, VM entries).
 *  2. Those together with these VM calls: nvmx_vm_notify_l1_mem_changed,
 *     nvmx_vm_notify_l1_write, nvmx_vm_get_ept_stats, nvmx_vm_get_cap,
 *     nvmx_vm_maxphyaddr, nvmx_vm_field_exists, nvmx_vcpu_create and
 *     nvmx_vcpu_destroy of another vCPU.
 *  3. Calls on different VMs: always (a VM shares nothing with another).
 * Never in parallel (the host serializes them):
 *  4. Two calls on the same vCPU (a vCPU is one thread's at a time).
 *  5. nvmx_vm_set_cap, nvmx_vm_set_maxphyaddr and nvmx_vm_destroy with any
 *     other call on that VM or its vCPUs (the host pauses them first: what
 *     L1 is offered is read without a lock on every path).
 * Without the lock ops (both NULL) the host promises that no two calls on
 * one VM or its vCPUs overlap at all.
 * The library serializes the VM's shared state (shadow EPT, its budget,
 * reverse map and retired trees, the VPID map, the shadow-EPT counters)
 * with the VM lock, held only inside the library and never across a return
 * to the host; L1 memory, VMCS02 and L1's registers are reached through
 * the callbacks, which the host makes safe (item 1 of the callbacks below).
 * Callbacks the library calls with the VM lock held: gpa_read, gpa_to_hpa,
 * vmcs_read, vmcs_write, page_alloc, page_free, alloc, free, hw_invept,
 * hw_invvpid, l0_write_protect, trace. They must not call into the library
 * (no re-entry, as always) and, when the lock is a spinlock, not sleep.
 *
 * Freestanding note: compilers may emit calls to memcpy, memset, memmove and
 * memcmp even in freestanding builds; a kernel embedding must provide them.
 */
#ifndef NVMX_HOST_H
#define NVMX_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "status.h"

#include "api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A fault L1 (or L2) takes on a memory access. */
struct nvmx_fault {
	uint8_t vector;         /* 13 #GP, 12 #SS, 14 #PF, 6 #UD ... */
	bool has_error_code;
	uint8_t reserved[2];
	uint32_t error_code;
	uint64_t cr2;           /* for #PF: the faulting linear address */
};

/* One field of L1's state and its new value (l1_write_n). */
struct nvmx_field_value {
	uint32_t field;         /* SDM encoding of a VMCS01 guest-state field */
	uint32_t flags;         /* NVMX_FV_*: 0 but under NVMX_L1_VERIFY_SKIPS */
	uint64_t value;
};

/* The library knows VMCS01 holds this value already and would have skipped
 * the write (only with NVMX_L1_VERIFY_SKIPS, entry.h): the host checks it
 * and need not write it. */
#define NVMX_FV_REDUNDANT 1u

/* EPT01 mapping of one L1 physical address, as L0 backs it. */
struct nvmx_l0_map {
	uint64_t hpa;           /* host-physical address backing the L1 GPA asked for */
	uint64_t page_size;     /* 4096, 2 MiB or 1 GiB: size of the naturally aligned
	                           L0 mapping that contains the GPA, same hpa offset */
	uint8_t rights;         /* NVMX_ACCESS_* bits L0 grants */
	uint8_t memtype;        /* EPT memory type of L0's mapping (0 UC, 6 WB, ...) */
	uint8_t reserved[6];
};

#define NVMX_ACCESS_READ 1u
#define NVMX_ACCESS_WRITE 2u
#define NVMX_ACCESS_EXEC 4u

/* A trace event: a decision the library made, with its named reason. */
struct nvmx_trace {
	uint32_t kind;          /* enum nvmx_trace_kind */
	uint32_t reason;        /* enum nvmx_reason */
	uint64_t a, b;          /* kind-specific: field, value, address... */
};

enum nvmx_trace_kind {
	NVMX_TRACE_INSN = 1,    /* a = basic exit reason of the VMX instruction, b = outcome */
	NVMX_TRACE_ENTRY = 2,   /* a = entry check diagnostic, b = field or value */
	NVMX_TRACE_EXIT = 3,    /* a = basic exit reason, b = 1 if reflected to L1 */
	NVMX_TRACE_EPT = 4,     /* a = L2 GPA, b = outcome */
	NVMX_TRACE_VMCS12 = 5,  /* a = VMCS12 GPA, b = 0 load, 1 write-back, 2 evict */
	NVMX_TRACE_VCPU = 6,    /* a = 0 RESET, 1 INIT; b = action */
};

struct nvmx_host_ops {
	uint32_t size;
	uint32_t reserved0;

	/* Thread safety: [vm] callbacks may be called for different vCPUs of a
	 * VM at the same time (see the list above); each must be safe for that
	 * (L1 memory is shared by L1's processors anyway). The others are
	 * called for one vCPU at a time.
	 *
	 * [vm] Read/write L1 physical memory. Required. Fails with NOT_MAPPED
	 * where L0 backs nothing (the library then acts as hardware does for an
	 * access to nonexistent memory of that kind: usually a VMfail or a
	 * VM-entry failure, never a crash), any other non-OK is a HOST_FAILURE the
	 * library passes up. `buf` is the library's, valid for the call only. */
	enum nvmx_status (*gpa_read)(void *host, uint64_t gpa, void *buf, size_t len);
	enum nvmx_status (*gpa_write)(void *host, uint64_t gpa, const void *buf, size_t len);
	/* [vm] Atomic 8-byte compare-exchange in L1 memory (EPT12 A/D bits).
	 * *swapped tells whether the store happened. May be NULL: the library then
	 * uses gpa_read + gpa_write, which is correct only if no other vCPU edits
	 * the same EPT12 entry concurrently. */
	enum nvmx_status (*gpa_cmpxchg64)(void *host, uint64_t gpa, uint64_t expected,
	                                  uint64_t desired, bool *swapped);

	/* Read/write L1 linear memory for a memory operand, after the library did
	 * the segmentation checks: the host walks L1's paging structures.
	 * Returns OK, GUEST_FAULT with *fault filled (the library makes L1 take
	 * it), or another status (a host failure). Required. */
	enum nvmx_status (*lin_read)(void *host, uint64_t la, void *buf, size_t len,
	                             struct nvmx_fault *fault);
	enum nvmx_status (*lin_write)(void *host, uint64_t la, const void *buf, size_t len,
	                              struct nvmx_fault *fault);

	/* The hardware VMCS02 of this vCPU: VMREAD/VMWRITE of a field the
	 * library names by its SDM encoding (always a field the hardware
	 * supports). The host keeps VMCS02 loaded or loads it as needed. The
	 * library counts these calls (nvmx_vcpu_stats). Required. */
	uint64_t (*vmcs_read)(void *host, uint32_t field);
	void (*vmcs_write)(void *host, uint32_t field, uint64_t value);

	/* L1's own state: the VMCS01 guest-state fields named by their SDM
	 * encodings (GUEST_RIP, GUEST_RSP, GUEST_RFLAGS, GUEST_CR0,
	 * GUEST_CS_AR_BYTES...), and its general-purpose registers in x86
	 * encoding order (RAX, RCX, RDX, RBX, -, RBP, RSI, RDI, R8..R15). RSP
	 * has one authority, GUEST_RSP through l1_read/l1_write: the library
	 * never calls l1_gpr_read/l1_gpr_write with register 4. These always
	 * mean L1's state, whichever VMCS the hardware has current
	 * (docs/host-callbacks.md, "Which VMCS each callback means"). Required. */
	uint64_t (*l1_read)(void *host, uint32_t field);
	void (*l1_write)(void *host, uint32_t field, uint64_t value);
	uint64_t (*l1_gpr_read)(void *host, unsigned reg);
	void (*l1_gpr_write)(void *host, unsigned reg, uint64_t value);
	/* L1's view of an MSR that is not in the VMCS (IA32_FEATURE_CONTROL,
	 * IA32_SMBASE...). Returns OK, or NOT_SUPPORTED if L1 has no such MSR.
	 * Required. */
	enum nvmx_status (*l1_msr_read)(void *host, uint32_t msr, uint64_t *value);
	/* Set an MSR of L1 or of L2 (VM-entry/exit MSR-load areas). Returns OK,
	 * or NOT_SUPPORTED when the value or MSR would make WRMSR fault: the
	 * library then fails the load as the SDM says; any other status is a
	 * host failure the library passes up as HOST_FAILURE. May be NULL:
	 * every MSR-load entry then fails. */
	enum nvmx_status (*msr_load)(void *host, bool l2, uint32_t msr, uint64_t value);
	/* Read an MSR of L2 for the VM-exit MSR-store area: OK, or
	 * NOT_SUPPORTED when RDMSR would fault (a VMX abort, SDM 28.7); any
	 * other status is passed up as HOST_FAILURE. May be NULL: every
	 * MSR-store entry then fails (a VMX abort). */
	enum nvmx_status (*msr_store)(void *host, uint32_t msr, uint64_t *value);

	/* [vm] EPT01: how L0 backs an L1 physical address. OK with *map filled,
	 * NOT_MAPPED when L0 does not back it as RAM (MMIO, ballooned, not yet
	 * faulted in). Required. */
	enum nvmx_status (*gpa_to_hpa)(void *host, uint64_t gpa, struct nvmx_l0_map *map);

	/* [vm] A zeroed 4 KiB page for shadow structures (EPT02 tables, merged
	 * bitmaps): its address in the library's address space and its
	 * host-physical address. NO_MEMORY on failure: the library then evicts
	 * or fails the operation cleanly. Required. */
	enum nvmx_status (*page_alloc)(void *host, void **va, uint64_t *hpa);
	void (*page_free)(void *host, void *va, uint64_t hpa);

	/* [vm] Bookkeeping memory (16-byte aligned, not necessarily zeroed).
	 * NULL on failure. Required. */
	void *(*alloc)(void *host, size_t size);
	void (*free)(void *host, void *ptr, size_t size);

	/* [vm] Hardware invalidations: INVEPT (type 1 single-context with eptp,
	 * 2 all-context) and INVVPID (type 0 address, 1 single, 2 all,
	 * 3 single-context non-global). Required. */
	void (*hw_invept)(void *host, uint32_t type, uint64_t eptp);
	void (*hw_invvpid)(void *host, uint32_t type, uint16_t vpid, uint64_t la);

	/* [vm] Trace hook. May be NULL. */
	void (*trace)(void *host, const struct nvmx_trace *ev);

	/* [vm] Write-protect (protect=true) or unprotect one 4 KiB page of L1
	 * memory in EPT01, for NVMX_VM_WRITE_PROTECT_EPT12: the library protects
	 * each L1 page that holds an EPT12 table it shadows; when L1 writes one,
	 * the host's write-fault handler calls nvmx_vm_notify_l1_write. May be NULL: a
	 * VM asking for that mode is then refused at creation (BAD_OPS). A
	 * non-OK return when protecting makes the library shadow the table
	 * anyway and rely on INVEPT, as without the mode. */
	enum nvmx_status (*l0_write_protect)(void *host, uint64_t gpa, bool protect);

	/* Several writes of L1's state at once, applied in order: the same as
	 * calling l1_write for each of the n entries. A VM exit to L1 loads
	 * about 50 fields (SDM 28.5) through it in one call, which a host can
	 * turn into a tight VMWRITE loop or skip values its VMCS01 holds
	 * already. May be NULL: the library then calls l1_write n times. */
	void (*l1_write_n)(void *host, const struct nvmx_field_value *fv, unsigned n);

	/* Several reads at once: values[i] = vmcs_read(host, fields[i]) for
	 * each i < n (vmcs_read_n, VMCS02) or l1_read(host, fields[i])
	 * (l1_read_n, L1's state), in order. A reflected VM exit reads its
	 * ~10 VMCS02 guest fields (SDM 28.3) through one vmcs_read_n call, and
	 * VMLAUNCH/VMRESUME read L1's mode registers through one l1_read_n
	 * call, which saves one indirect call per field; a host that keeps L1's
	 * registers cached can answer from its cache. `fields` and `values`
	 * are the library's, valid for the call only; n is at most 32. Each
	 * may be NULL: the library then calls vmcs_read or l1_read per field.
	 * The library counts every field of vmcs_read_n as one VMCS read
	 * (nvmx_vcpu_stats). */
	void (*vmcs_read_n)(void *host, const uint32_t *fields, uint64_t *values, unsigned n);
	void (*l1_read_n)(void *host, const uint32_t *fields, uint64_t *values, unsigned n);

	/* The VM lock, for hosts that run a VM's vCPUs on several threads
	 * (the list "What may run in parallel" above). Always called with the
	 * VM's host pointer (nvmx_vm_create), whichever object the library was
	 * called through. A non-recursive mutex or spinlock is enough: the
	 * library never takes it twice, never holds it across a return to the
	 * host, and takes no other lock. Both NULL: the host runs the VM on one
	 * thread at a time. Only one NULL: VM creation fails (BAD_OPS).
	 * Hardware invalidations (hw_invept, hw_invvpid) must reach every
	 * logical processor that may run one of the VM's vCPUs. */
	void (*vm_lock)(void *host);
	void (*vm_unlock)(void *host);
};

/*
 * What nvmx_vm_create's BAD_OPS is about: the member name of the first
 * required callback `ops` lacks ("gpa_read", ..., "l0_write_protect" when
 * `vm_flags` (struct nvmx_vm_config.flags) asks for write protection),
 * "size" when ops->size does not reach the first callback, "ops" for NULL;
 * NULL when the table is complete. The string is static.
 */
NVMX_API const char *nvmx_host_ops_missing(const struct nvmx_host_ops *ops, uint32_t vm_flags);

#ifdef __cplusplus
}
#endif
#endif
