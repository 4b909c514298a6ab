/* SPDX-License-Identifier: MIT */
/*
 * Architectural constants of Intel VMX (SDM vol. 3): control bits, basic exit
 * reasons, VM-instruction error numbers, capability MSR indices. Hosts may use
 * them too; they carry no library policy.
 */
#ifndef NVMX_ARCH_H
#define NVMX_ARCH_H

#include <stdint.h>

/* Pin-based VM-execution controls (SDM 25.6.1). */
#define NVMX_PIN_EXT_INTR_EXITING (1u << 0)
#define NVMX_PIN_NMI_EXITING (1u << 3)
#define NVMX_PIN_VIRTUAL_NMIS (1u << 5)
#define NVMX_PIN_PREEMPTION_TIMER (1u << 6)
#define NVMX_PIN_POSTED_INTR (1u << 7)

/* Primary processor-based VM-execution controls (SDM 25.6.2). */
#define NVMX_PROC_INTR_WINDOW_EXITING (1u << 2)
#define NVMX_PROC_TSC_OFFSETTING (1u << 3)
#define NVMX_PROC_HLT_EXITING (1u << 7)
#define NVMX_PROC_INVLPG_EXITING (1u << 9)
#define NVMX_PROC_MWAIT_EXITING (1u << 10)
#define NVMX_PROC_RDPMC_EXITING (1u << 11)
#define NVMX_PROC_RDTSC_EXITING (1u << 12)
#define NVMX_PROC_CR3_LOAD_EXITING (1u << 15)
#define NVMX_PROC_CR3_STORE_EXITING (1u << 16)
#define NVMX_PROC_TERTIARY_CONTROLS (1u << 17)
#define NVMX_PROC_CR8_LOAD_EXITING (1u << 19)
#define NVMX_PROC_CR8_STORE_EXITING (1u << 20)
#define NVMX_PROC_TPR_SHADOW (1u << 21)
#define NVMX_PROC_NMI_WINDOW_EXITING (1u << 22)
#define NVMX_PROC_MOV_DR_EXITING (1u << 23)
#define NVMX_PROC_UNCOND_IO_EXITING (1u << 24)
#define NVMX_PROC_USE_IO_BITMAPS (1u << 25)
#define NVMX_PROC_MONITOR_TRAP_FLAG (1u << 27)
#define NVMX_PROC_USE_MSR_BITMAPS (1u << 28)
#define NVMX_PROC_MONITOR_EXITING (1u << 29)
#define NVMX_PROC_PAUSE_EXITING (1u << 30)
#define NVMX_PROC_SECONDARY_CONTROLS (1u << 31)

/* Secondary processor-based VM-execution controls (SDM 25.6.2). */
#define NVMX_PROC2_VIRT_APIC_ACCESSES (1u << 0)
#define NVMX_PROC2_EPT (1u << 1)
#define NVMX_PROC2_DESC_TABLE_EXITING (1u << 2)
#define NVMX_PROC2_RDTSCP (1u << 3)
#define NVMX_PROC2_VIRT_X2APIC (1u << 4)
#define NVMX_PROC2_VPID (1u << 5)
#define NVMX_PROC2_WBINVD_EXITING (1u << 6)
#define NVMX_PROC2_UNRESTRICTED_GUEST (1u << 7)
#define NVMX_PROC2_APIC_REG_VIRT (1u << 8)
#define NVMX_PROC2_VIRT_INTR_DELIVERY (1u << 9)
#define NVMX_PROC2_PAUSE_LOOP_EXITING (1u << 10)
#define NVMX_PROC2_RDRAND_EXITING (1u << 11)
#define NVMX_PROC2_INVPCID (1u << 12)
#define NVMX_PROC2_VMFUNC (1u << 13)
#define NVMX_PROC2_SHADOW_VMCS (1u << 14)
#define NVMX_PROC2_ENCLS_EXITING (1u << 15)
#define NVMX_PROC2_RDSEED_EXITING (1u << 16)
#define NVMX_PROC2_PML (1u << 17)
#define NVMX_PROC2_EPT_VE (1u << 18)
#define NVMX_PROC2_PT_CONCEAL (1u << 19)
#define NVMX_PROC2_XSAVES (1u << 20)
#define NVMX_PROC2_PASID_TRANSLATION (1u << 21)
#define NVMX_PROC2_MODE_BASED_EPT_EXEC (1u << 22)
#define NVMX_PROC2_SPP (1u << 23)
#define NVMX_PROC2_PT_GUEST_PA (1u << 24)
#define NVMX_PROC2_TSC_SCALING (1u << 25)
#define NVMX_PROC2_USER_WAIT_PAUSE (1u << 26)
#define NVMX_PROC2_PCONFIG (1u << 27)
#define NVMX_PROC2_ENCLV_EXITING (1u << 28)
#define NVMX_PROC2_BUS_LOCK_DETECTION (1u << 30)
#define NVMX_PROC2_NOTIFY_VM_EXITING (1u << 31)

