/* SPDX-License-Identifier: MIT */
/* The field table against encodings written from SDM appendix B. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include "vmcs/fields.h"

#include <string.h>

/* Names are stored inline: Criterion copies parameters into the test's own
 * process, where pointers into this image's data need not be valid. */
struct enc_case {
	char name[40];
	uint32_t encoding;
};

/* Values typed from the SDM's appendix B tables, not from the table under test. */
static struct enc_case sdm[] = {
	{ "VIRTUAL_PROCESSOR_ID", 0x00000000 }, { "POSTED_INTR_NV", 0x00000002 },
	{ "EPTP_INDEX", 0x00000004 }, { "GUEST_ES_SELECTOR", 0x00000800 },
	{ "GUEST_TR_SELECTOR", 0x0000080e }, { "GUEST_INTR_STATUS", 0x00000810 },
	{ "GUEST_PML_INDEX", 0x00000812 }, { "HOST_ES_SELECTOR", 0x00000c00 },
	{ "HOST_TR_SELECTOR", 0x00000c0c }, { "IO_BITMAP_A", 0x00002000 },
	{ "IO_BITMAP_B", 0x00002002 }, { "MSR_BITMAP", 0x00002004 },
	{ "VM_EXIT_MSR_STORE_ADDR", 0x00002006 }, { "VM_EXIT_MSR_LOAD_ADDR", 0x00002008 },
	{ "VM_ENTRY_MSR_LOAD_ADDR", 0x0000200a }, { "EXECUTIVE_VMCS_POINTER", 0x0000200c },
	{ "PML_ADDRESS", 0x0000200e }, { "TSC_OFFSET", 0x00002010 },
	{ "VIRTUAL_APIC_PAGE_ADDR", 0x00002012 }, { "APIC_ACCESS_ADDR", 0x00002014 },
	{ "POSTED_INTR_DESC_ADDR", 0x00002016 }, { "VM_FUNCTION_CONTROL", 0x00002018 },
	{ "EPT_POINTER", 0x0000201a }, { "EOI_EXIT_BITMAP0", 0x0000201c },
	{ "EOI_EXIT_BITMAP3", 0x00002022 }, { "EPTP_LIST_ADDRESS", 0x00002024 },
	{ "VMREAD_BITMAP", 0x00002026 }, { "VMWRITE_BITMAP", 0x00002028 },
	{ "VE_INFORMATION_ADDRESS", 0x0000202a }, { "XSS_EXIT_BITMAP", 0x0000202c },
	{ "ENCLS_EXITING_BITMAP", 0x0000202e }, { "TSC_MULTIPLIER", 0x00002032 },
	{ "TERTIARY_VM_EXEC_CONTROL", 0x00002034 }, { "GUEST_PHYSICAL_ADDRESS", 0x00002400 },
	{ "VMCS_LINK_POINTER", 0x00002800 }, { "GUEST_IA32_DEBUGCTL", 0x00002802 },
	{ "GUEST_IA32_PAT", 0x00002804 }, { "GUEST_IA32_EFER", 0x00002806 },
	{ "GUEST_IA32_PERF_GLOBAL_CTRL", 0x00002808 }, { "GUEST_PDPTR0", 0x0000280a },
	{ "GUEST_PDPTR3", 0x00002810 }, { "GUEST_BNDCFGS", 0x00002812 },
	{ "HOST_IA32_PAT", 0x00002c00 }, { "HOST_IA32_EFER", 0x00002c02 },
	{ "HOST_IA32_PERF_GLOBAL_CTRL", 0x00002c04 }, { "PIN_BASED_VM_EXEC_CONTROL", 0x00004000 },
	{ "CPU_BASED_VM_EXEC_CONTROL", 0x00004002 }, { "EXCEPTION_BITMAP", 0x00004004 },
	{ "PAGE_FAULT_ERROR_CODE_MASK", 0x00004006 }, { "PAGE_FAULT_ERROR_CODE_MATCH", 0x00004008 },
	{ "CR3_TARGET_COUNT", 0x0000400a }, { "VM_EXIT_CONTROLS", 0x0000400c },
	{ "VM_EXIT_MSR_STORE_COUNT", 0x0000400e }, { "VM_EXIT_MSR_LOAD_COUNT", 0x00004010 },
	{ "VM_ENTRY_CONTROLS", 0x00004012 }, { "VM_ENTRY_MSR_LOAD_COUNT", 0x00004014 },
	{ "VM_ENTRY_INTR_INFO_FIELD", 0x00004016 }, { "VM_ENTRY_EXCEPTION_ERROR_CODE", 0x00004018 },
	{ "VM_ENTRY_INSTRUCTION_LEN", 0x0000401a }, { "TPR_THRESHOLD", 0x0000401c },
	{ "SECONDARY_VM_EXEC_CONTROL", 0x0000401e }, { "PLE_GAP", 0x00004020 },
	{ "PLE_WINDOW", 0x00004022 }, { "VM_INSTRUCTION_ERROR", 0x00004400 },
	{ "VM_EXIT_REASON", 0x00004402 }, { "VM_EXIT_INTR_INFO", 0x00004404 },
	{ "VM_EXIT_INTR_ERROR_CODE", 0x00004406 }, { "IDT_VECTORING_INFO_FIELD", 0x00004408 },
	{ "IDT_VECTORING_ERROR_CODE", 0x0000440a }, { "VM_EXIT_INSTRUCTION_LEN", 0x0000440c },
	{ "VMX_INSTRUCTION_INFO", 0x0000440e }, { "GUEST_ES_LIMIT", 0x00004800 },
	{ "GUEST_GDTR_LIMIT", 0x00004810 }, { "GUEST_IDTR_LIMIT", 0x00004812 },
	{ "GUEST_ES_AR_BYTES", 0x00004814 }, { "GUEST_TR_AR_BYTES", 0x00004822 },
	{ "GUEST_INTERRUPTIBILITY_INFO", 0x00004824 }, { "GUEST_ACTIVITY_STATE", 0x00004826 },
	{ "GUEST_SMBASE", 0x00004828 }, { "GUEST_SYSENTER_CS", 0x0000482a },
	{ "VMX_PREEMPTION_TIMER_VALUE", 0x0000482e }, { "HOST_IA32_SYSENTER_CS", 0x00004c00 },
	{ "CR0_GUEST_HOST_MASK", 0x00006000 }, { "CR4_GUEST_HOST_MASK", 0x00006002 },
	{ "CR0_READ_SHADOW", 0x00006004 }, { "CR4_READ_SHADOW", 0x00006006 },
	{ "CR3_TARGET_VALUE0", 0x00006008 }, { "CR3_TARGET_VALUE3", 0x0000600e },
	{ "EXIT_QUALIFICATION", 0x00006400 }, { "EXIT_IO_RCX", 0x00006402 },
	{ "EXIT_IO_RSI", 0x00006404 }, { "EXIT_IO_RDI", 0x00006406 },
	{ "EXIT_IO_RIP", 0x00006408 }, { "GUEST_LINEAR_ADDRESS", 0x0000640a },
	{ "GUEST_CR0", 0x00006800 }, { "GUEST_CR3", 0x00006802 }, { "GUEST_CR4", 0x00006804 },
	{ "GUEST_ES_BASE", 0x00006806 }, { "GUEST_TR_BASE", 0x00006814 },
	{ "GUEST_GDTR_BASE", 0x00006816 }, { "GUEST_IDTR_BASE", 0x00006818 },
	{ "GUEST_DR7", 0x0000681a }, { "GUEST_RSP", 0x0000681c }, { "GUEST_RIP", 0x0000681e },
	{ "GUEST_RFLAGS", 0x00006820 }, { "GUEST_PENDING_DBG_EXCEPTIONS", 0x00006822 },
	{ "GUEST_SYSENTER_ESP", 0x00006824 }, { "GUEST_SYSENTER_EIP", 0x00006826 },
	{ "HOST_CR0", 0x00006c00 }, { "HOST_CR3", 0x00006c02 }, { "HOST_CR4", 0x00006c04 },
	{ "HOST_FS_BASE", 0x00006c06 }, { "HOST_GS_BASE", 0x00006c08 },
	{ "HOST_TR_BASE", 0x00006c0a }, { "HOST_GDTR_BASE", 0x00006c0c },
	{ "HOST_IDTR_BASE", 0x00006c0e }, { "HOST_IA32_SYSENTER_ESP", 0x00006c10 },
	{ "HOST_IA32_SYSENTER_EIP", 0x00006c12 }, { "HOST_RSP", 0x00006c14 },
	{ "HOST_RIP", 0x00006c16 },
};

