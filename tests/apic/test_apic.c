/* SPDX-License-Identifier: MIT */
/*
 * APIC virtualization for L2 (libnvmx/apic). Expected values are written
 * from the SDM vol. 3 chapter "APIC Virtualization and Virtual Interrupts"
 * (section names cited per test) and the exit-qualification table for
 * APIC-access exits (28.2.1).
 */
#include <criterion/criterion.h>
#include <string.h>
#include "../exit/fixture.h"
#include <nvmx/apic.h>

#define VAPIC 0x30000ull
#define APIC_ACCESS 0x31000ull
#define PI_DESC 0x32000ull
#define UNMAPPED 0x40000000ull

static void init(struct fx *f, uint32_t proc2, bool tpr_shadow)
{
	fx_init(f);
	uint32_t proc = tpr_shadow ? NVMX_PROC_TPR_SHADOW : 0;
	if (proc2)
		proc |= NVMX_PROC_SECONDARY_CONTROLS;
	S12(f, CPU_BASED_VM_EXEC_CONTROL) = proc;
	S12(f, SECONDARY_VM_EXEC_CONTROL) = proc2;
	S12(f, VIRTUAL_APIC_PAGE_ADDR) = VAPIC;
	S12(f, APIC_ACCESS_ADDR) = APIC_ACCESS;
	refhost_vmcs02_set(&f->h, NVMX_F_GUEST_RIP, 0x1000);
	refhost_vmcs02_set(&f->h, NVMX_F_GUEST_RFLAGS, 0x202);
}

static struct nvmx_apic_access acc(uint32_t type, uint32_t off, uint32_t width, uint64_t val)
{
	struct nvmx_apic_access a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = type;
	a.offset = off;
	a.width = width;
	a.value = val;
	a.insn_len = 3;
	return a;
}

static struct nvmx_result do_access(struct fx *f, struct nvmx_apic_access a)
{
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_access(f->v, &a, &r), NVMX_STATUS_OK);
	return r;
}

static uint32_t vr32(struct fx *f, uint32_t off) { return refhost_mem_r32(&f->h, VAPIC + off); }
static void vw32(struct fx *f, uint32_t off, uint32_t v) { refhost_mem_w32(&f->h, VAPIC + off, v); }
static bool virr(struct fx *f, unsigned x) { return (vr32(f, 0x200 | ((x & 0xe0) >> 1)) >> (x & 31)) & 1; }
static bool visr(struct fx *f, unsigned x) { return (vr32(f, 0x100 | ((x & 0xe0) >> 1)) >> (x & 31)) & 1; }

#define VAA NVMX_PROC2_VIRT_APIC_ACCESSES
#define ARV NVMX_PROC2_APIC_REG_VIRT
#define VID NVMX_PROC2_VIRT_INTR_DELIVERY
#define X2 NVMX_PROC2_VIRT_X2APIC

/* ---- APIC-access exits (SDM "Virtualizing Memory-Mapped APIC Accesses") ---- */

Test(apic_access, without_virtualize_apic_accesses_is_plain_memory)
{
	struct fx f;
	init(&f, 0, true);
	struct nvmx_result r = do_access(&f, acc(NVMX_APIC_LINEAR_READ, 0x80, 4, 0));
	cr_expect_eq(r.reason, NVMX_REASON_APIC_NOT_ENABLED);
	cr_expect(f.v->in_l2);
	fx_fini(&f);
}

Test(apic_access, read_without_tpr_shadow_exits_44_with_offset_and_type_0)
{
	struct fx f;
	init(&f, VAA, false);
	struct nvmx_result r = do_access(&f, acc(NVMX_APIC_LINEAR_READ, 0x80, 4, 0));
	cr_expect_eq(r.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_ACCESS_EXIT);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 44);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x080);
	/* Fault-like: RIP of the accessing instruction. */
	cr_expect_eq(S12(&f, GUEST_RIP), 0x1000);
	fx_fini(&f);
}

