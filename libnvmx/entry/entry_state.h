/* SPDX-License-Identifier: MIT */
/* Per-vCPU state of the VM-entry module (checks and the VMCS02 merge). */
#ifndef NVMX_ENTRY_STATE_H
#define NVMX_ENTRY_STATE_H

#include "../deps.h"
#include <nvmx/entry.h>
#include <nvmx/vmcs_fields.h>
#include "../vmcs/vmcs12.h"


/* A merged bitmap page: L0's page, owned by the library. */
struct nvmx_merged_page {
	uint8_t *va;
	uint64_t hpa;
	uint64_t src_gpa;       /* L1 page it was built from, NVMX_NO_VMPTR: none */
	uint64_t hash;          /* XXH3 of the L1 page, with NVMX_L0_HASH_L1_BITMAPS */
	uint64_t map_gen;       /* vm->map_gen when built: L0 changed nothing since */
	uint32_t forced;        /* the forced-exit set it was built with (bitmaps.c) */
	bool valid;
};

/* What nvmx_merge_translate computed: host-physical addresses of the
 * control pages and the merged bitmaps VMCS02 uses. */
struct nvmx_entry_xlate {
	uint64_t hpa_apic_access, hpa_vapic, hpa_pi_desc, hpa_pml, hpa_ve;
	bool msr_use, io_use, io_uncond;
	uint64_t msr_hpa, io_hpa_a, io_hpa_b;
};

struct nvmx_entry_vcpu {
	uint64_t generation;    /* bumped on every VM entry */
	struct nvmx_l0_policy pol;
	bool have_policy;
	uint64_t policy_gen;    /* bumped when the policy changes */
	uint64_t built_policy_gen;
	uint64_t built_gpa;     /* VMCS12 VMCS02 was last built from */
	/* Guest-state fields the merge copies from VMCS12 (guest type, offered
	 * by the caps, not VMCS_LINK_POINTER/EFER/PAT) and the three
	 * event-injection fields, built at first use. */
	bool guest_ready;
	uint64_t guest[NVMX_FIELD_WORDS];
	/* Host-state checks (checks_host.c) skipped on the next entry from the
	 * same VMCS12 while none of their inputs changed: whether they passed
	 * last time, on which VMCS12 slot at which host_ver (vmcs12.h), under
	 * which capabilities. */
	bool host_ok;
	const struct nvmx_vmcs12 *host_ok_s;
	uint64_t host_ok_ver, host_ok_caps_gen;
	struct nvmx_merged_page msr, io_a, io_b;
	/* Stands in VMCS02 for a control page L0 does not back (merge.c). */
	struct nvmx_merged_page sink;
	/*
	 * The VMRESUME fast path (entry.c). The control checks of 27.2.1 other
	 * than event injection and the vTPR check, the control-page
	 * translations, the bitmap merges and the control half of the VMCS02
	 * merge are a function of VMCS12's control fields (ctl_fields, built at
	 * first use), the policy, the capabilities, L0's backing of L1 memory
	 * and the merged pages. After a full entry succeeded they are kept with
	 * the generations of those inputs (ctl_ok), and a VMRESUME of the same
	 * VMCS12 skips them while none changed.
	 */
	bool ctl_ready;
	uint64_t ctl_fields[NVMX_FIELD_WORDS];
	bool ctl_ok;
	bool ctl_vpid_on;       /* VMCS02 uses a VPID (a secondary control bit) */
	uint64_t ctl_gpa, ctl_policy_gen, ctl_caps_gen, ctl_map_gen;
	struct nvmx_entry_xlate ctl_xl;
	uint64_t fast_entries;  /* entries that took the fast path */
	uint64_t merges;        /* bitmap merges done (for tests and benches) */
};

#endif