ParameterizedTestParameters(fields, sdm_encoding_matches_name)
{
	return cr_make_param_array(struct enc_case, sdm, sizeof(sdm) / sizeof(sdm[0]));
}

ParameterizedTest(struct enc_case *c, fields, sdm_encoding_matches_name)
{
	int by_name = nvmx_field_by_name(c->name);
	cr_assert_geq(by_name, 0, "%s missing from the table", c->name);
	cr_assert_eq(nvmx_field_table[by_name].encoding, c->encoding, "%s: %#x, SDM says %#x",
	             c->name, nvmx_field_table[by_name].encoding, c->encoding);
	cr_assert_eq(nvmx_field_lookup(c->encoding), by_name);
}

Test(fields, every_encoding_is_unique_and_well_formed)
{
	for (unsigned i = 0; i < NVMX_FIELD_COUNT; i++) {
		uint32_t e = nvmx_field_table[i].encoding;
		cr_assert_eq(e & 1u, 0u, "%s has access type high", nvmx_field_table[i].name);
		cr_assert_eq(e & (1u << 12), 0u, "%s has reserved bit 12", nvmx_field_table[i].name);
		cr_assert_eq(nvmx_field_lookup(e), (int)i, "%s not found by encoding",
		             nvmx_field_table[i].name);
	}
}