Test(apic_access, write_to_icr_without_vid_exits_with_type_1)
{
	struct fx f;
	init(&f, VAA, true);
	do_access(&f, acc(NVMX_APIC_LINEAR_WRITE, 0x300, 4, 0x40041));
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 44);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x1300);
	fx_fini(&f);
}

Test(apic_access, instruction_fetch_always_exits_with_type_2)
{
	struct fx f;
	init(&f, VAA | ARV, true);
	do_access(&f, acc(NVMX_APIC_LINEAR_FETCH, 0x80, 1, 0));
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 44);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x2080);
	fx_fini(&f);
}

Test(apic_access, event_delivery_access_exits_with_type_3_and_idt_vectoring_info)
{
	struct fx f;
	init(&f, VAA, false);
	struct nvmx_apic_access a = acc(NVMX_APIC_LINEAR_EVENT, 0xff8, 8, 0);
	a.flags = NVMX_APIC_ACCESS_WRITES;
	a.idt_vectoring_info = 0x80000b0du; /* #GP, hardware exception, error code */
	a.idt_vectoring_error_code = 0;
	do_access(&f, a);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 44);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x3ff8);
	cr_expect_eq(S12(&f, IDT_VECTORING_INFO_FIELD), 0x80000b0du);
	fx_fini(&f);
}

Test(apic_access, guest_physical_access_is_never_virtualized_type_15_with_gpa)
{
	struct fx f;
	init(&f, VAA | ARV | VID, true);
	struct nvmx_apic_access a = acc(NVMX_APIC_GPA_INSN, 0x80, 8, 0);
	a.gpa = 0x7fee0080;
	do_access(&f, a);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 44);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION) >> 12, 15);
	cr_expect_eq(S12(&f, GUEST_PHYSICAL_ADDRESS), 0x7fee0080);
	fx_fini(&f);
}

Test(apic_access, guest_physical_access_during_event_delivery_is_type_10)
{
	struct fx f;
	init(&f, VAA, true);
	struct nvmx_apic_access a = acc(NVMX_APIC_GPA_EVENT, 0, 8, 0);
	a.gpa = 0xfee00000;
	a.idt_vectoring_info = 0x80000020u; /* external interrupt 0x20 */
	do_access(&f, a);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION) >> 12, 10);
	cr_expect_eq(S12(&f, IDT_VECTORING_INFO_FIELD), 0x80000020u);
	fx_fini(&f);
}

Test(apic_access, tpr_read_with_tpr_shadow_is_virtualized_from_vtpr)
{
	struct fx f;
	init(&f, VAA, true);
	vw32(&f, 0x80, 0x000000a7);
	struct nvmx_result r = do_access(&f, acc(NVMX_APIC_LINEAR_READ, 0x80, 4, 0));
	cr_expect_eq(r.reason, NVMX_REASON_APIC_READ_VIRTUALIZED);
	cr_expect_eq(r.value, 0xa7);
	cr_expect(f.v->in_l2);
	fx_fini(&f);
}

Test(apic_access, read_wider_than_32_bits_exits)
{
	struct fx f;
	init(&f, VAA | ARV, true);
	do_access(&f, acc(NVMX_APIC_LINEAR_READ, 0x80, 8, 0));
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 44);
	fx_fini(&f);
}

Test(apic_access, read_outside_low_4_bytes_of_16_byte_region_exits)
{
	struct fx f;
	init(&f, VAA | ARV, true);
	do_access(&f, acc(NVMX_APIC_LINEAR_READ, 0x84, 4, 0));
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x084);
	fx_fini(&f);
}

