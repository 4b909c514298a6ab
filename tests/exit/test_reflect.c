/* SPDX-License-Identifier: MIT */
/* Reflection to L1 (SDM 28.2-28.3) and L0's exits (re-injection). */
#include <criterion/criterion.h>
#include <string.h>
#include "fixture.h"

static struct nvmx_result run(struct fx *f, struct nvmx_l2_exit *e)
{
	struct nvmx_result res;
	cr_assert_eq(nvmx_vcpu_handle_exit(f->v, e, &res), NVMX_STATUS_OK);
	return res;
}

Test(reflect, records_exception_information)
{
	struct fx f;
	fx_init(&f);
	S12(&f, EXCEPTION_BITMAP) = 1u << 13;
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_EXCEPTION_NMI);
	e.intr_info = 13 | 3u << 8 | NVMX_INTR_INFO_DELIVER_CODE | NVMX_INTR_INFO_VALID;
	e.intr_error_code = 0x18;
	e.idt_vectoring_info = 0x20 | NVMX_INTR_INFO_VALID; /* external interrupt 0x20 */
	e.insn_len = 0;
	struct nvmx_result res = run(&f, &e);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 0);
	cr_expect_eq(S12(&f, VM_EXIT_INTR_INFO), 0x80000b0du);
	cr_expect_eq(S12(&f, VM_EXIT_INTR_ERROR_CODE), 0x18);
	cr_expect_eq(S12(&f, IDT_VECTORING_INFO_FIELD), 0x80000020u);
	fx_fini(&f);
}

Test(reflect, records_instruction_length_and_information)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_VMPTRLD);
	e.qualification = 0x10;
	e.insn_len = 5;
	e.insn_info = 0x1b8100;
	e.guest_linear_address = 0x1234;
	run(&f, &e);
	cr_expect_eq(S12(&f, VM_EXIT_INSTRUCTION_LEN), 5);
	cr_expect_eq(S12(&f, VMX_INSTRUCTION_INFO), 0x1b8100);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x10);
	cr_expect_eq(S12(&f, GUEST_LINEAR_ADDRESS), 0x1234);
	cr_expect_eq(S12(&f, VM_EXIT_INTR_INFO), 0, "valid bit clear for non-event exits");
	fx_fini(&f);
}

Test(reflect, records_ept_violation_addresses)
{
	struct fx f;
	fx_init(&f);
	S12(&f, CPU_BASED_VM_EXEC_CONTROL) = NVMX_PROC_SECONDARY_CONTROLS;
	S12(&f, SECONDARY_VM_EXEC_CONTROL) = NVMX_PROC2_EPT;
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_EPT_VIOLATION);
	e.flags = NVMX_L2_EXIT_EPT12_FAULT;
	e.qualification = 0x182;
	e.guest_physical_address = 0xabc123;
	e.guest_linear_address = 0x7fff0123;
	run(&f, &e);
	cr_expect_eq(S12(&f, GUEST_PHYSICAL_ADDRESS), 0xabc123);
	cr_expect_eq(S12(&f, GUEST_LINEAR_ADDRESS), 0x7fff0123);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x182);
	fx_fini(&f);
}

Test(reflect, external_interrupt_vector_with_acknowledge_on_exit)
{
	struct fx f;
	fx_init(&f);
	S12(&f, PIN_BASED_VM_EXEC_CONTROL) = NVMX_PIN_EXT_INTR_EXITING;
	S12(&f, VM_EXIT_CONTROLS) |= NVMX_EXIT_CTL_ACK_INTR_ON_EXIT;
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_EXTERNAL_INTERRUPT);
	e.intr_info = 0x41 | NVMX_INTR_INFO_VALID;
	run(&f, &e);
	cr_expect_eq(S12(&f, VM_EXIT_INTR_INFO), 0x80000041u);
	fx_fini(&f);
}

