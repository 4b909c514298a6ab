/* SPDX-License-Identifier: MIT */
/*
 * The L0-or-L1 decision for every basic exit reason: for each, a case that
 * VMCS12 asks for (L1 gets it: VM_EXIT_REASON and EXIT_QUALIFICATION as the
 * hardware reported them) and one that stays with L0. Expected outcomes are
 * written from SDM 26.1-26.2 and appendix C.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>
#include "fixture.h"

struct set { uint16_t idx; uint64_t val; };

struct row {
	char name[64];
	uint32_t reason;
	uint64_t qual;
	uint32_t intr_info, intr_ec;
	uint64_t operand, operand2;
	uint32_t flags;
	struct set set[4];
	bool to_l1;
};

#define PIN(x) { NVMX_IDX_PIN_BASED_VM_EXEC_CONTROL, (x) }
#define PROC(x) { NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL, (x) }
#define SEC(x) { NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_SECONDARY_CONTROLS }, \
               { NVMX_IDX_SECONDARY_VM_EXEC_CONTROL, (x) }
#define F(name, x) { NVMX_IDX_##name, (x) }
#define HW(v) ((v) | (3u << 8) | NVMX_INTR_INFO_VALID)
#define NMI_INFO (2u | (2u << 8) | NVMX_INTR_INFO_VALID)
#define IOQ(port, size, in) ((uint64_t)(port) << 16 | ((size) - 1u) | ((in) ? 8u : 0u))
#define CRQ(cr, access) ((uint64_t)(cr) | (uint64_t)(access) << 4)
#define LMSWQ(src) (CRQ(0, 3) | (uint64_t)(src) << 16)

#define R(n, reason_, l1, ...) { .name = n, .reason = NVMX_EXIT_REASON_##reason_, .to_l1 = l1, __VA_ARGS__ }

static struct row rows[] = {
	/* 0: exceptions and NMIs */
	R("ud_in_exception_bitmap", EXCEPTION_NMI, true, .intr_info = HW(6), .set = { F(EXCEPTION_BITMAP, 1u << 6) }),
	R("ud_not_in_bitmap", EXCEPTION_NMI, false, .intr_info = HW(6), .set = { F(EXCEPTION_BITMAP, 1u << 13) }),
	R("pf_match_bit14_set", EXCEPTION_NMI, true, .intr_info = HW(14) | NVMX_INTR_INFO_DELIVER_CODE, .intr_ec = 1,
	  .set = { F(EXCEPTION_BITMAP, 1u << 14), F(PAGE_FAULT_ERROR_CODE_MASK, 1), F(PAGE_FAULT_ERROR_CODE_MATCH, 1) }),
	R("pf_mismatch_bit14_set", EXCEPTION_NMI, false, .intr_info = HW(14) | NVMX_INTR_INFO_DELIVER_CODE, .intr_ec = 2,
	  .set = { F(EXCEPTION_BITMAP, 1u << 14), F(PAGE_FAULT_ERROR_CODE_MASK, 1), F(PAGE_FAULT_ERROR_CODE_MATCH, 1) }),
	R("pf_mismatch_bit14_clear", EXCEPTION_NMI, true, .intr_info = HW(14) | NVMX_INTR_INFO_DELIVER_CODE, .intr_ec = 0,
	  .set = { F(PAGE_FAULT_ERROR_CODE_MASK, 1), F(PAGE_FAULT_ERROR_CODE_MATCH, 1) }),
	R("pf_match_bit14_clear", EXCEPTION_NMI, false, .intr_info = HW(14) | NVMX_INTR_INFO_DELIVER_CODE, .intr_ec = 3,
	  .set = { F(PAGE_FAULT_ERROR_CODE_MASK, 1), F(PAGE_FAULT_ERROR_CODE_MATCH, 1) }),
	R("nmi_with_nmi_exiting", EXCEPTION_NMI, true, .intr_info = NMI_INFO, .set = { PIN(NVMX_PIN_NMI_EXITING) }),
	R("nmi_without_nmi_exiting", EXCEPTION_NMI, false, .intr_info = NMI_INFO, .set = { F(EXCEPTION_BITMAP, 1u << 2) }),
	R("ud_l0_owned", EXCEPTION_NMI, false, .intr_info = HW(6), .flags = NVMX_L2_EXIT_L0_OWNED, .set = { F(EXCEPTION_BITMAP, 1u << 6) }),
	/* 1 */
	R("extint_with_exiting", EXTERNAL_INTERRUPT, true, .intr_info = 0x30 | NVMX_INTR_INFO_VALID, .set = { PIN(NVMX_PIN_EXT_INTR_EXITING) }),
	R("extint_without_exiting", EXTERNAL_INTERRUPT, false, .intr_info = 0x30 | NVMX_INTR_INFO_VALID),
	R("extint_for_l0", EXTERNAL_INTERRUPT, false, .flags = NVMX_L2_EXIT_L0_OWNED, .set = { PIN(NVMX_PIN_EXT_INTR_EXITING) }),
	/* 2-6 */
	R("triple_fault", TRIPLE_FAULT, true),
	R("triple_fault_l0_owned", TRIPLE_FAULT, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("init", INIT_SIGNAL, true),
	R("init_l0_owned", INIT_SIGNAL, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("sipi", SIPI, true, .qual = 0x9a),
	R("sipi_l0_owned", SIPI, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("io_smi", IO_SMI, false),
	R("other_smi", OTHER_SMI, false),
	/* 7, 8 */
	R("interrupt_window", INTERRUPT_WINDOW, true, .set = { PROC(NVMX_PROC_INTR_WINDOW_EXITING) }),
	R("interrupt_window_l0", INTERRUPT_WINDOW, false),
	R("nmi_window", NMI_WINDOW, true, .set = { PROC(NVMX_PROC_NMI_WINDOW_EXITING) }),
	R("nmi_window_l0", NMI_WINDOW, false, .set = { PROC(NVMX_PROC_INTR_WINDOW_EXITING) }),
	/* 9-11, 13 */
	R("task_switch", TASK_SWITCH, true, .qual = 0x40 | (3ull << 30)),
	R("task_switch_l0_owned", TASK_SWITCH, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("cpuid", CPUID, true),
	R("cpuid_l0_owned", CPUID, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("getsec", GETSEC, true),
	R("getsec_l0_owned", GETSEC, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("invd", INVD, true),
	R("invd_l0_owned", INVD, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	/* 12, 14-16 */
	R("hlt", HLT, true, .set = { PROC(NVMX_PROC_HLT_EXITING) }),
	R("hlt_l0", HLT, false, .set = { PROC(NVMX_PROC_INVLPG_EXITING) }),
	R("invlpg", INVLPG, true, .qual = 0xdead000, .set = { PROC(NVMX_PROC_INVLPG_EXITING) }),
	R("invlpg_l0", INVLPG, false, .set = { PROC(NVMX_PROC_HLT_EXITING) }),
	R("rdpmc", RDPMC, true, .set = { PROC(NVMX_PROC_RDPMC_EXITING) }),
	R("rdpmc_l0", RDPMC, false),
	R("rdtsc", RDTSC, true, .set = { PROC(NVMX_PROC_RDTSC_EXITING) }),
	R("rdtsc_l0", RDTSC, false, .set = { PROC(NVMX_PROC_TSC_OFFSETTING) }),
	R("rsm", RSM, false),
	/* 18-27, 50, 53: VMX instructions */
	R("vmcall", VMCALL, true), R("vmcall_l0_owned", VMCALL, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("vmclear", VMCLEAR, true, .qual = 8), R("vmclear_l0_owned", VMCLEAR, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("vmlaunch", VMLAUNCH, true), R("vmlaunch_l0_owned", VMLAUNCH, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("vmptrld", VMPTRLD, true), R("vmptrld_l0_owned", VMPTRLD, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("vmptrst", VMPTRST, true), R("vmptrst_l0_owned", VMPTRST, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("vmread", VMREAD, true), R("vmread_l0_owned", VMREAD, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("vmresume", VMRESUME, true), R("vmresume_l0_owned", VMRESUME, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("vmwrite", VMWRITE, true), R("vmwrite_l0_owned", VMWRITE, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("vmxoff", VMXOFF, true), R("vmxoff_l0_owned", VMXOFF, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("vmxon", VMXON, true), R("vmxon_l0_owned", VMXON, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("invept", INVEPT, true), R("invept_l0_owned", INVEPT, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("invvpid", INVVPID, true), R("invvpid_l0_owned", INVVPID, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	/* 28: control registers */
	R("mov_cr0_owned_bit_changes", CR_ACCESS, true, .qual = CRQ(0, 0), .operand = 0x80000031,
	  .set = { F(CR0_GUEST_HOST_MASK, 1u << 5), F(CR0_READ_SHADOW, 0) }),
	R("mov_cr0_owned_bit_equal", CR_ACCESS, false, .qual = CRQ(0, 0), .operand = 0x80000031,
	  .set = { F(CR0_GUEST_HOST_MASK, 1u << 5), F(CR0_READ_SHADOW, 1u << 5) }),
	R("mov_cr4_owned_bit_changes", CR_ACCESS, true, .qual = CRQ(4, 0), .operand = 0x20,
	  .set = { F(CR4_GUEST_HOST_MASK, 0x20) }),
	R("mov_cr4_unowned_bit_changes", CR_ACCESS, false, .qual = CRQ(4, 0), .operand = 0x80,
	  .set = { F(CR4_GUEST_HOST_MASK, 0x20) }),
	R("mov_cr3_no_target", CR_ACCESS, true, .qual = CRQ(3, 0), .operand = 0x9000,
	  .set = { PROC(NVMX_PROC_CR3_LOAD_EXITING), F(CR3_TARGET_COUNT, 2), F(CR3_TARGET_VALUE0, 0x7000), F(CR3_TARGET_VALUE1, 0x8000) }),
	R("mov_cr3_target_1", CR_ACCESS, false, .qual = CRQ(3, 0), .operand = 0x8000,
	  .set = { PROC(NVMX_PROC_CR3_LOAD_EXITING), F(CR3_TARGET_COUNT, 2), F(CR3_TARGET_VALUE0, 0x7000), F(CR3_TARGET_VALUE1, 0x8000) }),
	R("mov_cr3_target_beyond_count", CR_ACCESS, true, .qual = CRQ(3, 0), .operand = 0x8000,
	  .set = { PROC(NVMX_PROC_CR3_LOAD_EXITING), F(CR3_TARGET_COUNT, 1), F(CR3_TARGET_VALUE0, 0x7000), F(CR3_TARGET_VALUE1, 0x8000) }),
	R("mov_from_cr3", CR_ACCESS, true, .qual = CRQ(3, 1) | (2u << 8), .set = { PROC(NVMX_PROC_CR3_STORE_EXITING) }),
	R("mov_from_cr3_l0", CR_ACCESS, false, .qual = CRQ(3, 1), .set = { PROC(NVMX_PROC_CR3_LOAD_EXITING) }),
	R("mov_to_cr8", CR_ACCESS, true, .qual = CRQ(8, 0), .set = { PROC(NVMX_PROC_CR8_LOAD_EXITING) }),
	R("mov_to_cr8_l0", CR_ACCESS, false, .qual = CRQ(8, 0), .set = { PROC(NVMX_PROC_CR8_STORE_EXITING | NVMX_PROC_TPR_SHADOW) }),
	R("mov_from_cr8", CR_ACCESS, true, .qual = CRQ(8, 1), .set = { PROC(NVMX_PROC_CR8_STORE_EXITING) }),
	R("mov_from_cr8_l0", CR_ACCESS, false, .qual = CRQ(8, 1), .set = { PROC(NVMX_PROC_CR8_LOAD_EXITING) }),
	R("clts_ts_owned_shadow_set", CR_ACCESS, true, .qual = CRQ(0, 2), .set = { F(CR0_GUEST_HOST_MASK, 8), F(CR0_READ_SHADOW, 8) }),
	R("clts_ts_owned_shadow_clear", CR_ACCESS, false, .qual = CRQ(0, 2), .set = { F(CR0_GUEST_HOST_MASK, 8) }),
	R("lmsw_sets_owned_pe", CR_ACCESS, true, .qual = LMSWQ(1), .set = { F(CR0_GUEST_HOST_MASK, 1) }),
	R("lmsw_cannot_clear_pe", CR_ACCESS, false, .qual = LMSWQ(0), .set = { F(CR0_GUEST_HOST_MASK, 1), F(CR0_READ_SHADOW, 1) }),
	R("lmsw_changes_owned_mp", CR_ACCESS, true, .qual = LMSWQ(2), .set = { F(CR0_GUEST_HOST_MASK, 2) }),
	R("lmsw_changes_unowned_mp", CR_ACCESS, false, .qual = LMSWQ(2), .set = { F(CR0_GUEST_HOST_MASK, 4) }),
	/* 29 */
	R("mov_dr", DR_ACCESS, true, .qual = 7, .set = { PROC(NVMX_PROC_MOV_DR_EXITING) }),
	R("mov_dr_l0", DR_ACCESS, false, .qual = 7),
	/* 30: I/O */
	R("io_unconditional", IO_INSTRUCTION, true, .qual = IOQ(0x61, 1, true), .set = { PROC(NVMX_PROC_UNCOND_IO_EXITING) }),
	R("io_no_exiting", IO_INSTRUCTION, false, .qual = IOQ(0x61, 1, true)),
	R("io_bitmap_a_bit_set", IO_INSTRUCTION, true, .qual = IOQ(0x60, 1, true), .set = { PROC(NVMX_PROC_USE_IO_BITMAPS) }),
	R("io_bitmap_a_bit_clear_beats_uncond", IO_INSTRUCTION, false, .qual = IOQ(0x61, 1, false),
	  .set = { PROC(NVMX_PROC_USE_IO_BITMAPS | NVMX_PROC_UNCOND_IO_EXITING) }),
	R("io_word_covers_set_byte", IO_INSTRUCTION, true, .qual = IOQ(0x5f, 2, false), .set = { PROC(NVMX_PROC_USE_IO_BITMAPS) }),
	R("io_dword_below_set_byte", IO_INSTRUCTION, false, .qual = IOQ(0x5c, 4, false), .set = { PROC(NVMX_PROC_USE_IO_BITMAPS) }),
	R("io_bitmap_b", IO_INSTRUCTION, true, .qual = IOQ(0x8000, 1, true), .set = { PROC(NVMX_PROC_USE_IO_BITMAPS) }),
	R("io_bitmap_a_to_b_boundary", IO_INSTRUCTION, true, .qual = IOQ(0x7ffe, 4, true), .set = { PROC(NVMX_PROC_USE_IO_BITMAPS) }),
	R("io_wraps_past_ffff", IO_INSTRUCTION, true, .qual = IOQ(0xfffe, 4, true), .set = { PROC(NVMX_PROC_USE_IO_BITMAPS) }),
	R("io_ends_at_ffff", IO_INSTRUCTION, false, .qual = IOQ(0xfffc, 4, true), .set = { PROC(NVMX_PROC_USE_IO_BITMAPS) }),
	/* 31, 32: MSRs */
	R("rdmsr_without_bitmaps", RDMSR, true, .operand = 0x11),
	R("rdmsr_read_low_set", RDMSR, true, .operand = 0x10, .set = { PROC(NVMX_PROC_USE_MSR_BITMAPS) }),
	R("rdmsr_read_low_clear", RDMSR, false, .operand = 0x11, .set = { PROC(NVMX_PROC_USE_MSR_BITMAPS) }),
	R("rdmsr_outside_ranges", RDMSR, true, .operand = 0x2000, .set = { PROC(NVMX_PROC_USE_MSR_BITMAPS) }),
	R("rdmsr_above_high_range", RDMSR, true, .operand = 0xc0002000, .set = { PROC(NVMX_PROC_USE_MSR_BITMAPS) }),
	R("rdmsr_read_high_clear", RDMSR, false, .operand = 0xc0000080, .set = { PROC(NVMX_PROC_USE_MSR_BITMAPS) }),
	R("rdmsr_read_high_set", RDMSR, true, .operand = 0xc0000082, .set = { PROC(NVMX_PROC_USE_MSR_BITMAPS) }),
	R("wrmsr_write_high_set", WRMSR, true, .operand = 0xc0000080, .set = { PROC(NVMX_PROC_USE_MSR_BITMAPS) }),
	R("wrmsr_write_low_clear_read_set", WRMSR, false, .operand = 0x10, .set = { PROC(NVMX_PROC_USE_MSR_BITMAPS) }),
	R("wrmsr_write_low_set", WRMSR, true, .operand = 0x1ff, .set = { PROC(NVMX_PROC_USE_MSR_BITMAPS) }),
	R("wrmsr_index_upper_bits_ignored", WRMSR, false, .operand = 0xffffffff00000010ull, .set = { PROC(NVMX_PROC_USE_MSR_BITMAPS) }),
	/* 33, 34, 41: entry failures */
	R("entry_fail_guest_state", ENTRY_FAIL_GUEST_STATE, true),
	R("entry_fail_guest_state_l0_owned", ENTRY_FAIL_GUEST_STATE, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("entry_fail_msr_load", ENTRY_FAIL_MSR_LOAD, true, .qual = 3),
	R("entry_fail_msr_load_l0_owned", ENTRY_FAIL_MSR_LOAD, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("entry_fail_machine_check", ENTRY_FAIL_MACHINE_CHECK, true),
	R("entry_fail_machine_check_l0", ENTRY_FAIL_MACHINE_CHECK, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	/* 36, 37, 39, 40 */
	R("mwait", MWAIT, true, .set = { PROC(NVMX_PROC_MWAIT_EXITING) }),
	R("mwait_l0", MWAIT, false, .set = { PROC(NVMX_PROC_MONITOR_EXITING) }),
	R("mtf", MONITOR_TRAP_FLAG, true, .set = { PROC(NVMX_PROC_MONITOR_TRAP_FLAG) }),
	R("mtf_l0", MONITOR_TRAP_FLAG, false),
	R("monitor", MONITOR, true, .set = { PROC(NVMX_PROC_MONITOR_EXITING) }),
	R("monitor_l0", MONITOR, false, .set = { PROC(NVMX_PROC_MWAIT_EXITING) }),
	R("pause", PAUSE, true, .set = { PROC(NVMX_PROC_PAUSE_EXITING) }),
	R("pause_loop", PAUSE, true, .set = { SEC(NVMX_PROC2_PAUSE_LOOP_EXITING) }),
	R("pause_l0", PAUSE, false),
	/* 43-45 */
	R("tpr_below_threshold", TPR_BELOW_THRESHOLD, true, .set = { PROC(NVMX_PROC_TPR_SHADOW) }),
	R("tpr_below_threshold_l0", TPR_BELOW_THRESHOLD, false),
	R("apic_access", APIC_ACCESS, true, .qual = 0x1080, .set = { SEC(NVMX_PROC2_VIRT_APIC_ACCESSES) }),
	R("apic_access_l0", APIC_ACCESS, false, .qual = 0x1080),
	R("virtualized_eoi_bitmap_set", VIRTUALIZED_EOI, true, .qual = 0x31,
	  .set = { SEC(NVMX_PROC2_VIRT_INTR_DELIVERY), F(EOI_EXIT_BITMAP0, 1ull << 0x31) }),
	R("virtualized_eoi_bitmap_clear", VIRTUALIZED_EOI, false, .qual = 0x32,
	  .set = { SEC(NVMX_PROC2_VIRT_INTR_DELIVERY), F(EOI_EXIT_BITMAP0, 1ull << 0x31) }),
	R("virtualized_eoi_high_vector", VIRTUALIZED_EOI, true, .qual = 0xc1,
	  .set = { SEC(NVMX_PROC2_VIRT_INTR_DELIVERY), F(EOI_EXIT_BITMAP3, 1ull << 1) }),
	/* 46, 47 */
	R("gdtr_idtr", GDTR_IDTR, true, .set = { SEC(NVMX_PROC2_DESC_TABLE_EXITING) }),
	R("gdtr_idtr_l0", GDTR_IDTR, false),
	R("ldtr_tr", LDTR_TR, true, .set = { SEC(NVMX_PROC2_DESC_TABLE_EXITING) }),
	R("ldtr_tr_l0", LDTR_TR, false, .set = { SEC(NVMX_PROC2_WBINVD_EXITING) }),
	/* 48, 49 */
	R("ept_violation_in_ept12", EPT_VIOLATION, true, .qual = 0x181, .flags = NVMX_L2_EXIT_EPT12_FAULT, .set = { SEC(NVMX_PROC2_EPT) }),
	R("ept_violation_ept02_fill", EPT_VIOLATION, false, .qual = 0x181, .set = { SEC(NVMX_PROC2_EPT) }),
	R("ept_violation_l1_without_ept", EPT_VIOLATION, false, .flags = NVMX_L2_EXIT_EPT12_FAULT),
	R("ept_violation_ept12_but_l0_owned", EPT_VIOLATION, false, .flags = NVMX_L2_EXIT_EPT12_FAULT | NVMX_L2_EXIT_L0_OWNED, .set = { SEC(NVMX_PROC2_EPT) }),
	R("ept_misconfig_in_ept12", EPT_MISCONFIG, true, .flags = NVMX_L2_EXIT_EPT12_FAULT, .set = { SEC(NVMX_PROC2_EPT) }),
	R("ept_misconfig_l0", EPT_MISCONFIG, false, .set = { SEC(NVMX_PROC2_EPT) }),
	/* 51, 52, 54-58 */
	R("rdtscp", RDTSCP, true, .set = { PROC(NVMX_PROC_RDTSC_EXITING), SEC(NVMX_PROC2_RDTSCP) }),
	R("rdtscp_not_enabled_is_ud", RDTSCP, false, .set = { PROC(NVMX_PROC_RDTSC_EXITING) }),
	R("rdtscp_enabled_no_rdtsc_exiting", RDTSCP, false, .set = { SEC(NVMX_PROC2_RDTSCP) }),
	R("preemption_timer", PREEMPTION_TIMER, true, .set = { PIN(NVMX_PIN_PREEMPTION_TIMER) }),
	R("preemption_timer_l0", PREEMPTION_TIMER, false),
	R("wbinvd", WBINVD, true, .set = { SEC(NVMX_PROC2_WBINVD_EXITING) }),
	R("wbinvd_l0", WBINVD, false),
	R("xsetbv", XSETBV, true), R("xsetbv_l0_owned", XSETBV, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("apic_write", APIC_WRITE, true, .qual = 0x80, .set = { PROC(NVMX_PROC_TPR_SHADOW), SEC(NVMX_PROC2_APIC_REG_VIRT) }),
	R("apic_write_l0", APIC_WRITE, false, .qual = 0x80),
	R("rdrand", RDRAND, true, .set = { SEC(NVMX_PROC2_RDRAND_EXITING) }),
	R("rdrand_l0", RDRAND, false, .set = { SEC(NVMX_PROC2_RDSEED_EXITING) }),
	R("invpcid", INVPCID, true, .set = { PROC(NVMX_PROC_INVLPG_EXITING), SEC(NVMX_PROC2_INVPCID) }),
	R("invpcid_without_invlpg_exiting", INVPCID, false, .set = { SEC(NVMX_PROC2_INVPCID) }),
	R("invpcid_not_enabled_is_ud", INVPCID, false, .set = { PROC(NVMX_PROC_INVLPG_EXITING) }),
	/* 59: VMFUNC */
	R("vmfunc_function_not_enabled", VMFUNC, true, .operand = 1, .set = { SEC(NVMX_PROC2_VMFUNC), F(VM_FUNCTION_CONTROL, 1) }),
	R("vmfunc_valid_eptp_switch", VMFUNC, false, .operand = 0, .operand2 = 0, .set = { SEC(NVMX_PROC2_VMFUNC), F(VM_FUNCTION_CONTROL, 1) }),
	R("vmfunc_invalid_eptp_in_list", VMFUNC, true, .operand = 0, .operand2 = 1, .set = { SEC(NVMX_PROC2_VMFUNC), F(VM_FUNCTION_CONTROL, 1) }),
	R("vmfunc_index_beyond_512", VMFUNC, true, .operand = 0, .operand2 = 512, .set = { SEC(NVMX_PROC2_VMFUNC), F(VM_FUNCTION_CONTROL, 1) }),
	R("vmfunc_not_enabled_is_ud", VMFUNC, false, .operand = 0, .set = { F(VM_FUNCTION_CONTROL, 1) }),
	/* 60-64 */
	R("encls_leaf_in_bitmap", ENCLS, true, .operand = 5, .set = { SEC(NVMX_PROC2_ENCLS_EXITING), F(ENCLS_EXITING_BITMAP, 1u << 5) }),
	R("encls_leaf_not_in_bitmap", ENCLS, false, .operand = 6, .set = { SEC(NVMX_PROC2_ENCLS_EXITING), F(ENCLS_EXITING_BITMAP, 1u << 5) }),
	R("encls_large_leaf_uses_bit63", ENCLS, true, .operand = 100, .set = { SEC(NVMX_PROC2_ENCLS_EXITING), F(ENCLS_EXITING_BITMAP, 1ull << 63) }),
	R("rdseed", RDSEED, true, .set = { SEC(NVMX_PROC2_RDSEED_EXITING) }),
	R("rdseed_l0", RDSEED, false, .set = { SEC(NVMX_PROC2_RDRAND_EXITING) }),
	R("pml_full", PML_FULL, true, .set = { SEC(NVMX_PROC2_PML | NVMX_PROC2_EPT) }),
	R("pml_full_l0", PML_FULL, false, .set = { SEC(NVMX_PROC2_EPT) }),
	R("xsaves_in_xss_bitmap", XSAVES, true, .operand = 0x100, .set = { SEC(NVMX_PROC2_XSAVES), F(XSS_EXIT_BITMAP, 0x100) }),
	R("xsaves_not_in_xss_bitmap", XSAVES, false, .operand = 0x200, .set = { SEC(NVMX_PROC2_XSAVES), F(XSS_EXIT_BITMAP, 0x100) }),
	R("xrstors_in_xss_bitmap", XRSTORS, true, .operand = 0x900, .set = { SEC(NVMX_PROC2_XSAVES), F(XSS_EXIT_BITMAP, 0x800) }),
	R("xrstors_not_enabled_is_ud", XRSTORS, false, .operand = 0x800, .set = { F(XSS_EXIT_BITMAP, 0x800) }),
	/* 65-70 */
	R("pconfig_leaf_in_bitmap", PCONFIG, true, .operand = 0, .set = { SEC(NVMX_PROC2_PCONFIG), F(PCONFIG_EXITING_BITMAP, 1) }),
	R("pconfig_leaf_not_in_bitmap", PCONFIG, false, .operand = 1, .set = { SEC(NVMX_PROC2_PCONFIG), F(PCONFIG_EXITING_BITMAP, 1) }),
	R("spp", SPP, true, .set = { SEC(NVMX_PROC2_SPP | NVMX_PROC2_EPT) }),
	R("spp_l0", SPP, false, .set = { SEC(NVMX_PROC2_EPT) }),
	R("umwait", UMWAIT, true, .set = { PROC(NVMX_PROC_RDTSC_EXITING), SEC(NVMX_PROC2_USER_WAIT_PAUSE) }),
	R("umwait_without_rdtsc_exiting", UMWAIT, false, .set = { SEC(NVMX_PROC2_USER_WAIT_PAUSE) }),
	R("tpause", TPAUSE, true, .set = { PROC(NVMX_PROC_RDTSC_EXITING), SEC(NVMX_PROC2_USER_WAIT_PAUSE) }),
	R("tpause_not_enabled_is_ud", TPAUSE, false, .set = { PROC(NVMX_PROC_RDTSC_EXITING) }),
	R("loadiwkey", LOADIWKEY, true, .set = { PROC(NVMX_PROC_TERTIARY_CONTROLS), F(TERTIARY_VM_EXEC_CONTROL, NVMX_PROC3_LOADIWKEY_EXITING) }),
	R("loadiwkey_tertiary_not_activated", LOADIWKEY, false, .set = { F(TERTIARY_VM_EXEC_CONTROL, NVMX_PROC3_LOADIWKEY_EXITING) }),
	R("enclv_leaf_in_bitmap", ENCLV, true, .operand = 2, .set = { SEC(NVMX_PROC2_ENCLV_EXITING), F(ENCLV_EXITING_BITMAP, 4) }),
	R("enclv_leaf_not_in_bitmap", ENCLV, false, .operand = 1, .set = { SEC(NVMX_PROC2_ENCLV_EXITING), F(ENCLV_EXITING_BITMAP, 4) }),
	/* 72-77 */
	R("enqcmd_pasid_fail", ENQCMD_PASID_FAIL, true, .set = { SEC(NVMX_PROC2_PASID_TRANSLATION) }),
	R("enqcmd_pasid_fail_l0", ENQCMD_PASID_FAIL, false),
	R("enqcmds_pasid_fail", ENQCMDS_PASID_FAIL, true, .set = { SEC(NVMX_PROC2_PASID_TRANSLATION) }),
	R("enqcmds_pasid_fail_l0", ENQCMDS_PASID_FAIL, false),
	R("bus_lock", BUS_LOCK, true, .set = { SEC(NVMX_PROC2_BUS_LOCK_DETECTION) }),
	R("bus_lock_l0", BUS_LOCK, false),
	R("instruction_timeout", INSTRUCTION_TIMEOUT, true, .qual = 1, .set = { SEC(NVMX_PROC2_NOTIFY_VM_EXITING) }),
	R("instruction_timeout_l0", INSTRUCTION_TIMEOUT, false),
	R("seamcall", SEAMCALL, true), R("seamcall_l0_owned", SEAMCALL, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	R("tdcall", TDCALL, true), R("tdcall_l0_owned", TDCALL, false, .flags = NVMX_L2_EXIT_L0_OWNED),
	/* reasons the SDM does not define */
	{ .name = "reason_35_undefined", .reason = 35, .to_l1 = false },
	{ .name = "reason_71_undefined", .reason = 71, .to_l1 = false },
};

ParameterizedTestParameters(exit_decision, every_reason)
{
	return cr_make_param_array(struct row, rows, sizeof(rows) / sizeof(rows[0]));
}

ParameterizedTest(struct row *r, exit_decision, every_reason)
{
	struct fx f;
	fx_init(&f);
	for (unsigned i = 0; i < 4; i++)
		if (r->set[i].idx || r->set[i].val)
			f.s->f[r->set[i].idx] |= r->set[i].val;
	/* L1's bitmaps: MSR 0x10 and 0xC0000082 readable-exit, 0x1FF and
	 * 0xC0000080 writable-exit; ports 0x60, 0x8000 and 0x7FFF exit. */
	fx_set_bit(&f, FX_MSR_BITMAP, 0x10);
	fx_set_bit(&f, FX_MSR_BITMAP + 0x400, 0x82);
	fx_set_bit(&f, FX_MSR_BITMAP + 0x800, 0x1ff);
	fx_set_bit(&f, FX_MSR_BITMAP + 0xc00, 0x80);
	fx_set_bit(&f, FX_IO_A, 0x60);
	fx_set_bit(&f, FX_IO_A, 0x7fff);
	fx_set_bit(&f, FX_IO_B, 0);
	/* EPTP list: entry 0 valid (WB, 4-level), entry 1 memory type 2. */
	refhost_mem_w64(&f.h, FX_EPTP_LIST, 0x50000 | 6 | 3 << 3);
	refhost_mem_w64(&f.h, FX_EPTP_LIST + 8, 0x50000 | 2 | 3 << 3);

	struct nvmx_l2_exit e = fx_exit(r->reason);
	e.qualification = r->qual;
	e.intr_info = r->intr_info;
	e.intr_error_code = r->intr_ec;
	e.operand = r->operand;
	e.operand2 = r->operand2;
	e.flags = r->flags;
	e.insn_len = 3;
	struct nvmx_result res;
	cr_assert_eq(nvmx_vcpu_handle_exit(f.v, &e, &res), NVMX_STATUS_OK, "%s", r->name);
	if (r->to_l1) {
		cr_expect_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1, "%s: outcome %d reason %s", r->name,
		             res.outcome, nvmx_reason_name(res.reason));
		cr_expect_eq(res.action, NVMX_ACTION_RESUME_L1, "%s", r->name);
		cr_expect_eq(S12(&f, VM_EXIT_REASON), r->reason, "%s", r->name);
		cr_expect_eq(S12(&f, EXIT_QUALIFICATION), r->qual, "%s", r->name);
		cr_expect_eq(res.exit_reason, r->reason, "%s", r->name);
		cr_expect_eq(res.exit_qualification, r->qual, "%s", r->name);
		cr_expect_eq(S12(&f, VM_EXIT_INSTRUCTION_LEN), 3, "%s", r->name);
		/* SDM 28.2.2: interruption information only for exceptions and
		 * NMIs (and interrupts acknowledged on exit, not set here). */
		uint32_t info = r->reason == NVMX_EXIT_REASON_EXCEPTION_NMI ? r->intr_info : 0;
		cr_expect_eq(S12(&f, VM_EXIT_INTR_INFO), info, "%s", r->name);
		cr_expect_eq(S12(&f, IDT_VECTORING_INFO_FIELD), 0, "%s", r->name);
		cr_expect_eq(S12(&f, GUEST_RIP), 0x2000, "%s: L2's RIP saved", r->name);
		cr_expect(!f.v->in_l2, "%s", r->name);
		cr_expect_eq(refhost_l1_get(&f.h, NVMX_F_GUEST_RIP), 0x401000, "%s", r->name);
	} else {
		cr_expect_eq(res.outcome, NVMX_OUTCOME_L0_EXIT, "%s: outcome %d reason %s", r->name,
		             res.outcome, nvmx_reason_name(res.reason));
		cr_expect_eq(res.action, NVMX_ACTION_L0_EXIT, "%s", r->name);
		cr_expect_eq(S12(&f, VM_EXIT_REASON), 0, "%s", r->name);
		cr_expect(f.v->in_l2, "%s", r->name);
		cr_expect_eq(refhost_l1_get(&f.h, NVMX_F_GUEST_RIP), 0x100000, "%s", r->name);
	}
	fx_fini(&f);
}

Test(exit_decision, wanted_by_l1_query_changes_nothing)
{
	struct fx f;
	fx_init(&f);
	S12(&f, CPU_BASED_VM_EXEC_CONTROL) = NVMX_PROC_HLT_EXITING;
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_HLT);
	bool wanted = false;
	enum nvmx_reason why;
	cr_assert_eq(nvmx_vcpu_exit_wanted_by_l1(f.v, &e, &wanted, &why), NVMX_STATUS_OK);
	cr_expect(wanted);
	cr_expect_eq(why, NVMX_REASON_EXIT_L1_CONTROL);
	cr_expect(f.v->in_l2);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 0);
	fx_fini(&f);
}

Test(exit_decision, unreadable_msr_bitmap_counts_as_exit)
{
	struct fx f;
	fx_init(&f);
	S12(&f, CPU_BASED_VM_EXEC_CONTROL) = NVMX_PROC_USE_MSR_BITMAPS;
	S12(&f, MSR_BITMAP) = 0x7fff0000000ull; /* beyond L1 memory */
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_RDMSR);
	e.operand = 0x10;
	bool wanted = false;
	enum nvmx_reason why;
	cr_assert_eq(nvmx_vcpu_exit_wanted_by_l1(f.v, &e, &wanted, &why), NVMX_STATUS_OK);
	cr_expect(wanted);
	cr_expect_eq(why, NVMX_REASON_EXIT_L1_BITMAP_UNREADABLE);
	fx_fini(&f);
}

Test(exit_decision, refuses_exit_while_l1_runs)
{
	struct fx f;
	fx_init(&f);
	f.v->in_l2 = false;
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_CPUID);
	struct nvmx_result res;
	cr_expect_eq(nvmx_vcpu_handle_exit(f.v, &e, &res), NVMX_STATUS_WRONG_STATE);
	fx_fini(&f);
}

Test(exit_decision, refuses_short_exit_struct)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_CPUID);
	e.size = 8;
	struct nvmx_result res;
	cr_expect_eq(nvmx_vcpu_handle_exit(f.v, &e, &res), NVMX_STATUS_INVALID_ARGUMENT);
	e.size = sizeof(e);
	e.nbytes = 16;
	cr_expect_eq(nvmx_vcpu_handle_exit(f.v, &e, &res), NVMX_STATUS_INVALID_ARGUMENT);
	fx_fini(&f);
}

Test(exit_decision, pause_loop_exit_at_cpl3_is_not_l1s)
{
	struct fx f;
	fx_init(&f);
	S12(&f, CPU_BASED_VM_EXEC_CONTROL) = NVMX_PROC_SECONDARY_CONTROLS;
	S12(&f, SECONDARY_VM_EXEC_CONTROL) = NVMX_PROC2_PAUSE_LOOP_EXITING;
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_SS_AR_BYTES, 0xc0f3); /* DPL 3 */
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_PAUSE);
	struct nvmx_result res;
	cr_assert_eq(nvmx_vcpu_handle_exit(f.v, &e, &res), NVMX_STATUS_OK);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_L0_EXIT);
	fx_fini(&f);
}