Test(apic_access, register_virtualization_reads_irr_but_not_current_count)
{
	struct fx f;
	init(&f, VAA | ARV, true);
	vw32(&f, 0x210, 0x00010000);
	struct nvmx_result r = do_access(&f, acc(NVMX_APIC_LINEAR_READ, 0x210, 4, 0));
	cr_expect_eq(r.reason, NVMX_REASON_APIC_READ_VIRTUALIZED);
	cr_expect_eq(r.value, 0x00010000);
	vw32(&f, 0x020, 0x05000000);
	r = do_access(&f, acc(NVMX_APIC_LINEAR_READ, 0x023, 1, 0));
	cr_expect_eq(r.value, 0x05);
	do_access(&f, acc(NVMX_APIC_LINEAR_READ, 0x390, 4, 0));
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 44);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x390);
	fx_fini(&f);
}

/* ---- writes and APIC-write emulation ---- */

Test(apic_write, tpr_write_clears_bytes_3_1_and_exits_43_below_threshold)
{
	struct fx f;
	init(&f, VAA, true);
	S12(&f, TPR_THRESHOLD) = 3;
	struct nvmx_result r = do_access(&f, acc(NVMX_APIC_LINEAR_WRITE, 0x80, 4, 0xffffff20u));
	cr_expect_eq(vr32(&f, 0x80), 0x20);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_TPR_BELOW_THRESHOLD);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 43);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0);
	/* Trap-like: L1 sees the RIP after the instruction. */
	cr_expect_eq(S12(&f, GUEST_RIP), 0x1003);
	fx_fini(&f);
}

Test(apic_write, tpr_write_at_or_above_threshold_stays_in_l2)
{
	struct fx f;
	init(&f, VAA, true);
	S12(&f, TPR_THRESHOLD) = 3;
	struct nvmx_result r = do_access(&f, acc(NVMX_APIC_LINEAR_WRITE, 0x80, 1, 0x30));
	cr_expect_eq(r.reason, NVMX_REASON_APIC_WRITE_VIRTUALIZED);
	cr_expect_eq(vr32(&f, 0x80), 0x30);
	cr_expect(f.v->in_l2);
	fx_fini(&f);
}

Test(apic_write, ldr_write_with_register_virtualization_exits_56_with_offset)
{
	struct fx f;
	init(&f, VAA | ARV, true);
	struct nvmx_result r = do_access(&f, acc(NVMX_APIC_LINEAR_WRITE, 0x0d0, 4, 0x01000000));
	cr_expect_eq(r.reason, NVMX_REASON_APIC_WRITE_EXIT);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 56);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x0d0);
	cr_expect_eq(S12(&f, GUEST_RIP), 0x1003);
	cr_expect_eq(vr32(&f, 0x0d0), 0x01000000);
	fx_fini(&f);
}

Test(apic_write, eoi_write_without_vid_is_an_apic_write_exit)
{
	struct fx f;
	init(&f, VAA | ARV, true);
	do_access(&f, acc(NVMX_APIC_LINEAR_WRITE, 0x0b0, 4, 0));
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 56);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x0b0);
	fx_fini(&f);
}

Test(apic_write, eoi_with_vid_dismisses_svi_and_recomputes_ppr)
{
	struct fx f;
	init(&f, VAA | VID, true);
	vw32(&f, 0x110, (1u << 0x11) | (1u << 0x02)); /* ISR 0x31 and 0x22 */
	S12(&f, GUEST_INTR_STATUS) = 0x3100;
	struct nvmx_result r = do_access(&f, acc(NVMX_APIC_LINEAR_WRITE, 0x0b0, 4, 0));
	cr_expect_eq(r.reason, NVMX_REASON_APIC_EOI_VIRTUALIZED);
	cr_expect(!visr(&f, 0x31));
	cr_expect(visr(&f, 0x22));
	cr_expect_eq(S12(&f, GUEST_INTR_STATUS), 0x2200);
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_GUEST_INTR_STATUS), 0x2200);
	/* VTPR 0 < SVI class 2: VPPR = SVI & F0H (SDM "PPR Virtualization"). */
	cr_expect_eq(vr32(&f, 0xa0), 0x20);
	cr_expect(f.v->in_l2);
	fx_fini(&f);
}

