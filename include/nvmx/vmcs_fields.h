/* SPDX-License-Identifier: MIT */
/*
 * The VMCS field list: every component of Intel SDM vol. 3 appendix B, once.
 *
 * NVMX_VMCS_FIELDS(X) expands X(NAME, ENCODING, FEATURE) for each field in a
 * fixed, append-only order. That order is the field's compact index inside
 * libnvmx and the slot of the field in the library's VMCS12 memory layout, so
 * new fields are only ever added at the end.
 *
 * ENCODING is the "full" encoding (access type 0). Width, type and
 * read-only-ness are derived from the encoding bits (SDM 25.11.2, "VMREAD,
 * VMWRITE, and Encodings of VMCS Fields"), never stored a second time:
 *   bit 0      access type (1 = high 32 bits of a 64-bit field)
 *   bits 9:1   index
 *   bits 11:10 type  (0 control, 1 VM-exit information, 2 guest state,
 *                     3 host state)
 *   bit 12     reserved, 0
 *   bits 14:13 width (0 16-bit, 1 64-bit, 2 32-bit, 3 natural width)
 *
 * FEATURE names the capability on which the field's existence depends
 * (NVMX_FEAT_<FEATURE>, see nvmx/caps.h): a field whose feature is not
 * offered to L1 does not exist for L1, and VMREAD/VMWRITE of it fail with
 * VM-instruction error 12.
 */
#ifndef NVMX_VMCS_FIELDS_H
#define NVMX_VMCS_FIELDS_H

#include <stdbool.h>
#include <stdint.h>
#include "api.h"

