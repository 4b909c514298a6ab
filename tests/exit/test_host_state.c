/* SPDX-License-Identifier: MIT */
/* L1's host state (SDM 28.5), the MSR areas (28.4, 28.6) and VMX aborts
 * (28.7). Expected values are the SDM's. */
#include <criterion/criterion.h>
#include <string.h>
#include "fixture.h"

static void reflect_cpuid(struct fx *f, struct nvmx_result *res)
{
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_CPUID);
	cr_assert_eq(nvmx_vcpu_handle_exit(f->v, &e, res), NVMX_STATUS_OK);
}

#define L1(f, name) refhost_l1_get(&(f).h, NVMX_F_##name)

Test(host_state, control_registers_debug_and_sysenter)
{
	struct fx f;
	fx_init(&f);
	/* L1 had CD and NW set when it entered L2: a VM exit keeps them. */
	refhost_l1_set(&f.h, NVMX_F_GUEST_CR0, 0xe0050033ull);
	S12(&f, HOST_CR0) = 0x80000033ull | (1ull << 16); /* WP requested, CD/NW clear */
	S12(&f, HOST_CR4) = NVMX_CR4_VMXE | NVMX_CR4_PCIDE;
	S12(&f, HOST_IA32_SYSENTER_CS) = 0x10;
	S12(&f, HOST_IA32_SYSENTER_ESP) = 0xffff800000001000ull;
	S12(&f, HOST_IA32_SYSENTER_EIP) = 0xffff800000002000ull;
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(L1(f, GUEST_CR0), 0xe0010033ull, "CD, NW kept; AM (18) from the host field");
	cr_expect_eq(L1(f, GUEST_CR3), 0x5000);
	cr_expect_eq(L1(f, GUEST_CR4), NVMX_CR4_VMXE | NVMX_CR4_PCIDE | NVMX_CR4_PAE,
	             "PAE set with a 64-bit host");
	cr_expect_eq(L1(f, GUEST_DR7), 0x400);
	cr_expect_eq(L1(f, GUEST_IA32_DEBUGCTL), 0);
	cr_expect_eq(L1(f, GUEST_SYSENTER_CS), 0x10);
	cr_expect_eq(L1(f, GUEST_SYSENTER_ESP), 0xffff800000001000ull);
	cr_expect_eq(L1(f, GUEST_SYSENTER_EIP), 0xffff800000002000ull);
	fx_fini(&f);
}

Test(host_state, rip_rsp_rflags_and_event_state)
{
	struct fx f;
	fx_init(&f);
	refhost_l1_set(&f.h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 3);
	refhost_l1_set(&f.h, NVMX_F_GUEST_PENDING_DBG_EXCEPTIONS, 0x4000);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(L1(f, GUEST_RIP), 0x401000);
	cr_expect_eq(L1(f, GUEST_RSP), 0x402000);
	cr_expect_eq(L1(f, GUEST_RFLAGS), 2);
	cr_expect_eq(L1(f, GUEST_INTERRUPTIBILITY_INFO), 0);
	cr_expect_eq(L1(f, GUEST_PENDING_DBG_EXCEPTIONS), 0);
	cr_expect_eq(L1(f, GUEST_ACTIVITY_STATE), 0);
	fx_fini(&f);
}

