/* SPDX-License-Identifier: MIT */
/*
 * The reference host: a software model of VMX hardware and of an L0 built on
 * libnvmx. Flat L1 memory, hardware VMCSs as field arrays, an EPT01 map, a
 * page allocator for shadow structures, and counters. Tests, fuzzers,
 * benchmarks, the scenario runner and the demo all use it; a hypervisor
 * author reads it to see how to wire the library in.
 */
#ifndef NVMX_REFHOST_H
#define NVMX_REFHOST_H

#include <nvmx/nvmx.h>

#define REFHOST_DEFAULT_MEM (256ull << 20)
#define REFHOST_HPA_BASE 0x1000000000ull     /* L1 GPA g is backed at this + g */
#define REFHOST_PAGE_HPA_BASE 0x7f00000000ull /* shadow pages the host hands out */
#define REFHOST_VMCS_SLOTS 0x4000u            /* indexed by encoding bits 14:1 */
#define REFHOST_MAX_RANGES 256
#define REFHOST_MAX_WRITES 4096
#define REFHOST_MAX_MSRS 96

/* One MSR of the vCPU's MSR file and its value. */
struct refhost_msr {
	uint32_t index;
	uint64_t value;
};

/* EPT01 overrides on top of the default identity-plus-offset backing. */
enum refhost_range_kind {
	REFHOST_RANGE_MAP = 1,    /* backed at hpa (with rights) */
	REFHOST_RANGE_UNMAP = 2,  /* not backed: ballooned, hot-removed */
	REFHOST_RANGE_MMIO = 3,   /* L0 emulates it */
};

struct refhost_range {
	uint64_t gpa, len, hpa;
	uint8_t kind, rights;
};

/* A write the library made to L1 memory (for the fuzzers' invariants). */
struct refhost_write {
	uint64_t gpa, len;
};

struct refhost_page {
	void *va;
	uint64_t hpa;
};

struct refhost_mt;
/* Failing-host mode: which callback the injected failure hit. */
enum refhost_fail_op {
	REFHOST_FAIL_NONE = 0,
	REFHOST_FAIL_GPA_READ, REFHOST_FAIL_GPA_WRITE, REFHOST_FAIL_CMPXCHG,
	REFHOST_FAIL_LIN_READ, REFHOST_FAIL_LIN_WRITE, REFHOST_FAIL_L1_MSR,
	REFHOST_FAIL_MSR_LOAD, REFHOST_FAIL_MSR_STORE, REFHOST_FAIL_GPA_TO_HPA,
	REFHOST_FAIL_PAGE_ALLOC, REFHOST_FAIL_ALLOC, REFHOST_FAIL_WRITE_PROTECT,
};

enum refhost_fail_mode {
	/* The failure a healthy host reports: NOT_MAPPED for L1 memory and
	 * EPT01, a #PF for linear accesses, NOT_SUPPORTED for MSRs, NO_MEMORY
	 * or NULL for allocations, a lost race for cmpxchg. */
	REFHOST_FAIL_SOFT = 0,
	/* HOST_FAILURE wherever the op can return a status. */
	REFHOST_FAIL_HARD = 1,
};

struct refhost {
	/* The host of the VM (this one, or for an extra vCPU made with
	 * refhost_vcpu_init, the one it shares L1 memory, EPT01, the page
	 * allocator and the counters below with); locks when several threads
	 * run it (refhost_init_mt), else NULL. */
	struct refhost *vmh;
	struct refhost_mt *mt;
	uint8_t *mem;
	uint64_t mem_size;
	struct refhost_range ranges[REFHOST_MAX_RANGES];
	unsigned nranges;