Test(apic_write, eoi_of_vector_in_eoi_exit_bitmap_exits_45_with_vector)
{
	struct fx f;
	init(&f, VAA | VID, true);
	vw32(&f, 0x110, 1u << 0x11);
	S12(&f, GUEST_INTR_STATUS) = 0x3100;
	S12(&f, EOI_EXIT_BITMAP0) = 1ull << 0x31;
	struct nvmx_result r = do_access(&f, acc(NVMX_APIC_LINEAR_WRITE, 0x0b0, 4, 0));
	cr_expect_eq(r.reason, NVMX_REASON_APIC_EOI_EXIT);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 45);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x31);
	cr_expect_eq(S12(&f, GUEST_RIP), 0x1003);
	cr_expect(!visr(&f, 0x31));
	fx_fini(&f);
}

Test(apic_write, self_ipi_through_icr_low_sets_virr_and_rvi)
{
	struct fx f;
	init(&f, VAA | VID, true);
	S12(&f, GUEST_INTR_STATUS) = 0x0021;
	struct nvmx_result r = do_access(&f, acc(NVMX_APIC_LINEAR_WRITE, 0x300, 4, 0x00040041u));
	cr_expect_eq(r.reason, NVMX_REASON_APIC_SELF_IPI_VIRTUALIZED);
	cr_expect(virr(&f, 0x41));
	cr_expect_eq(S12(&f, GUEST_INTR_STATUS) & 0xff, 0x41);
	fx_fini(&f);
}

Test(apic_write, icr_low_to_another_cpu_is_an_apic_write_exit)
{
	struct fx f;
	init(&f, VAA | VID, true);
	do_access(&f, acc(NVMX_APIC_LINEAR_WRITE, 0x300, 4, 0x00000041u)); /* no shorthand */
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 56);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x300);
	fx_fini(&f);
}

Test(apic_write, icr_low_self_ipi_with_vector_below_16_exits)
{
	struct fx f;
	init(&f, VAA | VID, true);
	do_access(&f, acc(NVMX_APIC_LINEAR_WRITE, 0x300, 4, 0x0004000fu));
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 56);
	fx_fini(&f);
}

Test(apic_write, icr_high_clears_bytes_2_0_without_exit)
{
	struct fx f;
	init(&f, VAA | ARV, true);
	struct nvmx_result r = do_access(&f, acc(NVMX_APIC_LINEAR_WRITE, 0x310, 4, 0xff123456u));
	cr_expect_eq(r.reason, NVMX_REASON_APIC_WRITE_VIRTUALIZED);
	cr_expect_eq(vr32(&f, 0x310), 0xff000000u);
	fx_fini(&f);
}

Test(apic_write, unmapped_virtual_apic_page_is_refused_unchanged)
{
	struct fx f;
	init(&f, VAA, true);
	S12(&f, VIRTUAL_APIC_PAGE_ADDR) = UNMAPPED;
	struct nvmx_result r = do_access(&f, acc(NVMX_APIC_LINEAR_WRITE, 0x80, 4, 0x10));
	cr_expect_eq(r.reason, NVMX_REASON_APIC_VAPIC_UNMAPPED);
	cr_expect(f.v->in_l2);
	fx_fini(&f);
}

Test(apic_write, malformed_accesses_are_invalid_arguments)
{
	struct fx f;
	init(&f, VAA, true);
	struct nvmx_result r;
	struct nvmx_apic_access a = acc(4, 0x80, 4, 0);
	cr_expect_eq(nvmx_vcpu_apic_access(f.v, &a, &r), NVMX_STATUS_INVALID_ARGUMENT);
	a = acc(NVMX_APIC_LINEAR_READ, 0xffe, 4, 0);
	cr_expect_eq(nvmx_vcpu_apic_access(f.v, &a, &r), NVMX_STATUS_INVALID_ARGUMENT);
	a = acc(NVMX_APIC_LINEAR_READ, 0x80, 0, 0);
	cr_expect_eq(nvmx_vcpu_apic_access(f.v, &a, &r), NVMX_STATUS_INVALID_ARGUMENT);
	a = acc(NVMX_APIC_LINEAR_EVENT, 0x80, 4, 0); /* no event */
	cr_expect_eq(nvmx_vcpu_apic_access(f.v, &a, &r), NVMX_STATUS_INVALID_ARGUMENT);
	fx_fini(&f);
}