Test(host_state, segments_of_a_64_bit_host)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(L1(f, GUEST_CS_SELECTOR), 0x10);
	cr_expect_eq(L1(f, GUEST_CS_BASE), 0);
	cr_expect_eq(L1(f, GUEST_CS_LIMIT), 0xffffffffu);
	cr_expect_eq(L1(f, GUEST_CS_AR_BYTES), 0xa09b, "type 11, S, DPL 0, P, L, G");
	cr_expect_eq(L1(f, GUEST_SS_SELECTOR), 0x18);
	cr_expect_eq(L1(f, GUEST_SS_AR_BYTES), 0xc093, "type 3, S, P, D/B, G");
	cr_expect_eq(L1(f, GUEST_SS_LIMIT), 0xffffffffu);
	cr_expect_eq(L1(f, GUEST_DS_AR_BYTES), 0xc093);
	cr_expect_eq(L1(f, GUEST_ES_AR_BYTES), 0xc093);
	cr_expect_eq(L1(f, GUEST_FS_SELECTOR), 0);
	cr_expect_eq(L1(f, GUEST_FS_AR_BYTES), 0x10000, "null selector: unusable");
	cr_expect_eq(L1(f, GUEST_FS_BASE), 0x7000, "FS base loaded even when unusable");
	cr_expect_eq(L1(f, GUEST_GS_BASE), 0x8000);
	cr_expect_eq(L1(f, GUEST_GS_AR_BYTES), 0xc093);
	cr_expect_eq(L1(f, GUEST_TR_SELECTOR), 0x40);
	cr_expect_eq(L1(f, GUEST_TR_BASE), 0x9000);
	cr_expect_eq(L1(f, GUEST_TR_LIMIT), 0x67);
	cr_expect_eq(L1(f, GUEST_TR_AR_BYTES), 0x8b, "busy TSS, P");
	cr_expect_eq(L1(f, GUEST_LDTR_SELECTOR), 0);
	cr_expect_eq(L1(f, GUEST_LDTR_AR_BYTES), 0x10000);
	cr_expect_eq(L1(f, GUEST_GDTR_BASE), 0xa000);
	cr_expect_eq(L1(f, GUEST_GDTR_LIMIT), 0xffff);
	cr_expect_eq(L1(f, GUEST_IDTR_BASE), 0xb000);
	cr_expect_eq(L1(f, GUEST_IDTR_LIMIT), 0xffff);
	fx_fini(&f);
}

Test(host_state, a_32_bit_host_gets_protected_mode_cs_and_no_pcide)
{
	struct fx f;
	fx_init(&f);
	S12(&f, VM_EXIT_CONTROLS) = 0;
	S12(&f, HOST_CR4) = NVMX_CR4_VMXE | NVMX_CR4_PCIDE;
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(L1(f, GUEST_CS_AR_BYTES), 0xc09b, "D/B set, L clear");
	cr_expect_eq(L1(f, GUEST_CR4), NVMX_CR4_VMXE, "PCIDE cleared, PAE not forced");
	cr_expect_eq(L1(f, GUEST_IA32_EFER) & (NVMX_EFER_LMA | NVMX_EFER_LME), 0);
	cr_expect_eq(L1(f, GUEST_IA32_EFER) & NVMX_EFER_SCE, NVMX_EFER_SCE, "other EFER bits kept");
	fx_fini(&f);
}

Test(host_state, efer_pat_perf_global_ctrl_per_controls)
{
	struct fx f;
	fx_init(&f);
	S12(&f, VM_EXIT_CONTROLS) |= NVMX_EXIT_CTL_LOAD_EFER | NVMX_EXIT_CTL_LOAD_PAT | NVMX_EXIT_CTL_LOAD_PERF_GLOBAL_CTRL;
	S12(&f, HOST_IA32_EFER) = 0x501;
	S12(&f, HOST_IA32_PAT) = 0x0606060606060606ull;
	S12(&f, HOST_IA32_PERF_GLOBAL_CTRL) = 0xf;
	refhost_l1_set(&f.h, NVMX_F_GUEST_IA32_PAT, 0x1);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(L1(f, GUEST_IA32_EFER), 0x501);
	cr_expect_eq(L1(f, GUEST_IA32_PAT), 0x0606060606060606ull);
	cr_expect_eq(L1(f, GUEST_IA32_PERF_GLOBAL_CTRL), 0xf);
	fx_fini(&f);
}

Test(host_state, without_load_controls_pat_stays)
{
	struct fx f;
	fx_init(&f);
	refhost_l1_set(&f.h, NVMX_F_GUEST_IA32_PAT, 0x77);
	refhost_l1_set(&f.h, NVMX_F_GUEST_IA32_PERF_GLOBAL_CTRL, 0x3);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(L1(f, GUEST_IA32_PAT), 0x77);
	cr_expect_eq(L1(f, GUEST_IA32_PERF_GLOBAL_CTRL), 0x3);
	cr_expect_eq(L1(f, GUEST_IA32_EFER) & (NVMX_EFER_LMA | NVMX_EFER_LME),
	             NVMX_EFER_LMA | NVMX_EFER_LME);
	fx_fini(&f);
}