/* Tertiary processor-based VM-execution controls (64-bit). */
#define NVMX_PROC3_LOADIWKEY_EXITING (1ull << 0)
#define NVMX_PROC3_HLAT (1ull << 1)
#define NVMX_PROC3_EPT_PAGING_WRITE (1ull << 2)
#define NVMX_PROC3_GUEST_PAGING_VERIFY (1ull << 3)
#define NVMX_PROC3_IPI_VIRT (1ull << 4)
#define NVMX_PROC3_VIRT_SPEC_CTRL (1ull << 7)

/* VM-exit controls (SDM 25.7.1). */
#define NVMX_EXIT_CTL_SAVE_DEBUG_CONTROLS (1u << 2)
#define NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE (1u << 9)
#define NVMX_EXIT_CTL_LOAD_PERF_GLOBAL_CTRL (1u << 12)
#define NVMX_EXIT_CTL_ACK_INTR_ON_EXIT (1u << 15)
#define NVMX_EXIT_CTL_SAVE_PAT (1u << 18)
#define NVMX_EXIT_CTL_LOAD_PAT (1u << 19)
#define NVMX_EXIT_CTL_SAVE_EFER (1u << 20)
#define NVMX_EXIT_CTL_LOAD_EFER (1u << 21)
#define NVMX_EXIT_CTL_SAVE_PREEMPTION_TIMER (1u << 22)
#define NVMX_EXIT_CTL_CLEAR_BNDCFGS (1u << 23)
#define NVMX_EXIT_CTL_PT_CONCEAL (1u << 24)
#define NVMX_EXIT_CTL_CLEAR_RTIT_CTL (1u << 25)
#define NVMX_EXIT_CTL_CLEAR_LBR_CTL (1u << 26)
#define NVMX_EXIT_CTL_CLEAR_UINV (1u << 27)
#define NVMX_EXIT_CTL_LOAD_CET (1u << 28)
#define NVMX_EXIT_CTL_LOAD_PKRS (1u << 29)
#define NVMX_EXIT_CTL_SAVE_PERF_GLOBAL_CTRL (1u << 30)
#define NVMX_EXIT_CTL_SECONDARY_CONTROLS (1u << 31)

/* VM-entry controls (SDM 25.8.1). */
#define NVMX_ENTRY_CTL_LOAD_DEBUG_CONTROLS (1u << 2)
#define NVMX_ENTRY_CTL_IA32E_MODE_GUEST (1u << 9)
#define NVMX_ENTRY_CTL_ENTRY_TO_SMM (1u << 10)
#define NVMX_ENTRY_CTL_DEACT_DUAL_MONITOR (1u << 11)
#define NVMX_ENTRY_CTL_LOAD_PERF_GLOBAL_CTRL (1u << 13)
#define NVMX_ENTRY_CTL_LOAD_PAT (1u << 14)
#define NVMX_ENTRY_CTL_LOAD_EFER (1u << 15)
#define NVMX_ENTRY_CTL_LOAD_BNDCFGS (1u << 16)
#define NVMX_ENTRY_CTL_PT_CONCEAL (1u << 17)
#define NVMX_ENTRY_CTL_LOAD_RTIT_CTL (1u << 18)
#define NVMX_ENTRY_CTL_LOAD_UINV (1u << 19)
#define NVMX_ENTRY_CTL_LOAD_CET (1u << 20)
#define NVMX_ENTRY_CTL_LOAD_LBR_CTL (1u << 21)
#define NVMX_ENTRY_CTL_LOAD_PKRS (1u << 22)

