/* SPDX-License-Identifier: MIT */
/* Named reasons of the entry module. Values are ABI (tests/util/test_names.c
 * pins every one): never renumbered or reused; a new row goes at the END of
 * the list with the next free number of the block. */
#ifndef NVMX_REASONS_ENTRY_H
#define NVMX_REASONS_ENTRY_H

#define NVMX_REASONS_ENTRY(X) \
	X(ENTRY_NONE, 0x1001, "no entry diagnostic") \
	/* SDM 27.2.1.1: VM-execution control fields (VMfailValid 7) */ \
	X(ENTRY_CTL_PIN_RESERVED, 0x1002, "pin-based controls violate allowed-0/allowed-1 settings") \
	X(ENTRY_CTL_PROC_RESERVED, 0x1003, "primary processor-based controls violate allowed settings") \
	X(ENTRY_CTL_PROC2_RESERVED, 0x1004, "secondary processor-based controls violate allowed settings") \
	X(ENTRY_CTL_PROC3_RESERVED, 0x1005, "tertiary processor-based controls violate allowed settings") \
	X(ENTRY_CTL_CR3_TARGET_COUNT, 0x1006, "CR3-target count exceeds IA32_VMX_MISC[24:16]") \
	X(ENTRY_CTL_IO_BITMAP_ADDR, 0x1007, "I/O-bitmap address unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_MSR_BITMAP_ADDR, 0x1008, "MSR-bitmap address unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_VIRTUAL_APIC_ADDR, 0x1009, "virtual-APIC address unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_TPR_THRESHOLD_RESERVED, 0x100a, "TPR threshold bits 31:4 not zero") \
	X(ENTRY_CTL_TPR_THRESHOLD_VTPR, 0x100b, "TPR threshold[3:0] exceeds VTPR[7:4]") \
	X(ENTRY_CTL_VNMI_WITHOUT_NMI_EXITING, 0x100c, "virtual NMIs without NMI exiting") \
	X(ENTRY_CTL_NMI_WINDOW_WITHOUT_VNMI, 0x100d, "NMI-window exiting without virtual NMIs") \
	X(ENTRY_CTL_APIC_ACCESS_ADDR, 0x100e, "APIC-access address unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_X2APIC_WITH_APIC_ACCESSES, 0x100f, "virtualize x2APIC mode with virtualize APIC accesses") \
	X(ENTRY_CTL_APICV_WITHOUT_TPR_SHADOW, 0x1010, "x2APIC/APIC-register virtualization or VID without TPR shadow") \
	X(ENTRY_CTL_VID_WITHOUT_EXT_INTR_EXITING, 0x1011, "virtual-interrupt delivery without external-interrupt exiting") \
	X(ENTRY_CTL_POSTED_WITHOUT_VID, 0x1012, "process posted interrupts without virtual-interrupt delivery") \
	X(ENTRY_CTL_POSTED_WITHOUT_ACK, 0x1013, "process posted interrupts without acknowledge interrupt on exit") \
	X(ENTRY_CTL_POSTED_VECTOR, 0x1014, "posted-interrupt notification vector bits 15:8 not zero") \
	X(ENTRY_CTL_POSTED_DESC_ADDR, 0x1015, "posted-interrupt descriptor unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_VPID_ZERO, 0x1016, "enable VPID with VPID 0") \
	X(ENTRY_CTL_EPTP_MEMTYPE, 0x1017, "EPTP memory type not offered") \
	X(ENTRY_CTL_EPTP_WALK_LENGTH, 0x1018, "EPTP page-walk length not offered") \
	X(ENTRY_CTL_EPTP_AD, 0x1019, "EPTP enables accessed/dirty flags that are not offered") \
	X(ENTRY_CTL_EPTP_RESERVED, 0x101a, "EPTP reserved bits 11:7 or bits beyond the physical-address width set") \
	X(ENTRY_CTL_PML_WITHOUT_EPT, 0x101b, "enable PML without enable EPT") \
	X(ENTRY_CTL_PML_ADDR, 0x101c, "PML address unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_UNRESTRICTED_WITHOUT_EPT, 0x101d, "unrestricted guest without enable EPT") \
	X(ENTRY_CTL_MBEC_WITHOUT_EPT, 0x101e, "mode-based execute control without enable EPT") \
	X(ENTRY_CTL_SPP_WITHOUT_EPT, 0x101f, "sub-page write permissions without enable EPT") \
	X(ENTRY_CTL_VMFUNC_RESERVED, 0x1020, "VM-function controls set a function not offered") \
	X(ENTRY_CTL_EPTP_SWITCHING_WITHOUT_EPT, 0x1021, "EPTP switching without enable EPT") \
	X(ENTRY_CTL_EPTP_LIST_ADDR, 0x1022, "EPTP-list address unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_VMCS_SHADOW_BITMAP_ADDR, 0x1023, "VMREAD/VMWRITE bitmap address unaligned or too wide") \
	X(ENTRY_CTL_VE_INFO_ADDR, 0x1024, "#VE information address unaligned or beyond the physical-address width") \
	X(ENTRY_CTL_EXIT_RESERVED, 0x1025, "VM-exit controls violate allowed settings") \
	X(ENTRY_CTL_SAVE_TIMER_WITHOUT_TIMER, 0x1026, "save VMX-preemption timer without activating the timer") \
	X(ENTRY_CTL_EXIT_MSR_STORE_ADDR, 0x1027, "VM-exit MSR-store address unaligned or area too wide") \
	X(ENTRY_CTL_EXIT_MSR_LOAD_ADDR, 0x1028, "VM-exit MSR-load address unaligned or area too wide") \
	X(ENTRY_CTL_ENTRY_RESERVED, 0x1029, "VM-entry controls violate allowed settings") \
	X(ENTRY_CTL_EVENT_TYPE, 0x102a, "injected event has a reserved interruption type") \
	X(ENTRY_CTL_EVENT_TYPE_OTHER, 0x102b, "interruption type 7 without monitor trap flag support") \
	X(ENTRY_CTL_EVENT_NMI_VECTOR, 0x102c, "injected NMI with vector other than 2") \
	X(ENTRY_CTL_EVENT_HW_VECTOR, 0x102d, "injected hardware exception with vector above 31") \
	X(ENTRY_CTL_EVENT_OTHER_VECTOR, 0x102e, "injected other event with vector other than 0") \
	X(ENTRY_CTL_EVENT_ERRCODE_MODE, 0x102f, "error code delivered to a real-mode guest") \
	X(ENTRY_CTL_EVENT_ERRCODE_TYPE, 0x1030, "error code with an event that is not a hardware exception") \
	X(ENTRY_CTL_EVENT_ERRCODE_VECTOR, 0x1031, "error code with an exception that has none") \
	X(ENTRY_CTL_EVENT_ERRCODE_MISSING, 0x1032, "no error code with an exception that has one") \
	X(ENTRY_CTL_EVENT_RESERVED, 0x1033, "VM-entry interruption-information bits 30:12 not zero") \
	X(ENTRY_CTL_EVENT_ERRCODE_RESERVED, 0x1034, "VM-entry exception error code bits 31:16 not zero") \
	X(ENTRY_CTL_EVENT_INSN_LEN, 0x1035, "VM-entry instruction length out of range for a software event") \
	X(ENTRY_CTL_ENTRY_MSR_LOAD_ADDR, 0x1036, "VM-entry MSR-load address unaligned or area too wide") \
	X(ENTRY_CTL_ENTRY_SMM, 0x1037, "entry to SMM outside SMM") \
	X(ENTRY_CTL_DEACT_DUAL_MONITOR, 0x1038, "deactivate dual-monitor treatment outside SMM") \
	X(ENTRY_CTL_ADDR_NOT_BACKED, 0x1039, "L0 does not back an L1 address named by a control field") \
	/* SDM 27.2.2-27.2.4: host state (VMfailValid 8) */ \
	X(ENTRY_HOST_CR0_FIXED, 0x103a, "host CR0 violates IA32_VMX_CR0_FIXED0/1") \
	X(ENTRY_HOST_CR4_FIXED, 0x103b, "host CR4 violates IA32_VMX_CR4_FIXED0/1") \
	X(ENTRY_HOST_CR3_WIDTH, 0x103c, "host CR3 sets bits beyond the physical-address width") \
	X(ENTRY_HOST_SYSENTER_CANONICAL, 0x103d, "host SYSENTER_ESP/EIP not canonical") \
	X(ENTRY_HOST_PERF_GLOBAL_CTRL, 0x103e, "host IA32_PERF_GLOBAL_CTRL sets reserved bits") \
	X(ENTRY_HOST_PAT, 0x103f, "host IA32_PAT holds an invalid memory type") \
	X(ENTRY_HOST_EFER_RESERVED, 0x1040, "host IA32_EFER sets reserved bits") \
	X(ENTRY_HOST_EFER_LMA_LME, 0x1041, "host EFER.LMA/LME differ from host address-space size") \
	X(ENTRY_HOST_SEL_RPL_TI, 0x1042, "host selector with RPL or TI not zero") \
	X(ENTRY_HOST_CS_NULL, 0x1043, "host CS selector null") \
	X(ENTRY_HOST_TR_NULL, 0x1044, "host TR selector null") \
	X(ENTRY_HOST_SS_NULL, 0x1045, "host SS selector null with a 32-bit host") \
	X(ENTRY_HOST_BASE_CANONICAL, 0x1046, "host FS/GS/GDTR/IDTR/TR base not canonical") \
	X(ENTRY_HOST_ADDR_SPACE_L1_MODE, 0x1047, "host address-space size differs from L1's IA-32e mode") \
	X(ENTRY_HOST_ADDR_SPACE_GUEST, 0x1048, "IA-32e mode guest with a 32-bit host") \
	X(ENTRY_HOST_CR4_PAE, 0x1049, "64-bit host without CR4.PAE") \
	X(ENTRY_HOST_CR4_PCIDE, 0x104a, "32-bit host with CR4.PCIDE") \
	X(ENTRY_HOST_RIP, 0x104b, "host RIP not canonical (64-bit host) or above 4 GiB (32-bit host)") \
	/* SDM 27.3.1: guest state (VM-entry failure, exit reason 33) */ \
	X(ENTRY_GUEST_CR0_FIXED, 0x104c, "guest CR0 violates IA32_VMX_CR0_FIXED0/1") \
	X(ENTRY_GUEST_CR0_PG_WITHOUT_PE, 0x104d, "guest CR0.PG without CR0.PE") \
	X(ENTRY_GUEST_CR4_FIXED, 0x104e, "guest CR4 violates IA32_VMX_CR4_FIXED0/1") \
	X(ENTRY_GUEST_IA32E_PAGING, 0x104f, "IA-32e mode guest without CR0.PG and CR4.PAE") \
	X(ENTRY_GUEST_CR4_PCIDE, 0x1050, "guest CR4.PCIDE outside IA-32e mode") \
	X(ENTRY_GUEST_CR3_WIDTH, 0x1051, "guest CR3 sets bits beyond the physical-address width") \
	X(ENTRY_GUEST_DEBUGCTL, 0x1052, "guest IA32_DEBUGCTL sets reserved bits") \
	X(ENTRY_GUEST_DR7_HIGH, 0x1053, "guest DR7 bits 63:32 not zero") \
	X(ENTRY_GUEST_SYSENTER_CANONICAL, 0x1054, "guest SYSENTER_ESP/EIP not canonical") \
	X(ENTRY_GUEST_PERF_GLOBAL_CTRL, 0x1055, "guest IA32_PERF_GLOBAL_CTRL sets reserved bits") \
	X(ENTRY_GUEST_PAT, 0x1056, "guest IA32_PAT holds an invalid memory type") \
	X(ENTRY_GUEST_EFER_RESERVED, 0x1057, "guest IA32_EFER sets reserved bits") \
	X(ENTRY_GUEST_EFER_LMA, 0x1058, "guest EFER.LMA differs from IA-32e mode guest") \
	X(ENTRY_GUEST_EFER_LME, 0x1059, "guest EFER.LME differs from LMA with CR0.PG set") \
	X(ENTRY_GUEST_BNDCFGS, 0x105a, "guest IA32_BNDCFGS reserved bits or non-canonical base") \
	X(ENTRY_GUEST_TR_TI, 0x105b, "guest TR selector TI flag set") \
	X(ENTRY_GUEST_LDTR_TI, 0x105c, "usable guest LDTR selector TI flag set") \
	X(ENTRY_GUEST_SS_RPL, 0x105d, "guest SS.RPL differs from CS.RPL") \
	X(ENTRY_GUEST_V86_BASE, 0x105e, "virtual-8086 segment base not selector << 4") \
	X(ENTRY_GUEST_V86_LIMIT, 0x105f, "virtual-8086 segment limit not FFFFH") \
	X(ENTRY_GUEST_V86_AR, 0x1060, "virtual-8086 segment access rights not F3H") \
	X(ENTRY_GUEST_BASE_CANONICAL, 0x1061, "guest TR/FS/GS/LDTR base not canonical") \
	X(ENTRY_GUEST_BASE_HIGH, 0x1062, "guest CS/SS/DS/ES base bits 63:32 not zero") \
	X(ENTRY_GUEST_CS_TYPE, 0x1063, "guest CS type invalid") \
	X(ENTRY_GUEST_SS_TYPE, 0x1064, "usable guest SS type not read/write data") \
	X(ENTRY_GUEST_SEG_TYPE, 0x1065, "usable guest DS/ES/FS/GS type not accessed or unreadable code") \
	X(ENTRY_GUEST_SEG_S, 0x1066, "guest code/data segment with S clear") \
	X(ENTRY_GUEST_CS_DPL, 0x1067, "guest CS.DPL inconsistent with its type, SS.DPL or unrestricted guest") \
	X(ENTRY_GUEST_SS_DPL, 0x1068, "guest SS.DPL differs from SS.RPL, or not 0 in real mode or with CS type 3") \
	X(ENTRY_GUEST_SEG_DPL, 0x1069, "guest DS/ES/FS/GS DPL below RPL") \
	X(ENTRY_GUEST_SEG_P, 0x106a, "usable guest segment not present") \
	X(ENTRY_GUEST_AR_RESERVED, 0x106b, "guest access-rights reserved bits set") \
	X(ENTRY_GUEST_LIMIT_G, 0x106c, "guest segment limit inconsistent with the granularity flag") \
	X(ENTRY_GUEST_CS_L_DB, 0x106d, "guest CS.L and CS.D/B both set in IA-32e mode") \
	X(ENTRY_GUEST_TR_TYPE, 0x106e, "guest TR type not a busy TSS of the mode") \
	X(ENTRY_GUEST_TR_S, 0x106f, "guest TR with S set") \
	X(ENTRY_GUEST_TR_P, 0x1070, "guest TR not present") \
	X(ENTRY_GUEST_TR_UNUSABLE, 0x1071, "guest TR unusable") \
	X(ENTRY_GUEST_LDTR_TYPE, 0x1072, "usable guest LDTR not an LDT with S clear") \
	X(ENTRY_GUEST_LDTR_P, 0x1073, "usable guest LDTR not present") \
	X(ENTRY_GUEST_DTR_BASE, 0x1074, "guest GDTR/IDTR base not canonical") \
	X(ENTRY_GUEST_DTR_LIMIT, 0x1075, "guest GDTR/IDTR limit bits 31:16 not zero") \
	X(ENTRY_GUEST_RIP, 0x1076, "guest RIP too wide for the mode or not canonical") \
	X(ENTRY_GUEST_RFLAGS_RESERVED, 0x1077, "guest RFLAGS reserved bits wrong") \
	X(ENTRY_GUEST_RFLAGS_VM, 0x1078, "guest RFLAGS.VM in IA-32e mode or with CR0.PE clear") \
	X(ENTRY_GUEST_RFLAGS_IF, 0x1079, "external interrupt injected with RFLAGS.IF clear") \
	X(ENTRY_GUEST_ACTIVITY_STATE, 0x107a, "guest activity state reserved or not offered") \
	X(ENTRY_GUEST_ACTIVITY_HLT_DPL, 0x107b, "HLT activity state with SS.DPL not 0") \
	X(ENTRY_GUEST_ACTIVITY_BLOCKING, 0x107c, "non-active activity state with STI or MOV-SS blocking") \
	X(ENTRY_GUEST_ACTIVITY_EVENT, 0x107d, "event injected that the activity state cannot take") \
	X(ENTRY_GUEST_INTR_RESERVED, 0x107e, "guest interruptibility state reserved bits set") \
	X(ENTRY_GUEST_INTR_STI_MOVSS, 0x107f, "blocking by STI and by MOV SS both set") \
	X(ENTRY_GUEST_INTR_STI_IF, 0x1080, "blocking by STI with RFLAGS.IF clear") \
	X(ENTRY_GUEST_INTR_INJECT_BLOCKED, 0x1081, "event injected while STI/MOV-SS blocking is set") \
	X(ENTRY_GUEST_INTR_SMI, 0x1082, "blocking by SMI outside SMM") \
	X(ENTRY_GUEST_INTR_VNMI_BLOCK, 0x1083, "NMI injected with virtual-NMI blocking set") \
	X(ENTRY_GUEST_INTR_NMI_STI, 0x1084, "NMI injected while blocking by STI is set") \
	X(ENTRY_GUEST_INTR_ENCLAVE, 0x1085, "enclave interruption set without SGX or with STI/MOV-SS blocking") \
	X(ENTRY_GUEST_PENDING_DBG_RESERVED, 0x1086, "pending debug exceptions reserved bits set") \
	X(ENTRY_GUEST_PENDING_DBG_BS, 0x1087, "pending BS inconsistent with RFLAGS.TF and DEBUGCTL.BTF") \
	X(ENTRY_GUEST_LINK_ADDR, 0x1088, "VMCS link pointer unaligned or beyond the physical-address width") \
	X(ENTRY_GUEST_LINK_REVISION, 0x1089, "VMCS link pointer names a region with the wrong revision") \
	X(ENTRY_GUEST_PDPTE, 0x108a, "a PDPTE sets reserved bits or cannot be read") \
	/* SDM 27.4: MSR loading (VM-entry failure, exit reason 34) */ \
	X(ENTRY_MSR_LOAD_COUNT, 0x108b, "VM-entry MSR-load count exceeds the recommended maximum") \
	X(ENTRY_MSR_LOAD_UNREADABLE, 0x108c, "VM-entry MSR-load entry in memory L0 does not back") \
	X(ENTRY_MSR_LOAD_RESERVED, 0x108d, "VM-entry MSR-load entry bits 63:32 not zero") \
	X(ENTRY_MSR_LOAD_FS_GS_BASE, 0x108e, "VM-entry MSR-load of IA32_FS_BASE or IA32_GS_BASE") \
	X(ENTRY_MSR_LOAD_X2APIC, 0x108f, "VM-entry MSR-load of an x2APIC MSR") \
	X(ENTRY_MSR_LOAD_SMM, 0x1090, "VM-entry MSR-load of IA32_SMM_MONITOR_CTL or IA32_SMBASE") \
	X(ENTRY_MSR_LOAD_MICROCODE, 0x1091, "VM-entry MSR-load of a microcode-update MSR") \
	X(ENTRY_MSR_LOAD_REFUSED, 0x1092, "VM-entry MSR-load value WRMSR would refuse") \
	/* outcomes */ \
	X(ENTRY_OK, 0x1093, "VM entry succeeded")

#endif
