/* SPDX-License-Identifier: MIT */
/* Named reasons of the entry module. Append only: values are ABI. */
#ifndef NVMX_REASONS_ENTRY_H
#define NVMX_REASONS_ENTRY_H

#define NVMX_REASONS_ENTRY(X) \
	X(ENTRY_NONE, "no entry diagnostic") \
	/* SDM 27.2.1.1: VM-execution control fields (VMfailValid 7) */ \
	X(ENTRY_CTL_PIN_RESERVED, "pin-based controls violate allowed-0/allowed-1 settings") \
	X(ENTRY_CTL_PROC_RESERVED, "primary processor-based controls violate allowed settings") \
	X(ENTRY_CTL_PROC2_RESERVED, "secondary processor-based controls violate allowed settings") \
	X(ENTRY_CTL_PROC3_RESERVED, "tertiary processor-based controls violate allowed settings") \
	X(ENTRY_CTL_CR3_TARGET_COUNT, "CR3-target count exceeds IA32_VMX_MISC[24:16]") \
	X(ENTRY_CTL_IO_BITMAP_ADDR, "I/O-bitmap address unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_MSR_BITMAP_ADDR, "MSR-bitmap address unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_VIRTUAL_APIC_ADDR, "virtual-APIC address unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_TPR_THRESHOLD_RESERVED, "TPR threshold bits 31:4 not zero") \
	X(ENTRY_CTL_TPR_THRESHOLD_VTPR, "TPR threshold[3:0] exceeds VTPR[7:4]") \
	X(ENTRY_CTL_VNMI_WITHOUT_NMI_EXITING, "virtual NMIs without NMI exiting") \
	X(ENTRY_CTL_NMI_WINDOW_WITHOUT_VNMI, "NMI-window exiting without virtual NMIs") \
	X(ENTRY_CTL_APIC_ACCESS_ADDR, "APIC-access address unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_X2APIC_WITH_APIC_ACCESSES, "virtualize x2APIC mode with virtualize APIC accesses") \
	X(ENTRY_CTL_APICV_WITHOUT_TPR_SHADOW, "x2APIC/APIC-register virtualization or VID without TPR shadow") \
	X(ENTRY_CTL_VID_WITHOUT_EXT_INTR_EXITING, "virtual-interrupt delivery without external-interrupt exiting") \
	X(ENTRY_CTL_POSTED_WITHOUT_VID, "process posted interrupts without virtual-interrupt delivery") \
	X(ENTRY_CTL_POSTED_WITHOUT_ACK, "process posted interrupts without acknowledge interrupt on exit") \
	X(ENTRY_CTL_POSTED_VECTOR, "posted-interrupt notification vector bits 15:8 not zero") \
	X(ENTRY_CTL_POSTED_DESC_ADDR, "posted-interrupt descriptor unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_VPID_ZERO, "enable VPID with VPID 0") \
	X(ENTRY_CTL_EPTP_MEMTYPE, "EPTP memory type not offered") \
	X(ENTRY_CTL_EPTP_WALK_LENGTH, "EPTP page-walk length not offered") \
	X(ENTRY_CTL_EPTP_AD, "EPTP enables accessed/dirty flags that are not offered") \
	X(ENTRY_CTL_EPTP_RESERVED, "EPTP reserved bits 11:7 or bits beyond the physical-address width set") \
	X(ENTRY_CTL_PML_WITHOUT_EPT, "enable PML without enable EPT") \
	X(ENTRY_CTL_PML_ADDR, "PML address unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_UNRESTRICTED_WITHOUT_EPT, "unrestricted guest without enable EPT") \
	X(ENTRY_CTL_MBEC_WITHOUT_EPT, "mode-based execute control without enable EPT") \
	X(ENTRY_CTL_SPP_WITHOUT_EPT, "sub-page write permissions without enable EPT") \
	X(ENTRY_CTL_VMFUNC_RESERVED, "VM-function controls set a function not offered") \
	X(ENTRY_CTL_EPTP_SWITCHING_WITHOUT_EPT, "EPTP switching without enable EPT") \
	X(ENTRY_CTL_EPTP_LIST_ADDR, "EPTP-list address unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_VMCS_SHADOW_BITMAP_ADDR, "VMREAD/VMWRITE bitmap address unaligned or too wide") \
	X(ENTRY_CTL_VE_INFO_ADDR, "#VE information address unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_EXIT_RESERVED, "VM-exit controls violate allowed settings") \
	X(ENTRY_CTL_SAVE_TIMER_WITHOUT_TIMER, "save VMX-preemption timer without activating the timer") \
	X(ENTRY_CTL_EXIT_MSR_STORE_ADDR, "VM-exit MSR-store address unaligned or area too wide") \
	X(ENTRY_CTL_EXIT_MSR_LOAD_ADDR, "VM-exit MSR-load address unaligned or area too wide") \
	X(ENTRY_CTL_ENTRY_RESERVED, "VM-entry controls violate allowed settings") \
	X(ENTRY_CTL_EVENT_TYPE, "injected event has a reserved interruption type") \
	X(ENTRY_CTL_EVENT_TYPE_OTHER, "interruption type 7 without monitor trap flag support") \
	X(ENTRY_CTL_EVENT_NMI_VECTOR, "injected NMI with vector other than 2") \
	X(ENTRY_CTL_EVENT_HW_VECTOR, "injected hardware exception with vector above 31") \
	X(ENTRY_CTL_EVENT_OTHER_VECTOR, "injected other event with vector other than 0") \
	X(ENTRY_CTL_EVENT_ERRCODE_MODE, "error code delivered to a real-mode guest") \
	X(ENTRY_CTL_EVENT_ERRCODE_TYPE, "error code with an event that is not a hardware exception") \
	X(ENTRY_CTL_EVENT_ERRCODE_VECTOR, "error code with an exception that has none") \
	X(ENTRY_CTL_EVENT_ERRCODE_MISSING, "no error code with an exception that has one") \
	X(ENTRY_CTL_EVENT_RESERVED, "VM-entry interruption-information bits 30:12 not zero") \
	X(ENTRY_CTL_EVENT_ERRCODE_RESERVED, "VM-entry exception error code bits 31:16 not zero") \
	X(ENTRY_CTL_EVENT_INSN_LEN, "VM-entry instruction length out of range for a software event") \
	X(ENTRY_CTL_ENTRY_MSR_LOAD_ADDR, "VM-entry MSR-load address unaligned or area too wide") \
	X(ENTRY_CTL_ENTRY_SMM, "entry to SMM outside SMM") \
	X(ENTRY_CTL_DEACT_DUAL_MONITOR, "deactivate dual-monitor treatment outside SMM") \
	X(ENTRY_CTL_ADDR_NOT_BACKED, "L0 does not back an L1 address named by a control field") \
	/* SDM 27.2.2-27.2.4: host state (VMfailValid 8) */ \
	X(ENTRY_HOST_CR0_FIXED, "host CR0 violates IA32_VMX_CR0_FIXED0/1") \
	X(ENTRY_HOST_CR4_FIXED, "host CR4 violates IA32_VMX_CR4_FIXED0/1") \
	X(ENTRY_HOST_CR3_WIDTH, "host CR3 sets bits beyond the physical-address width") \
	X(ENTRY_HOST_SYSENTER_CANONICAL, "host SYSENTER_ESP/EIP not canonical") \
	X(ENTRY_HOST_PERF_GLOBAL_CTRL, "host IA32_PERF_GLOBAL_CTRL sets reserved bits") \
	X(ENTRY_HOST_PAT, "host IA32_PAT holds an invalid memory type") \
	X(ENTRY_HOST_EFER_RESERVED, "host IA32_EFER sets reserved bits") \
	X(ENTRY_HOST_EFER_LMA_LME, "host EFER.LMA/LME differ from host address-space size") \
	X(ENTRY_HOST_SEL_RPL_TI, "host selector with RPL or TI not zero") \
	X(ENTRY_HOST_CS_NULL, "host CS selector null") \
	X(ENTRY_HOST_TR_NULL, "host TR selector null") \
	X(ENTRY_HOST_SS_NULL, "host SS selector null with a 32-bit host") \
	X(ENTRY_HOST_BASE_CANONICAL, "host FS/GS/GDTR/IDTR/TR base not canonical") \
	X(ENTRY_HOST_ADDR_SPACE_L1_MODE, "host address-space size differs from L1's IA-32e mode") \
	X(ENTRY_HOST_ADDR_SPACE_GUEST, "IA-32e mode guest with a 32-bit host") \
	X(ENTRY_HOST_CR4_PAE, "64-bit host without CR4.PAE") \
	X(ENTRY_HOST_CR4_PCIDE, "32-bit host with CR4.PCIDE") \
	X(ENTRY_HOST_RIP, "host RIP not canonical (64-bit host) or above 4 GiB (32-bit host)") \
	/* SDM 27.3.1: guest state (VM-entry failure, exit reason 33) */ \
	X(ENTRY_GUEST_CR0_FIXED, "guest CR0 violates IA32_VMX_CR0_FIXED0/1") \
	X(ENTRY_GUEST_CR0_PG_WITHOUT_PE, "guest CR0.PG without CR0.PE") \
	X(ENTRY_GUEST_CR4_FIXED, "guest CR4 violates IA32_VMX_CR4_FIXED0/1") \
	X(ENTRY_GUEST_IA32E_PAGING, "IA-32e mode guest without CR0.PG and CR4.PAE") \
	X(ENTRY_GUEST_CR4_PCIDE, "guest CR4.PCIDE outside IA-32e mode") \
	X(ENTRY_GUEST_CR3_WIDTH, "guest CR3 sets bits beyond the physical-address width") \
	X(ENTRY_GUEST_DEBUGCTL, "guest IA32_DEBUGCTL sets reserved bits") \
	X(ENTRY_GUEST_DR7_HIGH, "guest DR7 bits 63:32 not zero") \
	X(ENTRY_GUEST_SYSENTER_CANONICAL, "guest SYSENTER_ESP/EIP not canonical") \
	X(ENTRY_GUEST_PERF_GLOBAL_CTRL, "guest IA32_PERF_GLOBAL_CTRL sets reserved bits") \
	X(ENTRY_GUEST_PAT, "guest IA32_PAT holds an invalid memory type") \
	X(ENTRY_GUEST_EFER_RESERVED, "guest IA32_EFER sets reserved bits") \
	X(ENTRY_GUEST_EFER_LMA, "guest EFER.LMA differs from IA-32e mode guest") \
	X(ENTRY_GUEST_EFER_LME, "guest EFER.LME differs from LMA with CR0.PG set") \
	X(ENTRY_GUEST_BNDCFGS, "guest IA32_BNDCFGS reserved bits or non-canonical base") \
	X(ENTRY_GUEST_TR_TI, "guest TR selector TI flag set") \
	X(ENTRY_GUEST_LDTR_TI, "usable guest LDTR selector TI flag set") \
	X(ENTRY_GUEST_SS_RPL, "guest SS.RPL differs from CS.RPL") \
	X(ENTRY_GUEST_V86_BASE, "virtual-8086 segment base not selector << 4") \
	X(ENTRY_GUEST_V86_LIMIT, "virtual-8086 segment limit not FFFFH") \
	X(ENTRY_GUEST_V86_AR, "virtual-8086 segment access rights not F3H") \
	X(ENTRY_GUEST_BASE_CANONICAL, "guest TR/FS/GS/LDTR base not canonical") \
	X(ENTRY_GUEST_BASE_HIGH, "guest CS/SS/DS/ES base bits 63:32 not zero") \
	X(ENTRY_GUEST_CS_TYPE, "guest CS type invalid") \
	X(ENTRY_GUEST_SS_TYPE, "usable guest SS type not read/write data") \
	X(ENTRY_GUEST_SEG_TYPE, "usable guest DS/ES/FS/GS type not accessed or unreadable code") \
	X(ENTRY_GUEST_SEG_S, "guest code/data segment with S clear") \
	X(ENTRY_GUEST_CS_DPL, "guest CS.DPL inconsistent with its type, SS.DPL or unrestricted guest") \
	X(ENTRY_GUEST_SS_DPL, "guest SS.DPL differs from SS.RPL, or not 0 in real mode or with CS type 3") \
	X(ENTRY_GUEST_SEG_DPL, "guest DS/ES/FS/GS DPL below RPL") \
	X(ENTRY_GUEST_SEG_P, "usable guest segment not present") \
	X(ENTRY_GUEST_AR_RESERVED, "guest access-rights reserved bits set") \
	X(ENTRY_GUEST_LIMIT_G, "guest segment limit inconsistent with the granularity flag") \
	X(ENTRY_GUEST_CS_L_DB, "guest CS.L and CS.D/B both set in IA-32e mode") \
	X(ENTRY_GUEST_TR_TYPE, "guest TR type not a busy TSS of the mode") \
	X(ENTRY_GUEST_TR_S, "guest TR with S set") \
	X(ENTRY_GUEST_TR_P, "guest TR not present") \
	X(ENTRY_GUEST_TR_UNUSABLE, "guest TR unusable") \
	X(ENTRY_GUEST_LDTR_TYPE, "usable guest LDTR not an LDT with S clear") \
	X(ENTRY_GUEST_LDTR_P, "usable guest LDTR not present") \
	X(ENTRY_GUEST_DTR_BASE, "guest GDTR/IDTR base not canonical") \
	X(ENTRY_GUEST_DTR_LIMIT, "guest GDTR/IDTR limit bits 31:16 not zero") \
	X(ENTRY_GUEST_RIP, "guest RIP too wide for the mode or not canonical") \
	X(ENTRY_GUEST_RFLAGS_RESERVED, "guest RFLAGS reserved bits wrong") \
	X(ENTRY_GUEST_RFLAGS_VM, "guest RFLAGS.VM in IA-32e mode or with CR0.PE clear") \
	X(ENTRY_GUEST_RFLAGS_IF, "external interrupt injected with RFLAGS.IF clear") \
	X(ENTRY_GUEST_ACTIVITY_STATE, "guest activity state reserved or not offered") \
	X(ENTRY_GUEST_ACTIVITY_HLT_DPL, "HLT activity state with SS.DPL not 0") \
	X(ENTRY_GUEST_ACTIVITY_BLOCKING, "non-active activity state with STI or MOV-SS blocking") \
	X(ENTRY_GUEST_ACTIVITY_EVENT, "event injected that the activity state cannot take") \
	X(ENTRY_GUEST_INTR_RESERVED, "guest interruptibility state reserved bits set") \
	X(ENTRY_GUEST_INTR_STI_MOVSS, "blocking by STI and by MOV SS both set") \
	X(ENTRY_GUEST_INTR_STI_IF, "blocking by STI with RFLAGS.IF clear") \
	X(ENTRY_GUEST_INTR_INJECT_BLOCKED, "event injected while STI/MOV-SS blocking is set") \
	X(ENTRY_GUEST_INTR_SMI, "blocking by SMI outside SMM") \
	X(ENTRY_GUEST_INTR_VNMI_BLOCK, "NMI injected with virtual-NMI blocking set") \
	X(ENTRY_GUEST_INTR_NMI_STI, "NMI injected while blocking by STI is set") \
	X(ENTRY_GUEST_INTR_ENCLAVE, "enclave interruption set without SGX or with STI/MOV-SS blocking") \
	X(ENTRY_GUEST_PENDING_DBG_RESERVED, "pending debug exceptions reserved bits set") \
	X(ENTRY_GUEST_PENDING_DBG_BS, "pending BS inconsistent with RFLAGS.TF and DEBUGCTL.BTF") \
	X(ENTRY_GUEST_LINK_ADDR, "VMCS link pointer unaligned or beyond the physical-address width") \
	X(ENTRY_GUEST_LINK_REVISION, "VMCS link pointer names a region with the wrong revision") \
	X(ENTRY_GUEST_PDPTE, "a PDPTE sets reserved bits or cannot be read") \
	/* SDM 27.4: MSR loading (VM-entry failure, exit reason 34) */ \
	X(ENTRY_MSR_LOAD_COUNT, "VM-entry MSR-load count exceeds the recommended maximum") \
	X(ENTRY_MSR_LOAD_UNREADABLE, "VM-entry MSR-load entry in memory L0 does not back") \
	X(ENTRY_MSR_LOAD_RESERVED, "VM-entry MSR-load entry bits 63:32 not zero") \
	X(ENTRY_MSR_LOAD_FS_GS_BASE, "VM-entry MSR-load of IA32_FS_BASE or IA32_GS_BASE") \
	X(ENTRY_MSR_LOAD_X2APIC, "VM-entry MSR-load of an x2APIC MSR") \
	X(ENTRY_MSR_LOAD_SMM, "VM-entry MSR-load of IA32_SMM_MONITOR_CTL or IA32_SMBASE") \
	X(ENTRY_MSR_LOAD_MICROCODE, "VM-entry MSR-load of a microcode-update MSR") \
	X(ENTRY_MSR_LOAD_REFUSED, "VM-entry MSR-load value WRMSR would refuse") \
	/* outcomes */ \
	X(ENTRY_OK, "VM entry succeeded")

#endif