/* VM-function controls. */
#define NVMX_VMFUNC_EPTP_SWITCHING (1ull << 0)

/* IA32_VMX_EPT_VPID_CAP bits (SDM A.10). */
#define NVMX_EPT_CAP_EXECUTE_ONLY (1ull << 0)
#define NVMX_EPT_CAP_PWL4 (1ull << 6)
#define NVMX_EPT_CAP_PWL5 (1ull << 7)
#define NVMX_EPT_CAP_MT_UC (1ull << 8)
#define NVMX_EPT_CAP_MT_WB (1ull << 14)
#define NVMX_EPT_CAP_2MB (1ull << 16)
#define NVMX_EPT_CAP_1GB (1ull << 17)
#define NVMX_EPT_CAP_INVEPT (1ull << 20)
#define NVMX_EPT_CAP_AD (1ull << 21)
#define NVMX_EPT_CAP_ADV_EXIT_INFO (1ull << 22)
#define NVMX_EPT_CAP_SSS (1ull << 23)
#define NVMX_EPT_CAP_INVEPT_SINGLE (1ull << 25)
#define NVMX_EPT_CAP_INVEPT_ALL (1ull << 26)
#define NVMX_VPID_CAP_INVVPID (1ull << 32)
#define NVMX_VPID_CAP_INVVPID_ADDR (1ull << 40)
#define NVMX_VPID_CAP_INVVPID_SINGLE (1ull << 41)
#define NVMX_VPID_CAP_INVVPID_ALL (1ull << 42)
#define NVMX_VPID_CAP_INVVPID_SINGLE_NONGLOBAL (1ull << 43)

/* IA32_VMX_BASIC bits (SDM A.1). */
#define NVMX_BASIC_REVISION_MASK 0x7fffffffull
#define NVMX_BASIC_32BIT_PHYS (1ull << 48)
#define NVMX_BASIC_DUAL_MONITOR (1ull << 49)
#define NVMX_BASIC_INOUT_INFO (1ull << 54)
#define NVMX_BASIC_TRUE_CTLS (1ull << 55)
#define NVMX_BASIC_NO_HW_ERRCODE_CHECK (1ull << 56)

/* IA32_VMX_MISC bits (SDM A.6). */
#define NVMX_MISC_TIMER_RATE_MASK 0x1full
#define NVMX_MISC_STORE_LMA (1ull << 5)
#define NVMX_MISC_ACTIVITY_HLT (1ull << 6)
#define NVMX_MISC_ACTIVITY_SHUTDOWN (1ull << 7)
#define NVMX_MISC_ACTIVITY_WAIT_SIPI (1ull << 8)
#define NVMX_MISC_PT_IN_VMX (1ull << 14)
#define NVMX_MISC_SMBASE_RDMSR (1ull << 15)
#define NVMX_MISC_CR3_TARGETS_SHIFT 16
#define NVMX_MISC_CR3_TARGETS_MASK (0x1ffull << 16)
#define NVMX_MISC_MAX_MSR_LIST_SHIFT 25
#define NVMX_MISC_MAX_MSR_LIST_MASK (7ull << 25)
#define NVMX_MISC_SMM_VMXOFF (1ull << 28)
#define NVMX_MISC_VMWRITE_ANY (1ull << 29)
#define NVMX_MISC_ZERO_LEN_INJECT (1ull << 30)