/* ---- CR8 (SDM "Virtualizing CR8-Based TPR Accesses") ---- */

Test(apic_cr8, mov_to_cr8_sets_vtpr_7_4_and_exits_43_below_threshold)
{
	struct fx f;
	init(&f, 0, true);
	vw32(&f, 0x80, 0xffffffffu);
	S12(&f, TPR_THRESHOLD) = 6;
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_cr8(f.v, true, 5, 4, &r), NVMX_STATUS_OK);
	cr_expect_eq(vr32(&f, 0x80), 0x50);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 43);
	cr_expect_eq(S12(&f, GUEST_RIP), 0x1004);
	fx_fini(&f);
}

Test(apic_cr8, mov_from_cr8_reads_vtpr_7_4)
{
	struct fx f;
	init(&f, 0, true);
	vw32(&f, 0x80, 0x000000b3u);
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_cr8(f.v, false, 0, 4, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_CR8_VIRTUALIZED);
	cr_expect_eq(r.value, 0xb);
	fx_fini(&f);
}

Test(apic_cr8, reserved_bits_are_gp_and_intercepted_access_is_l1s)
{
	struct fx f;
	init(&f, 0, true);
	vw32(&f, 0x80, 0x20);
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_cr8(f.v, true, 0x10, 4, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_CR8_GP);
	cr_expect_eq(vr32(&f, 0x80), 0x20);
	S12(&f, CPU_BASED_VM_EXEC_CONTROL) |= NVMX_PROC_CR8_LOAD_EXITING;
	cr_assert_eq(nvmx_vcpu_apic_cr8(f.v, true, 1, 4, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_CR8_INTERCEPTED);
	cr_expect_eq(vr32(&f, 0x80), 0x20);
	fx_fini(&f);
}

Test(apic_cr8, vm_entry_with_vtpr_below_threshold_exits_43)
{
	struct fx f;
	init(&f, VAA, true);
	vw32(&f, 0x80, 0x30);
	S12(&f, TPR_THRESHOLD) = 5;
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_after_entry(f.v, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_ENTRY_TPR_EXIT);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 43);
	cr_expect_eq(S12(&f, GUEST_RIP), 0x1000);
	fx_fini(&f);
}

/* ---- virtual-interrupt delivery (SDM "Evaluation and Delivery of Virtual Interrupts") ---- */

Test(apic_deliver, recognized_interrupt_is_injected_and_state_moves)
{
	struct fx f;
	init(&f, VID, true);
	vw32(&f, 0x240, 1u << 1);  /* VIRR 0x81 */
	vw32(&f, 0x220, 1u << 5);  /* VIRR 0x45 */
	vw32(&f, 0xa0, 0x20);
	S12(&f, GUEST_INTR_STATUS) = 0x0081;
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_deliver(f.v, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_INTR_DELIVERED);
	cr_expect_eq(r.value, 0x81);
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD), 0x80000081u);
	cr_expect(visr(&f, 0x81));
	cr_expect(!virr(&f, 0x81));
	cr_expect_eq(vr32(&f, 0xa0), 0x80);
	/* RVI = the highest remaining VIRR bit, SVI = the vector. */
	cr_expect_eq(S12(&f, GUEST_INTR_STATUS), 0x8145);
	cr_expect(f.v->in_l2);
	fx_fini(&f);
}

