/* SPDX-License-Identifier: MIT */
/* Per-vCPU state of the VM-exit module (reflection and synthesized exits). */
#ifndef NVMX_EXIT_STATE_H
#define NVMX_EXIT_STATE_H

#include "../deps.h"
#include "../vmcs/vmcs12.h"
#include <nvmx/host.h>

/* No CR0 has bits 63:32 set (reserved 0): "not known". */
#define NVMX_L1_CR0_UNKNOWN (~0ull)

/* VMCS01 fields whose content the library tracks (host_state.c). */
#define NVMX_L1K_SLOTS 54
#define NVMX_L1K_RFLAGS 51 /* RFLAGS' slot, for nvmx_l1_write's fast path */

struct nvmx_exit_vcpu {
	uint64_t generation;   /* bumped on every reflected exit */
	/* The field sets of SDM 28.3 as bitmaps, constants built once
	 * (sync.c): which fields are left to the lazy copy (vmcs/sync.h)
	 * without and with the PDPTRs, and the seven always copied. Which
	 * values agree is not kept here but in vmcs/sync.h. */
	bool sets_ready;
	uint64_t set_lazy[NVMX_FIELD_WORDS], set_lazy_pdptr[NVMX_FIELD_WORDS];
	uint64_t set_eager[NVMX_FIELD_WORDS];
	/*
	 * L1's host state (SDM 28.5) as the list of L1 fields an exit writes,
	 * built from VMCS12's host-state fields and VM-exit controls and kept
	 * while those are unchanged (the VMCS12 slot hs_s at version hs_ver,
	 * vmcs12.h) under the same capabilities. Only CR0 (bits a VM exit leaves alone)
	 * and, without "load IA32_EFER", EFER depend on L1's state: patched at
	 * every exit (host_state.c).
	 */
	/* L1's IA32_EFER and CR0 as the VMLAUNCH/VMRESUME that entered L2 saw
	 * them (l1_cr0 may be NVMX_L1_CR0_UNKNOWN): L1 does not run while L2
	 * runs, so the host-state load takes these instead of reading L1.
	 * Cleared by that load. */
	bool l1_snap;
	uint64_t l1_efer, l1_cr0;
	bool hs_ok;
	const struct nvmx_vmcs12 *hs_s;
	uint64_t hs_ver, hs_caps_gen;
	unsigned hs_n;
	uint8_t hs_efer;                /* index of EFER in hs, 0: loaded as is */
	uint64_t hs_cr0_keep, hs_cr0_host; /* CR0 = (L1 CR0 & keep) | host */
	bool hs_pae;                    /* PDPTEs to load (28.5.4) */
	struct nvmx_field_value hs[64];
	uint8_t hs_slot[64];            /* hs[i]'s slot in l1k_val, 0xff: none */
	/*
	 * What VMCS01 holds (host_state.c, "known VMCS01 content"), kept under
	 * NVMX_L1_SKIP_UNCHANGED: l1k_val[slot] for each slot bit of l1k_known
	 * is the value the library last wrote to or read from that field;
	 * l1k_snap the slots read at the VMLAUNCH/VMRESUME that entered L2,
	 * true until L1 runs again.
	 */
	uint64_t l1k_known, l1k_snap;
	uint64_t l1k_val[NVMX_L1K_SLOTS];
	/* The image split for skipping, kept with the image and the policy
	 * (ks_ok): ks_out[0, ks_nalways) the fields always written, then the
	 * candidates (hs indices ks_cand) appended when needed; ks_stable the
	 * slots L1 cannot change without an exit under the policy. */
	bool ks_ok;
	unsigned ks_nalways, ks_ncand;
	uint64_t ks_stable, ks_cand_mask;
	uint8_t ks_cand[64];
	struct nvmx_field_value ks_out[64];
};

#endif