Test(host_state, entry_failure_path_loads_host_state)
{
	struct fx f;
	fx_init(&f);
	f.v->in_l2 = false;
	bool abort = true;
	cr_assert_eq(nvmx_exit_load_l1_host_state(f.v, &abort), NVMX_STATUS_OK);
	cr_expect(!abort);
	cr_expect_eq(L1(f, GUEST_RIP), 0x401000);
	cr_expect_eq(L1(f, GUEST_CS_SELECTOR), 0x10);
	fx_fini(&f);
}

Test(host_state, entry_failure_path_with_bad_msr_load_writes_abort_4)
{
	struct fx f;
	fx_init(&f);
	f.v->in_l2 = false;
	S12(&f, VM_EXIT_MSR_LOAD_ADDR) = FX_MSR_LOAD;
	S12(&f, VM_EXIT_MSR_LOAD_COUNT) = 1;
	refhost_mem_w64(&f.h, FX_MSR_LOAD, 0x9e); /* IA32_SMBASE */
	bool abort = false;
	cr_assert_eq(nvmx_exit_load_l1_host_state(f.v, &abort), NVMX_STATUS_OK);
	cr_expect(abort);
	cr_expect_eq(refhost_mem_r32(&f.h, FX_VMCS12 + 4), 4);
	fx_fini(&f);
}

Test(host_state, entry_failure_path_without_vmcs_is_wrong_state)
{
	struct fx f;
	fx_init(&f);
	f.v->cur = NULL;
	bool abort;
	cr_expect_eq(nvmx_exit_load_l1_host_state(f.v, &abort), NVMX_STATUS_WRONG_STATE);
	fx_fini(&f);
}

Test(msr_areas, store_area_receives_l2_msrs)
{
	struct fx f;
	fx_init(&f);
	S12(&f, VM_EXIT_MSR_STORE_ADDR) = FX_MSR_STORE;
	S12(&f, VM_EXIT_MSR_STORE_COUNT) = 2;
	refhost_mem_w64(&f.h, FX_MSR_STORE, 0x10);
	refhost_mem_w64(&f.h, FX_MSR_STORE + 8, 0xdddd);
	refhost_mem_w64(&f.h, FX_MSR_STORE + 16, 0xc0000081);
	refhost_mem_w64(&f.h, FX_MSR_STORE + 24, 0xdddd);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(refhost_mem_r64(&f.h, FX_MSR_STORE + 8), 0, "the TSC of the model's MSR file is 0");
	cr_expect_eq(refhost_mem_r64(&f.h, FX_MSR_STORE + 24), 0);
	fx_fini(&f);
}

Test(msr_areas, store_of_x2apic_msr_is_vmx_abort_1)
{
	struct fx f;
	fx_init(&f);
	S12(&f, VM_EXIT_MSR_STORE_ADDR) = FX_MSR_STORE;
	S12(&f, VM_EXIT_MSR_STORE_COUNT) = 1;
	refhost_mem_w64(&f.h, FX_MSR_STORE, 0x808);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_VMX_ABORT);
	cr_expect_eq(res.action, NVMX_ACTION_SHUTDOWN_L1);
	cr_expect_eq(res.reason, NVMX_REASON_EXIT_ABORT_MSR_STORE);
	cr_expect_eq(refhost_mem_r32(&f.h, FX_VMCS12 + 4), 1);
	cr_expect(!f.v->in_l2);
	fx_fini(&f);
}

Test(msr_areas, store_with_reserved_bits_is_vmx_abort_1)
{
	struct fx f;
	fx_init(&f);
	S12(&f, VM_EXIT_MSR_STORE_ADDR) = FX_MSR_STORE;
	S12(&f, VM_EXIT_MSR_STORE_COUNT) = 1;
	refhost_mem_w64(&f.h, FX_MSR_STORE, 0x100000010ull);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_VMX_ABORT);
	cr_expect_eq(refhost_mem_r32(&f.h, FX_VMCS12 + 4), 1);
	fx_fini(&f);
}