/* Capability MSR indices (SDM appendix A). */
enum nvmx_cap_msr {
	NVMX_MSR_IA32_FEATURE_CONTROL = 0x3a,
	NVMX_MSR_IA32_VMX_BASIC = 0x480,
	NVMX_MSR_IA32_VMX_PINBASED_CTLS = 0x481,
	NVMX_MSR_IA32_VMX_PROCBASED_CTLS = 0x482,
	NVMX_MSR_IA32_VMX_EXIT_CTLS = 0x483,
	NVMX_MSR_IA32_VMX_ENTRY_CTLS = 0x484,
	NVMX_MSR_IA32_VMX_MISC = 0x485,
	NVMX_MSR_IA32_VMX_CR0_FIXED0 = 0x486,
	NVMX_MSR_IA32_VMX_CR0_FIXED1 = 0x487,
	NVMX_MSR_IA32_VMX_CR4_FIXED0 = 0x488,
	NVMX_MSR_IA32_VMX_CR4_FIXED1 = 0x489,
	NVMX_MSR_IA32_VMX_VMCS_ENUM = 0x48a,
	NVMX_MSR_IA32_VMX_PROCBASED_CTLS2 = 0x48b,
	NVMX_MSR_IA32_VMX_EPT_VPID_CAP = 0x48c,
	NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS = 0x48d,
	NVMX_MSR_IA32_VMX_TRUE_PROCBASED_CTLS = 0x48e,
	NVMX_MSR_IA32_VMX_TRUE_EXIT_CTLS = 0x48f,
	NVMX_MSR_IA32_VMX_TRUE_ENTRY_CTLS = 0x490,
	NVMX_MSR_IA32_VMX_VMFUNC = 0x491,
	NVMX_MSR_IA32_VMX_PROCBASED_CTLS3 = 0x492,
	NVMX_MSR_IA32_VMX_EXIT_CTLS2 = 0x493,
};
/* Other MSR indices the library names (SDM vol. 4, chapter 2). */
#define NVMX_MSR_IA32_BIOS_UPDT_TRIG 0x79u
#define NVMX_MSR_IA32_BIOS_SIGN_ID 0x8bu
#define NVMX_MSR_IA32_SMM_MONITOR_CTL 0x9bu
#define NVMX_MSR_IA32_SMBASE 0x9eu
#define NVMX_MSR_IA32_FS_BASE 0xc0000100u
#define NVMX_MSR_IA32_GS_BASE 0xc0000101u
/* MSRs VMCS guest-state fields load at VM entry (SDM 25.4.1). */
#define NVMX_MSR_IA32_SYSENTER_CS 0x174u
#define NVMX_MSR_IA32_SYSENTER_ESP 0x175u
#define NVMX_MSR_IA32_SYSENTER_EIP 0x176u
#define NVMX_MSR_IA32_DEBUGCTL 0x1d9u
#define NVMX_MSR_IA32_PAT 0x277u
#define NVMX_MSR_IA32_PERF_GLOBAL_CTRL 0x38fu
#define NVMX_MSR_IA32_RTIT_CTL 0x570u
#define NVMX_MSR_IA32_S_CET 0x6a2u
#define NVMX_MSR_IA32_INTERRUPT_SSP_TABLE_ADDR 0x6a8u
#define NVMX_MSR_IA32_PKRS 0x6e1u
#define NVMX_MSR_IA32_BNDCFGS 0xd90u
#define NVMX_MSR_IA32_LBR_CTL 0x14ceu
#define NVMX_MSR_IA32_EFER 0xc0000080u
/* x2APIC MSRs: indices 800H-8FFH (bits 31:8 = 8). */
#define NVMX_MSR_IS_X2APIC(idx) (((uint32_t)(idx) >> 8) == 0x8u)
#define NVMX_CAP_MSR_FIRST 0x480u
#define NVMX_CAP_MSR_COUNT 20u /* 0x480..0x493 */

/* IA32_FEATURE_CONTROL bits (SDM 24.7). */
#define NVMX_FEATCTL_LOCK (1ull << 0)
#define NVMX_FEATCTL_VMX_IN_SMX (1ull << 1)
#define NVMX_FEATCTL_VMX_OUTSIDE_SMX (1ull << 2)