Test(fields, high_access_exists_only_for_64bit_fields)
{
	cr_assert_eq(nvmx_field_lookup(0x2011), nvmx_field_lookup(0x2010)); /* TSC_OFFSET_HIGH */
	cr_assert_eq(nvmx_field_lookup(0x4001), -1); /* PIN_BASED "high" */
	cr_assert_eq(nvmx_field_lookup(0x6801), -1); /* GUEST_CR0 "high": natural width */
	cr_assert_eq(nvmx_field_lookup(0x0801), -1); /* 16-bit */
}

Test(fields, encodings_with_high_bits_or_reserved_bit_12_do_not_exist)
{
	cr_assert_eq(nvmx_field_lookup(0x100004000ull), -1);
	cr_assert_eq(nvmx_field_lookup(0x5000), -1);      /* bit 12 */
	cr_assert_eq(nvmx_field_lookup(0x14000), -1);     /* bit 16 */
	cr_assert_eq(nvmx_field_lookup(0x4030), -1);      /* unused index */
}

Test(fields, widths_and_types_derive_from_the_encoding)
{
	cr_assert_eq(NVMX_FIELD_WIDTH(0x0800), NVMX_FIELD_WIDTH_16);
	cr_assert_eq(NVMX_FIELD_WIDTH(0x2800), NVMX_FIELD_WIDTH_64);
	cr_assert_eq(NVMX_FIELD_WIDTH(0x4002), NVMX_FIELD_WIDTH_32);
	cr_assert_eq(NVMX_FIELD_WIDTH(0x681e), NVMX_FIELD_WIDTH_NATURAL);
	cr_assert_eq(NVMX_FIELD_TYPE(0x4402), NVMX_FIELD_TYPE_EXIT_INFO);
	cr_assert_eq(NVMX_FIELD_TYPE(0x6c16), NVMX_FIELD_TYPE_HOST);
	cr_assert_eq(NVMX_FIELD_TYPE(0x681e), NVMX_FIELD_TYPE_GUEST);
	cr_assert_eq(NVMX_FIELD_TYPE(0x201a), NVMX_FIELD_TYPE_CONTROL);
	cr_assert(nvmx_field_is_exit_info(0x6400));
	cr_assert_eq(nvmx_field_mask(0x0800), 0xffffull);
	cr_assert_eq(nvmx_field_mask(0x4002), 0xffffffffull);
}

/* The public name lookup (include/nvmx/vmcs_fields.h), against encodings
 * written from SDM appendix B and the encoding rules of SDM 25.11.2. */
Test(fields, public_name_lookup_by_encoding)
{
	cr_assert_str_eq(nvmx_vmcs_field_name(0x6800), "GUEST_CR0");            /* B.4.3 */
	cr_assert_str_eq(nvmx_vmcs_field_name(0x0000), "VIRTUAL_PROCESSOR_ID"); /* B.1.1 */
	cr_assert_str_eq(nvmx_vmcs_field_name(0x2804), "GUEST_IA32_PAT");       /* B.2.3 */
	/* Access type 1 of a 64-bit field: the field's name. */
	cr_assert_str_eq(nvmx_vmcs_field_name(0x2805), "GUEST_IA32_PAT");
	/* Access type 1 of a natural-width field, reserved bit 12, bits 31:15. */
	cr_assert_null(nvmx_vmcs_field_name(0x6801));
	cr_assert_null(nvmx_vmcs_field_name(0x7800));
	cr_assert_null(nvmx_vmcs_field_name(0x16800));
}

Test(fields, public_lookup_by_name)
{
	uint32_t e = 0x1234;
	cr_assert(nvmx_vmcs_field_by_name("GUEST_CR0", &e));
	cr_assert_eq(e, 0x6800);
	cr_assert(nvmx_vmcs_field_by_name("GUEST_IA32_PAT_HIGH", &e));
	cr_assert_eq(e, 0x2805);
	e = 0x1234;
	/* No high half of a natural-width field; no such field; case matters;
	 * a name longer than any field's. A refusal leaves *encoding alone. */
	cr_assert_not(nvmx_vmcs_field_by_name("GUEST_CR0_HIGH", &e));
	cr_assert_not(nvmx_vmcs_field_by_name("GUEST_CR9", &e));
	cr_assert_not(nvmx_vmcs_field_by_name("guest_cr0", &e));
	cr_assert_not(nvmx_vmcs_field_by_name("_HIGH", &e));
	char longname[200];
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	cr_assert_not(nvmx_vmcs_field_by_name(longname, &e));
	cr_assert_eq(e, 0x1234);
}
