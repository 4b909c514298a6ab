/* SPDX-License-Identifier: MIT */
/*
 * Golden numbers: every reason, status, action and outcome, with the number
 * it has carried since it was published, written here by hand and not taken
 * from the headers. A renumbered row fails here; a new row must be added
 * here (the completeness tests fail until it is), with the next free number
 * of its block.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <nvmx/nvmx.h>

struct golden {
	const char *name;
	uint32_t num;
	uint32_t value; /* the enumerator, to compare with num */
};

#define R(name, num) { #name, num, NVMX_REASON_##name }
static const struct golden reasons[] = {
	R(NONE, 0x0000),
	R(INSN_OK, 0x0101),
	R(INSN_UD_NOT_IN_VMX_OPERATION, 0x0102),
	R(INSN_UD_REAL_OR_V86, 0x0103),
	R(INSN_UD_COMPAT_MODE, 0x0104),
	R(INSN_UD_FEATURE_NOT_OFFERED, 0x0105),
	R(INSN_UD_BAD_ENCODING, 0x0106),
	R(INSN_GP_CPL, 0x0107),
	R(INSN_GP_CR0_FIXED, 0x0108),
	R(INSN_GP_CR4_FIXED, 0x0109),
	R(INSN_GP_FEATURE_CONTROL, 0x010a),
	R(INSN_GP_SEGMENT, 0x010b),
	R(INSN_SS_SEGMENT, 0x010c),
	R(INSN_GUEST_FAULT, 0x010d),
	R(INSN_GP_INVALID_DESCRIPTOR_RSVD, 0x010e),
	R(INSN_VMFAIL_VMXON_PTR_INVALID, 0x010f),
	R(INSN_VMFAIL_VMXON_REVISION, 0x0110),
	R(INSN_VMFAIL_VMXON_IN_ROOT, 0x0111),
	R(INSN_VMFAIL_VMCLEAR_ADDR, 0x0112),
	R(INSN_VMFAIL_VMCLEAR_VMXON_PTR, 0x0113),
	R(INSN_VMFAIL_VMPTRLD_ADDR, 0x0114),
	R(INSN_VMFAIL_VMPTRLD_VMXON_PTR, 0x0115),
	R(INSN_VMFAIL_VMPTRLD_REVISION, 0x0116),
	R(INSN_VMFAIL_VMPTRLD_SHADOW, 0x0117),
	R(INSN_VMFAIL_NO_CURRENT_VMCS, 0x0118),
	R(INSN_VMFAIL_UNSUPPORTED_FIELD, 0x0119),
	R(INSN_VMFAIL_READ_ONLY_FIELD, 0x011a),
	R(INSN_VMFAIL_VMLAUNCH_NOT_CLEAR, 0x011b),
	R(INSN_VMFAIL_VMRESUME_NOT_LAUNCHED, 0x011c),
	R(INSN_VMFAIL_MOV_SS_BLOCKING, 0x011d),
	R(INSN_VMFAIL_INVALID_INVEPT_TYPE, 0x011e),
	R(INSN_VMFAIL_INVALID_INVVPID_TYPE, 0x011f),
	R(INSN_VMFAIL_INVVPID_VPID_ZERO, 0x0120),
	R(INSN_VMFAIL_INVVPID_NONCANONICAL, 0x0121),
	R(INSN_VMFAIL_INVEPT_EPTP, 0x0122),
	R(INSN_VMFAIL_SHADOW_VMLAUNCH, 0x0123),
	R(INSN_VMLAUNCH_CHECKS_NEXT, 0x0124),
	R(INSN_HOST_FAILURE, 0x0125),
	R(INSN_VMFAIL_INVVPID_DESC_RSVD, 0x0126),
	R(INSN_VMFAIL_VMPTRLD_NOT_BACKED, 0x0127),
	R(ENTRY_NONE, 0x1001),
	R(ENTRY_CTL_PIN_RESERVED, 0x1002),
	R(ENTRY_CTL_PROC_RESERVED, 0x1003),
	R(ENTRY_CTL_PROC2_RESERVED, 0x1004),
	R(ENTRY_CTL_PROC3_RESERVED, 0x1005),
	R(ENTRY_CTL_CR3_TARGET_COUNT, 0x1006),
	R(ENTRY_CTL_IO_BITMAP_ADDR, 0x1007),
	R(ENTRY_CTL_MSR_BITMAP_ADDR, 0x1008),
	R(ENTRY_CTL_VIRTUAL_APIC_ADDR, 0x1009),
	R(ENTRY_CTL_TPR_THRESHOLD_RESERVED, 0x100a),
	R(ENTRY_CTL_TPR_THRESHOLD_VTPR, 0x100b),
	R(ENTRY_CTL_VNMI_WITHOUT_NMI_EXITING, 0x100c),
	R(ENTRY_CTL_NMI_WINDOW_WITHOUT_VNMI, 0x100d),
	R(ENTRY_CTL_APIC_ACCESS_ADDR, 0x100e),
	R(ENTRY_CTL_X2APIC_WITH_APIC_ACCESSES, 0x100f),
	R(ENTRY_CTL_APICV_WITHOUT_TPR_SHADOW, 0x1010),
	R(ENTRY_CTL_VID_WITHOUT_EXT_INTR_EXITING, 0x1011),
	R(ENTRY_CTL_POSTED_WITHOUT_VID, 0x1012),
	R(ENTRY_CTL_POSTED_WITHOUT_ACK, 0x1013),
	R(ENTRY_CTL_POSTED_VECTOR, 0x1014),
	R(ENTRY_CTL_POSTED_DESC_ADDR, 0x1015),
	R(ENTRY_CTL_VPID_ZERO, 0x1016),
	R(ENTRY_CTL_EPTP_MEMTYPE, 0x1017),
	R(ENTRY_CTL_EPTP_WALK_LENGTH, 0x1018),
	R(ENTRY_CTL_EPTP_AD, 0x1019),
	R(ENTRY_CTL_EPTP_RESERVED, 0x101a),
	R(ENTRY_CTL_PML_WITHOUT_EPT, 0x101b),
	R(ENTRY_CTL_PML_ADDR, 0x101c),
	R(ENTRY_CTL_UNRESTRICTED_WITHOUT_EPT, 0x101d),
	R(ENTRY_CTL_MBEC_WITHOUT_EPT, 0x101e),
	R(ENTRY_CTL_SPP_WITHOUT_EPT, 0x101f),
	R(ENTRY_CTL_VMFUNC_RESERVED, 0x1020),
	R(ENTRY_CTL_EPTP_SWITCHING_WITHOUT_EPT, 0x1021),
	R(ENTRY_CTL_EPTP_LIST_ADDR, 0x1022),
	R(ENTRY_CTL_VMCS_SHADOW_BITMAP_ADDR, 0x1023),
	R(ENTRY_CTL_VE_INFO_ADDR, 0x1024),
	R(ENTRY_CTL_EXIT_RESERVED, 0x1025),
	R(ENTRY_CTL_SAVE_TIMER_WITHOUT_TIMER, 0x1026),
	R(ENTRY_CTL_EXIT_MSR_STORE_ADDR, 0x1027),
	R(ENTRY_CTL_EXIT_MSR_LOAD_ADDR, 0x1028),
	R(ENTRY_CTL_ENTRY_RESERVED, 0x1029),
	R(ENTRY_CTL_EVENT_TYPE, 0x102a),
	R(ENTRY_CTL_EVENT_TYPE_OTHER, 0x102b),
	R(ENTRY_CTL_EVENT_NMI_VECTOR, 0x102c),
	R(ENTRY_CTL_EVENT_HW_VECTOR, 0x102d),
	R(ENTRY_CTL_EVENT_OTHER_VECTOR, 0x102e),
	R(ENTRY_CTL_EVENT_ERRCODE_MODE, 0x102f),
	R(ENTRY_CTL_EVENT_ERRCODE_TYPE, 0x1030),
	R(ENTRY_CTL_EVENT_ERRCODE_VECTOR, 0x1031),
	R(ENTRY_CTL_EVENT_ERRCODE_MISSING, 0x1032),
	R(ENTRY_CTL_EVENT_RESERVED, 0x1033),
	R(ENTRY_CTL_EVENT_ERRCODE_RESERVED, 0x1034),
	R(ENTRY_CTL_EVENT_INSN_LEN, 0x1035),
	R(ENTRY_CTL_ENTRY_MSR_LOAD_ADDR, 0x1036),
	R(ENTRY_CTL_ENTRY_SMM, 0x1037),
	R(ENTRY_CTL_DEACT_DUAL_MONITOR, 0x1038),
	R(ENTRY_CTL_ADDR_NOT_BACKED, 0x1039),
	R(ENTRY_HOST_CR0_FIXED, 0x103a),
	R(ENTRY_HOST_CR4_FIXED, 0x103b),
	R(ENTRY_HOST_CR3_WIDTH, 0x103c),
	R(ENTRY_HOST_SYSENTER_CANONICAL, 0x103d),
	R(ENTRY_HOST_PERF_GLOBAL_CTRL, 0x103e),
	R(ENTRY_HOST_PAT, 0x103f),
	R(ENTRY_HOST_EFER_RESERVED, 0x1040),
	R(ENTRY_HOST_EFER_LMA_LME, 0x1041),
	R(ENTRY_HOST_SEL_RPL_TI, 0x1042),
	R(ENTRY_HOST_CS_NULL, 0x1043),
	R(ENTRY_HOST_TR_NULL, 0x1044),
	R(ENTRY_HOST_SS_NULL, 0x1045),
	R(ENTRY_HOST_BASE_CANONICAL, 0x1046),
	R(ENTRY_HOST_ADDR_SPACE_L1_MODE, 0x1047),
	R(ENTRY_HOST_ADDR_SPACE_GUEST, 0x1048),
	R(ENTRY_HOST_CR4_PAE, 0x1049),
	R(ENTRY_HOST_CR4_PCIDE, 0x104a),
	R(ENTRY_HOST_RIP, 0x104b),
	R(ENTRY_GUEST_CR0_FIXED, 0x104c),
	R(ENTRY_GUEST_CR0_PG_WITHOUT_PE, 0x104d),
	R(ENTRY_GUEST_CR4_FIXED, 0x104e),
	R(ENTRY_GUEST_IA32E_PAGING, 0x104f),
	R(ENTRY_GUEST_CR4_PCIDE, 0x1050),
	R(ENTRY_GUEST_CR3_WIDTH, 0x1051),
	R(ENTRY_GUEST_DEBUGCTL, 0x1052),
	R(ENTRY_GUEST_DR7_HIGH, 0x1053),
	R(ENTRY_GUEST_SYSENTER_CANONICAL, 0x1054),
	R(ENTRY_GUEST_PERF_GLOBAL_CTRL, 0x1055),
	R(ENTRY_GUEST_PAT, 0x1056),
	R(ENTRY_GUEST_EFER_RESERVED, 0x1057),
	R(ENTRY_GUEST_EFER_LMA, 0x1058),
	R(ENTRY_GUEST_EFER_LME, 0x1059),
	R(ENTRY_GUEST_BNDCFGS, 0x105a),
	R(ENTRY_GUEST_TR_TI, 0x105b),
	R(ENTRY_GUEST_LDTR_TI, 0x105c),
	R(ENTRY_GUEST_SS_RPL, 0x105d),
	R(ENTRY_GUEST_V86_BASE, 0x105e),
	R(ENTRY_GUEST_V86_LIMIT, 0x105f),
	R(ENTRY_GUEST_V86_AR, 0x1060),
	R(ENTRY_GUEST_BASE_CANONICAL, 0x1061),
	R(ENTRY_GUEST_BASE_HIGH, 0x1062),
	R(ENTRY_GUEST_CS_TYPE, 0x1063),
	R(ENTRY_GUEST_SS_TYPE, 0x1064),
	R(ENTRY_GUEST_SEG_TYPE, 0x1065),
	R(ENTRY_GUEST_SEG_S, 0x1066),
	R(ENTRY_GUEST_CS_DPL, 0x1067),
	R(ENTRY_GUEST_SS_DPL, 0x1068),
	R(ENTRY_GUEST_SEG_DPL, 0x1069),
	R(ENTRY_GUEST_SEG_P, 0x106a),
	R(ENTRY_GUEST_AR_RESERVED, 0x106b),
	R(ENTRY_GUEST_LIMIT_G, 0x106c),
	R(ENTRY_GUEST_CS_L_DB, 0x106d),
	R(ENTRY_GUEST_TR_TYPE, 0x106e),
	R(ENTRY_GUEST_TR_S, 0x106f),
	R(ENTRY_GUEST_TR_P, 0x1070),
	R(ENTRY_GUEST_TR_UNUSABLE, 0x1071),
	R(ENTRY_GUEST_LDTR_TYPE, 0x1072),
	R(ENTRY_GUEST_LDTR_P, 0x1073),
	R(ENTRY_GUEST_DTR_BASE, 0x1074),
	R(ENTRY_GUEST_DTR_LIMIT, 0x1075),
	R(ENTRY_GUEST_RIP, 0x1076),
	R(ENTRY_GUEST_RFLAGS_RESERVED, 0x1077),
	R(ENTRY_GUEST_RFLAGS_VM, 0x1078),
	R(ENTRY_GUEST_RFLAGS_IF, 0x1079),
	R(ENTRY_GUEST_ACTIVITY_STATE, 0x107a),
	R(ENTRY_GUEST_ACTIVITY_HLT_DPL, 0x107b),
	R(ENTRY_GUEST_ACTIVITY_BLOCKING, 0x107c),
	R(ENTRY_GUEST_ACTIVITY_EVENT, 0x107d),
	R(ENTRY_GUEST_INTR_RESERVED, 0x107e),
	R(ENTRY_GUEST_INTR_STI_MOVSS, 0x107f),
	R(ENTRY_GUEST_INTR_STI_IF, 0x1080),
	R(ENTRY_GUEST_INTR_INJECT_BLOCKED, 0x1081),
	R(ENTRY_GUEST_INTR_SMI, 0x1082),
	R(ENTRY_GUEST_INTR_VNMI_BLOCK, 0x1083),
	R(ENTRY_GUEST_INTR_NMI_STI, 0x1084),
	R(ENTRY_GUEST_INTR_ENCLAVE, 0x1085),
	R(ENTRY_GUEST_PENDING_DBG_RESERVED, 0x1086),
	R(ENTRY_GUEST_PENDING_DBG_BS, 0x1087),
	R(ENTRY_GUEST_LINK_ADDR, 0x1088),
	R(ENTRY_GUEST_LINK_REVISION, 0x1089),
	R(ENTRY_GUEST_PDPTE, 0x108a),
	R(ENTRY_MSR_LOAD_COUNT, 0x108b),
	R(ENTRY_MSR_LOAD_UNREADABLE, 0x108c),
	R(ENTRY_MSR_LOAD_RESERVED, 0x108d),
	R(ENTRY_MSR_LOAD_FS_GS_BASE, 0x108e),
	R(ENTRY_MSR_LOAD_X2APIC, 0x108f),
	R(ENTRY_MSR_LOAD_SMM, 0x1090),
	R(ENTRY_MSR_LOAD_MICROCODE, 0x1091),
	R(ENTRY_MSR_LOAD_REFUSED, 0x1092),
	R(ENTRY_OK, 0x1093),
	R(EXIT_NONE, 0x2001),
	R(EXIT_UNCONDITIONAL, 0x2002),
	R(EXIT_L1_CONTROL, 0x2003),
	R(EXIT_L1_BITMAP, 0x2004),
	R(EXIT_L1_CR_MASK, 0x2005),
	R(EXIT_L1_CR3_TARGET, 0x2006),
	R(EXIT_L1_MSR_OUT_OF_RANGE, 0x2007),
	R(EXIT_L1_IO_WRAP, 0x2008),
	R(EXIT_L1_BITMAP_UNREADABLE, 0x2009),
	R(EXIT_L1_VMFUNC_FAIL, 0x200a),
	R(EXIT_L1_EPT12, 0x200b),
	R(EXIT_L0_OWNED, 0x200c),
	R(EXIT_L0_NOT_WANTED_BY_L1, 0x200d),
	R(EXIT_L0_ALWAYS, 0x200e),
	R(EXIT_L0_L1_NO_EPT, 0x200f),
	R(EXIT_L0_EPT02_FILL, 0x2010),
	R(EXIT_L0_UD_FOR_L2, 0x2011),
	R(EXIT_L0_VMFUNC_EMULATE, 0x2012),
	R(EXIT_UNKNOWN_REASON, 0x2013),
	R(EXIT_REFLECTED, 0x2014),
	R(EXIT_ABORT_MSR_STORE, 0x2015),
	R(EXIT_ABORT_MSR_LOAD, 0x2016),
	R(EXIT_SYNTH_NOT_INTERCEPTED, 0x2017),
	R(EXIT_SYNTH_NOT_WAITING_SIPI, 0x2018),
	R(EXIT_DECODE_FAILED, 0x2019),
	R(EXIT_HOST_FAILURE, 0x201a),
	R(EXIT_L0_EPT01, 0x201b),
	R(EXIT_ABORT_PDPTE, 0x201c),
	R(EPT_NONE, 0x3001),
	R(EPT_MAPPED, 0x3002),
	R(EPT12_NOT_PRESENT, 0x3003),
	R(EPT12_ACCESS_DENIED, 0x3004),
	R(EPT12_WRITE_NO_READ, 0x3005),
	R(EPT12_EXEC_ONLY, 0x3006),
	R(EPT12_RESERVED_BIT, 0x3007),
	R(EPT12_BAD_MEMTYPE, 0x3008),
	R(EPT12_PAGE_SIZE, 0x3009),
	R(EPT12_TABLE_UNBACKED, 0x300a),
	R(EPT01_NOT_MAPPED, 0x300b),
	R(EPT01_RIGHTS, 0x300c),
	R(EPT12_AD_RACE, 0x300d),
	R(EPT_BUDGET, 0x300e),
	R(EPT_INVALID_EPTP, 0x300f),
	R(EPT_WP_OP_MISSING, 0x3010),
};

