/* SPDX-License-Identifier: MIT */
/* Named reasons of the state module (nested-state restore, nvmx/state.h).
 * Values are ABI (tests/util/test_names.c pins every one): never renumbered
 * or reused; a new row goes at the END of the list with the next free number
 * of the block. */
#ifndef NVMX_REASONS_STATE_H
#define NVMX_REASONS_STATE_H

#define NVMX_REASONS_STATE(X)                                                                  \
	X(STATE_OK, 0x4001, "the saved state was restored")                                            \
	X(STATE_TRUNCATED, 0x4002, "the blob is shorter than its header or than the size it states")    \
	X(STATE_BAD_MAGIC, 0x4003, "the blob does not start with the nested-state magic")              \
	X(STATE_VERSION, 0x4004, "the format version is not one this library reads")                   \
	X(STATE_CHECKSUM, 0x4005, "the xxHash checksum does not match the contents")                   \
	X(STATE_SIZES, 0x4006, "a size in the header or a section length is inconsistent")             \
	X(STATE_SECTION_BOUNDS, 0x4007, "a section lies (partly) outside the blob or inside the header") \
	X(STATE_SECTION_OVERLAP, 0x4008, "two sections overlap")                                       \
	X(STATE_SECTION_REPEATED, 0x4009, "a section type appears twice")                              \
	X(STATE_SECTION_UNKNOWN, 0x400a, "a section of an unknown type is marked mandatory")           \
	X(STATE_SECTION_MISSING, 0x400b, "a section the saved state needs is absent")                  \
	X(STATE_RESERVED_NONZERO, 0x400c, "a reserved field or padding is not zero")                   \
	X(STATE_CAP_UNKNOWN_MSR, 0x400d, "the header lists a capability MSR twice or one that is not a VMX capability MSR") \
	X(STATE_CAP_LACKING, 0x400e, "the saved state was offered a capability this VM does not offer") \
	X(STATE_CAP_INCONSISTENT, 0x400f, "the saved capability MSRs contradict each other")           \
	X(STATE_MAXPHYADDR, 0x4010, "the saved physical-address width is wider than this VM's")        \
	X(STATE_BAD_FLAGS, 0x4011, "the vCPU flags contradict each other (L2 or a pending run outside VMX operation)") \
	X(STATE_L2_WITHOUT_VMCS, 0x4012, "L2 runs (or a run is pending) without a current VMCS")       \
	X(STATE_VMXON_PTR, 0x4013, "the VMXON pointer is unaligned or beyond the physical-address width") \
	X(STATE_VMCS_PTR, 0x4014, "a VMCS pointer is unaligned, beyond the address width, or the VMXON pointer") \
	X(STATE_PTR_NOT_BACKED, 0x4015, "a VMXON or VMCS pointer lies outside L1 memory")              \
	X(STATE_VMCS12_REPEATED, 0x4016, "two VMCS12 records have the same address")                   \
	X(STATE_TOO_MANY_VMCS12, 0x4017, "more VMCS12 records than this vCPU has cache slots")         \
	X(STATE_CURRENT_NOT_SAVED, 0x4018, "the current VMCS has no VMCS12 record")                    \
	X(STATE_VMCS12_REVISION, 0x4019, "a VMCS12 has a revision identifier VMPTRLD would refuse")    \
	X(STATE_VMCS12_FIELD_UNKNOWN, 0x401a, "a VMCS12 record names a field this VM does not offer")  \
	X(STATE_VMCS12_FIELD_WIDTH, 0x401b, "a VMCS12 value is wider than its field")                  \
	X(STATE_VMCS12_FIELD_REPEATED, 0x401c, "a VMCS12 record lists a field twice")                  \
	X(STATE_L2_NOT_LAUNCHED, 0x401d, "L2 runs under a VMCS12 whose launch state is clear")          \
	X(STATE_ENTRY_CHECKS, 0x401e, "the VMCS12 L2 runs under fails the VM-entry checks (entry_reason says which)") \
	X(STATE_EVENT, 0x401f, "the pending L2 event fails the event-injection checks")                \
	X(STATE_L1_STATE, 0x4020, "the saved L1 IA32_EFER or CR0 has reserved bits set")               \
	X(STATE_BAD_VALUE, 0x4021, "a flag byte or indicator holds a value outside its range")        \
	X(STATE_BLOB_KIND, 0x4022, "a VM blob was given to nvmx_vcpu_restore or a vCPU blob to nvmx_vm_restore") \
	X(STATE_VPID_ZERO, 0x4023, "the VPID map holds VPID12 0, which L1 cannot enable VPID with")  \
	X(STATE_VPID_REPEATED, 0x4024, "the VPID map lists a VPID12 twice")                          \
	X(STATE_POLICY_RECORD, 0x4025, "a policy record is malformed: a bad section length, a repeated item, reserved flag bits or a presence bit on an item without one") \
	X(STATE_POLICY_UNKNOWN, 0x4026, "a policy item marked checked that this version does not know") \
	X(STATE_POLICY_MISMATCH, 0x4027, "the vCPU's L0 policy differs from the saved one in a checked item (why->field names it)")

#endif