Test(reflect, external_interrupt_without_acknowledge_has_invalid_info)
{
	struct fx f;
	fx_init(&f);
	S12(&f, PIN_BASED_VM_EXEC_CONTROL) = NVMX_PIN_EXT_INTR_EXITING;
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_EXTERNAL_INTERRUPT);
	e.intr_info = 0x41 | NVMX_INTR_INFO_VALID; /* L0 acknowledged it in VMCS02 */
	run(&f, &e);
	cr_expect_eq(S12(&f, VM_EXIT_INTR_INFO), 0);
	fx_fini(&f);
}

Test(reflect, clears_valid_bit_of_entry_interruption_info)
{
	struct fx f;
	fx_init(&f);
	S12(&f, VM_ENTRY_INTR_INFO_FIELD) = 0x80000b0eu;
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_CPUID);
	run(&f, &e);
	cr_expect_eq(S12(&f, VM_ENTRY_INTR_INFO_FIELD), 0x00000b0eu);
	cr_expect(nvmx_vmcs12_differs(f.s, NVMX_IDX_VM_ENTRY_INTR_INFO_FIELD));
	fx_fini(&f);
}

Test(reflect, syncs_rip_rsp_rflags_cr3_and_interruptibility)
{
	struct fx f;
	fx_init(&f);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 1);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_ACTIVITY_STATE, 0);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_PENDING_DBG_EXCEPTIONS, 0x4000);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_CPUID);
	run(&f, &e);
	cr_expect_eq(S12(&f, GUEST_RIP), 0x2000);
	cr_expect_eq(S12(&f, GUEST_RSP), 0x3000);
	cr_expect_eq(S12(&f, GUEST_RFLAGS), 0x202);
	cr_expect_eq(S12(&f, GUEST_CR3), 0x6000);
	cr_expect_eq(S12(&f, GUEST_INTERRUPTIBILITY_INFO), 1);
	cr_expect_eq(S12(&f, GUEST_PENDING_DBG_EXCEPTIONS), 0x4000);
	cr_expect(nvmx_sync_vmcs12_agrees(f.v->cur, NVMX_IDX_GUEST_RIP));
	cr_expect(nvmx_sync_vmcs12_agrees(f.v->cur, NVMX_IDX_GUEST_CR0), "no masks: L1's view is VMCS02's");
	fx_fini(&f);
}

/* L1 owns PE (mask12 = 1), L0 owns NE (mask02 = PE|NE), nobody owns the
 * rest: PE from VMCS12, NE from VMCS02's read shadow, others from VMCS02. */
Test(reflect, cr0_as_l1_sees_it_follows_the_masks)
{
	struct fx f;
	fx_init(&f);
	S12(&f, CR0_GUEST_HOST_MASK) = 0x1;
	S12(&f, GUEST_CR0) = 0x1;
	refhost_vmcs02_set(&f.h, NVMX_F_CR0_GUEST_HOST_MASK, 0x21);
	refhost_vmcs02_set(&f.h, NVMX_F_CR0_READ_SHADOW, 0x00);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_CR0, 0x80000030); /* PE 0 in hardware, NE 1 */
	S12(&f, CR4_GUEST_HOST_MASK) = 0;
	refhost_vmcs02_set(&f.h, NVMX_F_CR4_GUEST_HOST_MASK, 0x2000);
	refhost_vmcs02_set(&f.h, NVMX_F_CR4_READ_SHADOW, 0);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_CR4, 0x2020);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_CPUID);
	run(&f, &e);
	cr_expect_eq(S12(&f, GUEST_CR0), 0x80000011, "got %#lx", (unsigned long)S12(&f, GUEST_CR0));
	cr_expect_eq(S12(&f, GUEST_CR4), 0x20, "VMXE is L0's and L2 sees it clear");
	cr_expect(nvmx_vmcs12_differs(f.s, NVMX_IDX_GUEST_CR0), "differs from VMCS02: dirty");
	cr_expect(nvmx_vmcs12_differs(f.s, NVMX_IDX_GUEST_CR4));
	fx_fini(&f);
}