Test(apic_deliver, rvi_class_not_above_vppr_class_is_not_recognized)
{
	struct fx f;
	init(&f, VID, true);
	vw32(&f, 0xa0, 0x40);
	S12(&f, GUEST_INTR_STATUS) = 0x004f;
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_deliver(f.v, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_INTR_NONE);
	fx_fini(&f);
}

Test(apic_deliver, if_clear_sti_blocking_or_window_exiting_block_delivery)
{
	struct fx f;
	init(&f, VID, true);
	S12(&f, GUEST_INTR_STATUS) = 0x0050;
	struct nvmx_result r;
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_RFLAGS, 0x2);
	cr_assert_eq(nvmx_vcpu_apic_deliver(f.v, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_INTR_BLOCKED);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_RFLAGS, 0x202);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 1);
	cr_assert_eq(nvmx_vcpu_apic_deliver(f.v, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_INTR_BLOCKED);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 0);
	S12(&f, CPU_BASED_VM_EXEC_CONTROL) |= NVMX_PROC_INTR_WINDOW_EXITING;
	cr_assert_eq(nvmx_vcpu_apic_deliver(f.v, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_INTR_BLOCKED);
	cr_expect_eq(S12(&f, GUEST_INTR_STATUS), 0x0050);
	fx_fini(&f);
}

/* ---- x2APIC (SDM "Virtualizing MSR-Based APIC Accesses") ---- */

static struct nvmx_result msr(struct fx *f, bool wr, uint32_t m, uint64_t v)
{
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_msr(f->v, wr, m, v, &r), NVMX_STATUS_OK);
	return r;
}

static void use_msr_bitmap(struct fx *f)
{
	S12(f, CPU_BASED_VM_EXEC_CONTROL) |= NVMX_PROC_USE_MSR_BITMAPS;
}

Test(apic_x2apic, rdmsr_808_reads_8_bytes_at_080_without_register_virtualization)
{
	struct fx f;
	init(&f, X2, true);
	use_msr_bitmap(&f);
	refhost_mem_w64(&f.h, VAPIC + 0x80, 0x0000000500000060ull);
	struct nvmx_result r = msr(&f, false, 0x808, 0);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_MSR_VIRTUALIZED);
	cr_expect_eq(r.value, 0x0000000500000060ull);
	r = msr(&f, false, 0x802, 0);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_MSR_L1_APIC);
	fx_fini(&f);
}

Test(apic_x2apic, register_virtualization_reads_id_and_not_current_count)
{
	struct fx f;
	init(&f, X2 | ARV, true);
	use_msr_bitmap(&f);
	vw32(&f, 0x20, 7);
	cr_expect_eq(msr(&f, false, 0x802, 0).value, 7);
	cr_expect_eq(msr(&f, false, 0x839, 0).reason, NVMX_REASON_APIC_MSR_L1_APIC);
	fx_fini(&f);
}

Test(apic_x2apic, wrmsr_tpr_with_bits_above_7_is_gp_and_changes_nothing)
{
	struct fx f;
	init(&f, X2, true);
	use_msr_bitmap(&f);
	vw32(&f, 0x80, 0x10);
	cr_expect_eq(msr(&f, true, 0x808, 0x100).reason, NVMX_REASON_APIC_MSR_GP);
	cr_expect_eq(vr32(&f, 0x80), 0x10);
	cr_expect_eq(msr(&f, true, 0x808, 0x40).reason, NVMX_REASON_APIC_MSR_VIRTUALIZED);
	cr_expect_eq(vr32(&f, 0x80), 0x40);
	fx_fini(&f);
}

