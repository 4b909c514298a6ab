/* SPDX-License-Identifier: MIT */
/* Internals shared by the files of the VM-entry module. */
#ifndef NVMX_ENTRY_INT_H
#define NVMX_ENTRY_INT_H

#include "../util/rules.h"
#include "entry.h"

/* What one VM entry works on. The check functions return a host status
 * (non-OK only when a host callback failed) and set `reason` (and `qual`
 * for guest-state and MSR-load failures) when the entry fails
 * architecturally. */
struct nvmx_entry_ctx {
	struct nvmx_vcpu *v;
	struct nvmx_vmcs12 *s;
	const struct nvmx_caps *c;
	bool launch;
	uint64_t l1_efer;       /* L1's IA32_EFER at the VMLAUNCH/VMRESUME */
	uint64_t l1_pat;        /* L1's IA32_PAT, when l1_pat_known */
	bool l1_pat_known;
	uint32_t pin, proc, proc2, exit, entry;
	uint64_t proc3;
	bool ia32e;             /* IA-32e mode guest */
	bool ug;                /* unrestricted guest */
	/* VMRESUME right after a reflected exit that left the lazily synced
	 * guest fields in VMCS02, untouched by L1 (nvmx_sync_lazy_trusted):
	 * their checks are skipped and they are read only when a check on
	 * another field needs one (nvmx_entry_rare). */
	bool rare_trusted;
	unsigned paddr;         /* L1's physical-address width */
	enum nvmx_reason reason;
	uint64_t qual;
	uint64_t field;         /* the offending field's encoding (trace, result) */
	bool has_msr;           /* an MSR-load entry failed: */
	uint32_t msr;           /* its MSR index */
	/* PDPTEs of a PAE guest without EPT12, read from L1 memory (SDM 27.3.1.6);
	 * VMCS02 needs them since it runs with EPT01. */
	bool pdpte_from_mem;
	uint64_t pdpte[4];
	/* VMRESUME fast path (entry.c): the control checks but event injection
	 * and the vTPR check, the translations and the control half of the
	 * merge are those of the last full entry. */
	bool ctl_fast;
	/* Control-page translations and bitmap merges (merge.c, bitmaps.c). */
	struct nvmx_entry_xlate xl;
};

#define NVMX_ENTRY_FAIL(ctx, r, f)                              \
	do {                                                    \
		(ctx)->reason = NVMX_REASON_##r;               \
		(ctx)->field = (f);                             \
		return NVMX_STATUS_OK;                          \
	} while (0)

/* Helpers on addresses and values. */
static inline bool nvmx_addr_ok(uint64_t a, unsigned width, uint64_t align_mask)
{
	return (a & align_mask) == 0 && (width >= 64 || (a >> width) == 0);
}

/* Each byte of a PAT value holds 0, 1, 4, 5, 6 or 7 (SDM 27.2.2). */
static inline bool nvmx_pat_ok(uint64_t pat)
{
	for (unsigned i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (8 * i));
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* Reserved bits of IA32_EFER: anything but SCE, LME, LMA, NXE. */
#define NVMX_EFER_RESERVED (~(NVMX_EFER_SCE | NVMX_EFER_LME | NVMX_EFER_LMA | NVMX_EFER_NXE))
/* IA32_PERF_GLOBAL_CTRL: the library models 8 general-purpose and 4 fixed
 * counters (bits 7:0, 35:32) and the metrics enable (bit 48). */
#define NVMX_PERF_GLOBAL_CTRL_VALID (0xffull | (0xfull << 32) | (1ull << 48))

/* A lazily synced guest field for a check that needs it (one hardware read
 * when it is still pending). */
uint64_t nvmx_entry_rare(struct nvmx_entry_ctx *x, unsigned idx);

enum nvmx_status nvmx_entry_check_controls(struct nvmx_entry_ctx *x);
/* The control checks whose inputs are not only VMCS12's control fields:
 * event injection (which reads guest CR0.PE) and the vTPR check (L1
 * memory). The VMRESUME fast path runs only these. */
enum nvmx_status nvmx_entry_check_controls_volatile(struct nvmx_entry_ctx *x);
enum nvmx_status nvmx_entry_check_host(struct nvmx_entry_ctx *x);
enum nvmx_status nvmx_entry_check_guest(struct nvmx_entry_ctx *x);
enum nvmx_status nvmx_entry_load_msrs(struct nvmx_entry_ctx *x);
/* Translation of control addresses (fails architecturally as a control
 * check, VMfailValid 7 ENTRY_CTL_ADDR_NOT_BACKED, only under
 * NVMX_L0_REFUSE_UNBACKED_CONTROL_PAGES). */
enum nvmx_status nvmx_merge_translate(struct nvmx_entry_ctx *x);
/* The host-physical address VMCS02 gets for control page `gpa` that L0
 * does not back: the vCPU's page of ones (or x->reason under the policy). */
enum nvmx_status nvmx_bitmaps_unbacked(struct nvmx_entry_ctx *x, uint64_t gpa, uint32_t field,
                                       uint64_t *hpa);
enum nvmx_status nvmx_merge_build(struct nvmx_entry_ctx *x);
/* Bitmap merges into library pages; *use tells whether VMCS02 uses them. */
enum nvmx_status nvmx_bitmaps_msr(struct nvmx_entry_ctx *x, bool *use, uint64_t *hpa);
enum nvmx_status nvmx_bitmaps_io(struct nvmx_entry_ctx *x, bool *use, bool *uncond,
                                 uint64_t *hpa_a, uint64_t *hpa_b);
void nvmx_bitmaps_fini(struct nvmx_vcpu *v);
void nvmx_bitmaps_invalidate(struct nvmx_vcpu *v);
/* The policy in force (the default one until the host sets its own). */
void nvmx_entry_policy_init(struct nvmx_vcpu *v);
static inline const struct nvmx_l0_policy *nvmx_entry_policy(struct nvmx_vcpu *v)
{
	if (!v->entry.have_policy)
		nvmx_entry_policy_init(v);
	return &v->entry.pol;
}

#endif