Test(reflect, segments_sync_lazily_and_keep_l1_writes)
{
	struct fx f;
	fx_init(&f);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_ES_SELECTOR, 0x2b);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_GDTR_BASE, 0xfeed000);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_SYSENTER_EIP, 0x1111);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_CPUID);
	run(&f, &e);
	cr_expect_eq(S12(&f, GUEST_ES_SELECTOR), 0, "not read yet");
	/* L1 VMWRITEs GDTR base before reading anything. */
	nvmx_vmcs12_set(f.s, NVMX_IDX_GUEST_GDTR_BASE, 0x5555);
	cr_assert_eq(nvmx_sync_lazy_all(f.v), NVMX_STATUS_OK);
	cr_expect_eq(S12(&f, GUEST_ES_SELECTOR), 0x2b);
	cr_expect_eq(S12(&f, GUEST_SYSENTER_EIP), 0x1111);
	cr_expect_eq(S12(&f, GUEST_GDTR_BASE), 0x5555);
	fx_fini(&f);
}

Test(reflect, writeback_includes_lazy_state)
{
	struct fx f;
	fx_init(&f);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_TR_SELECTOR, 0x78);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_CPUID);
	run(&f, &e);
	cr_assert_eq(nvmx_vmcs12_writeback(f.v, f.s), NVMX_STATUS_OK);
	uint64_t v;
	refhost_mem_read(&f.h, FX_VMCS12 + NVMX_VMCS12_FIELDS_OFFSET + 8 * NVMX_IDX_GUEST_TR_SELECTOR, &v, 8);
	cr_expect_eq(v, 0x78);
	fx_fini(&f);
}

Test(reflect, cpuid_exit_reads_few_vmcs02_fields)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_CPUID);
	uint64_t before = f.v->stats.vmcs_reads;
	run(&f, &e);
	/* 7 copied fields, CR0 and CR4 with their VMCS02 masks, EFER for the
	 * IA-32e-mode-guest control: 12. */
	cr_expect_leq(f.v->stats.vmcs_reads - before, 12);
	cr_expect_eq(f.v->stats.vmcs_writes, 0);
	fx_fini(&f);
}

Test(reflect, save_controls_copy_debug_pat_efer_and_timer)
{
	struct fx f;
	fx_init(&f);
	S12(&f, PIN_BASED_VM_EXEC_CONTROL) = NVMX_PIN_PREEMPTION_TIMER;
	S12(&f, VM_EXIT_CONTROLS) |= NVMX_EXIT_CTL_SAVE_DEBUG_CONTROLS | NVMX_EXIT_CTL_SAVE_PAT |
	                             NVMX_EXIT_CTL_SAVE_EFER | NVMX_EXIT_CTL_SAVE_PREEMPTION_TIMER;
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_DR7, 0x455);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_IA32_DEBUGCTL, 3);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_IA32_PAT, 0x0007040600070406ull);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_IA32_EFER, 0xd01);
	refhost_vmcs02_set(&f.h, NVMX_F_VMX_PREEMPTION_TIMER_VALUE, 777);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_CPUID);
	run(&f, &e);
	cr_expect_eq(S12(&f, GUEST_DR7), 0x455);
	cr_expect_eq(S12(&f, GUEST_IA32_DEBUGCTL), 3);
	cr_expect_eq(S12(&f, GUEST_IA32_PAT), 0x0007040600070406ull);
	cr_expect_eq(S12(&f, GUEST_IA32_EFER), 0xd01);
	cr_expect_eq(S12(&f, VMX_PREEMPTION_TIMER_VALUE), 777);
	cr_expect(S12(&f, VM_ENTRY_CONTROLS) & NVMX_ENTRY_CTL_IA32E_MODE_GUEST, "EFER.LMA stored");
	fx_fini(&f);
}

Test(reflect, without_save_controls_fields_stay)
{
	struct fx f;
	fx_init(&f);
	S12(&f, GUEST_DR7) = 0x400;
	S12(&f, GUEST_IA32_PAT) = 0x1234;
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_DR7, 0x455);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_IA32_PAT, 0x99);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_CPUID);
	run(&f, &e);
	cr_expect_eq(S12(&f, GUEST_DR7), 0x400);
	cr_expect_eq(S12(&f, GUEST_IA32_PAT), 0x1234);
	cr_expect_eq(S12(&f, VM_ENTRY_CONTROLS) & NVMX_ENTRY_CTL_IA32E_MODE_GUEST, 0, "EFER.LMA 0 in VMCS02");
	fx_fini(&f);
}