Test(apic_x2apic, self_ipi_msr_with_vid_sets_virr_and_eoi_msr_dismisses)
{
	struct fx f;
	init(&f, X2 | VID, true);
	use_msr_bitmap(&f);
	cr_expect_eq(msr(&f, true, 0x83f, 0x51).reason, NVMX_REASON_APIC_SELF_IPI_VIRTUALIZED);
	cr_expect(virr(&f, 0x51));
	cr_expect_eq(S12(&f, GUEST_INTR_STATUS) & 0xff, 0x51);
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_deliver(f.v, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.value, 0x51);
	cr_expect_eq(msr(&f, true, 0x80b, 1).reason, NVMX_REASON_APIC_MSR_GP);
	cr_expect_eq(msr(&f, true, 0x80b, 0).reason, NVMX_REASON_APIC_EOI_VIRTUALIZED);
	cr_expect(!visr(&f, 0x51));
	cr_expect_eq(S12(&f, GUEST_INTR_STATUS), 0);
	fx_fini(&f);
}

Test(apic_x2apic, msr_bitmap_bit_gives_l1_the_wrmsr_exit)
{
	struct fx f;
	init(&f, X2 | VID, true);
	use_msr_bitmap(&f);
	fx_set_bit(&f, FX_MSR_BITMAP + 0x800, 0x808);
	struct nvmx_result r = msr(&f, true, 0x808, 0x20);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_MSR_EXIT);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 32);
	cr_expect_eq(vr32(&f, 0x80), 0);
	fx_fini(&f);
}

Test(apic_x2apic, msr_outside_800_8ff_is_invalid)
{
	struct fx f;
	init(&f, X2, true);
	struct nvmx_result r;
	cr_expect_eq(nvmx_vcpu_apic_msr(f.v, false, 0x900, 0, &r), NVMX_STATUS_INVALID_ARGUMENT);
	fx_fini(&f);
}

/* ---- posted interrupts (SDM "Posted-Interrupt Processing") ---- */

static void pi_setup(struct fx *f)
{
	init(f, VID, true);
	S12(f, PIN_BASED_VM_EXEC_CONTROL) = NVMX_PIN_POSTED_INTR | NVMX_PIN_EXT_INTR_EXITING;
	S12(f, POSTED_INTR_NV) = 0xf2;
	S12(f, POSTED_INTR_DESC_ADDR) = PI_DESC;
}

Test(apic_pi, notification_moves_pir_to_virr_clears_on_and_raises_rvi)
{
	struct fx f;
	pi_setup(&f);
	refhost_mem_w64(&f.h, PI_DESC + 8, 1ull << 5);          /* vector 0x45 */
	refhost_mem_w64(&f.h, PI_DESC + 24, 1ull << 33);        /* vector 0xe1 */
	refhost_mem_w64(&f.h, PI_DESC + 32, 0xf2ull << 16 | 1); /* ON, NV bits kept */
	S12(&f, GUEST_INTR_STATUS) = 0x0030;
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_interrupt(f.v, 0xf2, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_PI_PROCESSED);
	cr_expect_eq(refhost_mem_r64(&f.h, PI_DESC + 32), 0xf2ull << 16);
	for (unsigned i = 0; i < 4; i++)
		cr_expect_eq(refhost_mem_r64(&f.h, PI_DESC + 8 * i), 0);
	cr_expect(virr(&f, 0x45));
	cr_expect(virr(&f, 0xe1));
	cr_expect_eq(S12(&f, GUEST_INTR_STATUS), 0x00e1);
	/* Delivered to L2 without an exit to L1. */
	cr_assert_eq(nvmx_vcpu_apic_deliver(f.v, &r), NVMX_STATUS_OK);
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD), 0x800000e1u);
	cr_expect(f.v->in_l2);
	fx_fini(&f);
}

Test(apic_pi, vector_already_in_virr_and_on_already_clear)
{
	struct fx f;
	pi_setup(&f);
	vw32(&f, 0x220, 1u << 5); /* 0x45 already requested */
	refhost_mem_w64(&f.h, PI_DESC + 8, 1ull << 5);
	S12(&f, GUEST_INTR_STATUS) = 0x0060;
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_interrupt(f.v, 0xf2, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_PI_PROCESSED);
	cr_expect_eq(vr32(&f, 0x220), 1u << 5);
	cr_expect_eq(refhost_mem_r64(&f.h, PI_DESC + 8), 0);
	/* RVI only rises (SDM: RVI = max(RVI, highest PIR bit)). */
	cr_expect_eq(S12(&f, GUEST_INTR_STATUS), 0x0060);
	fx_fini(&f);
}

