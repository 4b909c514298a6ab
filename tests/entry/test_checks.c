/* SPDX-License-Identifier: MIT */
/*
 * Every VM-entry check (SDM 27.2-27.4) with a failing and a passing value on
 * the valid baseline VMCS12 of entry_fixture.c. Expected outcomes are the
 * SDM's: VMfailValid(7) for controls, VMfailValid(8) for host state, exit
 * reason 33 | bit 31 with qualification 0/2/3/4 for guest state, 34 | bit 31
 * with the 1-based entry number for MSR loading.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include "entry_fixture.h"

enum op { NOP, SET, OR, CLR, MEM32, MEM64, CAPCLR, L1SET, UNMAP, V86, REFUSE };
struct mut {
	uint8_t op;
	uint16_t idx;
	uint64_t a, v;
};
enum kind { K7 = 7, K8 = 8, K33 = 33, K34 = 34 };
struct check_case {
	char name[48];
	struct mut pre[6], good[4], bad[4];
	uint32_t reason;
	uint32_t kind;
	uint32_t qual;
	bool ept;   /* the good value needs the shadow-EPT module (EPT12 in use) */
};

#define M_SET(f, x) { SET, NVMX_IDX_##f, 0, (x) }
#define M_OR(f, x) { OR, NVMX_IDX_##f, 0, (x) }
#define M_CLR(f, x) { CLR, NVMX_IDX_##f, 0, (x) }
#define M_MEM32(a, x) { MEM32, 0, (a), (x) }
#define M_MEM64(a, x) { MEM64, 0, (a), (x) }
#define M_CAPCLR(msr, x) { CAPCLR, 0, (msr), (x) }
#define M_L1(f, x) { L1SET, 0, NVMX_F_##f, (x) }
#define M_UNMAP(a) { UNMAP, 0, (a), 0 }
#define M_V86 { V86, 0, 0, 0 }
#define M_REFUSE(msr) { REFUSE, 0, (msr), 0 }
#define M_NOP { NOP, 0, 0, 0 }

#define R(x) NVMX_REASON_ENTRY_##x
#define EPTP_OK 0x3001eull
#define P2(x) NVMX_PROC2_##x
#define PR(x) NVMX_PROC_##x
#define PIN(x) NVMX_PIN_##x
#define EX(x) NVMX_EXIT_CTL_##x
#define EN(x) NVMX_ENTRY_CTL_##x
#define EPT_ON M_OR(SECONDARY_VM_EXEC_CONTROL, P2(EPT)), M_SET(EPT_POINTER, EPTP_OK)
#define TPR_ON M_OR(CPU_BASED_VM_EXEC_CONTROL, PR(TPR_SHADOW)), M_SET(VIRTUAL_APIC_PAGE_ADDR, FX_VAPIC)
#define NOT_64 M_CLR(VM_ENTRY_CONTROLS, EN(IA32E_MODE_GUEST))
#define L1_32 M_L1(GUEST_IA32_EFER, 0), M_CLR(VM_EXIT_CONTROLS, EX(HOST_ADDR_SPACE_SIZE))
#define MSR2(idx) M_SET(VM_ENTRY_MSR_LOAD_ADDR, 0x32000), M_MEM64(0x32010, (idx))
/* The value of MSR2's second entry, and a count of 2 for both values. */
#define MSRVAL(x) M_MEM64(0x32018, (x)), M_SET(VM_ENTRY_MSR_LOAD_COUNT, 2)
#define BASIC 0x480u
#define MISC 0x485u