/* SDM 28.3.4 (saving non-register state): with "virtual-interrupt
 * delivery" an exit saves the guest interrupt status (RVI bits 7:0, SVI
 * bits 15:8); without the control the field stays as L1 wrote it. */
Test(reflect, virtual_interrupt_delivery_saves_the_guest_interrupt_status)
{
	struct fx f;
	fx_init(&f);
	S12(&f, CPU_BASED_VM_EXEC_CONTROL) |= NVMX_PROC_SECONDARY_CONTROLS;
	S12(&f, SECONDARY_VM_EXEC_CONTROL) |= NVMX_PROC2_VIRT_INTR_DELIVERY;
	S12(&f, GUEST_INTR_STATUS) = 0x0020;
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_INTR_STATUS, 0x3141);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_CPUID);
	run(&f, &e);
	cr_expect_eq(S12(&f, GUEST_INTR_STATUS), 0x3141);
	fx_fini(&f);

	fx_init(&f);
	S12(&f, GUEST_INTR_STATUS) = 0x0020;
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_INTR_STATUS, 0x3141);
	e = fx_exit(NVMX_EXIT_REASON_CPUID);
	run(&f, &e);
	cr_expect_eq(S12(&f, GUEST_INTR_STATUS), 0x0020);
	fx_fini(&f);
}

Test(reflect, preemption_timer_exit_saves_zero)
{
	struct fx f;
	fx_init(&f);
	S12(&f, PIN_BASED_VM_EXEC_CONTROL) = NVMX_PIN_PREEMPTION_TIMER;
	S12(&f, VM_EXIT_CONTROLS) |= NVMX_EXIT_CTL_SAVE_PREEMPTION_TIMER;
	S12(&f, VMX_PREEMPTION_TIMER_VALUE) = 50;
	refhost_vmcs02_set(&f.h, NVMX_F_VMX_PREEMPTION_TIMER_VALUE, 5);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_PREEMPTION_TIMER);
	run(&f, &e);
	cr_expect_eq(S12(&f, VMX_PREEMPTION_TIMER_VALUE), 0);
	fx_fini(&f);
}

Test(reflect, l0_exit_during_event_delivery_reinjects_the_event)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_EPT_VIOLATION);
	e.idt_vectoring_info = 14 | 3u << 8 | NVMX_INTR_INFO_DELIVER_CODE | NVMX_INTR_INFO_VALID;
	e.idt_vectoring_error_code = 6;
	struct nvmx_result res = run(&f, &e);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_L0_EXIT);
	cr_expect_eq(res.reason, NVMX_REASON_EXIT_L0_L1_NO_EPT);
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD), 0x80000b0eu);
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_VM_ENTRY_EXCEPTION_ERROR_CODE), 6);
	fx_fini(&f);
}

Test(reflect, l0_exit_during_software_interrupt_keeps_instruction_length)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_EPT_VIOLATION);
	e.idt_vectoring_info = 0x80 | 4u << 8 | NVMX_INTR_INFO_VALID | NVMX_INTR_INFO_NMI_UNBLOCK;
	e.insn_len = 2;
	run(&f, &e);
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD), 0x80000480u,
	             "bit 12 is not part of the injected event");
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_VM_ENTRY_INSTRUCTION_LEN), 2);
	fx_fini(&f);
}

Test(reflect, l0_exit_with_nmi_unblocking_restores_nmi_blocking)
{
	struct fx f;
	fx_init(&f);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 1);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_EPT_VIOLATION);
	e.qualification = 1u << 12 | 0x81;
	run(&f, &e);
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO), 9);
	fx_fini(&f);
}