/* Basic exit reasons (SDM appendix C). X(NAME, number). */
#define NVMX_EXIT_REASONS(X)                                                  \
	X(EXCEPTION_NMI, 0) X(EXTERNAL_INTERRUPT, 1) X(TRIPLE_FAULT, 2)       \
	X(INIT_SIGNAL, 3) X(SIPI, 4) X(IO_SMI, 5) X(OTHER_SMI, 6)             \
	X(INTERRUPT_WINDOW, 7) X(NMI_WINDOW, 8) X(TASK_SWITCH, 9)             \
	X(CPUID, 10) X(GETSEC, 11) X(HLT, 12) X(INVD, 13) X(INVLPG, 14)       \
	X(RDPMC, 15) X(RDTSC, 16) X(RSM, 17) X(VMCALL, 18) X(VMCLEAR, 19)     \
	X(VMLAUNCH, 20) X(VMPTRLD, 21) X(VMPTRST, 22) X(VMREAD, 23)           \
	X(VMRESUME, 24) X(VMWRITE, 25) X(VMXOFF, 26) X(VMXON, 27)             \
	X(CR_ACCESS, 28) X(DR_ACCESS, 29) X(IO_INSTRUCTION, 30) X(RDMSR, 31)  \
	X(WRMSR, 32) X(ENTRY_FAIL_GUEST_STATE, 33) X(ENTRY_FAIL_MSR_LOAD, 34) \
	X(MWAIT, 36) X(MONITOR_TRAP_FLAG, 37) X(MONITOR, 39) X(PAUSE, 40)     \
	X(ENTRY_FAIL_MACHINE_CHECK, 41) X(TPR_BELOW_THRESHOLD, 43)            \
	X(APIC_ACCESS, 44) X(VIRTUALIZED_EOI, 45) X(GDTR_IDTR, 46)            \
	X(LDTR_TR, 47) X(EPT_VIOLATION, 48) X(EPT_MISCONFIG, 49) X(INVEPT, 50) \
	X(RDTSCP, 51) X(PREEMPTION_TIMER, 52) X(INVVPID, 53) X(WBINVD, 54)    \
	X(XSETBV, 55) X(APIC_WRITE, 56) X(RDRAND, 57) X(INVPCID, 58)          \
	X(VMFUNC, 59) X(ENCLS, 60) X(RDSEED, 61) X(PML_FULL, 62) X(XSAVES, 63) \
	X(XRSTORS, 64) X(PCONFIG, 65) X(SPP, 66) X(UMWAIT, 67) X(TPAUSE, 68)  \
	X(LOADIWKEY, 69) X(ENCLV, 70) X(ENQCMD_PASID_FAIL, 72)                \
	X(ENQCMDS_PASID_FAIL, 73) X(BUS_LOCK, 74) X(INSTRUCTION_TIMEOUT, 75)  \
	X(SEAMCALL, 76) X(TDCALL, 77)

enum nvmx_exit_reason {
#define NVMX_X_EXIT_(name, num) NVMX_EXIT_REASON_##name = num,
	NVMX_EXIT_REASONS(NVMX_X_EXIT_)
#undef NVMX_X_EXIT_
};
#define NVMX_EXIT_REASON_ENTRY_FAIL (1u << 31)
/* The basic exit reason: bits 15:0 of the exit-reason field (SDM 25.9.1,
 * "Basic VM-Exit Information", table 25-17). */
#define NVMX_EXIT_REASON_BASIC(r) ((uint32_t)(r) & 0xffffu)

/*
 * The VM-exit instruction-information field of the VMX instructions and
 * INVEPT/INVPCID/INVVPID (SDM 28.2.5, "Information for VM Exits Due to
 * Instruction Execution", the tables for VMCLEAR/VMPTRLD/VMPTRST/VMXON,
 * VMREAD/VMWRITE and INVEPT/INVPCID/INVVPID): scaling 1:0, reg1 6:3,
 * address size 9:7 (0: 16-bit, 1: 32-bit, 2: 64-bit), register operand 10
 * (VMREAD/VMWRITE), segment 17:15, index 21:18 and its invalid bit 22, base
 * 26:23 and its invalid bit 27, reg2 31:28. The exit describer, the operand
 * decoder and the reference host all use these.
 */