static struct check_case cases[] = {
	/* ---- 27.2.1.1 VM-execution controls ---- */
	{ "pin_allowed1", {M_NOP}, {M_OR(PIN_BASED_VM_EXEC_CONTROL, PIN(PREEMPTION_TIMER))},
	  {M_OR(PIN_BASED_VM_EXEC_CONTROL, 1u << 8)}, R(CTL_PIN_RESERVED), K7, 0, 0 },
	{ "pin_allowed0", {M_NOP}, {M_NOP}, {M_CLR(PIN_BASED_VM_EXEC_CONTROL, 0x16)},
	  R(CTL_PIN_RESERVED), K7, 0, 0 },
	{ "proc_allowed1", {M_NOP}, {M_OR(CPU_BASED_VM_EXEC_CONTROL, PR(RDTSC_EXITING))},
	  {M_OR(CPU_BASED_VM_EXEC_CONTROL, 1u << 0)}, R(CTL_PROC_RESERVED), K7, 0, 0 },
	{ "proc_tertiary_not_offered", {M_NOP}, {M_NOP},
	  {M_OR(CPU_BASED_VM_EXEC_CONTROL, PR(TERTIARY_CONTROLS))}, R(CTL_PROC_RESERVED), K7, 0, 0 },
	{ "proc2_allowed1", {M_NOP}, {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(RDTSCP))},
	  {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(SHADOW_VMCS))}, R(CTL_PROC2_RESERVED), K7, 0, 0 },
	{ "proc2_spp_not_offered", {M_NOP}, {M_NOP}, {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(SPP))},
	  R(CTL_PROC2_RESERVED), K7, 0, 0 },
	{ "cr3_target_count", {M_NOP}, {M_SET(CR3_TARGET_COUNT, 4)}, {M_SET(CR3_TARGET_COUNT, 5)},
	  R(CTL_CR3_TARGET_COUNT), K7, 0, 0 },
	{ "io_bitmap_unaligned", {M_OR(CPU_BASED_VM_EXEC_CONTROL, PR(USE_IO_BITMAPS)),
	  M_SET(IO_BITMAP_A, FX_IO_A), M_SET(IO_BITMAP_B, FX_IO_B)},
	  {M_SET(IO_BITMAP_A, FX_IO_A)}, {M_SET(IO_BITMAP_A, FX_IO_A + 1)}, R(CTL_IO_BITMAP_ADDR), K7, 0, 0 },
	{ "io_bitmap_too_wide", {M_OR(CPU_BASED_VM_EXEC_CONTROL, PR(USE_IO_BITMAPS)),
	  M_SET(IO_BITMAP_A, FX_IO_A), M_SET(IO_BITMAP_B, FX_IO_B)},
	  {M_SET(IO_BITMAP_B, FX_IO_B)}, {M_SET(IO_BITMAP_B, 1ull << 46)}, R(CTL_IO_BITMAP_ADDR), K7, 0, 0 },
	{ "msr_bitmap_unaligned", {M_NOP}, {M_SET(MSR_BITMAP, FX_MSR_BITMAP)},
	  {M_SET(MSR_BITMAP, FX_MSR_BITMAP + 0x800)}, R(CTL_MSR_BITMAP_ADDR), K7, 0, 0 },
	{ "virtual_apic_unaligned", {TPR_ON}, {M_SET(VIRTUAL_APIC_PAGE_ADDR, FX_VAPIC)},
	  {M_SET(VIRTUAL_APIC_PAGE_ADDR, FX_VAPIC + 0x10)}, R(CTL_VIRTUAL_APIC_ADDR), K7, 0, 0 },
	{ "tpr_threshold_bits_31_4", {TPR_ON}, {M_SET(TPR_THRESHOLD, 0)}, {M_SET(TPR_THRESHOLD, 0x10)},
	  R(CTL_TPR_THRESHOLD_RESERVED), K7, 0, 0 },
	{ "tpr_threshold_above_vtpr", {TPR_ON, M_MEM32(FX_VAPIC + 0x80, 0x30)},
	  {M_SET(TPR_THRESHOLD, 3)}, {M_SET(TPR_THRESHOLD, 4)}, R(CTL_TPR_THRESHOLD_VTPR), K7, 0, 0 },
	{ "virtual_nmis_without_nmi_exiting", {M_NOP}, {M_OR(PIN_BASED_VM_EXEC_CONTROL, PIN(VIRTUAL_NMIS))},
	  {M_CLR(PIN_BASED_VM_EXEC_CONTROL, PIN(NMI_EXITING)), M_OR(PIN_BASED_VM_EXEC_CONTROL, PIN(VIRTUAL_NMIS))},
	  R(CTL_VNMI_WITHOUT_NMI_EXITING), K7, 0, 0 },
	{ "nmi_window_without_virtual_nmis", {M_OR(CPU_BASED_VM_EXEC_CONTROL, PR(NMI_WINDOW_EXITING))},
	  {M_OR(PIN_BASED_VM_EXEC_CONTROL, PIN(VIRTUAL_NMIS))}, {M_NOP},
	  R(CTL_NMI_WINDOW_WITHOUT_VNMI), K7, 0, 0 },
	{ "apic_access_unaligned", {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VIRT_APIC_ACCESSES))},
	  {M_SET(APIC_ACCESS_ADDR, FX_APIC_ACCESS)}, {M_SET(APIC_ACCESS_ADDR, FX_APIC_ACCESS + 4)},
	  R(CTL_APIC_ACCESS_ADDR), K7, 0, 0 },
	{ "x2apic_with_apic_accesses", {TPR_ON, M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VIRT_APIC_ACCESSES)),
	  M_SET(APIC_ACCESS_ADDR, FX_APIC_ACCESS)}, {M_NOP},
	  {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VIRT_X2APIC))}, R(CTL_X2APIC_WITH_APIC_ACCESSES), K7, 0, 0 },
	{ "x2apic_without_tpr_shadow", {M_SET(VIRTUAL_APIC_PAGE_ADDR, FX_VAPIC)},
	  {M_OR(CPU_BASED_VM_EXEC_CONTROL, PR(TPR_SHADOW)), M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VIRT_X2APIC))},
	  {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VIRT_X2APIC))}, R(CTL_APICV_WITHOUT_TPR_SHADOW), K7, 0, 0 },
	{ "vid_without_external_interrupt_exiting", {TPR_ON}, {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VIRT_INTR_DELIVERY))},
	  {M_CLR(PIN_BASED_VM_EXEC_CONTROL, PIN(EXT_INTR_EXITING)), M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VIRT_INTR_DELIVERY))},
	  R(CTL_VID_WITHOUT_EXT_INTR_EXITING), K7, 0, 0 },
	{ "posted_without_vid", {TPR_ON, M_OR(VM_EXIT_CONTROLS, EX(ACK_INTR_ON_EXIT)),
	  M_SET(POSTED_INTR_DESC_ADDR, FX_PI_DESC), M_SET(POSTED_INTR_NV, 0xf2)},
	  {M_OR(PIN_BASED_VM_EXEC_CONTROL, PIN(POSTED_INTR)), M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VIRT_INTR_DELIVERY))},
	  {M_OR(PIN_BASED_VM_EXEC_CONTROL, PIN(POSTED_INTR))}, R(CTL_POSTED_WITHOUT_VID), K7, 0, 0 },
	{ "posted_without_ack_on_exit", {TPR_ON, M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VIRT_INTR_DELIVERY)),
	  M_SET(POSTED_INTR_DESC_ADDR, FX_PI_DESC), M_SET(POSTED_INTR_NV, 0xf2)},
	  {M_OR(PIN_BASED_VM_EXEC_CONTROL, PIN(POSTED_INTR)), M_OR(VM_EXIT_CONTROLS, EX(ACK_INTR_ON_EXIT))},
	  {M_OR(PIN_BASED_VM_EXEC_CONTROL, PIN(POSTED_INTR))}, R(CTL_POSTED_WITHOUT_ACK), K7, 0, 0 },
	{ "posted_vector_bits_15_8", {TPR_ON, M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VIRT_INTR_DELIVERY)),
	  M_OR(VM_EXIT_CONTROLS, EX(ACK_INTR_ON_EXIT)), M_OR(PIN_BASED_VM_EXEC_CONTROL, PIN(POSTED_INTR)),
	  M_SET(POSTED_INTR_DESC_ADDR, FX_PI_DESC)},
	  {M_SET(POSTED_INTR_NV, 0xf2)}, {M_SET(POSTED_INTR_NV, 0x1f2)}, R(CTL_POSTED_VECTOR), K7, 0, 0 },
	{ "posted_descriptor_unaligned", {TPR_ON, M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VIRT_INTR_DELIVERY)),
	  M_OR(VM_EXIT_CONTROLS, EX(ACK_INTR_ON_EXIT)), M_OR(PIN_BASED_VM_EXEC_CONTROL, PIN(POSTED_INTR)),
	  M_SET(POSTED_INTR_NV, 0xf2)},
	  {M_SET(POSTED_INTR_DESC_ADDR, FX_PI_DESC + 0x40)}, {M_SET(POSTED_INTR_DESC_ADDR, FX_PI_DESC + 0x20)},
	  R(CTL_POSTED_DESC_ADDR), K7, 0, 0 },
	{ "vpid_zero", {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VPID))}, {M_SET(VIRTUAL_PROCESSOR_ID, 1)},
	  {M_SET(VIRTUAL_PROCESSOR_ID, 0)}, R(CTL_VPID_ZERO), K7, 0, 0 },
	{ "eptp_memory_type", {EPT_ON}, {M_SET(EPT_POINTER, EPTP_OK)}, {M_SET(EPT_POINTER, 0x30019)},
	  R(CTL_EPTP_MEMTYPE), K7, 0, 1 },
	{ "eptp_walk_length", {EPT_ON}, {M_SET(EPT_POINTER, 0x30026)}, {M_SET(EPT_POINTER, 0x3000e)},
	  R(CTL_EPTP_WALK_LENGTH), K7, 0, 1 },
	{ "eptp_ad_not_offered", {EPT_ON, M_CAPCLR(0x48c, NVMX_EPT_CAP_AD)}, {M_SET(EPT_POINTER, EPTP_OK)},
	  {M_SET(EPT_POINTER, EPTP_OK | 0x40)}, R(CTL_EPTP_AD), K7, 0, 1 },
	{ "eptp_reserved_bits_11_7", {EPT_ON}, {M_SET(EPT_POINTER, EPTP_OK | 0x40)},
	  {M_SET(EPT_POINTER, EPTP_OK | 0x100)}, R(CTL_EPTP_RESERVED), K7, 0, 1 },
	{ "eptp_beyond_maxphyaddr", {EPT_ON}, {M_SET(EPT_POINTER, EPTP_OK | (1ull << 45))},
	  {M_SET(EPT_POINTER, EPTP_OK | (1ull << 46))}, R(CTL_EPTP_RESERVED), K7, 0, 1 },
	{ "pml_without_ept", {M_SET(PML_ADDRESS, FX_PML), M_OR(SECONDARY_VM_EXEC_CONTROL, P2(PML))},
	  {EPT_ON}, {M_NOP}, R(CTL_PML_WITHOUT_EPT), K7, 0, 1 },
	{ "pml_address_unaligned", {EPT_ON, M_OR(SECONDARY_VM_EXEC_CONTROL, P2(PML))},
	  {M_SET(PML_ADDRESS, FX_PML)}, {M_SET(PML_ADDRESS, FX_PML + 8)}, R(CTL_PML_ADDR), K7, 0, 1 },
	{ "unrestricted_guest_without_ept", {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(UNRESTRICTED_GUEST))},
	  {EPT_ON}, {M_NOP}, R(CTL_UNRESTRICTED_WITHOUT_EPT), K7, 0, 1 },
	{ "mode_based_execute_without_ept", {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(MODE_BASED_EPT_EXEC))},
	  {EPT_ON}, {M_NOP}, R(CTL_MBEC_WITHOUT_EPT), K7, 0, 1 },
	{ "vmfunc_reserved", {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VMFUNC))},
	  {M_SET(VM_FUNCTION_CONTROL, 0)}, {M_SET(VM_FUNCTION_CONTROL, 2)}, R(CTL_VMFUNC_RESERVED), K7, 0, 0 },
	{ "eptp_switching_without_ept", {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VMFUNC)),
	  M_SET(EPTP_LIST_ADDRESS, FX_EPTP_LIST), M_SET(VM_FUNCTION_CONTROL, 1)},
	  {EPT_ON}, {M_NOP}, R(CTL_EPTP_SWITCHING_WITHOUT_EPT), K7, 0, 1 },
	{ "eptp_list_unaligned", {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(VMFUNC)), EPT_ON,
	  M_SET(VM_FUNCTION_CONTROL, 1)},
	  {M_SET(EPTP_LIST_ADDRESS, FX_EPTP_LIST)}, {M_SET(EPTP_LIST_ADDRESS, FX_EPTP_LIST + 8)},
	  R(CTL_EPTP_LIST_ADDR), K7, 0, 1 },
	{ "ve_information_unaligned", {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(EPT_VE))},
	  {M_SET(VE_INFORMATION_ADDRESS, FX_VE)}, {M_SET(VE_INFORMATION_ADDRESS, FX_VE + 1)},
	  R(CTL_VE_INFO_ADDR), K7, 0, 0 },
	/* A virtual-APIC page L0 does not back reads as ones: VTPR 0xf, so
	 * the vTPR check passes for any threshold (test_merge.c has the rest
	 * of "addresses L0 does not back"). */
	{ "vtpr_page_not_backed_by_l0_reads_as_ones", {TPR_ON, M_UNMAP(0x2b000),
	  M_SET(TPR_THRESHOLD, 15)},
	  {M_SET(VIRTUAL_APIC_PAGE_ADDR, 0x2b000)}, {M_MEM32(FX_VAPIC + 0x80, 0xe0),
	  M_SET(VIRTUAL_APIC_PAGE_ADDR, FX_VAPIC)}, R(CTL_TPR_THRESHOLD_VTPR), K7, 0, 0 },
	/* ---- 27.2.1.2 VM-exit controls ---- */
	{ "exit_allowed1", {M_NOP}, {M_OR(VM_EXIT_CONTROLS, EX(SAVE_PAT))},
	  {M_OR(VM_EXIT_CONTROLS, EX(PT_CONCEAL))}, R(CTL_EXIT_RESERVED), K7, 0, 0 },
	{ "save_timer_without_timer", {M_OR(VM_EXIT_CONTROLS, EX(SAVE_PREEMPTION_TIMER))},
	  {M_OR(PIN_BASED_VM_EXEC_CONTROL, PIN(PREEMPTION_TIMER))}, {M_NOP},
	  R(CTL_SAVE_TIMER_WITHOUT_TIMER), K7, 0, 0 },
	{ "exit_msr_store_unaligned", {M_SET(VM_EXIT_MSR_STORE_COUNT, 1)},
	  {M_SET(VM_EXIT_MSR_STORE_ADDR, FX_EXIT_MSR)}, {M_SET(VM_EXIT_MSR_STORE_ADDR, FX_EXIT_MSR + 8)},
	  R(CTL_EXIT_MSR_STORE_ADDR), K7, 0, 0 },
	{ "exit_msr_store_last_byte_too_wide", {M_SET(VM_EXIT_MSR_STORE_COUNT, 2)},
	  {M_SET(VM_EXIT_MSR_STORE_ADDR, (1ull << 46) - 32)}, {M_SET(VM_EXIT_MSR_STORE_ADDR, (1ull << 46) - 16)},
	  R(CTL_EXIT_MSR_STORE_ADDR), K7, 0, 0 },
	{ "exit_msr_load_unaligned", {M_SET(VM_EXIT_MSR_LOAD_COUNT, 1)},
	  {M_SET(VM_EXIT_MSR_LOAD_ADDR, FX_EXIT_MSR)}, {M_SET(VM_EXIT_MSR_LOAD_ADDR, FX_EXIT_MSR + 4)},
	  R(CTL_EXIT_MSR_LOAD_ADDR), K7, 0, 0 },
	/* ---- 27.2.1.3 VM-entry controls ---- */
	{ "entry_allowed1", {M_NOP}, {M_OR(VM_ENTRY_CONTROLS, EN(LOAD_PAT))},
	  {M_OR(VM_ENTRY_CONTROLS, EN(PT_CONCEAL))}, R(CTL_ENTRY_RESERVED), K7, 0, 0 },
	{ "entry_to_smm_not_offered", {M_NOP}, {M_NOP}, {M_OR(VM_ENTRY_CONTROLS, EN(ENTRY_TO_SMM))},
	  R(CTL_ENTRY_RESERVED), K7, 0, 0 },
	{ "deactivate_dual_monitor_not_offered", {M_NOP}, {M_NOP},
	  {M_OR(VM_ENTRY_CONTROLS, EN(DEACT_DUAL_MONITOR))}, R(CTL_ENTRY_RESERVED), K7, 0, 0 },
	{ "event_type_reserved", {M_NOP}, {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000020)},
	  {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000120)}, R(CTL_EVENT_TYPE), K7, 0, 0 },
	{ "event_type_other_without_mtf", {M_CAPCLR(0x482, (uint64_t)PR(MONITOR_TRAP_FLAG) << 32)},
	  {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000020)}, {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000700)},
	  R(CTL_EVENT_TYPE_OTHER), K7, 0, 0 },
	{ "event_nmi_vector", {M_NOP}, {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000202)},
	  {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000203)}, R(CTL_EVENT_NMI_VECTOR), K7, 0, 0 },
	{ "event_hw_exception_vector", {M_NOP}, {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000306)},
	  {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000320)}, R(CTL_EVENT_HW_VECTOR), K7, 0, 0 },
	{ "event_other_vector", {M_NOP}, {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000700)},
	  {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000701)}, R(CTL_EVENT_OTHER_VECTOR), K7, 0, 0 },
	{ "event_error_code_in_real_mode", {NOT_64, M_SET(GUEST_CR0, 0x30),
	  M_OR(SECONDARY_VM_EXEC_CONTROL, P2(UNRESTRICTED_GUEST)), EPT_ON},
	  {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x8000030d)}, {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000b0d)},
	  R(CTL_EVENT_ERRCODE_MODE), K7, 0, 1 },
	{ "event_error_code_not_exception", {M_NOP}, {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000202)},
	  {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000a02)}, R(CTL_EVENT_ERRCODE_TYPE), K7, 0, 0 },
	{ "event_error_code_vector", {M_CAPCLR(BASIC, NVMX_BASIC_NO_HW_ERRCODE_CHECK)},
	  {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000b0d)}, {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000b06)},
	  R(CTL_EVENT_ERRCODE_VECTOR), K7, 0, 0 },
	{ "event_error_code_missing", {M_CAPCLR(BASIC, NVMX_BASIC_NO_HW_ERRCODE_CHECK)},
	  {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000b0e)}, {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x8000030e)},
	  R(CTL_EVENT_ERRCODE_MISSING), K7, 0, 0 },
	{ "event_reserved_bits_30_12", {M_NOP}, {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000020)},
	  {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80010020)}, R(CTL_EVENT_RESERVED), K7, 0, 0 },
	{ "event_error_code_bits_31_16", {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000b0d)},
	  {M_SET(VM_ENTRY_EXCEPTION_ERROR_CODE, 0xffff)}, {M_SET(VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10000)},
	  R(CTL_EVENT_ERRCODE_RESERVED), K7, 0, 0 },
	{ "event_instruction_length", {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000403)},
	  {M_SET(VM_ENTRY_INSTRUCTION_LEN, 15)}, {M_SET(VM_ENTRY_INSTRUCTION_LEN, 16)},
	  R(CTL_EVENT_INSN_LEN), K7, 0, 0 },
	{ "event_zero_length_without_misc30", {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000603),
	  M_CAPCLR(MISC, NVMX_MISC_ZERO_LEN_INJECT)},
	  {M_SET(VM_ENTRY_INSTRUCTION_LEN, 1)}, {M_SET(VM_ENTRY_INSTRUCTION_LEN, 0)},
	  R(CTL_EVENT_INSN_LEN), K7, 0, 0 },
	{ "entry_msr_load_unaligned", {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 1)},
	  {M_SET(VM_ENTRY_MSR_LOAD_ADDR, FX_ENTRY_MSR)}, {M_SET(VM_ENTRY_MSR_LOAD_ADDR, FX_ENTRY_MSR + 4)},
	  R(CTL_ENTRY_MSR_LOAD_ADDR), K7, 0, 0 },
	/* ---- 27.2.2 host control registers and MSRs ---- */
	{ "host_cr0_fixed", {M_NOP}, {M_SET(HOST_CR0, 0x80050033)}, {M_SET(HOST_CR0, 0x80050032)},
	  R(HOST_CR0_FIXED), K8, 0, 0 },
	{ "host_cr4_fixed", {M_NOP}, {M_NOP}, {M_CLR(HOST_CR4, NVMX_CR4_VMXE)}, R(HOST_CR4_FIXED), K8, 0, 0 },
	{ "host_cr3_width", {M_NOP}, {M_SET(HOST_CR3, (1ull << 46) - 4096)}, {M_SET(HOST_CR3, 1ull << 46)},
	  R(HOST_CR3_WIDTH), K8, 0, 0 },
	{ "host_sysenter_esp_canonical", {M_NOP}, {M_SET(HOST_IA32_SYSENTER_ESP, 0xffff800000000000ull)},
	  {M_SET(HOST_IA32_SYSENTER_ESP, 0x0000800000000000ull)}, R(HOST_SYSENTER_CANONICAL), K8, 0, 0 },
	{ "host_sysenter_eip_canonical", {M_NOP}, {M_SET(HOST_IA32_SYSENTER_EIP, 0x00007fffffffffffull)},
	  {M_SET(HOST_IA32_SYSENTER_EIP, 0xfff0000000000000ull)}, R(HOST_SYSENTER_CANONICAL), K8, 0, 0 },
	{ "host_perf_global_ctrl", {M_OR(VM_EXIT_CONTROLS, EX(LOAD_PERF_GLOBAL_CTRL))},
	  {M_SET(HOST_IA32_PERF_GLOBAL_CTRL, 0xff)}, {M_SET(HOST_IA32_PERF_GLOBAL_CTRL, 0x100)},
	  R(HOST_PERF_GLOBAL_CTRL), K8, 0, 0 },
	{ "host_pat", {M_OR(VM_EXIT_CONTROLS, EX(LOAD_PAT))}, {M_SET(HOST_IA32_PAT, 0x0007040600070406ull)},
	  {M_SET(HOST_IA32_PAT, 0x0007040600070402ull)}, R(HOST_PAT), K8, 0, 0 },
	{ "host_efer_reserved", {M_OR(VM_EXIT_CONTROLS, EX(LOAD_EFER))}, {M_SET(HOST_IA32_EFER, 0xd01)},
	  {M_SET(HOST_IA32_EFER, 0x502)}, R(HOST_EFER_RESERVED), K8, 0, 0 },
	{ "host_efer_lma_lme", {M_OR(VM_EXIT_CONTROLS, EX(LOAD_EFER))}, {M_SET(HOST_IA32_EFER, 0x500)},
	  {M_SET(HOST_IA32_EFER, 0x100)}, R(HOST_EFER_LMA_LME), K8, 0, 0 },
	/* ---- 27.2.3 host segment and descriptor-table registers ---- */
	{ "host_selector_rpl", {M_NOP}, {M_SET(HOST_DS_SELECTOR, 0x18)}, {M_SET(HOST_DS_SELECTOR, 0x1b)},
	  R(HOST_SEL_RPL_TI), K8, 0, 0 },
	{ "host_selector_ti", {M_NOP}, {M_SET(HOST_TR_SELECTOR, 0x40)}, {M_SET(HOST_TR_SELECTOR, 0x44)},
	  R(HOST_SEL_RPL_TI), K8, 0, 0 },
	{ "host_cs_null", {M_NOP}, {M_SET(HOST_CS_SELECTOR, 0x10)}, {M_SET(HOST_CS_SELECTOR, 0)},
	  R(HOST_CS_NULL), K8, 0, 0 },
	{ "host_tr_null", {M_NOP}, {M_SET(HOST_TR_SELECTOR, 0x40)}, {M_SET(HOST_TR_SELECTOR, 0)},
	  R(HOST_TR_NULL), K8, 0, 0 },
	{ "host_ss_null_32bit_host", {L1_32, NOT_64, M_SET(HOST_RIP, 0x200000)},
	  {M_SET(HOST_SS_SELECTOR, 0x18)}, {M_SET(HOST_SS_SELECTOR, 0)}, R(HOST_SS_NULL), K8, 0, 0 },
	{ "host_base_canonical", {M_NOP}, {M_SET(HOST_FS_BASE, 0xffff800000000000ull)},
	  {M_SET(HOST_FS_BASE, 0x0000800000000000ull)}, R(HOST_BASE_CANONICAL), K8, 0, 0 },
	{ "host_idtr_base_canonical", {M_NOP}, {M_NOP},
	  {M_SET(HOST_IDTR_BASE, 0x1000000000000000ull)}, R(HOST_BASE_CANONICAL), K8, 0, 0 },
	/* ---- 27.2.4 address-space size ---- */
	{ "host_size_vs_32bit_l1", {M_L1(GUEST_IA32_EFER, 0), M_SET(HOST_RIP, 0x200000)},
	  {M_CLR(VM_EXIT_CONTROLS, EX(HOST_ADDR_SPACE_SIZE)), NOT_64}, {NOT_64},
	  R(HOST_ADDR_SPACE_L1_MODE), K8, 0, 0 },
	{ "host_size_vs_64bit_l1", {M_NOP}, {M_NOP}, {M_CLR(VM_EXIT_CONTROLS, EX(HOST_ADDR_SPACE_SIZE))},
	  R(HOST_ADDR_SPACE_L1_MODE), K8, 0, 0 },
	{ "ia32e_guest_with_32bit_host", {L1_32, M_SET(HOST_RIP, 0x200000)}, {NOT_64}, {M_NOP},
	  R(HOST_ADDR_SPACE_GUEST), K8, 0, 0 },
	{ "host_pcide_32bit_host", {L1_32, NOT_64, M_SET(HOST_RIP, 0x200000)}, {M_NOP},
	  {M_OR(HOST_CR4, NVMX_CR4_PCIDE)}, R(HOST_CR4_PCIDE), K8, 0, 0 },
	{ "host_rip_32bit_host", {L1_32, NOT_64}, {M_SET(HOST_RIP, 0xfffff000)},
	  {M_SET(HOST_RIP, 0x100000000ull)}, R(HOST_RIP), K8, 0, 0 },
	{ "host_cr4_pae_64bit_host", {M_NOP}, {M_NOP}, {M_CLR(HOST_CR4, NVMX_CR4_PAE)}, R(HOST_CR4_PAE), K8, 0, 0 },
	{ "host_rip_canonical", {M_NOP}, {M_SET(HOST_RIP, 0x00007ffffffff000ull)},
	  {M_SET(HOST_RIP, 0x0000800000000000ull)}, R(HOST_RIP), K8, 0, 0 },
	/* ---- 27.3.1.1 guest control registers, debug registers, MSRs ---- */
	{ "guest_cr0_fixed", {M_NOP}, {M_NOP}, {M_CLR(GUEST_CR0, NVMX_CR0_NE)}, R(GUEST_CR0_FIXED), K33, 0, 0 },
	{ "guest_cr0_pe_required_without_ug", {M_NOP}, {M_NOP}, {M_CLR(GUEST_CR0, NVMX_CR0_PE)},
	  R(GUEST_CR0_FIXED), K33, 0, 0 },
	{ "guest_cr0_pg_without_pe", {M_OR(SECONDARY_VM_EXEC_CONTROL, P2(UNRESTRICTED_GUEST)), EPT_ON},
	  {M_SET(GUEST_CR0, 0x80050033)}, {M_SET(GUEST_CR0, 0x80050032)}, R(GUEST_CR0_PG_WITHOUT_PE), K33, 0, 1 },
	{ "guest_cr4_fixed", {M_NOP}, {M_NOP}, {M_CLR(GUEST_CR4, NVMX_CR4_VMXE)}, R(GUEST_CR4_FIXED), K33, 0, 0 },
	{ "guest_debugctl", {M_OR(VM_ENTRY_CONTROLS, EN(LOAD_DEBUG_CONTROLS))},
	  {M_SET(GUEST_IA32_DEBUGCTL, 0x3)}, {M_SET(GUEST_IA32_DEBUGCTL, 0x4)}, R(GUEST_DEBUGCTL), K33, 0, 0 },
	{ "guest_ia32e_needs_pae", {M_NOP}, {M_NOP}, {M_CLR(GUEST_CR4, NVMX_CR4_PAE)},
	  R(GUEST_IA32E_PAGING), K33, 0, 0 },
	{ "guest_pcide_outside_ia32e", {NOT_64}, {M_NOP}, {M_OR(GUEST_CR4, NVMX_CR4_PCIDE)},
	  R(GUEST_CR4_PCIDE), K33, 0, 0 },
	{ "guest_cr3_width", {M_NOP}, {M_SET(GUEST_CR3, FX_GUEST_CR3)}, {M_SET(GUEST_CR3, 1ull << 46)},
	  R(GUEST_CR3_WIDTH), K33, 0, 0 },
	{ "guest_dr7_high", {M_OR(VM_ENTRY_CONTROLS, EN(LOAD_DEBUG_CONTROLS))},
	  {M_SET(GUEST_DR7, 0xffffffff)}, {M_SET(GUEST_DR7, 1ull << 32)}, R(GUEST_DR7_HIGH), K33, 0, 0 },
	{ "guest_sysenter_canonical", {M_NOP}, {M_SET(GUEST_SYSENTER_ESP, 0xffff800000000000ull)},
	  {M_SET(GUEST_SYSENTER_ESP, 1ull << 47)}, R(GUEST_SYSENTER_CANONICAL), K33, 0, 0 },
	{ "guest_perf_global_ctrl", {M_OR(VM_ENTRY_CONTROLS, EN(LOAD_PERF_GLOBAL_CTRL))},
	  {M_SET(GUEST_IA32_PERF_GLOBAL_CTRL, 0xf00000000ull)}, {M_SET(GUEST_IA32_PERF_GLOBAL_CTRL, 0x100)},
	  R(GUEST_PERF_GLOBAL_CTRL), K33, 0, 0 },
	{ "guest_pat", {M_OR(VM_ENTRY_CONTROLS, EN(LOAD_PAT))}, {M_SET(GUEST_IA32_PAT, 0x0606060606060606ull)},
	  {M_SET(GUEST_IA32_PAT, 0x0606060606060603ull)}, R(GUEST_PAT), K33, 0, 0 },
	{ "guest_efer_reserved", {M_OR(VM_ENTRY_CONTROLS, EN(LOAD_EFER))}, {M_SET(GUEST_IA32_EFER, 0xd01)},
	  {M_SET(GUEST_IA32_EFER, 0x502)}, R(GUEST_EFER_RESERVED), K33, 0, 0 },
	{ "guest_efer_lma", {M_OR(VM_ENTRY_CONTROLS, EN(LOAD_EFER))}, {M_SET(GUEST_IA32_EFER, 0x500)},
	  {M_SET(GUEST_IA32_EFER, 0x100)}, R(GUEST_EFER_LMA), K33, 0, 0 },
	{ "guest_efer_lme_with_paging", {M_OR(VM_ENTRY_CONTROLS, EN(LOAD_EFER)), NOT_64},
	  {M_SET(GUEST_IA32_EFER, 0x800)}, {M_SET(GUEST_IA32_EFER, 0x100)}, R(GUEST_EFER_LME), K33, 0, 0 },
	{ "guest_bndcfgs", {M_OR(VM_ENTRY_CONTROLS, EN(LOAD_BNDCFGS))},
	  {M_SET(GUEST_BNDCFGS, 0x7ffffffff000ull | 1)}, {M_SET(GUEST_BNDCFGS, 0x4)}, R(GUEST_BNDCFGS), K33, 0, 0 },
	/* ---- 27.3.1.2 guest segment registers ---- */
	{ "guest_tr_ti", {M_NOP}, {M_SET(GUEST_TR_SELECTOR, 0x18)}, {M_SET(GUEST_TR_SELECTOR, 0x1c)},
	  R(GUEST_TR_TI), K33, 0, 0 },
	{ "guest_ldtr_ti", {M_SET(GUEST_LDTR_AR_BYTES, 0x82), M_SET(GUEST_LDTR_LIMIT, 0xffff)},
	  {M_SET(GUEST_LDTR_SELECTOR, 0x20)}, {M_SET(GUEST_LDTR_SELECTOR, 0x24)}, R(GUEST_LDTR_TI), K33, 0, 0 },
	{ "guest_ss_rpl", {M_NOP}, {M_SET(GUEST_SS_SELECTOR, 0x10)}, {M_SET(GUEST_SS_SELECTOR, 0x13)},
	  R(GUEST_SS_RPL), K33, 0, 0 },
	{ "guest_v86_base", {M_V86}, {M_SET(GUEST_ES_BASE, 0x1000)}, {M_SET(GUEST_ES_BASE, 0x1001)},
	  R(GUEST_V86_BASE), K33, 0, 0 },
	{ "guest_v86_limit", {M_V86}, {M_SET(GUEST_DS_LIMIT, 0xffff)}, {M_SET(GUEST_DS_LIMIT, 0xfffff)},
	  R(GUEST_V86_LIMIT), K33, 0, 0 },
	{ "guest_v86_access_rights", {M_V86}, {M_SET(GUEST_GS_AR_BYTES, 0xf3)}, {M_SET(GUEST_GS_AR_BYTES, 0xf2)},
	  R(GUEST_V86_AR), K33, 0, 0 },
	{ "guest_fs_base_canonical", {M_NOP}, {M_SET(GUEST_FS_BASE, 0xffff800000000000ull)},
	  {M_SET(GUEST_FS_BASE, 1ull << 47)}, R(GUEST_BASE_CANONICAL), K33, 0, 0 },
	{ "guest_tr_base_canonical", {M_NOP}, {M_SET(GUEST_TR_BASE, 0x00007fffffff0000ull)},
	  {M_SET(GUEST_TR_BASE, 0x0800000000000000ull)}, R(GUEST_BASE_CANONICAL), K33, 0, 0 },
	{ "guest_cs_base_high", {M_NOP}, {M_SET(GUEST_CS_BASE, 0xffffffffull)}, {M_SET(GUEST_CS_BASE, 1ull << 32)},
	  R(GUEST_BASE_HIGH), K33, 0, 0 },
	{ "guest_ds_base_high", {M_NOP}, {M_SET(GUEST_DS_BASE, 0xfffff000ull)}, {M_SET(GUEST_DS_BASE, 1ull << 40)},
	  R(GUEST_BASE_HIGH), K33, 0, 0 },
	{ "guest_cs_type", {M_NOP}, {M_SET(GUEST_CS_AR_BYTES, 0xa09f)}, {M_SET(GUEST_CS_AR_BYTES, 0xa093)},
	  R(GUEST_CS_TYPE), K33, 0, 0 },
	{ "guest_ss_type", {M_NOP}, {M_SET(GUEST_SS_AR_BYTES, 0xc097)}, {M_SET(GUEST_SS_AR_BYTES, 0xc09b)},
	  R(GUEST_SS_TYPE), K33, 0, 0 },
	{ "guest_ds_type_not_accessed", {M_NOP}, {M_SET(GUEST_DS_AR_BYTES, 0xc09b)},
	  {M_SET(GUEST_DS_AR_BYTES, 0xc092)}, R(GUEST_SEG_TYPE), K33, 0, 0 },
	{ "guest_fs_type_unreadable_code", {M_NOP}, {M_SET(GUEST_FS_AR_BYTES, 0xc09b)},
	  {M_SET(GUEST_FS_AR_BYTES, 0xc099)}, R(GUEST_SEG_TYPE), K33, 0, 0 },
	{ "guest_segment_s", {M_NOP}, {M_SET(GUEST_ES_AR_BYTES, 0xc093)}, {M_SET(GUEST_ES_AR_BYTES, 0xc083)},
	  R(GUEST_SEG_S), K33, 0, 0 },
	{ "guest_cs_dpl", {M_NOP}, {M_SET(GUEST_CS_AR_BYTES, 0xa09f)}, {M_SET(GUEST_CS_AR_BYTES, 0xa0bb)},
	  R(GUEST_CS_DPL), K33, 0, 0 },
	{ "guest_ss_dpl", {M_SET(GUEST_CS_AR_BYTES, 0xa09f)}, {M_SET(GUEST_SS_AR_BYTES, 0xc093)}, {M_SET(GUEST_SS_AR_BYTES, 0xc0b3)},
	  R(GUEST_SS_DPL), K33, 0, 0 },
	{ "guest_ds_dpl_below_rpl", {M_SET(GUEST_DS_SELECTOR, 0x13)}, {M_SET(GUEST_DS_AR_BYTES, 0xc0f3)}, {M_SET(GUEST_DS_AR_BYTES, 0xc093)},
	  R(GUEST_SEG_DPL), K33, 0, 0 },
	{ "guest_segment_present", {M_NOP}, {M_SET(GUEST_GS_AR_BYTES, 0x10000)}, {M_SET(GUEST_GS_AR_BYTES, 0xc013)},
	  R(GUEST_SEG_P), K33, 0, 0 },
	{ "guest_ar_reserved", {M_NOP}, {M_SET(GUEST_DS_AR_BYTES, 0xd093)}, {M_SET(GUEST_DS_AR_BYTES, 0xc193)},
	  R(GUEST_AR_RESERVED), K33, 0, 0 },
	{ "guest_limit_granularity", {M_NOP}, {M_SET(GUEST_DS_LIMIT, 0xfffff)}, {M_SET(GUEST_DS_LIMIT, 0xffffe)},
	  R(GUEST_LIMIT_G), K33, 0, 0 },
	{ "guest_cs_l_and_db", {M_NOP}, {M_SET(GUEST_CS_AR_BYTES, 0xa09b)}, {M_SET(GUEST_CS_AR_BYTES, 0xe09b)},
	  R(GUEST_CS_L_DB), K33, 0, 0 },
	{ "guest_tr_type", {M_NOP}, {M_SET(GUEST_TR_AR_BYTES, 0x8b)}, {M_SET(GUEST_TR_AR_BYTES, 0x83)},
	  R(GUEST_TR_TYPE), K33, 0, 0 },
	{ "guest_tr_s", {M_NOP}, {M_SET(GUEST_TR_AR_BYTES, 0x8b)}, {M_SET(GUEST_TR_AR_BYTES, 0x9b)},
	  R(GUEST_TR_S), K33, 0, 0 },
	{ "guest_tr_present", {M_NOP}, {M_SET(GUEST_TR_AR_BYTES, 0x8b)}, {M_SET(GUEST_TR_AR_BYTES, 0x0b)},
	  R(GUEST_TR_P), K33, 0, 0 },
	{ "guest_tr_unusable", {M_NOP}, {M_SET(GUEST_TR_AR_BYTES, 0x8b)}, {M_SET(GUEST_TR_AR_BYTES, 0x1008b)},
	  R(GUEST_TR_UNUSABLE), K33, 0, 0 },
	{ "guest_ldtr_type", {M_SET(GUEST_LDTR_LIMIT, 0xffff)}, {M_SET(GUEST_LDTR_AR_BYTES, 0x82)},
	  {M_SET(GUEST_LDTR_AR_BYTES, 0x83)}, R(GUEST_LDTR_TYPE), K33, 0, 0 },
	{ "guest_ldtr_present", {M_SET(GUEST_LDTR_LIMIT, 0xffff)}, {M_SET(GUEST_LDTR_AR_BYTES, 0x82)},
	  {M_SET(GUEST_LDTR_AR_BYTES, 0x02)}, R(GUEST_LDTR_P), K33, 0, 0 },
	/* ---- 27.3.1.3 descriptor-table registers ---- */
	{ "guest_gdtr_base", {M_NOP}, {M_SET(GUEST_GDTR_BASE, 0xfffffe0000000000ull)},
	  {M_SET(GUEST_GDTR_BASE, 0x0000fe0000000000ull)}, R(GUEST_DTR_BASE), K33, 0, 0 },
	{ "guest_idtr_limit", {M_NOP}, {M_SET(GUEST_IDTR_LIMIT, 0xffff)}, {M_SET(GUEST_IDTR_LIMIT, 0x10000)},
	  R(GUEST_DTR_LIMIT), K33, 0, 0 },
	/* ---- 27.3.1.4 RIP and RFLAGS ---- */
	{ "guest_rip_canonical", {M_NOP}, {M_SET(GUEST_RIP, 0xffff800000000000ull)},
	  {M_SET(GUEST_RIP, 1ull << 47)}, R(GUEST_RIP), K33, 0, 0 },
	{ "guest_rip_high_outside_64bit", {NOT_64}, {M_SET(GUEST_RIP, 0xffffffffull)},
	  {M_SET(GUEST_RIP, 1ull << 32)}, R(GUEST_RIP), K33, 0, 0 },
	{ "guest_rflags_bit1", {M_NOP}, {M_SET(GUEST_RFLAGS, 0x2)}, {M_SET(GUEST_RFLAGS, 0x0)},
	  R(GUEST_RFLAGS_RESERVED), K33, 0, 0 },
	{ "guest_rflags_reserved", {M_NOP}, {M_SET(GUEST_RFLAGS, 0x3d7fd7)}, {M_SET(GUEST_RFLAGS, 0x8002)},
	  R(GUEST_RFLAGS_RESERVED), K33, 0, 0 },
	{ "guest_rflags_vm_in_ia32e", {M_V86}, {M_NOP}, {M_OR(VM_ENTRY_CONTROLS, EN(IA32E_MODE_GUEST))},
	  R(GUEST_RFLAGS_VM), K33, 0, 0 },
	{ "guest_rflags_if_for_interrupt", {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000020)},
	  {M_SET(GUEST_RFLAGS, 0x202)}, {M_SET(GUEST_RFLAGS, 0x2)}, R(GUEST_RFLAGS_IF), K33, 0, 0 },
	/* ---- 27.3.1.5 non-register state ---- */
	{ "guest_activity_reserved", {M_NOP}, {M_SET(GUEST_ACTIVITY_STATE, 3)}, {M_SET(GUEST_ACTIVITY_STATE, 4)},
	  R(GUEST_ACTIVITY_STATE), K33, 0, 0 },
	{ "guest_activity_not_offered", {M_CAPCLR(MISC, NVMX_MISC_ACTIVITY_SHUTDOWN)},
	  {M_SET(GUEST_ACTIVITY_STATE, 1)}, {M_SET(GUEST_ACTIVITY_STATE, 2)}, R(GUEST_ACTIVITY_STATE), K33, 0, 0 },
	{ "guest_hlt_with_ss_dpl_3", {M_SET(GUEST_ACTIVITY_STATE, 1), M_SET(GUEST_CS_SELECTOR, 0x0b),
	  M_SET(GUEST_CS_AR_BYTES, 0xa0fb), M_SET(GUEST_SS_SELECTOR, 0x13)},
	  {M_SET(GUEST_ACTIVITY_STATE, 0), M_SET(GUEST_SS_AR_BYTES, 0xc0f3)},
	  {M_SET(GUEST_SS_AR_BYTES, 0xc0f3)}, R(GUEST_ACTIVITY_HLT_DPL), K33, 0, 0 },
	{ "guest_hlt_with_sti_blocking", {M_SET(GUEST_ACTIVITY_STATE, 1)},
	  {M_SET(GUEST_INTERRUPTIBILITY_INFO, 0)}, {M_SET(GUEST_INTERRUPTIBILITY_INFO, 1)},
	  R(GUEST_ACTIVITY_BLOCKING), K33, 0, 0 },
	{ "guest_hlt_with_exception_injected", {M_SET(GUEST_ACTIVITY_STATE, 1)},
	  {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000312)}, {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000306)},
	  R(GUEST_ACTIVITY_EVENT), K33, 0, 0 },
	{ "guest_shutdown_with_interrupt_injected", {M_SET(GUEST_ACTIVITY_STATE, 2)},
	  {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000202)}, {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000020)},
	  R(GUEST_ACTIVITY_EVENT), K33, 0, 0 },
	{ "guest_wait_for_sipi_with_nmi_injected", {M_SET(GUEST_ACTIVITY_STATE, 3)},
	  {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0)}, {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000202)},
	  R(GUEST_ACTIVITY_EVENT), K33, 0, 0 },
	{ "guest_interruptibility_reserved", {M_NOP}, {M_SET(GUEST_INTERRUPTIBILITY_INFO, 0x8)},
	  {M_SET(GUEST_INTERRUPTIBILITY_INFO, 0x20)}, R(GUEST_INTR_RESERVED), K33, 0, 0 },
	{ "guest_sti_and_mov_ss", {M_NOP}, {M_SET(GUEST_INTERRUPTIBILITY_INFO, 1)},
	  {M_SET(GUEST_INTERRUPTIBILITY_INFO, 3)}, R(GUEST_INTR_STI_MOVSS), K33, 0, 0 },
	{ "guest_sti_with_if_clear", {M_SET(GUEST_RFLAGS, 0x2)}, {M_SET(GUEST_INTERRUPTIBILITY_INFO, 2)},
	  {M_SET(GUEST_INTERRUPTIBILITY_INFO, 1)}, R(GUEST_INTR_STI_IF), K33, 0, 0 },
	{ "guest_interrupt_injected_under_sti", {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000020)},
	  {M_SET(GUEST_INTERRUPTIBILITY_INFO, 8)}, {M_SET(GUEST_INTERRUPTIBILITY_INFO, 1)},
	  R(GUEST_INTR_INJECT_BLOCKED), K33, 0, 0 },
	{ "guest_nmi_injected_under_mov_ss", {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000202)},
	  {M_SET(GUEST_INTERRUPTIBILITY_INFO, 0)}, {M_SET(GUEST_INTERRUPTIBILITY_INFO, 2)},
	  R(GUEST_INTR_INJECT_BLOCKED), K33, 0, 0 },
	{ "guest_smi_blocking", {M_NOP}, {M_SET(GUEST_INTERRUPTIBILITY_INFO, 0)},
	  {M_SET(GUEST_INTERRUPTIBILITY_INFO, 4)}, R(GUEST_INTR_SMI), K33, 0, 0 },
	{ "guest_nmi_injected_with_virtual_nmi_blocking", {M_OR(PIN_BASED_VM_EXEC_CONTROL, PIN(VIRTUAL_NMIS)),
	  M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000202)},
	  {M_SET(GUEST_INTERRUPTIBILITY_INFO, 0)}, {M_SET(GUEST_INTERRUPTIBILITY_INFO, 8)},
	  R(GUEST_INTR_VNMI_BLOCK), K33, 0, 0 },
	{ "guest_nmi_injected_under_sti", {M_SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000202)},
	  {M_SET(GUEST_INTERRUPTIBILITY_INFO, 8)}, {M_SET(GUEST_INTERRUPTIBILITY_INFO, 1)},
	  R(GUEST_INTR_NMI_STI), K33, 3, 0 },
	{ "guest_enclave_interruption", {M_NOP}, {M_SET(GUEST_INTERRUPTIBILITY_INFO, 0)},
	  {M_SET(GUEST_INTERRUPTIBILITY_INFO, 0x10)}, R(GUEST_INTR_ENCLAVE), K33, 0, 0 },
	{ "guest_pending_debug_reserved", {M_NOP}, {M_SET(GUEST_PENDING_DBG_EXCEPTIONS, 0x100f)},
	  {M_SET(GUEST_PENDING_DBG_EXCEPTIONS, 0x10)}, R(GUEST_PENDING_DBG_RESERVED), K33, 0, 0 },
	{ "guest_pending_bs_with_tf", {M_SET(GUEST_INTERRUPTIBILITY_INFO, 2), M_SET(GUEST_RFLAGS, 0x302)},
	  {M_SET(GUEST_PENDING_DBG_EXCEPTIONS, 0x4000)}, {M_SET(GUEST_PENDING_DBG_EXCEPTIONS, 0)},
	  R(GUEST_PENDING_DBG_BS), K33, 0, 0 },
	{ "guest_pending_bs_without_tf", {M_SET(GUEST_INTERRUPTIBILITY_INFO, 2)},
	  {M_SET(GUEST_PENDING_DBG_EXCEPTIONS, 0)}, {M_SET(GUEST_PENDING_DBG_EXCEPTIONS, 0x4000)},
	  R(GUEST_PENDING_DBG_BS), K33, 0, 0 },
	{ "guest_link_pointer_unaligned", {M_NOP}, {M_SET(VMCS_LINK_POINTER, ~0ull)},
	  {M_SET(VMCS_LINK_POINTER, 0x2c001)}, R(GUEST_LINK_ADDR), K33, 4, 0 },
	{ "guest_link_pointer_revision", {M_MEM32(0x2c000, 5)}, {M_SET(VMCS_LINK_POINTER, ~0ull)},
	  {M_SET(VMCS_LINK_POINTER, 0x2c000)}, R(GUEST_LINK_REVISION), K33, 4, 0 },
	/* SDM 27.3.1.5: bit 31 of the referenced revision must equal VMCS
	 * shadowing (not offered here, so a set bit 31 fails). */
	{ "guest_link_pointer_shadow_bit_without_shadowing", {M_MEM32(0x2c000, 4), M_MEM32(0x2d000, 0x80000004u)},
	  {M_SET(VMCS_LINK_POINTER, 0x2c000)}, {M_SET(VMCS_LINK_POINTER, 0x2d000)},
	  R(GUEST_LINK_SHADOW_BIT), K33, 4, 0 },
	/* Outside SMM the link pointer must not be the current-VMCS pointer. */
	{ "guest_link_pointer_is_current_vmcs", {M_MEM32(0x2c000, 4)},
	  {M_SET(VMCS_LINK_POINTER, 0x2c000)}, {M_SET(VMCS_LINK_POINTER, FX_VMCS12)},
	  R(GUEST_LINK_CURRENT), K33, 4, 0 },
	/* ---- 27.3.1.6 PDPTEs ---- */
	{ "guest_pdpte_reserved_from_memory", {NOT_64, M_MEM64(0x2d000, 0x5007)},
	  {M_SET(GUEST_CR3, 0x2e000)}, {M_SET(GUEST_CR3, 0x2d000)}, R(GUEST_PDPTE), K33, 2, 0 },
	{ "guest_pdpte_beyond_maxphyaddr", {NOT_64, M_MEM64(0x2d018, (1ull << 46) | 1)},
	  {M_SET(GUEST_CR3, 0x2e000)}, {M_SET(GUEST_CR3, 0x2d000)}, R(GUEST_PDPTE), K33, 2, 0 },
	{ "guest_pdpte_not_backed", {NOT_64, M_UNMAP(0x2b000)},
	  {M_SET(GUEST_CR3, 0x2e000)}, {M_SET(GUEST_CR3, 0x2b000)}, R(GUEST_PDPTE), K33, 2, 0 },
	{ "guest_pdpte_from_vmcs12_with_ept", {NOT_64, EPT_ON},
	  {M_SET(GUEST_PDPTR1, 0x5001)}, {M_SET(GUEST_PDPTR1, 0x5003)}, R(GUEST_PDPTE), K33, 2, 1 },
	/* ---- 27.4 MSR loading ---- */
	{ "msr_load_count_above_maximum", {M_SET(VM_ENTRY_MSR_LOAD_ADDR, 0x30000)},
	  {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 512)}, {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 513)},
	  R(MSR_LOAD_COUNT), K34, 513, 0 },
	{ "msr_load_entry_not_backed", {M_UNMAP(0x31000), M_SET(VM_ENTRY_MSR_LOAD_ADDR, 0x30ff0)},
	  {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 1)}, {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 2)},
	  R(MSR_LOAD_UNREADABLE), K34, 2, 0 },
	{ "msr_load_reserved_bits", {MSR2((1ull << 32) | 0x174)},
	  {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 1)}, {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 2)},
	  R(MSR_LOAD_RESERVED), K34, 2, 0 },
	{ "msr_load_fs_base", {MSR2(0xc0000100)}, {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 1)},
	  {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 2)}, R(MSR_LOAD_FS_GS_BASE), K34, 2, 0 },
	{ "msr_load_gs_base", {MSR2(0xc0000101)}, {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 1)},
	  {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 2)}, R(MSR_LOAD_FS_GS_BASE), K34, 2, 0 },
	{ "msr_load_x2apic", {MSR2(0x8ff)}, {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 1)},
	  {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 2)}, R(MSR_LOAD_X2APIC), K34, 2, 0 },
	{ "msr_load_smm_monitor_ctl", {MSR2(0x9b)}, {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 1)},
	  {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 2)}, R(MSR_LOAD_SMM), K34, 2, 0 },
	{ "msr_load_microcode_trigger", {MSR2(0x79)}, {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 1)},
	  {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 2)}, R(MSR_LOAD_MICROCODE), K34, 2, 0 },
	{ "msr_load_refused_by_host", {MSR2(0x1234), M_REFUSE(0x1234)}, {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 1)},
	  {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 2)}, R(MSR_LOAD_REFUSED), K34, 2, 0 },
	/* WRMSR at CPL 0 would #GP (SDM 27.4): the 2nd entry fails, qual 2.
	 * The first entry (MSR 0, IA32_P5_MC_ADDR, value 0) loads. */
	{ "msr_load_unknown_msr", {MSR2(0x4b564d00u)}, {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 1)},
	  {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 2)}, R(MSR_LOAD_REFUSED), K34, 2, 0 },
	{ "msr_load_efer_reserved_bit", {MSR2(0xc0000080u), MSRVAL(0x2)},
	  {MSRVAL(0xd01)}, {M_NOP}, NVMX_REASON_MSR_RESERVED_BITS, K34, 2, 0 },
	{ "msr_load_pat_memory_type_2", {MSR2(0x277), MSRVAL(0x0007040600070402ull)},
	  {MSRVAL(0x0007040600070406ull)}, {M_NOP}, NVMX_REASON_MSR_MEMTYPE, K34, 2, 0 },
	{ "msr_load_kernel_gs_base_non_canonical", {MSR2(0xc0000102u), MSRVAL(0x0000800000000000ull)},
	  {MSRVAL(0xffff800000000000ull)}, {M_NOP}, NVMX_REASON_MSR_NON_CANONICAL, K34, 2, 0 },
	{ "msr_load_lstar_non_canonical", {MSR2(0xc0000082u), MSRVAL(0x8000000000000000ull)},
	  {MSRVAL(0xffffffff81000000ull)}, {M_NOP}, NVMX_REASON_MSR_NON_CANONICAL, K34, 2, 0 },
	{ "msr_load_cstar_non_canonical", {MSR2(0xc0000083u), MSRVAL(0x0001000000000000ull)},
	  {MSRVAL(0)}, {M_NOP}, NVMX_REASON_MSR_NON_CANONICAL, K34, 2, 0 },
	{ "msr_load_sysenter_eip_non_canonical", {MSR2(0x176), MSRVAL(0x0000800000000000ull)},
	  {MSRVAL(0x00007ffffffff000ull)}, {M_NOP}, NVMX_REASON_MSR_NON_CANONICAL, K34, 2, 0 },
	{ "msr_load_sysenter_esp_non_canonical", {MSR2(0x175), MSRVAL(0xfff0000000000000ull)},
	  {MSRVAL(0xfffff00000000000ull)}, {M_NOP}, NVMX_REASON_MSR_NON_CANONICAL, K34, 2, 0 },
	{ "msr_load_tsc_aux_high_bits", {MSR2(0xc0000103u), MSRVAL(1ull << 32)},
	  {MSRVAL(0xffffffffull)}, {M_NOP}, NVMX_REASON_MSR_RESERVED_BITS, K34, 2, 0 },
	{ "msr_load_read_only_vmx_basic", {MSR2(0x480)}, {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 1)},
	  {M_SET(VM_ENTRY_MSR_LOAD_COUNT, 2)}, NVMX_REASON_MSR_READ_ONLY, K34, 2, 0 },
	{ "msr_load_apic_base_x2apic_without_enable", {MSR2(0x1b), MSRVAL(0xfee00400ull)},
	  {MSRVAL(0xfee00c00ull)}, {M_NOP}, NVMX_REASON_MSR_APIC_MODE, K34, 2, 0 },
};