Test(reflect, l0_exit_without_event_writes_nothing)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_HLT);
	uint64_t w = f.v->stats.vmcs_writes, r = f.v->stats.vmcs_reads;
	run(&f, &e);
	cr_expect_eq(f.v->stats.vmcs_writes, w);
	cr_expect_eq(f.v->stats.vmcs_reads, r);
	cr_expect_eq(f.v->stats.exits_l0, 1);
	fx_fini(&f);
}

Test(reflect, exit_to_l1_during_event_delivery_carries_idt_vectoring)
{
	struct fx f;
	fx_init(&f);
	S12(&f, EXCEPTION_BITMAP) = 1u << 14;
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_EXCEPTION_NMI);
	e.intr_info = 14 | 3u << 8 | NVMX_INTR_INFO_DELIVER_CODE | NVMX_INTR_INFO_VALID;
	e.intr_error_code = 2;
	e.idt_vectoring_info = 2 | 2u << 8 | NVMX_INTR_INFO_VALID; /* NMI delivery */
	struct nvmx_result res = run(&f, &e);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(S12(&f, IDT_VECTORING_INFO_FIELD), 0x80000202u);
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD), 0, "not re-armed for L2");
	fx_fini(&f);
}

Test(reflect, nmi_exit_blocks_nmis_in_l1)
{
	struct fx f;
	fx_init(&f);
	S12(&f, PIN_BASED_VM_EXEC_CONTROL) = NVMX_PIN_NMI_EXITING;
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_EXCEPTION_NMI);
	e.intr_info = 2 | 2u << 8 | NVMX_INTR_INFO_VALID;
	run(&f, &e);
	cr_expect_eq(refhost_l1_get(&f.h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO), 8);
	fx_fini(&f);
}

Test(reflect, counts_and_generation)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_CPUID);
	run(&f, &e);
	cr_expect_eq(f.v->stats.exits_reflected, 1);
	cr_expect_eq(f.v->exit.generation, 1);
	fx_fini(&f);
}

Test(reflect, l1_vmread_after_exit_sees_lazy_field_for_one_read)
{
	struct fx f;
	fx_init(&f);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_ES_SELECTOR, 0x2b);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_FS_SELECTOR, 0x33);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_CPUID);
	run(&f, &e);
	f.h.gpr[2] = NVMX_F_GUEST_ES_SELECTOR;
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMREAD, .reg1 = 1, .reg2 = 2, .addr_size = 8 };
	uint64_t reads = f.v->stats.vmcs_reads;
	struct nvmx_result res;
	cr_assert_eq(refhost_exec(&f.h, &in, &res), NVMX_STATUS_OK);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_SUCCEED, "outcome %d %s", res.outcome, nvmx_reason_name(res.reason));
	cr_expect_eq(f.h.gpr[1], 0x2b);
	cr_expect_eq(f.v->stats.vmcs_reads - reads, 1);
	cr_expect_eq(S12(&f, GUEST_FS_SELECTOR), 0, "other lazy fields still pending");
	/* Any other VMX instruction completes the sync (VMCLEAR here). */
	struct refhost_insn st = { .exit_reason = NVMX_EXIT_REASON_VMCLEAR, .mem = true, .la = 0x30000, .addr_size = 8 };
	refhost_mem_w64(&f.h, 0x30000, 0x40000);
	cr_assert_eq(refhost_exec(&f.h, &st, &res), NVMX_STATUS_OK);
	cr_expect_eq(S12(&f, GUEST_FS_SELECTOR), 0x33);
	fx_fini(&f);
}

Test(reflect, entry_failure_saves_no_guest_state_and_stores_no_msrs)
{
	struct fx f;
	fx_init(&f);
	S12(&f, VM_EXIT_MSR_STORE_ADDR) = FX_MSR_STORE;
	S12(&f, VM_EXIT_MSR_STORE_COUNT) = 1;
	refhost_mem_w64(&f.h, FX_MSR_STORE, 0x10);
	refhost_mem_w64(&f.h, FX_MSR_STORE + 8, 0xdddd);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_ENTRY_FAIL_GUEST_STATE | NVMX_EXIT_REASON_ENTRY_FAIL);
	e.qualification = 2;
	struct nvmx_result res = run(&f, &e);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 0x80000021u);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 2);
	cr_expect_eq(S12(&f, GUEST_RIP), 0, "no guest state saved");
	cr_expect_eq(refhost_mem_r64(&f.h, FX_MSR_STORE + 8), 0xdddd, "no MSR stored");
	cr_expect_eq(refhost_l1_get(&f.h, NVMX_F_GUEST_RIP), 0x401000, "host state loaded");
	fx_fini(&f);
}