#define S(name, num) { #name, num, NVMX_STATUS_##name }
static const struct golden statuses[] = {
	S(OK, 0), S(INVALID_ARGUMENT, 1), S(NO_MEMORY, 2), S(HOST_FAILURE, 3),
	S(BAD_OPS, 4), S(CAP_ADDS_FEATURE, 5), S(CAP_INCONSISTENT, 6),
	S(CAP_UNKNOWN_MSR, 7), S(WRONG_STATE, 8), S(NOT_SUPPORTED, 9),
	S(BAD_INSTRUCTION, 10), S(BUSY, 11), S(CORRUPT_STATE, 12),
	S(GUEST_FAULT, 13), S(NOT_MAPPED, 14), S(BUDGET_EXCEEDED, 15),
};

#define A(name, num) { #name, num, NVMX_ACTION_##name }
static const struct golden actions[] = {
	A(RESUME_L1, 0), A(INJECT_L1, 1), A(RUN_L2, 2), A(L0_EXIT, 3), A(SHUTDOWN_L1, 4),
};

#define O(name, num) { #name, num, NVMX_OUTCOME_##name }
static const struct golden outcomes[] = {
	O(NONE, 0), O(SUCCEED, 1), O(VMFAIL_INVALID, 2), O(VMFAIL_VALID, 3),
	O(FAULT, 4), O(ENTRY_FAILED, 5), O(L2_ENTERED, 6), O(EXIT_TO_L1, 7),
	O(L0_EXIT, 8), O(VMX_ABORT, 9),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct golden *find(const struct golden *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

Test(names, every_reason_keeps_its_number_and_name)
{
	for (size_t i = 0; i < N(reasons); i++) {
		cr_expect_eq(reasons[i].value, reasons[i].num, "%s is %#x, published as %#x",
		             reasons[i].name, reasons[i].value, reasons[i].num);
		cr_expect_str_eq(nvmx_reason_name((enum nvmx_reason)reasons[i].num), reasons[i].name);
		cr_expect_str_neq(nvmx_reason_describe((enum nvmx_reason)reasons[i].num), "unknown reason");
	}
}

Test(names, every_reason_row_is_in_the_golden_table)
{
	size_t rows = 0;
#define X(row, number, text) \
	do { \
		const struct golden *g = find(reasons, N(reasons), #row); \
		cr_expect(g != NULL, "reason %s (%#x) missing from the golden table", #row, number); \
		if (g) \
			cr_expect_eq(g->num, number, "reason %s", #row); \
		rows++; \
	} while (0);
	NVMX_REASONS_INSN(X)
	NVMX_REASONS_ENTRY(X)
	NVMX_REASONS_EXIT(X)
	NVMX_REASONS_EPT(X)
#undef X
	cr_expect_eq(rows + 1, N(reasons), "golden table has rows no header has");
}

Test(names, every_status_keeps_its_number_and_name)
{
	size_t rows = 0;
	for (size_t i = 0; i < N(statuses); i++) {
		cr_expect_eq(statuses[i].value, statuses[i].num, "%s", statuses[i].name);
		cr_expect_str_eq(nvmx_status_name((enum nvmx_status)statuses[i].num), statuses[i].name);
	}
#define X(name, num, text) rows++; cr_expect(find(statuses, N(statuses), #name) != NULL, #name);
	NVMX_STATUS_LIST(X)
#undef X
	cr_expect_eq(rows, N(statuses));
}

Test(names, every_action_and_outcome_keeps_its_number_and_name)
{
	size_t rows = 0;
	for (size_t i = 0; i < N(actions); i++) {
		cr_expect_eq(actions[i].value, actions[i].num, "%s", actions[i].name);
		cr_expect_str_eq(nvmx_action_name((enum nvmx_action)actions[i].num), actions[i].name);
		cr_expect_str_neq(nvmx_action_describe((enum nvmx_action)actions[i].num), "unknown action");
	}
#define X(name, num, text) rows++; cr_expect(find(actions, N(actions), #name) != NULL, #name);
	NVMX_ACTION_LIST(X)
#undef X
	cr_expect_eq(rows, N(actions));
	rows = 0;
	for (size_t i = 0; i < N(outcomes); i++) {
		cr_expect_eq(outcomes[i].value, outcomes[i].num, "%s", outcomes[i].name);
		cr_expect_str_eq(nvmx_outcome_name((enum nvmx_outcome)outcomes[i].num), outcomes[i].name);
		cr_expect_str_neq(nvmx_outcome_describe((enum nvmx_outcome)outcomes[i].num), "unknown outcome");
	}
#define X(name, num, text) rows++; cr_expect(find(outcomes, N(outcomes), #name) != NULL, #name);
	NVMX_OUTCOME_LIST(X)
#undef X
	cr_expect_eq(rows, N(outcomes));
}

Test(names, unknown_numbers_have_unknown_names)
{
	cr_expect_str_eq(nvmx_reason_name((enum nvmx_reason)0x0100), "UNKNOWN");
	cr_expect_str_eq(nvmx_reason_name((enum nvmx_reason)0x4001), "UNKNOWN");
	cr_expect_str_eq(nvmx_reason_describe((enum nvmx_reason)0x0fff), "unknown reason");
	cr_expect_str_eq(nvmx_status_name((enum nvmx_status)999), "UNKNOWN");
	cr_expect_str_eq(nvmx_action_name((enum nvmx_action)77), "UNKNOWN");
	cr_expect_str_eq(nvmx_outcome_name((enum nvmx_outcome)77), "UNKNOWN");
}