static uint32_t refused_msr;

static enum nvmx_status refusing_msr_load(void *host, bool l2, uint32_t msr, uint64_t v)
{
	(void)host;
	(void)l2;
	(void)v;
	return msr == refused_msr ? NVMX_STATUS_NOT_SUPPORTED : NVMX_STATUS_OK;
}

static void v86_setup(struct entry_fixture *f)
{
	fx_set(f, NVMX_IDX_VM_ENTRY_CONTROLS,
	       fx_get(f, NVMX_IDX_VM_ENTRY_CONTROLS) & ~NVMX_ENTRY_CTL_IA32E_MODE_GUEST);
	fx_set(f, NVMX_IDX_GUEST_RFLAGS, 0x20202);
	fx_set(f, NVMX_IDX_GUEST_RIP, 0x1000);
	for (unsigned i = 0; i < 6; i++) {
		fx_set(f, NVMX_IDX_GUEST_ES_SELECTOR + i, 0x100);
		fx_set(f, NVMX_IDX_GUEST_ES_BASE + i, 0x1000);
		fx_set(f, NVMX_IDX_GUEST_ES_LIMIT + i, 0xffff);
		fx_set(f, NVMX_IDX_GUEST_ES_AR_BYTES + i, 0xf3);
	}
}

static void apply(struct entry_fixture *f, const struct mut *m, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		switch (m[i].op) {
		case SET: fx_set(f, m[i].idx, m[i].v); break;
		case OR: fx_set(f, m[i].idx, fx_get(f, m[i].idx) | m[i].v); break;
		case CLR: fx_set(f, m[i].idx, fx_get(f, m[i].idx) & ~m[i].v); break;
		case MEM32: refhost_mem_w32(&f->h, m[i].a, (uint32_t)m[i].v); break;
		case MEM64: refhost_mem_w64(&f->h, m[i].a, m[i].v); break;
		case CAPCLR:
			cr_assert_eq(nvmx_vm_set_cap(f->h.vm, (uint32_t)m[i].a,
			                             fx_cap(f, (uint32_t)m[i].a) & ~m[i].v),
			             NVMX_STATUS_OK);
			break;
		case L1SET: refhost_l1_set(&f->h, (uint32_t)m[i].a, m[i].v); break;
		case UNMAP: refhost_range_add(&f->h, REFHOST_RANGE_UNMAP, m[i].a, 0x1000, 0, 0); break;
		case V86: v86_setup(f); break;
		case REFUSE:
			refused_msr = (uint32_t)m[i].a;
			f->v->vm->ops.msr_load = refusing_msr_load;
			break;
		default: break;
		}
	}
}

