/* SPDX-License-Identifier: MIT */
/*
 * Shadow EPT and VPIDs (issue "Shadow EPT"): EPT12 walks, EPT02 construction,
 * invalidation, and the VPID12 -> VPID02 map. docs/shadow-ept.md has the
 * design; the SDM sections are cited where the rules are applied.
 */
#ifndef NVMX_EPT_H
#define NVMX_EPT_H

#include "../core.h"

/* Set-up and tear-down, called from nvmx_vm_create/destroy and
 * nvmx_vcpu_create/destroy. nvmx_ept_vm_init refuses (BAD_OPS) the
 * write-protect mode without ops.l0_write_protect, and (INVALID_ARGUMENT) a
 * shadow budget under 8 pages or a VPID02 pool under 2 values. */
enum nvmx_status nvmx_ept_vm_init(struct nvmx_vm *vm);
void nvmx_ept_vm_fini(struct nvmx_vm *vm);
enum nvmx_status nvmx_ept_vcpu_init(struct nvmx_vcpu *v);
void nvmx_ept_vcpu_fini(struct nvmx_vcpu *v);

/* INVEPT after the instruction module checked its operands (type offered,
 * descriptor read): drop the shadow entries the SDM says are invalidated and
 * issue the hardware INVEPT through the host. Type 1 (single-context): every
 * shadow built for an EPTP12 with the same EPTRTA (bits 51:12), then a
 * hardware single-context INVEPT of each such live EPTP02; type 2: all
 * shadows, then a hardware all-context INVEPT. */
enum nvmx_status nvmx_ept_invept(struct nvmx_vcpu *v, uint64_t type, uint64_t eptp12);
/* Drop every EPT02 leaf built from the 4-KiB L1 page at `gpa` (any size
 * of leaf covering it), as nvmx_vm_notify_l1_mem_changed does for L0's
 * changes (NVMX_L0_EMULATE_APIC_VIRT: L1's APIC-access page). */
void nvmx_ept_zap_l1_page(struct nvmx_vm *vm, uint64_t gpa);
/* INVVPID after operand checks: flush what VPID12 maps to. Type 0
 * (individual address) and 1/3 (single context) issue the same type on the
 * VPID02 of vpid12 (nothing when vpid12 has none: nothing is cached); type 2
 * (all contexts) a single-context INVVPID of every mapped VPID02. When the
 * hardware lacks a type, the next wider one it offers is used. */
enum nvmx_status nvmx_vpid_invvpid(struct nvmx_vcpu *v, uint64_t type, uint16_t vpid12,
                                   uint64_t la);

/* For the VMCS02 merge: the EPTP02 to run L2 with when VMCS12 enables EPT
 * (the shadow root for eptp12), and VPID02 for VPID12 (0 if L1 uses none);
 * *flush tells whether the entry must flush VPID02 first. nvmx_ept_root
 * reads VMCS12's mode-based-execute control from v->cur, so call it after
 * VMCS12 is current; the root stays pinned (never evicted) until the next
 * call or nvmx_ept_vcpu_fini. NVMX_STATUS_INVALID_ARGUMENT for an EPTP12
 * that fails the EPTP checks (SDM 26.2.1.1), BUDGET_EXCEEDED when the budget
 * is full of pinned roots. */
enum nvmx_status nvmx_ept_root(struct nvmx_vcpu *v, uint64_t eptp12, uint64_t *eptp02);
/* For EPTP switching (VM function 0): a host page holding, for each valid
 * entry of L1's EPTP list at list12_gpa, the shadow root of that EPTP12
 * (invalid entries stay 0, so that VMFUNC with them exits as on hardware).
 * The roots named stay pinned until the next call. NOT_MAPPED when L0 does
 * not back the list page. */
enum nvmx_status nvmx_ept_eptp_list(struct nvmx_vcpu *v, uint64_t list12_gpa,
                                    uint64_t *list02_hpa);