#define NVMX_VMCS_FIELDS(X)                                                   \
	/* 16-bit control fields (SDM B.1.1) */                               \
	X(VIRTUAL_PROCESSOR_ID, 0x0000, VPID)                                 \
	X(POSTED_INTR_NV, 0x0002, POSTED_INTR)                                \
	X(EPTP_INDEX, 0x0004, EPT_VE)                                         \
	X(HLAT_PREFIX_SIZE, 0x0006, HLAT)                                     \
	X(LAST_PID_POINTER_INDEX, 0x0008, IPI_VIRT)                           \
	/* 16-bit guest-state fields (SDM B.1.2) */                           \
	X(GUEST_ES_SELECTOR, 0x0800, ALWAYS)                                  \
	X(GUEST_CS_SELECTOR, 0x0802, ALWAYS)                                  \
	X(GUEST_SS_SELECTOR, 0x0804, ALWAYS)                                  \
	X(GUEST_DS_SELECTOR, 0x0806, ALWAYS)                                  \
	X(GUEST_FS_SELECTOR, 0x0808, ALWAYS)                                  \
	X(GUEST_GS_SELECTOR, 0x080a, ALWAYS)                                  \
	X(GUEST_LDTR_SELECTOR, 0x080c, ALWAYS)                                \
	X(GUEST_TR_SELECTOR, 0x080e, ALWAYS)                                  \
	X(GUEST_INTR_STATUS, 0x0810, VID)                                     \
	X(GUEST_PML_INDEX, 0x0812, PML)                                       \
	X(GUEST_UINV, 0x0814, UINTR)                                          \
	/* 16-bit host-state fields (SDM B.1.3) */                            \
	X(HOST_ES_SELECTOR, 0x0c00, ALWAYS)                                   \
	X(HOST_CS_SELECTOR, 0x0c02, ALWAYS)                                   \
	X(HOST_SS_SELECTOR, 0x0c04, ALWAYS)                                   \
	X(HOST_DS_SELECTOR, 0x0c06, ALWAYS)                                   \
	X(HOST_FS_SELECTOR, 0x0c08, ALWAYS)                                   \
	X(HOST_GS_SELECTOR, 0x0c0a, ALWAYS)                                   \
	X(HOST_TR_SELECTOR, 0x0c0c, ALWAYS)                                   \
	/* 64-bit control fields (SDM B.2.1) */                               \
	X(IO_BITMAP_A, 0x2000, ALWAYS)                                        \
	X(IO_BITMAP_B, 0x2002, ALWAYS)                                        \
	X(MSR_BITMAP, 0x2004, MSR_BITMAP)                                     \
	X(VM_EXIT_MSR_STORE_ADDR, 0x2006, ALWAYS)                             \
	X(VM_EXIT_MSR_LOAD_ADDR, 0x2008, ALWAYS)                              \
	X(VM_ENTRY_MSR_LOAD_ADDR, 0x200a, ALWAYS)                             \
	X(EXECUTIVE_VMCS_POINTER, 0x200c, ALWAYS)                             \
	X(PML_ADDRESS, 0x200e, PML)                                           \
	X(TSC_OFFSET, 0x2010, ALWAYS)                                         \
	X(VIRTUAL_APIC_PAGE_ADDR, 0x2012, TPR_SHADOW)                         \
	X(APIC_ACCESS_ADDR, 0x2014, APIC_ACCESS)                              \
	X(POSTED_INTR_DESC_ADDR, 0x2016, POSTED_INTR)                         \
	X(VM_FUNCTION_CONTROL, 0x2018, VMFUNC)                                \
	X(EPT_POINTER, 0x201a, EPT)                                           \
	X(EOI_EXIT_BITMAP0, 0x201c, VID)                                      \
	X(EOI_EXIT_BITMAP1, 0x201e, VID)                                      \
	X(EOI_EXIT_BITMAP2, 0x2020, VID)                                      \
	X(EOI_EXIT_BITMAP3, 0x2022, VID)                                      \
	X(EPTP_LIST_ADDRESS, 0x2024, EPTP_SWITCHING)                          \
	X(VMREAD_BITMAP, 0x2026, SHADOW_VMCS)                                 \
	X(VMWRITE_BITMAP, 0x2028, SHADOW_VMCS)                                \
	X(VE_INFORMATION_ADDRESS, 0x202a, EPT_VE)                             \
	X(XSS_EXIT_BITMAP, 0x202c, XSAVES)                                    \
	X(ENCLS_EXITING_BITMAP, 0x202e, ENCLS)                                \
	X(SPP_TABLE_POINTER, 0x2030, SPP)                                     \
	X(TSC_MULTIPLIER, 0x2032, TSC_SCALING)                                \
	X(TERTIARY_VM_EXEC_CONTROL, 0x2034, TERTIARY)                         \
	X(ENCLV_EXITING_BITMAP, 0x2036, ENCLV)                                \
	X(LOW_PASID_DIRECTORY, 0x2038, PASID)                                 \
	X(HIGH_PASID_DIRECTORY, 0x203a, PASID)                                \
	X(SHARED_EPT_POINTER, 0x203c, NEVER)                                  \
	X(PCONFIG_EXITING_BITMAP, 0x203e, PCONFIG)                            \
	X(HLAT_POINTER, 0x2040, HLAT)                                         \
	X(PID_POINTER_TABLE, 0x2042, IPI_VIRT)                                \
	X(SECONDARY_VM_EXIT_CONTROLS, 0x2044, SECONDARY_EXIT)                 \
	X(IA32_SPEC_CTRL_MASK, 0x204a, SPEC_CTRL)                             \
	X(IA32_SPEC_CTRL_SHADOW, 0x204c, SPEC_CTRL)                           \
	/* 64-bit read-only data field (SDM B.2.2) */                         \
	X(GUEST_PHYSICAL_ADDRESS, 0x2400, EPT)                                \
	/* 64-bit guest-state fields (SDM B.2.3) */                           \
	X(VMCS_LINK_POINTER, 0x2800, ALWAYS)                                  \
	X(GUEST_IA32_DEBUGCTL, 0x2802, ALWAYS)                                \
	X(GUEST_IA32_PAT, 0x2804, PAT)                                        \
	X(GUEST_IA32_EFER, 0x2806, EFER)                                      \
	X(GUEST_IA32_PERF_GLOBAL_CTRL, 0x2808, PERF_GLOBAL_CTRL)              \
	X(GUEST_PDPTR0, 0x280a, EPT)                                          \
	X(GUEST_PDPTR1, 0x280c, EPT)                                          \
	X(GUEST_PDPTR2, 0x280e, EPT)                                          \
	X(GUEST_PDPTR3, 0x2810, EPT)                                          \
	X(GUEST_BNDCFGS, 0x2812, BNDCFGS)                                     \
	X(GUEST_IA32_RTIT_CTL, 0x2814, RTIT)                                  \
	X(GUEST_IA32_LBR_CTL, 0x2816, LBR_CTL)                                \
	X(GUEST_IA32_PKRS, 0x2818, PKRS)                                      \
	/* 64-bit host-state fields (SDM B.2.4) */                            \
	X(HOST_IA32_PAT, 0x2c00, HOST_PAT)                                    \
	X(HOST_IA32_EFER, 0x2c02, HOST_EFER)                                  \
	X(HOST_IA32_PERF_GLOBAL_CTRL, 0x2c04, HOST_PERF_GLOBAL_CTRL)          \
	X(HOST_IA32_PKRS, 0x2c06, HOST_PKRS)                                  \
	/* 32-bit control fields (SDM B.3.1) */                               \
	X(PIN_BASED_VM_EXEC_CONTROL, 0x4000, ALWAYS)                          \
	X(CPU_BASED_VM_EXEC_CONTROL, 0x4002, ALWAYS)                          \
	X(EXCEPTION_BITMAP, 0x4004, ALWAYS)                                   \
	X(PAGE_FAULT_ERROR_CODE_MASK, 0x4006, ALWAYS)                         \
	X(PAGE_FAULT_ERROR_CODE_MATCH, 0x4008, ALWAYS)                        \
	X(CR3_TARGET_COUNT, 0x400a, ALWAYS)                                   \
	X(VM_EXIT_CONTROLS, 0x400c, ALWAYS)                                   \
	X(VM_EXIT_MSR_STORE_COUNT, 0x400e, ALWAYS)                            \
	X(VM_EXIT_MSR_LOAD_COUNT, 0x4010, ALWAYS)                             \
	X(VM_ENTRY_CONTROLS, 0x4012, ALWAYS)                                  \
	X(VM_ENTRY_MSR_LOAD_COUNT, 0x4014, ALWAYS)                            \
	X(VM_ENTRY_INTR_INFO_FIELD, 0x4016, ALWAYS)                           \
	X(VM_ENTRY_EXCEPTION_ERROR_CODE, 0x4018, ALWAYS)                      \
	X(VM_ENTRY_INSTRUCTION_LEN, 0x401a, ALWAYS)                           \
	X(TPR_THRESHOLD, 0x401c, TPR_SHADOW)                                  \
	X(SECONDARY_VM_EXEC_CONTROL, 0x401e, SECONDARY)                       \
	X(PLE_GAP, 0x4020, PLE)                                               \
	X(PLE_WINDOW, 0x4022, PLE)                                            \
	X(INSTRUCTION_TIMEOUT_CONTROL, 0x4024, NOTIFY)                        \
	/* 32-bit read-only data fields (SDM B.3.2) */                        \
	X(VM_INSTRUCTION_ERROR, 0x4400, ALWAYS)                               \
	X(VM_EXIT_REASON, 0x4402, ALWAYS)                                     \
	X(VM_EXIT_INTR_INFO, 0x4404, ALWAYS)                                  \
	X(VM_EXIT_INTR_ERROR_CODE, 0x4406, ALWAYS)                            \
	X(IDT_VECTORING_INFO_FIELD, 0x4408, ALWAYS)                           \
	X(IDT_VECTORING_ERROR_CODE, 0x440a, ALWAYS)                           \
	X(VM_EXIT_INSTRUCTION_LEN, 0x440c, ALWAYS)                            \
	X(VMX_INSTRUCTION_INFO, 0x440e, ALWAYS)                               \
	/* 32-bit guest-state fields (SDM B.3.3) */                           \
	X(GUEST_ES_LIMIT, 0x4800, ALWAYS)                                     \
	X(GUEST_CS_LIMIT, 0x4802, ALWAYS)                                     \
	X(GUEST_SS_LIMIT, 0x4804, ALWAYS)                                     \
	X(GUEST_DS_LIMIT, 0x4806, ALWAYS)                                     \
	X(GUEST_FS_LIMIT, 0x4808, ALWAYS)                                     \
	X(GUEST_GS_LIMIT, 0x480a, ALWAYS)                                     \
	X(GUEST_LDTR_LIMIT, 0x480c, ALWAYS)                                   \
	X(GUEST_TR_LIMIT, 0x480e, ALWAYS)                                     \
	X(GUEST_GDTR_LIMIT, 0x4810, ALWAYS)                                   \
	X(GUEST_IDTR_LIMIT, 0x4812, ALWAYS)                                   \
	X(GUEST_ES_AR_BYTES, 0x4814, ALWAYS)                                  \
	X(GUEST_CS_AR_BYTES, 0x4816, ALWAYS)                                  \
	X(GUEST_SS_AR_BYTES, 0x4818, ALWAYS)                                  \
	X(GUEST_DS_AR_BYTES, 0x481a, ALWAYS)                                  \
	X(GUEST_FS_AR_BYTES, 0x481c, ALWAYS)                                  \
	X(GUEST_GS_AR_BYTES, 0x481e, ALWAYS)                                  \
	X(GUEST_LDTR_AR_BYTES, 0x4820, ALWAYS)                                \
	X(GUEST_TR_AR_BYTES, 0x4822, ALWAYS)                                  \
	X(GUEST_INTERRUPTIBILITY_INFO, 0x4824, ALWAYS)                        \
	X(GUEST_ACTIVITY_STATE, 0x4826, ALWAYS)                               \
	X(GUEST_SMBASE, 0x4828, ALWAYS)                                       \
	X(GUEST_SYSENTER_CS, 0x482a, ALWAYS)                                  \
	X(VMX_PREEMPTION_TIMER_VALUE, 0x482e, PREEMPTION_TIMER)               \
	/* 32-bit host-state field (SDM B.3.4) */                             \
	X(HOST_IA32_SYSENTER_CS, 0x4c00, ALWAYS)                              \
	/* natural-width control fields (SDM B.4.1) */                        \
	X(CR0_GUEST_HOST_MASK, 0x6000, ALWAYS)                                \
	X(CR4_GUEST_HOST_MASK, 0x6002, ALWAYS)                                \
	X(CR0_READ_SHADOW, 0x6004, ALWAYS)                                    \
	X(CR4_READ_SHADOW, 0x6006, ALWAYS)                                    \
	X(CR3_TARGET_VALUE0, 0x6008, ALWAYS)                                  \
	X(CR3_TARGET_VALUE1, 0x600a, ALWAYS)                                  \
	X(CR3_TARGET_VALUE2, 0x600c, ALWAYS)                                  \
	X(CR3_TARGET_VALUE3, 0x600e, ALWAYS)                                  \
	/* natural-width read-only data fields (SDM B.4.2) */                 \
	X(EXIT_QUALIFICATION, 0x6400, ALWAYS)                                 \
	X(EXIT_IO_RCX, 0x6402, ALWAYS)                                        \
	X(EXIT_IO_RSI, 0x6404, ALWAYS)                                        \
	X(EXIT_IO_RDI, 0x6406, ALWAYS)                                        \
	X(EXIT_IO_RIP, 0x6408, ALWAYS)                                        \
	X(GUEST_LINEAR_ADDRESS, 0x640a, ALWAYS)                               \
	/* natural-width guest-state fields (SDM B.4.3) */                    \
	X(GUEST_CR0, 0x6800, ALWAYS)                                          \
	X(GUEST_CR3, 0x6802, ALWAYS)                                          \
	X(GUEST_CR4, 0x6804, ALWAYS)                                          \
	X(GUEST_ES_BASE, 0x6806, ALWAYS)                                      \
	X(GUEST_CS_BASE, 0x6808, ALWAYS)                                      \
	X(GUEST_SS_BASE, 0x680a, ALWAYS)                                      \
	X(GUEST_DS_BASE, 0x680c, ALWAYS)                                      \
	X(GUEST_FS_BASE, 0x680e, ALWAYS)                                      \
	X(GUEST_GS_BASE, 0x6810, ALWAYS)                                      \
	X(GUEST_LDTR_BASE, 0x6812, ALWAYS)                                    \
	X(GUEST_TR_BASE, 0x6814, ALWAYS)                                      \
	X(GUEST_GDTR_BASE, 0x6816, ALWAYS)                                    \
	X(GUEST_IDTR_BASE, 0x6818, ALWAYS)                                    \
	X(GUEST_DR7, 0x681a, ALWAYS)                                          \
	X(GUEST_RSP, 0x681c, ALWAYS)                                          \
	X(GUEST_RIP, 0x681e, ALWAYS)                                          \
	X(GUEST_RFLAGS, 0x6820, ALWAYS)                                       \
	X(GUEST_PENDING_DBG_EXCEPTIONS, 0x6822, ALWAYS)                       \
	X(GUEST_SYSENTER_ESP, 0x6824, ALWAYS)                                 \
	X(GUEST_SYSENTER_EIP, 0x6826, ALWAYS)                                 \
	X(GUEST_S_CET, 0x6828, CET)                                           \
	X(GUEST_SSP, 0x682a, CET)                                             \
	X(GUEST_INTR_SSP_TABLE_ADDR, 0x682c, CET)                             \
	/* natural-width host-state fields (SDM B.4.4) */                     \
	X(HOST_CR0, 0x6c00, ALWAYS)                                           \
	X(HOST_CR3, 0x6c02, ALWAYS)                                           \
	X(HOST_CR4, 0x6c04, ALWAYS)                                           \
	X(HOST_FS_BASE, 0x6c06, ALWAYS)                                       \
	X(HOST_GS_BASE, 0x6c08, ALWAYS)                                       \
	X(HOST_TR_BASE, 0x6c0a, ALWAYS)                                       \
	X(HOST_GDTR_BASE, 0x6c0c, ALWAYS)                                     \
	X(HOST_IDTR_BASE, 0x6c0e, ALWAYS)                                     \
	X(HOST_IA32_SYSENTER_ESP, 0x6c10, ALWAYS)                             \
	X(HOST_IA32_SYSENTER_EIP, 0x6c12, ALWAYS)                             \
	X(HOST_RSP, 0x6c14, ALWAYS)                                           \
	X(HOST_RIP, 0x6c16, ALWAYS)                                           \
	X(HOST_S_CET, 0x6c18, HOST_CET)                                       \
	X(HOST_SSP, 0x6c1a, HOST_CET)                                         \
	X(HOST_INTR_SSP_TABLE_ADDR, 0x6c1c, HOST_CET)