struct trace_seen {
	uint32_t reason;
	unsigned n;
};

static void trace_hook(void *ctx, const struct nvmx_trace *ev)
{
	struct trace_seen *t = ctx;
	if (ev->kind == NVMX_TRACE_ENTRY) {
		t->reason = ev->reason;
		t->n++;
	}
}

ParameterizedTestParameters(entry_checks, fail_with_their_diagnostic_and_pass_with_a_valid_value)
{
	return cr_make_param_array(struct check_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct check_case *c, entry_checks,
                  fail_with_their_diagnostic_and_pass_with_a_valid_value)
{
	static struct entry_fixture f;
	struct nvmx_result res;
	struct trace_seen seen = { 0, 0 };

	/* The failing value. */
	cr_assert_eq(fx_init(&f), 0);
	f.h.trace_hook = trace_hook;
	f.h.trace_ctx = &seen;
	apply(&f, c->pre, 6);
	apply(&f, c->bad, 4);
	refhost_l1_set(&f.h, NVMX_F_GUEST_RFLAGS, 0x2 | NVMX_RFLAGS_CF | NVMX_RFLAGS_SF);
	enum nvmx_status st = fx_enter(&f, true, &res);
	cr_assert_eq(res.reason, c->reason, "%s: reason %s, expected %s", c->name,
	             nvmx_reason_name(res.reason), nvmx_reason_name(c->reason));
	cr_assert_eq(seen.reason, c->reason, "%s: trace", c->name);
	cr_assert_not(nvmx_vcpu_in_l2(f.v), "%s", c->name);
	if (c->kind == K7 || c->kind == K8) {
		cr_assert_eq(st, NVMX_STATUS_OK, "%s", c->name);
		cr_assert_eq(res.outcome, NVMX_OUTCOME_VMFAIL_VALID, "%s", c->name);
		cr_assert_eq(res.vm_insn_error, c->kind, "%s", c->name);
		cr_assert_eq(fx_get(&f, NVMX_IDX_VM_INSTRUCTION_ERROR), c->kind, "%s", c->name);
		/* VMfailValid: ZF set, CF PF AF SF OF clear (SDM 31.2). */
		cr_assert_eq(refhost_l1_get(&f.h, NVMX_F_GUEST_RFLAGS), 0x2 | NVMX_RFLAGS_ZF, "%s", c->name);
	} else {
		/* A VM-entry failure while checking or loading guest state ends
		 * like a VM exit that loads L1's host state (SDM 27.8): the
		 * instruction completes, the library reports no error. */
		cr_assert_eq(st, NVMX_STATUS_OK, "%s: %s", c->name, nvmx_status_name(st));
		cr_assert_eq(res.outcome, NVMX_OUTCOME_ENTRY_FAILED, "%s", c->name);
		cr_assert_eq(res.exit_reason, c->kind | 0x80000000u, "%s", c->name);
		cr_assert_eq(res.exit_qualification, c->qual, "%s", c->name);
		cr_assert_eq(fx_get(&f, NVMX_IDX_VM_EXIT_REASON), c->kind | 0x80000000u, "%s", c->name);
		cr_assert_eq(fx_get(&f, NVMX_IDX_EXIT_QUALIFICATION), c->qual, "%s", c->name);
		cr_assert_not(f.s->launched, "%s", c->name);
	}
	fx_fini(&f);

	/* The passing value. */
	cr_assert_eq(fx_init(&f), 0);
	apply(&f, c->pre, 6);
	apply(&f, c->good, 4);
	st = fx_enter(&f, true, &res);
	cr_assert_eq(st, NVMX_STATUS_OK, "%s: %s", c->name, nvmx_status_name(st));
	cr_assert_eq(res.outcome, NVMX_OUTCOME_L2_ENTERED, "%s: good value refused with %s",
	             c->name, nvmx_reason_name(res.reason));
	const char *hw = hwcheck_vmcs02(&f.h, &f.h.vm->cfg.hw);
	cr_assert_null(hw, "%s: hardware model refuses VMCS02: %s", c->name, hw ? hw : "");
	fx_fini(&f);
}

Test(entry_checks, every_entry_diagnostic_has_a_case)
{
	/* Diagnostics that cannot be reached while the feature they guard is
	 * not offered are covered by the "not offered" cases above. */
	static const uint32_t unreachable[] = {
		NVMX_REASON_ENTRY_CTL_PROC3_RESERVED, NVMX_REASON_ENTRY_CTL_SPP_WITHOUT_EPT,
		NVMX_REASON_ENTRY_CTL_VMCS_SHADOW_BITMAP_ADDR, NVMX_REASON_ENTRY_CTL_ENTRY_SMM,
		NVMX_REASON_ENTRY_CTL_DEACT_DUAL_MONITOR,
		/* Under a policy flag, and a trace-only reason: test_merge.c
		 * (merge.unbacked_*). */
		NVMX_REASON_ENTRY_CTL_ADDR_NOT_BACKED, NVMX_REASON_ENTRY_CTL_UNBACKED_READS_ONES,
	};
	static const uint32_t all[] = {
#define X(name, num, text) num,
		NVMX_REASONS_ENTRY(X)
#undef X
	};
	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		uint32_t r = all[k];
		if (r == NVMX_REASON_ENTRY_NONE || r == NVMX_REASON_ENTRY_OK)
			continue;
		bool found = false;
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]) && !found; i++)
			found = cases[i].reason == r;
		for (size_t i = 0; i < sizeof(unreachable) / sizeof(unreachable[0]) && !found; i++)
			found = unreachable[i] == r;
		cr_expect(found, "no test case for %s", nvmx_reason_name((enum nvmx_reason)r));
	}
}