/* VPID02 for an entry to L2. L1 without VPID (l1_vpid_enabled false): the
 * VM's no-VPID VPID02, with *flush always true (SDM 29.4.3.3: entries and
 * exits then invalidate VPID 0's mappings, which L2 shares with L1 in L1's
 * view; the exit side is nvmx_exit_load_l1_host_state's flush of L1's
 * VPID01). With VPID: the VPID02 mapped to vpid12, *flush false; a newly
 * assigned or recycled (least recently used) VPID02 gives *flush true. The
 * VMCS02 merge performs the flush (nvmx_vpid_flush) before the entry. */
uint16_t nvmx_vpid_for_entry(struct nvmx_vcpu *v, bool l1_vpid_enabled, uint16_t vpid12,
                             bool *flush);
/* Single-context INVVPID of `vpid` through hw_invvpid (all-context when
 * the hardware lacks single-context); nothing for VPID 0. */
void nvmx_vpid_flush(struct nvmx_vcpu *v, uint16_t vpid);
/* For the exit module: whether an L2 -> L1 exit must flush L1's own linear
 * mappings (VPID01) and L2's VPID02: true exactly when L1 enables no VPID. */
bool nvmx_vpid_exit_flush(const struct nvmx_vcpu *v, bool l1_vpid_enabled);
/* The VPID02 currently mapped to vpid12, 0 when none (tests, traces). */
uint16_t nvmx_vpid_lookup(const struct nvmx_vm *vm, uint16_t vpid12);

/* ---- EPT violations while L2 runs ---- */

enum nvmx_ept_kind {
	NVMX_EPT_MAPPED = 0,            /* EPT02 entry installed: resume L2 (it retries) */
	NVMX_EPT_REFLECT_VIOLATION = 1, /* reflect exit 48 with qualification and l2_gpa */
	NVMX_EPT_REFLECT_MISCONFIG = 2, /* reflect exit 49 (qualification 0) with l2_gpa */
	NVMX_EPT_L0 = 3,                /* L0's own: EPT01 does not map (or allow) l1_gpa */
	NVMX_EPT_RETRY = 4,             /* nothing done (EPT12 changing under us): resume L2 */
};

/*
 * What an EPT violation of L2 (on EPT02) turns into.
 * - MAPPED: hpa/page_size/rights/memtype describe the EPT02 leaf installed.
 * - REFLECT_VIOLATION: exit_reason 48; qualification as L1's hardware would
 *   report it (SDM 28.2.1, Table 28-7): bits 2:0 the access from the hardware
 *   exit, bits 5:3 the rights EPT12 grants (AND over the walk), bit 6 user
 *   execute with mode-based execute control, bits 7/8 (and 9..11 when L1 was
 *   offered advanced exit information) and bit 12 (NMI unblocking) carried
 *   from the hardware exit; guest_linear carried; l2_gpa is the
 *   guest-physical address L1 sees.
 * - REFLECT_MISCONFIG: exit_reason 49, l2_gpa.
 * - L0: l1_gpa is the L1 physical address L0 must back (the data page, or an
 *   EPT12 table page that lies in unbacked memory); reason says which.
 */
struct nvmx_ept_outcome {
	enum nvmx_ept_kind kind;
	enum nvmx_reason reason;
	uint32_t exit_reason;
	uint32_t reserved0;
	uint64_t qualification;
	uint64_t l2_gpa;
	uint64_t guest_linear;
	uint64_t l1_gpa;
	uint64_t hpa;                   /* MAPPED: host-physical address of l2_gpa */
	uint64_t page_size;             /* MAPPED: size of the EPT02 leaf */
	uint8_t rights;                 /* MAPPED: NVMX_ACCESS_* of the EPT02 leaf */
	uint8_t memtype;                /* MAPPED: EPT02 leaf memory type */
	uint8_t reserved[6];
};