/* EPT12 at 0x50000: L2 GPA 0 -> L1 GPA 0x80000 (RWX, WB); nothing else. */
static uint64_t fx_ept12(struct fx *f)
{
	refhost_mem_w64(&f->h, 0x50000, 0x51000 | 7);
	refhost_mem_w64(&f->h, 0x51000, 0x52000 | 7);
	refhost_mem_w64(&f->h, 0x52000, 0x53000 | 7);
	refhost_mem_w64(&f->h, 0x53000, 0x80000 | 6 << 3 | 7);
	uint64_t eptp = 0x50000 | 6 | 3 << 3;
	S12(f, CPU_BASED_VM_EXEC_CONTROL) = NVMX_PROC_SECONDARY_CONTROLS;
	S12(f, SECONDARY_VM_EXEC_CONTROL) = NVMX_PROC2_EPT;
	S12(f, EPT_POINTER) = eptp;
	uint64_t eptp02;
	cr_assert_eq(nvmx_ept_root(f->v, eptp, &eptp02), NVMX_STATUS_OK);
	refhost_vmcs02_set(&f->h, NVMX_F_EPT_POINTER, eptp02);
	return eptp;
}

Test(reflect, ept_violation_mapped_by_ept12_is_filled_by_l0)
{
	struct fx f;
	fx_init(&f);
	fx_ept12(&f);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_EPT_VIOLATION);
	e.qualification = 1; /* read, nothing mapped in EPT02 */
	e.guest_physical_address = 0x123;
	struct nvmx_result res = run(&f, &e);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_L0_EXIT, "%s", nvmx_reason_name(res.reason));
	cr_expect_eq(res.reason, NVMX_REASON_EXIT_L0_EPT02_FILL);
	cr_expect_eq(res.value, REFHOST_HPA_BASE + 0x80123);
	cr_expect(f.v->in_l2);
	fx_fini(&f);
}

Test(reflect, ept_violation_missing_in_ept12_reaches_l1_with_its_rights)
{
	struct fx f;
	fx_init(&f);
	fx_ept12(&f);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_EPT_VIOLATION);
	e.qualification = 2 | 1u << 7 | 1u << 8; /* write, linear address valid, translated */
	e.guest_physical_address = 0x5000;      /* PTE 5 not present */
	e.guest_linear_address = 0x7000;
	struct nvmx_result res = run(&f, &e);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1, "%s", nvmx_reason_name(res.reason));
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 48);
	/* SDM Table 28-7: access bits 2:0, rights 5:3 (none: not present), 7, 8 */
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x182, "got %#lx", (unsigned long)S12(&f, EXIT_QUALIFICATION));
	cr_expect_eq(S12(&f, GUEST_PHYSICAL_ADDRESS), 0x5000);
	cr_expect_eq(S12(&f, GUEST_LINEAR_ADDRESS), 0x7000);
	fx_fini(&f);
}

Test(reflect, ept_misconfig_in_ept12_reaches_l1_as_exit_49)
{
	struct fx f;
	fx_init(&f);
	fx_ept12(&f);
	refhost_mem_w64(&f.h, 0x53008, 0x81000 | 6 << 3 | 2); /* write-only: misconfigured */
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_EPT_VIOLATION);
	e.qualification = 1;
	e.guest_physical_address = 0x1000;
	struct nvmx_result res = run(&f, &e);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1, "%s", nvmx_reason_name(res.reason));
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 49);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0);
	cr_expect_eq(S12(&f, GUEST_PHYSICAL_ADDRESS), 0x1000);
	fx_fini(&f);
}