	uint64_t *vmcs02;             /* hardware VMCS02 fields */
	uint64_t *l1;                 /* VMCS01 guest-state fields: L1's state */
	uint64_t gpr[16];             /* RSP (4) is GUEST_RSP of `l1`, not gpr[4] */
	uint64_t gpr_rsp_calls;       /* l1_gpr_read/write(4): the library never makes them */
	uint64_t feature_control;     /* L1's IA32_FEATURE_CONTROL */
	/* The vCPU's MSR file (refhost_wrmsr): the MSRs the VMCS does not
	 * switch are one processor's, shared by L1 and L2, as on hardware.
	 * Holds the values written since reset. */
	struct refhost_msr msrs[REFHOST_MAX_MSRS];
	unsigned nmsrs;
	uint64_t msr_loads, msr_stores;  /* msr_load / msr_store callbacks */
	/* Act as a hardware L0 does for an L2 MSR-load entry of an MSR that a
	 * VMCS guest-state field loads (EFER, PAT, DEBUGCTL, SYSENTER_*,
	 * PERF_GLOBAL_CTRL): write the value into that VMCS02 field, where the
	 * processor's VM entry would load it from, instead of the MSR file. */
	bool msr_load_to_vmcs02;
	uint64_t dr7;                 /* the processor's DR7 while L2 runs */
	uint64_t vmcs_reads, vmcs_writes;
	/* L1 state (VMCS01 guest fields in a real host) through l1_read/l1_write. */
	uint64_t l1_reads, l1_writes;
	/* NVMX_L1_VERIFY_SKIPS: entries l1_write_n got flagged
	 * NVMX_FV_REDUNDANT (not written, not counted in l1_writes), those
	 * whose value VMCS01 did not hold (a skip that was wrong), and the
	 * last such field. */
	uint64_t l1_skips_checked, l1_skips_wrong;
	uint32_t l1_skip_wrong_field;
	uint64_t invept_calls, invvpid_calls;
	uint64_t last_invept_type, last_invept_eptp;

	struct refhost_write writes[REFHOST_MAX_WRITES];
	unsigned nwrites;
	bool log_writes;

	struct refhost_page *pages;
	unsigned npages, pages_cap;
	uint64_t next_page_hpa;
	unsigned page_limit;          /* 0: unlimited */

	struct nvmx_vm *vm;
	struct nvmx_vcpu *vcpu;
	struct nvmx_host_ops ops;
	void (*trace_hook)(void *ctx, const struct nvmx_trace *ev);
	void *trace_ctx;

	/* Shadow EPT support (hw_ept.h): library pages by hpa, and the L1 pages
	 * the library write-protected in EPT01 (NVMX_VM_WRITE_PROTECT_EPT12). */
	void **page_index;            /* [(hpa - REFHOST_PAGE_HPA_BASE) / 4096] */
	uint32_t *page_pos;           /* same index: position in pages[] */
	uint64_t page_index_cap;
	uint8_t *wp_bits;             /* one bit per L1 page */
	uint64_t wp_calls, wp_count;
	uint64_t last_invvpid_type, last_invvpid_la;
	uint16_t last_invvpid_vpid;

	/* Failing-host mode (refhost_fail_at) and the library's bookkeeping
	 * memory outstanding (alloc minus free, bytes). */
	uint64_t fail_at, fail_calls;
	uint8_t fail_mode;
	enum refhost_fail_op failed_op;
	int64_t alloc_bytes;
};

/*
 * Set up a host with `mem_size` bytes of L1 memory, create the VM (with cfg,
 * or defaults when NULL) and one vCPU, and put L1 in 64-bit mode at CPL 0
 * with CR4.VMXE set and IA32_FEATURE_CONTROL locked with VMX enabled.
 * Returns NVMX_STATUS_OK or the failure.
 */
enum nvmx_status refhost_init(struct refhost *h, uint64_t mem_size,
                              const struct nvmx_vm_config *cfg);
void refhost_fini(struct refhost *h);

/*
 * The same host for a VM whose vCPUs run on several threads: it gives the
 * library the VM lock ops (a mutex), serializes its own allocator,
 * counters and write-protect bits, accesses 8-byte L1 words atomically,
 * and makes hw_invept wait for every L2 access the hardware model is
 * walking (as an INVEPT's IPIs wait on real hardware). refhost_vcpu_init
 * adds a vCPU on another refhost that shares this one's VM and L1 memory
 * (its own VMCS02, L1 registers and counters); one thread per such
 * refhost. Destroy the extra vCPUs (refhost_fini) before this host.
 */
enum nvmx_status refhost_init_mt(struct refhost *h, uint64_t mem_size,
                                 const struct nvmx_vm_config *cfg);
enum nvmx_status refhost_vcpu_init(struct refhost *vc, struct refhost *vm_host);
/* Around one hardware-model walk of EPT02 (hw_ept.c). */
void refhost_walk_enter(struct refhost *h);
void refhost_walk_leave(struct refhost *h);

