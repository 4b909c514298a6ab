/* SPDX-License-Identifier: MIT */
/*
 * VMRESUME skips the host-state checks of SDM 27.2.2/27.2.3 when none of
 * their inputs changed since they last passed (checks_host.c). These tests
 * show that every input that can change still makes them run: a VMWRITE of a
 * host-state field or of the VM-exit controls, a capability change, a
 * MAXPHYADDR change; and that the 27.2.4 checks, which read L1's state, run
 * on every entry.
 */
#include "resume_common.h"

TestSuite(host_skip, .init = setup, .fini = teardown);

Test(host_skip, vmresume_refuses_a_host_cr0_written_after_the_exit)
{
	launched_and_back_in_l1();
	SET(HOST_CR0, 0x80050032); /* PE clear: CR0_FIXED0 has it */
	resume_fails_valid(8, NVMX_REASON_ENTRY_HOST_CR0_FIXED);
}

Test(host_skip, vmresume_refuses_a_host_selector_written_after_the_exit)
{
	launched_and_back_in_l1();
	SET(HOST_DS_SELECTOR, 0x1b);
	resume_fails_valid(8, NVMX_REASON_ENTRY_HOST_SEL_RPL_TI);
}

Test(host_skip, vmresume_rechecks_host_efer_when_only_the_exit_controls_changed)
{
	SET(HOST_IA32_EFER, 0x100); /* LME without LMA: bad only when loaded */
	launched_and_back_in_l1();
	SET(VM_EXIT_CONTROLS, GET(VM_EXIT_CONTROLS) | NVMX_EXIT_CTL_LOAD_EFER);
	resume_fails_valid(8, NVMX_REASON_ENTRY_HOST_EFER_LMA_LME);
}

Test(host_skip, vmresume_keeps_refusing_until_the_field_is_fixed)
{
	launched_and_back_in_l1();
	uint64_t good = GET(HOST_CR0);
	SET(HOST_CR0, 0x80050032);
	resume_fails_valid(8, NVMX_REASON_ENTRY_HOST_CR0_FIXED);
	resume_fails_valid(8, NVMX_REASON_ENTRY_HOST_CR0_FIXED);
	SET(HOST_CR0, good);
	resume_enters();
}

Test(host_skip, a_capability_change_forces_the_host_checks)
{
	launched_and_back_in_l1();
	/* HOST_CR4 has bit 9 (OSFXSR); L0 stops allowing it to be 1. */
	uint64_t f1 = fx_cap(&F, NVMX_MSR_IA32_VMX_CR4_FIXED1);
	cr_assert(f1 & (1ull << 9));
	cr_assert_eq(nvmx_vm_set_cap(F.h.vm, NVMX_MSR_IA32_VMX_CR4_FIXED1, f1 & ~(1ull << 9)),
	             NVMX_STATUS_OK);
	resume_fails_valid(8, NVMX_REASON_ENTRY_HOST_CR4_FIXED);
}

Test(host_skip, a_smaller_maxphyaddr_forces_the_host_cr3_check)
{
	SET(HOST_CR3, 1ull << 40);
	launched_and_back_in_l1();
	cr_assert_eq(nvmx_vm_set_maxphyaddr(F.h.vm, 39), NVMX_STATUS_OK);
	resume_fails_valid(8, NVMX_REASON_ENTRY_HOST_CR3_WIDTH);
}

Test(host_skip, the_l1_mode_check_runs_on_every_vmresume)
{
	launched_and_back_in_l1();
	/* L1 left IA-32e mode (its own state, no VMCS12 field changed) while
	 * VMCS12 still says the host is 64-bit (SDM 27.2.4). */
	refhost_l1_set(&F.h, NVMX_F_GUEST_IA32_EFER, 0);
	resume_fails_valid(8, NVMX_REASON_ENTRY_HOST_ADDR_SPACE_L1_MODE);
}

Test(host_skip, the_checks_are_skipped_when_no_input_changed)
{
	launched_and_back_in_l1();
	/* White box: a value placed in VMCS12 without a VMWRITE (which no path
	 * of the library does for host state) is not seen, proving the skip is
	 * taken; the same value through VMWRITE is refused above. */
	F.s->f[NVMX_IDX_HOST_CR0] = 0x80050032;
	resume_enters();
}