/*
 * Handle an EPT violation (exit 48) the hardware reported while L2 ran with
 * the shadow root of nvmx_ept_root: exit_qual and guest_linear are the
 * hardware's (VMCS02) exit qualification and guest-linear address. Returns
 * OK with *out filled, WRONG_STATE when no shadow root is current,
 * HOST_FAILURE/NO_MEMORY/BUDGET_EXCEEDED when the host failed.
 */
enum nvmx_status nvmx_ept_fault(struct nvmx_vcpu *v, uint64_t l2_gpa, uint64_t exit_qual,
                                uint64_t guest_linear, struct nvmx_ept_outcome *out);

/* ---- the EPT12 walker (SDM 29.3.2, 29.3.3, 29.3.5, 29.3.7) ---- */

#define NVMX_EPT_WALK_MBEC (1u << 0)    /* VMCS12 mode-based execute control is 1 */
#define NVMX_EPT_WALK_USER (1u << 1)    /* a fetch from a user-mode linear address */
/* The access is the processor's access to a guest paging-structure entry:
 * with EPT A/D enabled it counts as a write (SDM 29.3.3.2, 29.3.5). */
#define NVMX_EPT_WALK_GPAGING (1u << 2)
#define NVMX_EPT_WALK_PEEK (1u << 3)    /* do not set A/D flags */

/* Rights bits in struct nvmx_ept_walk.rights (EPT entry bits 2:0, and bit 10
 * as bit 3). */
#define NVMX_EPT_R 1u
#define NVMX_EPT_W 2u
#define NVMX_EPT_X 4u
#define NVMX_EPT_UX 8u

enum nvmx_ept_walk_result {
	NVMX_EPT_WALK_OK = 0,
	NVMX_EPT_WALK_VIOLATION = 1,
	NVMX_EPT_WALK_MISCONFIG = 2,
	NVMX_EPT_WALK_UNBACKED = 3,     /* a table page is not L1 RAM (table_gpa) */
	NVMX_EPT_WALK_RACE = 4,         /* A/D update lost too many races */
};

struct nvmx_ept_walk {
	enum nvmx_ept_walk_result result;
	enum nvmx_reason reason;
	uint8_t levels;                 /* 4 or 5 */
	uint8_t level;                  /* leaf level (1 4K, 2 2M, 3 1G) or where it stopped */
	uint8_t rights;                 /* NVMX_EPT_*: AND over the entries walked */
	uint8_t memtype;                /* leaf memory type (bits 5:3) */
	bool ipat;                      /* leaf ignore-PAT (bit 6) */
	uint64_t l1_gpa;                /* the translation of the address walked */
	uint64_t page_size;
	uint64_t table_gpa[5];          /* [l-1]: L1 GPA of the table read at level l */
	uint64_t entry[5];              /* [l-1]: the entry used at level l (after A/D) */
};

/* Walk EPT12 (eptp12) for l2_gpa and an access (NVMX_ACCESS_* bits), setting
 * A/D flags when EPTP12[6] enables them and the access is allowed. Uses the
 * vCPU's host pointer. Returns OK with *w filled, or HOST_FAILURE. */
enum nvmx_status nvmx_ept12_walk(struct nvmx_vcpu *v, uint64_t eptp12, uint64_t l2_gpa,
                                 unsigned access, unsigned flags, struct nvmx_ept_walk *w);

/* The EPTP checks of SDM 26.2.1.1 (also VMFUNC's, SDM 26.5.6.3) against
 * what L1 is offered. */
bool nvmx_ept_eptp_valid(const struct nvmx_vm *vm, uint64_t eptp);

/* The memory type of an EPT02 leaf from EPT12's leaf type and L0's: UC if
 * either is UC; L1's type where L0 maps WB; L0's where L1 says WB; otherwise
 * the stricter of the two in the order UC > WC > WT > WP > WB. */
uint8_t nvmx_ept_memtype_combine(uint8_t mt12, uint8_t mt01);

#endif