/* enum nvmx_field: NVMX_F_<NAME> = <SDM encoding>. */
enum nvmx_field {
#define NVMX_X_ENC_(name, enc, feat) NVMX_F_##name = enc,
	NVMX_VMCS_FIELDS(NVMX_X_ENC_)
#undef NVMX_X_ENC_
};

/* enum nvmx_field_index: compact index of each field, 0..NVMX_FIELD_COUNT-1. */
enum nvmx_field_index {
#define NVMX_X_IDX_(name, enc, feat) NVMX_IDX_##name,
	NVMX_VMCS_FIELDS(NVMX_X_IDX_)
#undef NVMX_X_IDX_
	NVMX_FIELD_COUNT
};

/* Field properties derived from the encoding (SDM 25.11.2). */
#define NVMX_FIELD_ACCESS_HIGH(enc) ((enc) & 1u)
#define NVMX_FIELD_INDEX(enc) (((enc) >> 1) & 0x1ffu)
#define NVMX_FIELD_TYPE(enc) (((enc) >> 10) & 3u)
#define NVMX_FIELD_WIDTH(enc) (((enc) >> 13) & 3u)

enum nvmx_field_type {
	NVMX_FIELD_TYPE_CONTROL = 0,
	NVMX_FIELD_TYPE_EXIT_INFO = 1,
	NVMX_FIELD_TYPE_GUEST = 2,
	NVMX_FIELD_TYPE_HOST = 3,
};