#define NVMX_INSN_INFO_SCALE_SHIFT 0
#define NVMX_INSN_INFO_SCALE_MASK 3u
#define NVMX_INSN_INFO_REG1_SHIFT 3
#define NVMX_INSN_INFO_REG1_MASK 15u
#define NVMX_INSN_INFO_ASIZE_SHIFT 7
#define NVMX_INSN_INFO_ASIZE_MASK 7u
#define NVMX_INSN_INFO_REG_OPERAND (1u << 10)
#define NVMX_INSN_INFO_SEG_SHIFT 15
#define NVMX_INSN_INFO_SEG_MASK 7u
#define NVMX_INSN_INFO_INDEX_SHIFT 18
#define NVMX_INSN_INFO_INDEX_MASK 15u
#define NVMX_INSN_INFO_INDEX_INVALID (1u << 22)
#define NVMX_INSN_INFO_BASE_SHIFT 23
#define NVMX_INSN_INFO_BASE_MASK 15u
#define NVMX_INSN_INFO_BASE_INVALID (1u << 27)
#define NVMX_INSN_INFO_REG2_SHIFT 28
#define NVMX_INSN_INFO_REG2_MASK 15u
/* Field F (SCALE, REG1, ASIZE, SEG, INDEX, BASE, REG2) of info i, and
 * value x placed as field F. */