Test(apic_pi, descriptor_in_unmapped_memory_is_refused_unchanged)
{
	struct fx f;
	pi_setup(&f);
	S12(&f, POSTED_INTR_DESC_ADDR) = UNMAPPED;
	S12(&f, GUEST_INTR_STATUS) = 0x0030;
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_interrupt(f.v, 0xf2, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_PI_DESC_UNMAPPED);
	cr_expect_eq(S12(&f, GUEST_INTR_STATUS), 0x0030);
	fx_fini(&f);
}

Test(apic_pi, other_vector_or_no_posted_interrupts_is_an_ordinary_interrupt)
{
	struct fx f;
	pi_setup(&f);
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_interrupt(f.v, 0xf3, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_PI_OTHER_VECTOR);
	S12(&f, PIN_BASED_VM_EXEC_CONTROL) = NVMX_PIN_EXT_INTR_EXITING;
	cr_assert_eq(nvmx_vcpu_apic_interrupt(f.v, 0xf2, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_PI_NOT_ENABLED);
	fx_fini(&f);
}

Test(apic_pi, wrong_state_when_l2_is_not_running)
{
	struct fx f;
	pi_setup(&f);
	f.v->in_l2 = false;
	struct nvmx_result r;
	cr_expect_eq(nvmx_vcpu_apic_interrupt(f.v, 0xf2, &r), NVMX_STATUS_WRONG_STATE);
	f.v->in_l2 = true;
	fx_fini(&f);
}

/* ---- exits to L1 around virtual interrupts ---- */

Test(apic_exits, pending_injection_blocks_virtual_delivery_and_is_kept)
{
	struct fx f;
	init(&f, VID, true);
	S12(&f, GUEST_INTR_STATUS) = 0x0050;
	/* L0 is re-injecting an event into L2: one event per VM entry. */
	refhost_vmcs02_set(&f.h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD, 0x80000b0eu);
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_deliver(f.v, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_INTR_BLOCKED);
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD), 0x80000b0eu);
	cr_expect_eq(S12(&f, GUEST_INTR_STATUS), 0x0050);
	fx_fini(&f);
}

Test(apic_exits, other_vector_becomes_external_interrupt_exit_with_ack)
{
	struct fx f;
	pi_setup(&f);
	S12(&f, VM_EXIT_CONTROLS) |= NVMX_EXIT_CTL_ACK_INTR_ON_EXIT;
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_interrupt(f.v, 0x33, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_PI_OTHER_VECTOR);
	/* The host makes it an ordinary external interrupt (SDM 28.2.2:
	 * vector, type 0, valid with "acknowledge interrupt on exit"). */
	struct nvmx_synth_exit x;
	memset(&x, 0, sizeof(x));
	x.size = sizeof(x);
	x.kind = NVMX_SYNTH_EXTINT;
	x.vector = 0x33;
	cr_assert_eq(nvmx_vcpu_inject_exit(f.v, &x, &r), NVMX_STATUS_OK);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 1);
	cr_expect_eq(S12(&f, VM_EXIT_INTR_INFO), 0x80000033u);
	fx_fini(&f);
}

Test(apic_exits, vm_entry_with_vid_makes_no_tpr_threshold_check)
{
	struct fx f;
	init(&f, VAA | VID, true);
	vw32(&f, 0x80, 0x00);
	S12(&f, TPR_THRESHOLD) = 5;
	struct nvmx_result r;
	cr_assert_eq(nvmx_vcpu_apic_after_entry(f.v, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.reason, NVMX_REASON_APIC_NONE);
	cr_expect(f.v->in_l2);
	fx_fini(&f);
}
