/* SPDX-License-Identifier: MIT */
/* The VMCS12 + L0 merge into VMCS02: controls, TSC, CR masks, exceptions,
 * bitmaps, address translation, dirty tracking. */
#include <criterion/criterion.h>
#include "entry_fixture.h"
#include "hw_ept.h"

static struct entry_fixture F;
static struct nvmx_result R;

static void setup(void) { cr_assert_eq(fx_init(&F), 0); }
static void teardown(void) { fx_fini(&F); }

#define V02(name) refhost_vmcs02_get(&F.h, NVMX_F_##name)
#define SET(name, v) fx_set(&F, NVMX_IDX_##name, (v))
#define GET(name) fx_get(&F, NVMX_IDX_##name)

static void enter_ok(bool launch)
{
	cr_assert_eq(fx_enter(&F, launch, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.outcome, NVMX_OUTCOME_L2_ENTERED, "reason %s",
	             nvmx_reason_name(R.reason));
	cr_assert_eq(R.action, NVMX_ACTION_RUN_L2);
	const char *hw = hwcheck_vmcs02(&F.h, &F.h.vm->cfg.hw);
	cr_assert_null(hw, "hardware model refuses VMCS02: %s", hw ? hw : "");
}

TestSuite(merge, .init = setup, .fini = teardown);

Test(merge, baseline_launch_enters_l2_and_hardware_accepts_vmcs02)
{
	enter_ok(true);
	cr_assert(nvmx_vcpu_in_l2(F.v));
	cr_assert(F.s->launched);
	cr_assert_eq(R.reason, NVMX_REASON_ENTRY_OK);
}

static uint64_t writes(void)
{
	struct nvmx_vcpu_stats st;
	nvmx_vcpu_get_stats(F.v, &st);
	return st.vmcs_writes;
}

static void set_policy(void)
{
	cr_assert_eq(nvmx_vcpu_set_l0_policy(F.v, &F.pol), NVMX_STATUS_OK);
}

Test(merge, vmcs02_controls_are_l1s_plus_what_l0_requires)
{
	F.pol.proc_set = NVMX_PROC_CR8_LOAD_EXITING;
	set_policy();
	/* L1 asks for RDTSC exits but for neither interrupt nor NMI exits. */
	SET(PIN_BASED_VM_EXEC_CONTROL, 0x16);
	SET(CPU_BASED_VM_EXEC_CONTROL, GET(CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_RDTSC_EXITING);
	enter_ok(true);
	uint32_t pin = (uint32_t)V02(PIN_BASED_VM_EXEC_CONTROL);
	uint32_t proc = (uint32_t)V02(CPU_BASED_VM_EXEC_CONTROL);
	cr_assert_eq(pin & 0x9u, 0x9u, "L0's external-interrupt and NMI exiting kept");
	cr_assert(proc & NVMX_PROC_RDTSC_EXITING, "L1's RDTSC exiting kept");
	cr_assert(proc & NVMX_PROC_CR8_LOAD_EXITING, "L0's CR8-load exiting kept");
	cr_assert(proc & NVMX_PROC_HLT_EXITING, "L1's HLT exiting kept");
	/* L0 runs L2 on EPT01 when L1 does not use EPT. */
	cr_assert(proc & NVMX_PROC_SECONDARY_CONTROLS);
	cr_assert(V02(SECONDARY_VM_EXEC_CONTROL) & NVMX_PROC2_EPT);
	cr_assert_eq(V02(EPT_POINTER), FX_EPTP01);
	/* The library loads the entry MSR area itself; VMCS02 links to nothing. */
	cr_assert_eq(V02(VM_ENTRY_MSR_LOAD_COUNT), 0);
	cr_assert_eq(V02(VMCS_LINK_POINTER), ~0ull);
}

Test(merge, l0_emulated_preemption_timer_is_not_in_vmcs02)
{
	F.pol.flags = NVMX_L0_EMULATE_PREEMPTION_TIMER;
	set_policy();
	SET(PIN_BASED_VM_EXEC_CONTROL, GET(PIN_BASED_VM_EXEC_CONTROL) | NVMX_PIN_PREEMPTION_TIMER);
	SET(VM_EXIT_CONTROLS, GET(VM_EXIT_CONTROLS) | NVMX_EXIT_CTL_SAVE_PREEMPTION_TIMER);
	enter_ok(true);
	cr_assert_eq(V02(PIN_BASED_VM_EXEC_CONTROL) & NVMX_PIN_PREEMPTION_TIMER, 0);
	cr_assert_eq(V02(VM_EXIT_CONTROLS) & NVMX_EXIT_CTL_SAVE_PREEMPTION_TIMER, 0);
}

Test(merge, l1_preemption_timer_runs_in_vmcs02_by_default)
{
	SET(PIN_BASED_VM_EXEC_CONTROL, GET(PIN_BASED_VM_EXEC_CONTROL) | NVMX_PIN_PREEMPTION_TIMER);
	SET(VMX_PREEMPTION_TIMER_VALUE, 12345);
	enter_ok(true);
	cr_assert(V02(PIN_BASED_VM_EXEC_CONTROL) & NVMX_PIN_PREEMPTION_TIMER);
	cr_assert_eq(V02(VMX_PREEMPTION_TIMER_VALUE), 12345);
}

Test(merge, exception_bitmap_is_the_union_and_keeps_l1s_pf_filter)
{
	SET(EXCEPTION_BITMAP, (1u << 6) | (1u << 14));
	SET(PAGE_FAULT_ERROR_CODE_MASK, 0x1);
	SET(PAGE_FAULT_ERROR_CODE_MATCH, 0x1);
	enter_ok(true);
	cr_assert_eq(V02(EXCEPTION_BITMAP), (1u << 6) | (1u << 14) | (1u << 18));
	cr_assert_eq(V02(PAGE_FAULT_ERROR_CODE_MASK), 0x1);
	cr_assert_eq(V02(PAGE_FAULT_ERROR_CODE_MATCH), 0x1);
}

Test(merge, every_pf_exits_when_l0_intercepts_pf)
{
	F.pol.exception_bitmap |= 1u << 14;
	set_policy();
	SET(PAGE_FAULT_ERROR_CODE_MASK, 0x1);
	SET(PAGE_FAULT_ERROR_CODE_MATCH, 0x1);
	enter_ok(true);
	cr_assert(V02(EXCEPTION_BITMAP) & (1u << 14));
	cr_assert_eq(V02(PAGE_FAULT_ERROR_CODE_MASK), 0);
	cr_assert_eq(V02(PAGE_FAULT_ERROR_CODE_MATCH), 0);
}

Test(merge, tsc_offset_is_scaled_sum_and_multiplier_the_product)
{
	F.pol.tsc_offset = 1000;
	F.pol.tsc_multiplier = 1ull << 48;           /* 1.0 */
	set_policy();
	SET(CPU_BASED_VM_EXEC_CONTROL, GET(CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_TSC_OFFSETTING);
	SET(SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_TSC_SCALING);
	SET(TSC_OFFSET, 300);
	SET(TSC_MULTIPLIER, 3ull << 48);             /* 3.0 */
	enter_ok(true);
	/* L2 TSC = 3 * (host + 1000) + 300 = 3 * host + 3300. */
	cr_assert_eq(V02(TSC_OFFSET), 3300);
	cr_assert_eq(V02(TSC_MULTIPLIER), 3ull << 48);
	cr_assert(V02(CPU_BASED_VM_EXEC_CONTROL) & NVMX_PROC_TSC_OFFSETTING);
	cr_assert(V02(SECONDARY_VM_EXEC_CONTROL) & NVMX_PROC2_TSC_SCALING);
}

Test(merge, tsc_scalings_that_cancel_leave_no_scaling)
{
	F.pol.tsc_offset = 1000;
	F.pol.tsc_multiplier = 2ull << 48;           /* 2.0 */
	set_policy();
	SET(CPU_BASED_VM_EXEC_CONTROL, GET(CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_TSC_OFFSETTING);
	SET(SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_TSC_SCALING);
	SET(TSC_OFFSET, (uint64_t)-500);
	SET(TSC_MULTIPLIER, 1ull << 47);             /* 0.5 */
	enter_ok(true);
	/* L2 TSC = 0.5 * (2 * host + 1000) - 500 = host. */
	cr_assert_eq(V02(TSC_OFFSET), 0);
	cr_assert_eq(V02(SECONDARY_VM_EXEC_CONTROL) & NVMX_PROC2_TSC_SCALING, 0);
}

Test(merge, l0_tsc_offset_applies_when_l1_uses_none)
{
	F.pol.tsc_offset = (uint64_t)-4096;
	set_policy();
	enter_ok(true);
	cr_assert(V02(CPU_BASED_VM_EXEC_CONTROL) & NVMX_PROC_TSC_OFFSETTING);
	cr_assert_eq(V02(TSC_OFFSET), (uint64_t)-4096);
}

Test(merge, cr_masks_are_the_union_and_shadows_show_what_l1_set_up)
{
	F.pol.cr0_mask = NVMX_CR0_NE;
	set_policy();
	SET(CR0_GUEST_HOST_MASK, NVMX_CR0_PE | NVMX_CR0_PG);
	SET(CR0_READ_SHADOW, 0x10);                  /* L2 believes PE = PG = 0 */
	enter_ok(true);
	cr_assert_eq(V02(CR0_GUEST_HOST_MASK), NVMX_CR0_PE | NVMX_CR0_PG | NVMX_CR0_NE);
	/* PE, PG from L1's shadow; NE (L0's alone) and the rest real. */
	cr_assert_eq(V02(CR0_READ_SHADOW), 0x00050032);
	cr_assert_eq(V02(CR4_GUEST_HOST_MASK), NVMX_CR4_VMXE);
	cr_assert_eq(V02(CR4_READ_SHADOW), NVMX_CR4_PAE);
	cr_assert_eq(V02(GUEST_CR0), 0x80050033);
}

Test(merge, cr3_targets_pass_only_when_l0_needs_no_cr3_exits)
{
	SET(CR3_TARGET_COUNT, 2);
	SET(CR3_TARGET_VALUE0, 0x5000);
	SET(CR3_TARGET_VALUE1, 0x6000);
	enter_ok(true);
	cr_assert_eq(V02(CR3_TARGET_COUNT), 2);
	cr_assert_eq(V02(CR3_TARGET_VALUE1), 0x6000);
	fx_fini(&F);
	cr_assert_eq(fx_init(&F), 0);
	F.pol.proc_set = NVMX_PROC_CR3_LOAD_EXITING;
	set_policy();
	SET(CR3_TARGET_COUNT, 2);
	enter_ok(true);
	cr_assert_eq(V02(CR3_TARGET_COUNT), 0);
	cr_assert(V02(CPU_BASED_VM_EXEC_CONTROL) & NVMX_PROC_CR3_LOAD_EXITING);
}

Test(merge, msr_access_exits_if_l0_or_l1_wants_it)
{
	/* L1 intercepts WRMSR 0x174 (write bitmap for low MSRs at 2048). */
	refhost_mem_w32(&F.h, FX_MSR_BITMAP + 2048 + 0x174 / 8, 1u << (0x174 % 8));
	enter_ok(true);
	cr_assert(fx_vmcs02_msr_exits(&F, 0x174, true), "L1's write intercept");
	cr_assert_not(fx_vmcs02_msr_exits(&F, 0x174, false));
	cr_assert(fx_vmcs02_msr_exits(&F, FX_L0_MSR_READ, false), "L0's read intercept");
	cr_assert(fx_vmcs02_msr_exits(&F, FX_L0_MSR_WRITE_HI, true), "L0's high write intercept");
	cr_assert_not(fx_vmcs02_msr_exits(&F, 0x1b, false));
	cr_assert_neq(V02(MSR_BITMAP), REFHOST_HPA_BASE + FX_MSR_BITMAP, "a merged L0 page");
}

Test(merge, every_msr_exits_without_l1_msr_bitmaps)
{
	SET(CPU_BASED_VM_EXEC_CONTROL, GET(CPU_BASED_VM_EXEC_CONTROL) & ~NVMX_PROC_USE_MSR_BITMAPS);
	enter_ok(true);
	cr_assert_eq(V02(CPU_BASED_VM_EXEC_CONTROL) & NVMX_PROC_USE_MSR_BITMAPS, 0);
	cr_assert(fx_vmcs02_msr_exits(&F, 0x1b, false));
}

Test(merge, io_exits_if_l0_or_l1_wants_the_port)
{
	SET(CPU_BASED_VM_EXEC_CONTROL, GET(CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_USE_IO_BITMAPS);
	SET(IO_BITMAP_A, FX_IO_A);
	SET(IO_BITMAP_B, FX_IO_B);
	refhost_mem_w32(&F.h, FX_IO_A + 0x3f8 / 8, 1u << (0x3f8 % 8));
	refhost_mem_w32(&F.h, FX_IO_B + (0xcf8 & 0x7fff) / 8, 0);
	refhost_mem_w32(&F.h, FX_IO_B + (0x8000 & 0x7fff) / 8, 1);
	enter_ok(true);
	cr_assert(fx_vmcs02_port_exits(&F, 0x3f8));
	cr_assert(fx_vmcs02_port_exits(&F, FX_L0_PORT));
	cr_assert(fx_vmcs02_port_exits(&F, 0x8000));
	cr_assert_not(fx_vmcs02_port_exits(&F, 0x60));
}

Test(merge, unconditional_io_exiting_of_l1_makes_every_port_exit)
{
	SET(CPU_BASED_VM_EXEC_CONTROL, GET(CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_UNCOND_IO_EXITING);
	enter_ok(true);
	cr_assert(fx_vmcs02_port_exits(&F, 0x60));
	cr_assert_eq(V02(CPU_BASED_VM_EXEC_CONTROL) & NVMX_PROC_USE_IO_BITMAPS, 0);
}

Test(merge, without_l1_io_exiting_only_l0s_ports_exit)
{
	enter_ok(true);
	cr_assert(fx_vmcs02_port_exits(&F, FX_L0_PORT));
	cr_assert_not(fx_vmcs02_port_exits(&F, 0x3f8));
}

Test(merge, l1_addresses_are_translated_to_host_physical)
{
	refhost_range_add(&F.h, REFHOST_RANGE_MAP, FX_APIC_ACCESS, 0x1000, 0x5550000000ull,
	                  NVMX_ACCESS_READ | NVMX_ACCESS_WRITE);
	SET(CPU_BASED_VM_EXEC_CONTROL, GET(CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_TPR_SHADOW);
	SET(VIRTUAL_APIC_PAGE_ADDR, FX_VAPIC);
	SET(SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_VIRT_APIC_ACCESSES);
	SET(APIC_ACCESS_ADDR, FX_APIC_ACCESS);
	enter_ok(true);
	cr_assert_eq(V02(VIRTUAL_APIC_PAGE_ADDR), REFHOST_HPA_BASE + FX_VAPIC);
	cr_assert_eq(V02(APIC_ACCESS_ADDR), 0x5550000000ull);
}

/*
 * Addresses L0 does not back. The SDM checks control-structure addresses for
 * alignment and physical-address width only (27.2.1.1), so the entry goes
 * on, and the processor's rule for a physical access that hits no memory
 * applies: reads return all ones, writes are dropped.
 */
static const uint8_t *page_at(uint64_t hpa)
{
	const uint8_t *p = refhost_page_va(&F.h, hpa);
	cr_assert_not_null(p, "VMCS02 names %#lx, not a library page", (unsigned long)hpa);
	return p;
}

static void assert_ones(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(p[i], 0xff, "byte %zu is %#x", i, p[i]);
}

Test(merge, unbacked_apic_access_and_virtual_apic_pages_enter_with_a_page_of_ones)
{
	refhost_range_add(&F.h, REFHOST_RANGE_MMIO, FX_APIC_ACCESS, 0x1000, 0, 0);
	refhost_range_add(&F.h, REFHOST_RANGE_UNMAP, FX_VAPIC, 0x1000, 0, 0);
	SET(CPU_BASED_VM_EXEC_CONTROL, GET(CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_TPR_SHADOW);
	SET(VIRTUAL_APIC_PAGE_ADDR, FX_VAPIC);
	SET(TPR_THRESHOLD, 15);
	SET(SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_VIRT_APIC_ACCESSES);
	SET(APIC_ACCESS_ADDR, FX_APIC_ACCESS);
	enter_ok(true);
	assert_ones(page_at(V02(VIRTUAL_APIC_PAGE_ADDR)), 4096);
	assert_ones(page_at(V02(APIC_ACCESS_ADDR)), 4096);
	/* Nothing was written to L1 memory in their place. */
	cr_assert_eq(refhost_mem_r32(&F.h, FX_VAPIC + 0x80), 0);
}

static void see_unbacked(void *ctx, const struct nvmx_trace *ev)
{
	if (ev->kind == NVMX_TRACE_ENTRY && ev->reason == NVMX_REASON_ENTRY_CTL_UNBACKED_READS_ONES)
		*(uint64_t *)ctx = ev->b;
}

Test(merge, unbacked_msr_bitmap_reads_as_ones_so_every_msr_access_exits)
{
	uint64_t traced_field = 0;
	F.h.trace_hook = see_unbacked;
	F.h.trace_ctx = &traced_field;
	refhost_range_add(&F.h, REFHOST_RANGE_UNMAP, 0x2b000, 0x1000, 0, 0);
	SET(MSR_BITMAP, 0x2b000);
	enter_ok(true);
	cr_expect_eq(traced_field, 0x2004, "traced with the MSR-bitmap address field");
	cr_assert(V02(CPU_BASED_VM_EXEC_CONTROL) & NVMX_PROC_USE_MSR_BITMAPS);
	assert_ones(page_at(V02(MSR_BITMAP)), 4096);
	cr_assert(fx_vmcs02_msr_exits(&F, 0x174, false));
	cr_assert(fx_vmcs02_msr_exits(&F, 0xc0000100u, true));
}

Test(merge, unbacked_io_bitmap_b_makes_every_high_port_exit)
{
	refhost_range_add(&F.h, REFHOST_RANGE_UNMAP, FX_IO_B, 0x1000, 0, 0);
	SET(CPU_BASED_VM_EXEC_CONTROL, GET(CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_USE_IO_BITMAPS);
	SET(IO_BITMAP_A, FX_IO_A);
	SET(IO_BITMAP_B, FX_IO_B);
	enter_ok(true);
	cr_assert(fx_vmcs02_port_exits(&F, 0x8000));
	cr_assert(fx_vmcs02_port_exits(&F, 0xffff));
	cr_assert_not(fx_vmcs02_port_exits(&F, 0x70), "bitmap A is backed and clear");
}

Test(merge, unbacked_control_page_is_refused_with_vmfail_valid_7_under_the_refuse_policy)
{
	F.pol.flags |= NVMX_L0_REFUSE_UNBACKED_CONTROL_PAGES;
	set_policy();
	refhost_range_add(&F.h, REFHOST_RANGE_MMIO, FX_APIC_ACCESS, 0x1000, 0, 0);
	SET(SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_VIRT_APIC_ACCESSES);
	SET(APIC_ACCESS_ADDR, FX_APIC_ACCESS);
	cr_assert_eq(fx_enter(&F, true, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.outcome, NVMX_OUTCOME_VMFAIL_VALID);
	cr_assert_eq(R.vm_insn_error, 7);
	cr_assert_eq(R.reason, NVMX_REASON_ENTRY_CTL_ADDR_NOT_BACKED);
}

Test(merge, unbacked_bitmap_is_refused_under_the_refuse_policy)
{
	F.pol.flags |= NVMX_L0_REFUSE_UNBACKED_CONTROL_PAGES;
	set_policy();
	refhost_range_add(&F.h, REFHOST_RANGE_UNMAP, 0x2b000, 0x1000, 0, 0);
	SET(MSR_BITMAP, 0x2b000);
	cr_assert_eq(fx_enter(&F, true, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.vm_insn_error, 7);
	cr_assert_eq(R.reason, NVMX_REASON_ENTRY_CTL_ADDR_NOT_BACKED);
}

Test(merge, unbacked_vtpr_page_is_refused_under_the_refuse_policy)
{
	F.pol.flags |= NVMX_L0_REFUSE_UNBACKED_CONTROL_PAGES;
	set_policy();
	refhost_range_add(&F.h, REFHOST_RANGE_UNMAP, 0x2b000, 0x1000, 0, 0);
	SET(CPU_BASED_VM_EXEC_CONTROL, GET(CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_TPR_SHADOW);
	SET(VIRTUAL_APIC_PAGE_ADDR, 0x2b000);
	cr_assert_eq(fx_enter(&F, true, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.vm_insn_error, 7);
	cr_assert_eq(R.reason, NVMX_REASON_ENTRY_CTL_ADDR_NOT_BACKED);
}

Test(merge, l2_gets_l1s_efer_when_vmcs12_does_not_load_it)
{
	refhost_l1_set(&F.h, NVMX_F_GUEST_IA32_EFER, NVMX_EFER_LMA | NVMX_EFER_LME | NVMX_EFER_SCE);
	enter_ok(true);
	cr_assert(V02(VM_ENTRY_CONTROLS) & NVMX_ENTRY_CTL_LOAD_EFER);
	cr_assert_eq(V02(GUEST_IA32_EFER), 0x501);
}

Test(merge, policy_with_a_short_size_is_refused)
{
	F.pol.size = 8;
	cr_assert_eq(nvmx_vcpu_set_l0_policy(F.v, &F.pol), NVMX_STATUS_INVALID_ARGUMENT);
}

/* ---- dirty tracking ---- */

static uint64_t resume_writes(void)
{
	fx_exit_to_l1(&F);
	uint64_t before = writes();
	cr_assert_eq(fx_enter(&F, false, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.outcome, NVMX_OUTCOME_L2_ENTERED);
	return writes() - before;
}

Test(merge, vmlaunch_writes_every_field_it_owns)
{
	uint64_t before = writes();
	enter_ok(true);
	cr_assert_geq(writes() - before, 80, "wrote %llu", (unsigned long long)(writes() - before));
}

Test(merge, vmresume_with_nothing_dirty_writes_nothing)
{
	enter_ok(true);
	cr_assert_eq(resume_writes(), 0);
}

Test(merge, vmresume_with_one_dirty_guest_field_writes_one)
{
	enter_ok(true);
	SET(GUEST_RIP, 0x400010);
	cr_assert_eq(resume_writes(), 1);
	cr_assert_eq(V02(GUEST_RIP), 0x400010);
}

Test(merge, vmresume_with_ten_dirty_guest_fields_writes_ten)
{
	enter_ok(true);
	SET(GUEST_RIP, 0x400010);
	SET(GUEST_RSP, 0x7fe000);
	SET(GUEST_RFLAGS, 0x246);
	SET(GUEST_CR3, 0x8000);
	SET(GUEST_FS_BASE, 0x1000);
	SET(GUEST_GS_BASE, 0x2000);
	SET(GUEST_INTERRUPTIBILITY_INFO, 1);
	SET(GUEST_SYSENTER_ESP, 0x3000);
	SET(GUEST_SYSENTER_EIP, 0x4000);
	SET(GUEST_DR7, 0x401);
	cr_assert_eq(resume_writes(), 10);
	cr_assert_eq(V02(GUEST_GS_BASE), 0x2000);
}

Test(merge, vmresume_after_an_unchanged_vmwrite_writes_nothing_for_controls)
{
	enter_ok(true);
	SET(EXCEPTION_BITMAP, GET(EXCEPTION_BITMAP));
	cr_assert_eq(resume_writes(), 0);
	SET(EXCEPTION_BITMAP, GET(EXCEPTION_BITMAP) | (1u << 13));
	cr_assert_eq(resume_writes(), 1);
	cr_assert(V02(EXCEPTION_BITMAP) & (1u << 13));
}

Test(merge, vmresume_after_guest_cr0_change_rewrites_cr0_and_its_shadow)
{
	enter_ok(true);
	SET(GUEST_CR0, GET(GUEST_CR0) & ~(1ull << 16)); /* WP, not masked by L1 */
	cr_assert_eq(resume_writes(), 2);
	cr_assert_eq(V02(CR0_READ_SHADOW) & (1ull << 16), 0);
}

Test(merge, stale_fields_from_the_exit_path_are_rewritten)
{
	enter_ok(true);
	nvmx_sync_vmcs02_forget(F.v, NVMX_IDX_GUEST_RIP);
	nvmx_sync_vmcs02_forget(F.v, NVMX_IDX_EXCEPTION_BITMAP);
	cr_assert_eq(resume_writes(), 2);
}

/* The sync owner's hooks for issue 12 (vmcs/sync.h). VMCS shadowing: a
 * field that reached VMCS12 outside VMWRITE (L1 wrote it into a shadow VMCS,
 * SDM 25.10) is rewritten into VMCS02 at the next entry. */
Test(merge, a_field_written_outside_vmwrite_reaches_vmcs02)
{
	enter_ok(true);
	F.s->f[NVMX_IDX_GUEST_RIP] = 0x401234; /* as a shadow-VMCS copy would */
	nvmx_sync_vmcs12_written_outside(F.v, F.s, NVMX_IDX_GUEST_RIP);
	cr_assert_eq(resume_writes(), 1);
	cr_assert_eq(V02(GUEST_RIP), 0x401234);
}

/* Enlightened VMCS (TLFS, clean fields): L1 promises a group unchanged since
 * the last entry; the library then neither rewrites nor re-reads it, even
 * where its own tracking says a field may differ. */
Test(merge, fields_marked_clean_are_not_rewritten)
{
	enter_ok(true);
	uint64_t rsp02 = V02(GUEST_RSP);
	SET(GUEST_RSP, rsp02 + 0x100);
	uint64_t mask[NVMX_FIELD_WORDS] = { 0 };
	mask[NVMX_IDX_GUEST_RSP / 64u] = 1ull << (NVMX_IDX_GUEST_RSP % 64u);
	nvmx_sync_vmcs12_mark_clean(F.s, mask);
	cr_assert_eq(resume_writes(), 0);
	cr_assert_eq(V02(GUEST_RSP), rsp02);
}

Test(merge, msr_bitmap_merge_is_cached_until_l1s_page_changes)
{
	enter_ok(true);
	uint64_t merges = F.v->entry.merges;
	cr_assert_eq(resume_writes(), 0);
	cr_assert_eq(F.v->entry.merges, merges, "no merge on an unchanged page");
	refhost_mem_w32(&F.h, FX_MSR_BITMAP + 0x1b / 8, 1u << (0x1b % 8));
	nvmx_vcpu_notify_l1_page_changed(F.v, FX_MSR_BITMAP + 0x10);
	cr_assert_eq(resume_writes(), 0, "same merged page, no VMCS02 write");
	cr_assert_eq(F.v->entry.merges, merges + 1);
	cr_assert(fx_vmcs02_msr_exits(&F, 0x1b, false));
}

Test(merge, hashed_bitmaps_notice_a_change_without_the_hook)
{
	F.pol.flags = NVMX_L0_HASH_L1_BITMAPS;
	set_policy();
	enter_ok(true);
	uint64_t merges = F.v->entry.merges;
	resume_writes();
	cr_assert_eq(F.v->entry.merges, merges);
	refhost_mem_w32(&F.h, FX_MSR_BITMAP + 0x1b / 8, 1u << (0x1b % 8));
	resume_writes();
	cr_assert_eq(F.v->entry.merges, merges + 1);
	cr_assert(fx_vmcs02_msr_exits(&F, 0x1b, false));
}

Test(merge, a_different_vmcs12_is_written_in_full)
{
	enter_ok(true);
	fx_exit_to_l1(&F);
	refhost_mem_w32(&F.h, 0x11000, 4);
	struct nvmx_vmcs12 *other;
	cr_assert_eq(nvmx_vmcs12_load(F.v, 0x11000, &other), NVMX_STATUS_OK);
	nvmx_memcpy(other->f, F.s->f, sizeof(other->f));
	nvmx_vmcs12_merged(other);
	F.v->cur = other;
	F.v->current_vmptr = 0x11000;
	uint64_t before = writes();
	cr_assert_eq(fx_enter(&F, false, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.outcome, NVMX_OUTCOME_L2_ENTERED);
	cr_assert_geq(writes() - before, 80);
}

Test(merge, after_a_vmcs02_reset_the_next_entry_writes_everything)
{
	enter_ok(true);
	nvmx_vcpu_vmcs02_reset(F.v);
	cr_assert_geq(resume_writes(), 80);
	cr_assert_eq(resume_writes(), 0);
}

/* SDM 28.2.2: only an exit that acknowledged the interrupt reports its
 * vector, so VMCS02 must acknowledge whenever L1's VMCS12 does. */
Test(merge, vmcs02_acknowledges_interrupts_on_exit_when_l1_asks)
{
	SET(VM_EXIT_CONTROLS, GET(VM_EXIT_CONTROLS) & ~NVMX_EXIT_CTL_ACK_INTR_ON_EXIT);
	enter_ok(true);
	cr_assert_eq(V02(VM_EXIT_CONTROLS) & NVMX_EXIT_CTL_ACK_INTR_ON_EXIT, 0);
	fx_fini(&F);
	cr_assert_eq(fx_init(&F), 0);
	SET(PIN_BASED_VM_EXEC_CONTROL, GET(PIN_BASED_VM_EXEC_CONTROL) | NVMX_PIN_EXT_INTR_EXITING);
	SET(VM_EXIT_CONTROLS, GET(VM_EXIT_CONTROLS) | NVMX_EXIT_CTL_ACK_INTR_ON_EXIT);
	enter_ok(true);
	cr_assert_neq(V02(VM_EXIT_CONTROLS) & NVMX_EXIT_CTL_ACK_INTR_ON_EXIT, 0);
}

/* SDM 27.4: the VM-entry MSR-load area is WRMSR'd in order into the
 * processor's MSRs; in the reference host, its MSR file. */
Test(merge, the_entry_msr_load_area_reaches_the_hosts_msr_file)
{
	refhost_mem_w64(&F.h, 0x32000, 0xc0000102u);
	refhost_mem_w64(&F.h, 0x32008, 0xffff888000002000ull);
	refhost_mem_w64(&F.h, 0x32010, 0xc0000103u);
	refhost_mem_w64(&F.h, 0x32018, 7);
	SET(VM_ENTRY_MSR_LOAD_ADDR, 0x32000);
	SET(VM_ENTRY_MSR_LOAD_COUNT, 2);
	enter_ok(true);
	uint64_t v = 0;
	cr_expect_eq(refhost_rdmsr(&F.h, 0xc0000102u, &v), NVMX_REASON_MSR_WRITE_OK);
	cr_expect_eq(v, 0xffff888000002000ull);
	cr_expect_eq(refhost_rdmsr(&F.h, 0xc0000103u, &v), NVMX_REASON_MSR_WRITE_OK);
	cr_expect_eq(v, 7);
}

/* SDM 27.4: MSRs are loaded from the VM-entry MSR-load area after the
 * guest state (27.3), so an IA32_PAT or IA32_EFER there is what L2 runs
 * with. A hardware L0 loads them by writing VMCS02's guest fields: the
 * merge must not overwrite those writes, and the next entry, whose area is
 * empty, must give L2 VMCS12's values again. */
Test(merge, msr_loads_a_host_routes_into_vmcs02_win_and_do_not_outlive_the_entry)
{
	F.h.msr_load_to_vmcs02 = true;
	uint64_t pat12 = GET(GUEST_IA32_PAT), efer12 = GET(GUEST_IA32_EFER);
	refhost_mem_w64(&F.h, 0x32000, 0x277);
	refhost_mem_w64(&F.h, 0x32008, 0x0006060606060606ull); /* all WB */
	refhost_mem_w64(&F.h, 0x32010, 0xc0000080u);
	refhost_mem_w64(&F.h, 0x32018, efer12 & ~(uint64_t)NVMX_EFER_SCE);
	SET(VM_ENTRY_MSR_LOAD_ADDR, 0x32000);
	SET(VM_ENTRY_MSR_LOAD_COUNT, 2);
	SET(VM_ENTRY_CONTROLS, GET(VM_ENTRY_CONTROLS) | NVMX_ENTRY_CTL_LOAD_PAT | NVMX_ENTRY_CTL_LOAD_EFER);
	enter_ok(true);
	cr_expect_eq(V02(GUEST_IA32_PAT), 0x0006060606060606ull);
	cr_expect_eq(V02(GUEST_IA32_EFER), efer12 & ~(uint64_t)NVMX_EFER_SCE);
	fx_exit_to_l1(&F);
	SET(VM_ENTRY_MSR_LOAD_COUNT, 0);
	enter_ok(false);
	cr_expect_eq(V02(GUEST_IA32_PAT), pat12);
	cr_expect_eq(V02(GUEST_IA32_EFER), efer12);
}

Test(merge, a_refused_msr_load_entry_leaves_the_ones_before_it_loaded)
{
	refhost_mem_w64(&F.h, 0x32000, 0xc0000102u);
	refhost_mem_w64(&F.h, 0x32008, 0xffff888000002000ull);
	refhost_mem_w64(&F.h, 0x32010, 0xc0000082u);
	refhost_mem_w64(&F.h, 0x32018, 0x0000800000000000ull); /* not canonical */
	SET(VM_ENTRY_MSR_LOAD_ADDR, 0x32000);
	SET(VM_ENTRY_MSR_LOAD_COUNT, 2);
	cr_assert_eq(fx_enter(&F, true, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.outcome, NVMX_OUTCOME_ENTRY_FAILED);
	cr_assert_eq(R.exit_reason, 0x80000022u);
	cr_assert_eq(R.exit_qualification, 2);
	cr_assert_eq(R.reason, NVMX_REASON_MSR_NON_CANONICAL);
	uint64_t v = 0;
	cr_expect_eq(refhost_rdmsr(&F.h, 0xc0000102u, &v), NVMX_REASON_MSR_WRITE_OK);
	cr_expect_eq(v, 0xffff888000002000ull);
	cr_expect_eq(refhost_rdmsr(&F.h, 0xc0000082u, &v), NVMX_REASON_MSR_WRITE_OK);
	cr_expect_eq(v, 0);
}

/* nvmx_result.field names the VMCS12 field of the failing check, by its
 * SDM appendix B encoding. */
Test(merge, vmfail_valid_7_names_the_control_field)
{
	SET(PIN_BASED_VM_EXEC_CONTROL, GET(PIN_BASED_VM_EXEC_CONTROL) | (1u << 8));
	cr_assert_eq(fx_enter(&F, true, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.vm_insn_error, 7);
	cr_expect_eq(R.field, 0x4000, "pin-based VM-execution controls");
}

Test(merge, vmfail_valid_8_names_the_host_field)
{
	SET(HOST_CR0, GET(HOST_CR0) & ~1ull); /* CR0.PE is fixed to 1 */
	cr_assert_eq(fx_enter(&F, true, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.vm_insn_error, 8);
	cr_expect_eq(R.field, 0x6c00, "host CR0");
}

Test(merge, a_guest_state_failure_names_the_guest_field)
{
	SET(VMCS_LINK_POINTER, 0x2c001);
	cr_assert_eq(fx_enter(&F, true, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.outcome, NVMX_OUTCOME_ENTRY_FAILED);
	cr_expect_eq(R.field, 0x2800, "VMCS link pointer");
}

Test(merge, an_msr_load_failure_names_the_area_and_the_msr)
{
	refhost_mem_w64(&F.h, 0x32000, 0xc0000082u);
	refhost_mem_w64(&F.h, 0x32008, 0x0000800000000000ull);
	SET(VM_ENTRY_MSR_LOAD_ADDR, 0x32000);
	SET(VM_ENTRY_MSR_LOAD_COUNT, 1);
	cr_assert_eq(fx_enter(&F, true, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.exit_reason, 0x80000022u);
	cr_expect_eq(R.field, 0x200a, "VM-entry MSR-load address");
	cr_expect_eq(R.value, 0xc0000082u);
}

/*
 * NVMX_L0_EMULATE_APIC_VIRT (L0's processor does not virtualize the APIC
 * for L2). L1 sets up an xAPIC guest with every APIC-virtualization control
 * the SDM lets it combine (27.2.1.1: APIC-register virtualization and
 * virtual-interrupt delivery need use TPR shadow, virtual-interrupt
 * delivery needs external-interrupt exiting, posted interrupts need
 * virtual-interrupt delivery and acknowledge interrupt on exit; virtualize
 * x2APIC mode excludes virtualize APIC accesses).
 */
#define APIC2_ALL (NVMX_PROC2_VIRT_APIC_ACCESSES | NVMX_PROC2_APIC_REG_VIRT | \
                   NVMX_PROC2_VIRT_INTR_DELIVERY | NVMX_PROC2_VIRT_X2APIC)

static void l1_xapic_virtualization(void)
{
	SET(CPU_BASED_VM_EXEC_CONTROL, (GET(CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_TPR_SHADOW) &
	                                       ~(uint64_t)(NVMX_PROC_CR8_LOAD_EXITING |
	                                                   NVMX_PROC_CR8_STORE_EXITING));
	SET(VIRTUAL_APIC_PAGE_ADDR, FX_VAPIC);
	SET(TPR_THRESHOLD, 0);
	SET(SECONDARY_VM_EXEC_CONTROL, GET(SECONDARY_VM_EXEC_CONTROL) |
	                                       NVMX_PROC2_VIRT_APIC_ACCESSES | NVMX_PROC2_APIC_REG_VIRT |
	                                       NVMX_PROC2_VIRT_INTR_DELIVERY);
	SET(APIC_ACCESS_ADDR, FX_APIC_ACCESS);
	SET(PIN_BASED_VM_EXEC_CONTROL, GET(PIN_BASED_VM_EXEC_CONTROL) | NVMX_PIN_EXT_INTR_EXITING |
	                                       NVMX_PIN_POSTED_INTR);
	SET(VM_EXIT_CONTROLS, GET(VM_EXIT_CONTROLS) | NVMX_EXIT_CTL_ACK_INTR_ON_EXIT);
	SET(POSTED_INTR_NV, 0xf2);
	SET(POSTED_INTR_DESC_ADDR, FX_PI_DESC);
}

static void l1_x2apic_virtualization(void)
{
	l1_xapic_virtualization();
	SET(SECONDARY_VM_EXEC_CONTROL, (GET(SECONDARY_VM_EXEC_CONTROL) &
	                                ~(uint64_t)NVMX_PROC2_VIRT_APIC_ACCESSES) |
	                                       NVMX_PROC2_VIRT_X2APIC);
}

static void emulate_apic_policy(void)
{
	F.pol.flags |= NVMX_L0_EMULATE_APIC_VIRT;
	set_policy();
}

Test(merge, apic_emulation_keeps_l1s_apic_controls_out_of_vmcs02_and_cr8_exits)
{
	emulate_apic_policy();
	l1_xapic_virtualization();
	enter_ok(true);
	uint32_t pin = (uint32_t)V02(PIN_BASED_VM_EXEC_CONTROL);
	uint32_t proc = (uint32_t)V02(CPU_BASED_VM_EXEC_CONTROL);
	uint32_t proc2 = (proc & NVMX_PROC_SECONDARY_CONTROLS)
	                         ? (uint32_t)V02(SECONDARY_VM_EXEC_CONTROL) : 0;
	cr_assert_eq(pin & NVMX_PIN_POSTED_INTR, 0, "process posted interrupts absent");
	cr_assert_eq(proc & NVMX_PROC_TPR_SHADOW, 0, "use TPR shadow absent");
	cr_assert_eq(proc2 & APIC2_ALL, 0, "APIC-access, ARV, VID, x2APIC virtualization absent");
	/* SDM "Virtualizing MOV to/from CR8": with L1's TPR shadow both
	 * directions act on L1's VTPR, which the library keeps: both exit. */
	cr_assert(proc & NVMX_PROC_CR8_LOAD_EXITING);
	cr_assert(proc & NVMX_PROC_CR8_STORE_EXITING);
	/* Nothing in VMCS02 names L1's APIC pages. */
	cr_assert_eq(V02(VIRTUAL_APIC_PAGE_ADDR), 0);
	cr_assert_eq(V02(APIC_ACCESS_ADDR), 0);
	cr_assert_eq(V02(POSTED_INTR_DESC_ADDR), 0);
	/* The CR8-exiting exits are L0's (L1 did not ask for them). */
	cr_assert_eq(GET(CPU_BASED_VM_EXEC_CONTROL) & NVMX_PROC_CR8_LOAD_EXITING, 0);
}

Test(merge, without_apic_emulation_l1s_apic_controls_reach_vmcs02)
{
	l1_xapic_virtualization();
	enter_ok(true);
	uint32_t proc = (uint32_t)V02(CPU_BASED_VM_EXEC_CONTROL);
	cr_assert(V02(PIN_BASED_VM_EXEC_CONTROL) & NVMX_PIN_POSTED_INTR);
	cr_assert(proc & NVMX_PROC_TPR_SHADOW);
	cr_assert_eq(proc & (NVMX_PROC_CR8_LOAD_EXITING | NVMX_PROC_CR8_STORE_EXITING), 0);
	cr_assert_eq(V02(SECONDARY_VM_EXEC_CONTROL) & APIC2_ALL,
	             NVMX_PROC2_VIRT_APIC_ACCESSES | NVMX_PROC2_APIC_REG_VIRT |
	                     NVMX_PROC2_VIRT_INTR_DELIVERY);
	cr_assert_eq(V02(VIRTUAL_APIC_PAGE_ADDR), REFHOST_HPA_BASE + FX_VAPIC);
	cr_assert_eq(V02(POSTED_INTR_NV), 0xf2);
}

Test(merge, apic_emulation_intercepts_every_x2apic_msr)
{
	emulate_apic_policy();
	l1_x2apic_virtualization();
	enter_ok(true);
	cr_assert_eq(V02(SECONDARY_VM_EXEC_CONTROL) & APIC2_ALL, 0);
	cr_assert(V02(CPU_BASED_VM_EXEC_CONTROL) & NVMX_PROC_USE_MSR_BITMAPS);
	/* SDM 25.6.9: read bitmap for low MSRs at 0, write bitmap at 2048;
	 * L1's bitmap (all zero) asks for none of these exits. */
	for (uint32_t msr = 0x800; msr <= 0x8ff; msr++) {
		cr_assert(fx_vmcs02_msr_exits(&F, msr, false), "RDMSR %#x", msr);
		cr_assert(fx_vmcs02_msr_exits(&F, msr, true), "WRMSR %#x", msr);
	}
	cr_assert_not(fx_vmcs02_msr_exits(&F, 0x1b, false), "outside the range: L1's bitmap");
}

Test(merge, without_apic_emulation_virtualized_x2apic_msrs_do_not_exit)
{
	l1_x2apic_virtualization();
	enter_ok(true);
	/* SDM "Virtualizing MSR-Based APIC Accesses": with APIC-register
	 * virtualization every RDMSR of 800H-8FFH is virtualized; with
	 * virtual-interrupt delivery WRMSR of TPR, EOI and SELF IPI too. */
	cr_assert_not(fx_vmcs02_msr_exits(&F, 0x808, false));
	cr_assert_not(fx_vmcs02_msr_exits(&F, 0x808, true));
	cr_assert_not(fx_vmcs02_msr_exits(&F, 0x80b, true));
	cr_assert_not(fx_vmcs02_msr_exits(&F, 0x83f, true));
	cr_assert(fx_vmcs02_msr_exits(&F, 0x830, true), "ICR write operates on L0's x2APIC");
}