Test(msr_areas, load_area_of_fs_base_is_vmx_abort_4)
{
	struct fx f;
	fx_init(&f);
	S12(&f, VM_EXIT_MSR_LOAD_ADDR) = FX_MSR_LOAD;
	S12(&f, VM_EXIT_MSR_LOAD_COUNT) = 2;
	refhost_mem_w64(&f.h, FX_MSR_LOAD, 0x10);
	refhost_mem_w64(&f.h, FX_MSR_LOAD + 16, 0xc0000100);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_VMX_ABORT);
	cr_expect_eq(res.reason, NVMX_REASON_EXIT_ABORT_MSR_LOAD);
	cr_expect_eq(refhost_mem_r32(&f.h, FX_VMCS12 + 4), 4);
	cr_expect_eq(f.s->abort, 4);
	fx_fini(&f);
}

Test(msr_areas, load_area_valid_entries_resume_l1)
{
	struct fx f;
	fx_init(&f);
	S12(&f, VM_EXIT_MSR_LOAD_ADDR) = FX_MSR_LOAD;
	S12(&f, VM_EXIT_MSR_LOAD_COUNT) = 1;
	refhost_mem_w64(&f.h, FX_MSR_LOAD, 0x10);
	refhost_mem_w64(&f.h, FX_MSR_LOAD + 8, 12345);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(refhost_mem_r32(&f.h, FX_VMCS12 + 4), 0);
	fx_fini(&f);
}

/* The reference host's MSR file: what L2 wrote is what the MSR-store area
 * receives, and the MSR-load area puts L1's value back. */
Test(msr_areas, store_area_receives_what_l2_wrote_and_load_area_restores_l1s)
{
	struct fx f;
	fx_init(&f);
	cr_assert_eq(refhost_wrmsr(&f.h, 0xc0000102u, 0xffff888000001000ull), NVMX_REASON_MSR_WRITE_OK);
	S12(&f, VM_EXIT_MSR_STORE_ADDR) = FX_MSR_STORE;
	S12(&f, VM_EXIT_MSR_STORE_COUNT) = 1;
	refhost_mem_w64(&f.h, FX_MSR_STORE, 0xc0000102u);
	S12(&f, VM_EXIT_MSR_LOAD_ADDR) = FX_MSR_LOAD;
	S12(&f, VM_EXIT_MSR_LOAD_COUNT) = 1;
	refhost_mem_w64(&f.h, FX_MSR_LOAD, 0xc0000102u);
	refhost_mem_w64(&f.h, FX_MSR_LOAD + 8, 0xffffffff80000000ull);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(refhost_mem_r64(&f.h, FX_MSR_STORE + 8), 0xffff888000001000ull);
	uint64_t v = 0;
	cr_expect_eq(refhost_rdmsr(&f.h, 0xc0000102u, &v), NVMX_REASON_MSR_WRITE_OK);
	cr_expect_eq(v, 0xffffffff80000000ull);
	fx_fini(&f);
}

/* SDM 28.6: an entry WRMSR would #GP for is a VMX abort 4; the processor
 * does not load it. Entries before it stay loaded. */
Test(msr_areas, load_area_of_non_canonical_lstar_is_vmx_abort_4)
{
	struct fx f;
	fx_init(&f);
	S12(&f, VM_EXIT_MSR_LOAD_ADDR) = FX_MSR_LOAD;
	S12(&f, VM_EXIT_MSR_LOAD_COUNT) = 2;
	refhost_mem_w64(&f.h, FX_MSR_LOAD, 0xc0000081u);      /* STAR: any value */
	refhost_mem_w64(&f.h, FX_MSR_LOAD + 8, 0x0023001000000000ull);
	refhost_mem_w64(&f.h, FX_MSR_LOAD + 16, 0xc0000082u); /* LSTAR */
	refhost_mem_w64(&f.h, FX_MSR_LOAD + 24, 0x0000800000000000ull);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_VMX_ABORT);
	cr_expect_eq(res.reason, NVMX_REASON_EXIT_ABORT_MSR_LOAD);
	cr_expect_eq(refhost_mem_r32(&f.h, FX_VMCS12 + 4), 4);
	uint64_t v = 1;
	cr_expect_eq(refhost_rdmsr(&f.h, 0xc0000081u, &v), NVMX_REASON_MSR_WRITE_OK);
	cr_expect_eq(v, 0x0023001000000000ull);
	cr_expect_eq(refhost_rdmsr(&f.h, 0xc0000082u, &v), NVMX_REASON_MSR_WRITE_OK);
	cr_expect_eq(v, 0, "LSTAR not loaded");
	fx_fini(&f);
}

