/* SPDX-License-Identifier: MIT */
/* Named reasons for nested-state restore refusals (nvmx/state.h). Append
 * only: values are ABI. */
#ifndef NVMX_REASONS_STATE_H
#define NVMX_REASONS_STATE_H

#define NVMX_REASONS_STATE(X)                                                                  \
	X(STATE_OK, "the saved state was restored")                                            \
	X(STATE_TRUNCATED, "the blob is shorter than its header or than the size it states")    \
	X(STATE_BAD_MAGIC, "the blob does not start with the nested-state magic")              \
	X(STATE_VERSION, "the format version is not one this library reads")                   \
	X(STATE_CHECKSUM, "the xxHash checksum does not match the contents")                   \
	X(STATE_SIZES, "a size in the header or a section length is inconsistent")             \
	X(STATE_SECTION_BOUNDS, "a section lies (partly) outside the blob or inside the header") \
	X(STATE_SECTION_OVERLAP, "two sections overlap")                                       \
	X(STATE_SECTION_REPEATED, "a section type appears twice")                              \
	X(STATE_SECTION_UNKNOWN, "a section of an unknown type is marked mandatory")           \
	X(STATE_SECTION_MISSING, "a section the saved state needs is absent")                  \
	X(STATE_RESERVED_NONZERO, "a reserved field or padding is not zero")                   \
	X(STATE_CAP_UNKNOWN_MSR, "the header lists a capability MSR twice or one that is not a VMX capability MSR") \
	X(STATE_CAP_LACKING, "the saved state was offered a capability this VM does not offer") \
	X(STATE_CAP_INCONSISTENT, "the saved capability MSRs contradict each other")           \
	X(STATE_MAXPHYADDR, "the saved physical-address width is wider than this VM's")        \
	X(STATE_BAD_FLAGS, "the vCPU flags contradict each other (L2 or a pending run outside VMX operation)") \
	X(STATE_L2_WITHOUT_VMCS, "L2 runs (or a run is pending) without a current VMCS")       \
	X(STATE_VMXON_PTR, "the VMXON pointer is unaligned or beyond the physical-address width") \
	X(STATE_VMCS_PTR, "a VMCS pointer is unaligned, beyond the address width, or the VMXON pointer") \
	X(STATE_PTR_NOT_BACKED, "a VMXON or VMCS pointer lies outside L1 memory")              \
	X(STATE_VMCS12_REPEATED, "two VMCS12 records have the same address")                   \
	X(STATE_TOO_MANY_VMCS12, "more VMCS12 records than this vCPU has cache slots")         \
	X(STATE_CURRENT_NOT_SAVED, "the current VMCS has no VMCS12 record")                    \
	X(STATE_VMCS12_REVISION, "a VMCS12 has a revision identifier VMPTRLD would refuse")    \
	X(STATE_VMCS12_FIELD_UNKNOWN, "a VMCS12 record names a field this VM does not offer")  \
	X(STATE_VMCS12_FIELD_WIDTH, "a VMCS12 value is wider than its field")                  \
	X(STATE_VMCS12_FIELD_REPEATED, "a VMCS12 record lists a field twice")                  \
	X(STATE_L2_NOT_LAUNCHED, "L2 runs under a VMCS12 whose launch state is clear")          \
	X(STATE_ENTRY_CHECKS, "the VMCS12 L2 runs under fails the VM-entry checks (entry_reason says which)") \
	X(STATE_EVENT, "the pending L2 event fails the event-injection checks")                \
	X(STATE_L1_STATE, "the saved L1 IA32_EFER or CR0 has reserved bits set")               \
	X(STATE_BAD_VALUE, "a flag byte or indicator holds a value outside its range")

#endif