/*
 * Failing-host mode: count every call of a callback that may fail (L1
 * memory, cmpxchg, linear accesses, MSRs, EPT01 lookups, page and
 * bookkeeping allocations, write protection) from now on, and make call
 * number n (1-based) fail as `mode` says; n = 0 turns it off. fail_calls
 * then tells how many such calls were made, failed_op which one failed.
 */
void refhost_fail_at(struct refhost *h, uint64_t n, enum refhost_fail_mode mode);

/* L1 state shortcuts. */
void refhost_l1_long_mode(struct refhost *h);
uint64_t refhost_l1_get(const struct refhost *h, uint32_t field);
void refhost_l1_set(struct refhost *h, uint32_t field, uint64_t value);
uint64_t refhost_vmcs02_get(const struct refhost *h, uint32_t field);
void refhost_vmcs02_set(struct refhost *h, uint32_t field, uint64_t value);

/* L1 memory helpers (little-endian); false when out of range. */
bool refhost_mem_write(struct refhost *h, uint64_t gpa, const void *buf, size_t len);
bool refhost_mem_read(const struct refhost *h, uint64_t gpa, void *buf, size_t len);
void refhost_mem_w32(struct refhost *h, uint64_t gpa, uint32_t v);
void refhost_mem_w64(struct refhost *h, uint64_t gpa, uint64_t v);
uint32_t refhost_mem_r32(const struct refhost *h, uint64_t gpa);
uint64_t refhost_mem_r64(const struct refhost *h, uint64_t gpa);

/*
 * The MSR file. WRMSR at CPL 0 of `value` (for L1, for L2, or from an
 * MSR-load area): MSR_WRITE_OK and the value stored, or the named #GP
 * reason and nothing changed. The model has the MSRs the library has
 * architectural rules for (nvmx_vm_msr_write_check, L1's physical-address
 * width), IA32_P5_MC_ADDR/TYPE (0, 1, any value), IA32_FEATURE_CONTROL
 * (locked: writes #GP) and the VMX capability MSRs (read-only); any other
 * index is MSR_UNKNOWN. RDMSR gives the value written or the reset value
 * (IA32_PAT 0007040600070406H, IA32_APIC_BASE FEE00900H, others 0).
 */
enum nvmx_reason refhost_wrmsr(struct refhost *h, uint32_t msr, uint64_t value);
enum nvmx_reason refhost_rdmsr(const struct refhost *h, uint32_t msr, uint64_t *value);

/*
 * The processor's side of running L2 on VMCS02: a VM entry loads guest
 * registers from VMCS02, a VM exit saves them into it. The model keeps
 * DR7: with "load debug controls" the entry loads DR7 from GUEST_DR7 with
 * bits 12 and 15:14 cleared and bit 10 set (SDM 27.3.2.1); with "save debug
 * controls" the exit writes it back to GUEST_DR7 (SDM 28.3.1).
 * refhost_exec calls refhost_hw_enter when the library says RUN_L2, and
 * the L2 model calls refhost_hw_exit for every exit and refhost_hw_enter
 * when L0 resumes L2.
 */
void refhost_hw_enter(struct refhost *h);
void refhost_hw_exit(struct refhost *h);

/* EPT01 changes (the host must also tell the library; see nvmx/ept.h). */
bool refhost_range_add(struct refhost *h, enum refhost_range_kind kind, uint64_t gpa,
                       uint64_t len, uint64_t hpa, uint8_t rights);

/*
 * Present a VMX instruction of L1 with a memory operand at linear address
 * `la` (encoded with base register RBX... see refhost.c) or a register
 * operand, as the hardware would report it, and let the library emulate it.
 */
struct refhost_insn {
	uint32_t exit_reason;     /* NVMX_EXIT_REASON_VMXON ... */
	bool mem;                 /* memory operand */
	uint64_t la;              /* its linear address */
	unsigned reg1, reg2;      /* register operands (VMREAD/VMWRITE/INVEPT/INVVPID) */
	unsigned addr_size;       /* 2, 4 or 8 bytes (default 8) */
	unsigned op_size_32;      /* 1: 32-bit operand size outside 64-bit mode */
};
enum nvmx_status refhost_exec(struct refhost *h, const struct refhost_insn *in,
                              struct nvmx_result *res);

/* The VM-exit instruction-information value for `in` (SDM 28.2.5, Table 28-13). */
uint32_t refhost_insn_info(const struct refhost_insn *in);
/* The VM-exit instruction length the model reports for a VMX instruction. */
unsigned refhost_insn_len(uint32_t exit_reason);

#endif