Test(msr_areas, unbacked_load_area_is_vmx_abort_4)
{
	struct fx f;
	fx_init(&f);
	S12(&f, VM_EXIT_MSR_LOAD_ADDR) = 0x7fff0000000ull;
	S12(&f, VM_EXIT_MSR_LOAD_COUNT) = 1;
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_VMX_ABORT);
	cr_expect_eq(refhost_mem_r32(&f.h, FX_VMCS12 + 4), 4);
	fx_fini(&f);
}

Test(msr_areas, oversized_count_is_bounded_and_aborts)
{
	struct fx f;
	fx_init(&f);
	S12(&f, VM_EXIT_MSR_STORE_ADDR) = FX_MSR_STORE;
	S12(&f, VM_EXIT_MSR_STORE_COUNT) = 0xffffffffu;
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_VMX_ABORT);
	fx_fini(&f);
}

/* SDM 28.5.4: a 32-bit PAE host gets its PDPTEs from the table at CR3. */
Test(host_state, a_32_bit_pae_host_loads_pdptes_from_cr3)
{
	struct fx f;
	fx_init(&f);
	S12(&f, VM_EXIT_CONTROLS) = 0;
	S12(&f, HOST_CR0) = 0x80000033ull;
	S12(&f, HOST_CR4) = NVMX_CR4_VMXE | NVMX_CR4_PAE;
	S12(&f, HOST_CR3) = 0x7020;   /* 32-byte aligned: bits 4:0 ignored */
	refhost_mem_w64(&f.h, 0x7020, 0x11001);
	refhost_mem_w64(&f.h, 0x7028, 0);
	refhost_mem_w64(&f.h, 0x7030, 0x12001);
	refhost_mem_w64(&f.h, 0x7038, 0xffe); /* not present: reserved bits ignored */
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(L1(f, GUEST_PDPTR0), 0x11001);
	cr_expect_eq(L1(f, GUEST_PDPTR1), 0);
	cr_expect_eq(L1(f, GUEST_PDPTR2), 0x12001);
	cr_expect_eq(L1(f, GUEST_PDPTR3), 0xffe);
	fx_fini(&f);
}

Test(host_state, a_present_pdpte_with_reserved_bits_is_vmx_abort_3)
{
	struct fx f;
	fx_init(&f);
	S12(&f, VM_EXIT_CONTROLS) = 0;
	S12(&f, HOST_CR0) = 0x80000033ull;
	S12(&f, HOST_CR4) = NVMX_CR4_VMXE | NVMX_CR4_PAE;
	S12(&f, HOST_CR3) = 0x7000;
	refhost_mem_w64(&f.h, 0x7008, 0x11001 | (1ull << 5)); /* bit 5 reserved */
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_VMX_ABORT);
	cr_expect_eq(res.action, NVMX_ACTION_SHUTDOWN_L1);
	cr_expect_eq(res.reason, NVMX_REASON_EXIT_ABORT_PDPTE);
	cr_expect_eq(refhost_mem_r32(&f.h, FX_VMCS12 + 4), 3);
	fx_fini(&f);
}

/* ---- the host-state image kept between exits (host_state.c) ---- */

/* L2 runs again (the entry is not what these tests look at). */
static void back_in_l2(struct fx *f) { f->v->in_l2 = true; }

Test(host_state, a_host_field_l1_rewrites_between_exits_is_loaded)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_assert_eq(L1(f, GUEST_RIP), 0x401000);
	/* L1 VMWRITEs HOST_RIP and HOST_GS_BASE, then resumes L2. */
	nvmx_vmcs12_set(f.s, NVMX_IDX_HOST_RIP, 0x501000);
	nvmx_vmcs12_set(f.s, NVMX_IDX_HOST_GS_BASE, 0xa000);
	back_in_l2(&f);
	reflect_cpuid(&f, &res);
	cr_expect_eq(L1(f, GUEST_RIP), 0x501000);
	cr_expect_eq(L1(f, GUEST_GS_BASE), 0xa000);
	fx_fini(&f);
}