#define NVMX_INSN_INFO_GET(i, F) \
	(((uint32_t)(i) >> NVMX_INSN_INFO_##F##_SHIFT) & NVMX_INSN_INFO_##F##_MASK)
#define NVMX_INSN_INFO_PUT(F, x) \
	(((uint32_t)(x) & NVMX_INSN_INFO_##F##_MASK) << NVMX_INSN_INFO_##F##_SHIFT)

/* VM-instruction error numbers (SDM 31.4). */
enum nvmx_vm_insn_error {
	NVMX_VMERR_VMCALL_IN_ROOT = 1,
	NVMX_VMERR_VMCLEAR_INVALID_ADDR = 2,
	NVMX_VMERR_VMCLEAR_VMXON_PTR = 3,
	NVMX_VMERR_VMLAUNCH_NONCLEAR = 4,
	NVMX_VMERR_VMRESUME_NONLAUNCHED = 5,
	NVMX_VMERR_VMRESUME_AFTER_VMXOFF = 6,
	NVMX_VMERR_ENTRY_INVALID_CONTROL = 7,
	NVMX_VMERR_ENTRY_INVALID_HOST_STATE = 8,
	NVMX_VMERR_VMPTRLD_INVALID_ADDR = 9,
	NVMX_VMERR_VMPTRLD_VMXON_PTR = 10,
	NVMX_VMERR_VMPTRLD_BAD_REVISION = 11,
	NVMX_VMERR_UNSUPPORTED_FIELD = 12,
	NVMX_VMERR_VMWRITE_READ_ONLY = 13,
	NVMX_VMERR_VMXON_IN_ROOT = 15,
	NVMX_VMERR_ENTRY_INVALID_EXEC_VMCS = 16,
	NVMX_VMERR_ENTRY_NONLAUNCHED_EXEC_VMCS = 17,
	NVMX_VMERR_ENTRY_EXEC_VMCS_NOT_VMXON = 18,
	NVMX_VMERR_VMCALL_NONCLEAR_VMCS = 19,
	NVMX_VMERR_VMCALL_INVALID_EXIT_CTL = 20,
	NVMX_VMERR_VMCALL_BAD_MSEG_REVISION = 22,
	NVMX_VMERR_VMXOFF_DUAL_MONITOR = 23,
	NVMX_VMERR_VMCALL_INVALID_SMM_FEATURES = 24,
	NVMX_VMERR_ENTRY_INVALID_EXEC_CTL_EXEC_VMCS = 25,
	NVMX_VMERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS = 26,
	NVMX_VMERR_INVALID_INVEPT_INVVPID = 28,
};

/* Interruption types in interruption-information fields (SDM 25.8.3). */
enum nvmx_intr_type {
	NVMX_INTR_TYPE_EXT_INTR = 0,
	NVMX_INTR_TYPE_RESERVED = 1,
	NVMX_INTR_TYPE_NMI = 2,
	NVMX_INTR_TYPE_HW_EXCEPTION = 3,
	NVMX_INTR_TYPE_SW_INTR = 4,
	NVMX_INTR_TYPE_PRIV_SW_EXCEPTION = 5,
	NVMX_INTR_TYPE_SW_EXCEPTION = 6,
	NVMX_INTR_TYPE_OTHER = 7,
};
#define NVMX_INTR_INFO_VECTOR_MASK 0xffu
/* Exception vectors (SDM vol. 3 6.3.1, table 6-1). */
#define NVMX_VEC_DB 1u
#define NVMX_VEC_NMI 2u
#define NVMX_VEC_UD 6u
#define NVMX_VEC_DF 8u
#define NVMX_VEC_TS 10u
#define NVMX_VEC_SS 12u
#define NVMX_VEC_GP 13u
#define NVMX_VEC_PF 14u
#define NVMX_VEC_AC 17u
#define NVMX_VEC_MC 18u
#define NVMX_INTR_INFO_TYPE_SHIFT 8
#define NVMX_INTR_INFO_TYPE_MASK (7u << 8)
#define NVMX_INTR_INFO_DELIVER_CODE (1u << 11)
#define NVMX_INTR_INFO_NMI_UNBLOCK (1u << 12)
#define NVMX_INTR_INFO_VALID (1u << 31)

/* RFLAGS bits used by VMX instruction outcomes (SDM 31.2). */
#define NVMX_RFLAGS_CF (1ull << 0)
#define NVMX_RFLAGS_FIXED1 (1ull << 1)
#define NVMX_RFLAGS_PF (1ull << 2)
#define NVMX_RFLAGS_AF (1ull << 4)
#define NVMX_RFLAGS_ZF (1ull << 6)
#define NVMX_RFLAGS_SF (1ull << 7)
#define NVMX_RFLAGS_TF (1ull << 8)
#define NVMX_RFLAGS_IF (1ull << 9)
#define NVMX_RFLAGS_OF (1ull << 11)
#define NVMX_RFLAGS_VM (1ull << 17)
#define NVMX_RFLAGS_ARITH \
	(NVMX_RFLAGS_CF | NVMX_RFLAGS_PF | NVMX_RFLAGS_AF | NVMX_RFLAGS_ZF | \
	 NVMX_RFLAGS_SF | NVMX_RFLAGS_OF)

/* Control-register and EFER bits used by the VMX instruction checks. */
#define NVMX_CR0_PE (1ull << 0)
#define NVMX_CR0_NE (1ull << 5)
#define NVMX_CR0_PG (1ull << 31)
#define NVMX_CR4_PAE (1ull << 5)
#define NVMX_CR4_VMXE (1ull << 13)
#define NVMX_CR4_PCIDE (1ull << 17)
#define NVMX_CR4_LA57 (1ull << 12)
#define NVMX_EFER_SCE (1ull << 0)
#define NVMX_EFER_LME (1ull << 8)
#define NVMX_EFER_LMA (1ull << 10)
#define NVMX_EFER_NXE (1ull << 11)

/* Segment access-rights bits in the VMCS format (SDM 25.4.1). */
#define NVMX_AR_TYPE_MASK 0xfu
#define NVMX_AR_S (1u << 4)
#define NVMX_AR_DPL_SHIFT 5
#define NVMX_AR_DPL_MASK (3u << 5)
#define NVMX_AR_P (1u << 7)
#define NVMX_AR_AVL (1u << 12)
#define NVMX_AR_L (1u << 13)
#define NVMX_AR_DB (1u << 14)
#define NVMX_AR_G (1u << 15)
#define NVMX_AR_UNUSABLE (1u << 16)

#endif