enum nvmx_field_width {
	NVMX_FIELD_WIDTH_16 = 0,
	NVMX_FIELD_WIDTH_64 = 1,
	NVMX_FIELD_WIDTH_32 = 2,
	NVMX_FIELD_WIDTH_NATURAL = 3,
};

/*
 * Field names, for hosts, tools and logs (the names of the list above, as
 * the SDM's appendix B spells them in upper case: "GUEST_CR0").
 *
 * nvmx_vmcs_field_name: the name of the field a VMREAD/VMWRITE encoding
 * names, or NULL when no such field exists (SDM 25.11.2: bits 31:15 or
 * reserved bit 12 set, an unknown index, or the high access type of a field
 * that is not 64-bit). The high half of a 64-bit field (access type 1) has
 * the field's name; NVMX_FIELD_ACCESS_HIGH tells them apart.
 *
 * nvmx_vmcs_field_by_name: the encoding of the field `name` names, with the
 * suffix "_HIGH" for the high half of a 64-bit field; false, and *encoding
 * unchanged, for any other name. Names are compared exactly (upper case)
 * and are at most 63 characters long.
 */
NVMX_API const char *nvmx_vmcs_field_name(uint32_t encoding);
NVMX_API bool nvmx_vmcs_field_by_name(const char *name, uint32_t *encoding);

#endif