Test(host_state, exit_controls_l1_rewrites_between_exits_apply)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_assert_eq(L1(f, GUEST_IA32_PAT), refhost_l1_get(&f.h, NVMX_F_GUEST_IA32_PAT));
	uint64_t pat_before = L1(f, GUEST_IA32_PAT);
	nvmx_vmcs12_set(f.s, NVMX_IDX_HOST_IA32_PAT, 0x0606060606060606ull);
	nvmx_vmcs12_set(f.s, NVMX_IDX_VM_EXIT_CONTROLS,
	                S12(&f, VM_EXIT_CONTROLS) | NVMX_EXIT_CTL_LOAD_PAT);
	cr_assert_neq(pat_before, 0x0606060606060606ull);
	back_in_l2(&f);
	reflect_cpuid(&f, &res);
	cr_expect_eq(L1(f, GUEST_IA32_PAT), 0x0606060606060606ull, "SDM 28.5.1: load IA32_PAT");
	fx_fini(&f);
}

Test(host_state, cr0_and_efer_bits_the_exit_keeps_follow_l1_at_each_exit)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	/* Between the exits L1 sets CD and NW, and EFER.NXE (no load-EFER
	 * control): SDM 28.5.1 keeps CD/NW, and EFER bits but LMA/LME. */
	refhost_l1_set(&f.h, NVMX_F_GUEST_CR0, L1(f, GUEST_CR0) | (1ull << 30) | (1ull << 29));
	refhost_l1_set(&f.h, NVMX_F_GUEST_IA32_EFER, L1(f, GUEST_IA32_EFER) | NVMX_EFER_NXE);
	back_in_l2(&f);
	reflect_cpuid(&f, &res);
	cr_expect_eq(L1(f, GUEST_CR0), 0x80050033ull | (1ull << 30) | (1ull << 29));
	cr_expect_eq(L1(f, GUEST_IA32_EFER),
	             NVMX_EFER_NXE | NVMX_EFER_LMA | NVMX_EFER_LME | (L1(f, GUEST_IA32_EFER) & NVMX_EFER_SCE));
	fx_fini(&f);
}

Test(host_state, a_capability_change_between_exits_applies)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_result res;
	reflect_cpuid(&f, &res);
	cr_assert_eq(L1(f, GUEST_CR4) & (1ull << 9), 0);
	/* L0 now requires CR4.OSFXSR (bit 9) in VMX operation: a fixed-1 bit
	 * keeps L1's value, which in VMX operation is 1 (SDM 28.5.1, A.8). */
	uint64_t f0 = 0;
	cr_assert_eq(nvmx_vm_get_cap(f.h.vm, NVMX_MSR_IA32_VMX_CR4_FIXED0, &f0), NVMX_STATUS_OK);
	cr_assert_eq(nvmx_vm_set_cap(f.h.vm, NVMX_MSR_IA32_VMX_CR4_FIXED0, f0 | (1ull << 9)),
	             NVMX_STATUS_OK);
	back_in_l2(&f);
	reflect_cpuid(&f, &res);
	cr_expect(L1(f, GUEST_CR4) & (1ull << 9));
	fx_fini(&f);
}

/* The same exits through a host without l1_write_n leave the same L1 state
 * with the same number of field writes. */
Test(host_state, hosts_without_l1_write_n_get_the_same_state)
{
	struct fx a, b;
	fx_init(&a);
	fx_init(&b);
	b.h.vm->ops.l1_write_n = NULL; /* white box: as an older host's table */
	struct nvmx_result res;
	for (unsigned i = 0; i < 3; i++) {
		uint64_t wa = a.h.l1_writes, wb = b.h.l1_writes;
		reflect_cpuid(&a, &res);
		reflect_cpuid(&b, &res);
		cr_expect_eq(a.h.l1_writes - wa, b.h.l1_writes - wb);
		cr_assert_eq(memcmp(a.h.l1, b.h.l1, REFHOST_VMCS_SLOTS * sizeof(uint64_t)), 0,
		             "exit %u", i);
		nvmx_vmcs12_set(a.s, NVMX_IDX_HOST_RSP, 0x403000 + i);
		nvmx_vmcs12_set(b.s, NVMX_IDX_HOST_RSP, 0x403000 + i);
		back_in_l2(&a);
		back_in_l2(&b);
	}
	cr_expect_eq(L1(a, GUEST_RSP), 0x403001);
	fx_fini(&a);
	fx_fini(&b);
}
