/* SPDX-License-Identifier: MIT */
/* Named reasons for VMX-instruction outcomes. Append only: values are ABI. */
#ifndef NVMX_REASONS_INSN_H
#define NVMX_REASONS_INSN_H

#define NVMX_REASONS_INSN(X)                                                                   \
	X(INSN_OK, "the instruction completed (VMsucceed)")                                    \
	X(INSN_UD_NOT_IN_VMX_OPERATION, "#UD: not in VMX operation (or CR4.VMXE=0 at VMXON)")   \
	X(INSN_UD_REAL_OR_V86, "#UD: CR0.PE=0 or RFLAGS.VM=1")                                 \
	X(INSN_UD_COMPAT_MODE, "#UD: IA32_EFER.LMA=1 and CS.L=0")                              \
	X(INSN_UD_FEATURE_NOT_OFFERED, "#UD: the instruction or its operand type is not offered to L1") \
	X(INSN_UD_BAD_ENCODING, "#UD: a register operand where a memory operand is required")  \
	X(INSN_GP_CPL, "#GP(0): CPL > 0")                                                     \
	X(INSN_GP_CR0_FIXED, "#GP(0): CR0 violates IA32_VMX_CR0_FIXED0/1 at VMXON")           \
	X(INSN_GP_CR4_FIXED, "#GP(0): CR4 violates IA32_VMX_CR4_FIXED0/1 at VMXON")           \
	X(INSN_GP_FEATURE_CONTROL, "#GP(0): IA32_FEATURE_CONTROL unlocked or VMX disabled")   \
	X(INSN_GP_SEGMENT, "#GP(0): memory operand violates segment limit, type or canonical form") \
	X(INSN_SS_SEGMENT, "#SS(0): SS-relative operand violates the SS limit or canonical form") \
	X(INSN_GUEST_FAULT, "the operand access faulted (#PF or a host-reported fault)")        \
	X(INSN_GP_INVALID_DESCRIPTOR_RSVD, "#GP(0): reserved bits in an INVEPT/INVVPID descriptor") \
	X(INSN_VMFAIL_VMXON_PTR_INVALID, "VMfailInvalid: VMXON pointer unaligned or beyond the physical-address width") \
	X(INSN_VMFAIL_VMXON_REVISION, "VMfailInvalid: VMXON region revision identifier or bit 31 wrong") \
	X(INSN_VMFAIL_VMXON_IN_ROOT, "VMfail(15): VMXON executed in VMX root operation")      \
	X(INSN_VMFAIL_VMCLEAR_ADDR, "VMfail(2): VMCLEAR with an invalid physical address")    \
	X(INSN_VMFAIL_VMCLEAR_VMXON_PTR, "VMfail(3): VMCLEAR with the VMXON pointer")         \
	X(INSN_VMFAIL_VMPTRLD_ADDR, "VMfail(9): VMPTRLD with an invalid physical address")    \
	X(INSN_VMFAIL_VMPTRLD_VMXON_PTR, "VMfail(10): VMPTRLD with the VMXON pointer")        \
	X(INSN_VMFAIL_VMPTRLD_REVISION, "VMfail(11): VMPTRLD with an incorrect VMCS revision identifier") \
	X(INSN_VMFAIL_VMPTRLD_SHADOW, "VMfail(11): VMPTRLD of a shadow VMCS without VMCS shadowing") \
	X(INSN_VMFAIL_NO_CURRENT_VMCS, "VMfailInvalid: no current VMCS")                       \
	X(INSN_VMFAIL_UNSUPPORTED_FIELD, "VMfail(12): unsupported VMCS component")           \
	X(INSN_VMFAIL_READ_ONLY_FIELD, "VMfail(13): VMWRITE to a read-only VMCS component")  \
	X(INSN_VMFAIL_VMLAUNCH_NOT_CLEAR, "VMfail(4): VMLAUNCH with a non-clear VMCS")        \
	X(INSN_VMFAIL_VMRESUME_NOT_LAUNCHED, "VMfail(5): VMRESUME with a non-launched VMCS")   \
	X(INSN_VMFAIL_MOV_SS_BLOCKING, "VMfail(26): VM entry with events blocked by MOV SS")  \
	X(INSN_VMFAIL_INVALID_INVEPT_TYPE, "VMfail(28): INVEPT type not supported")           \
	X(INSN_VMFAIL_INVALID_INVVPID_TYPE, "VMfail(28): INVVPID type not supported")         \
	X(INSN_VMFAIL_INVVPID_VPID_ZERO, "VMfail(28): INVVPID with VPID 0 for a type that needs one") \
	X(INSN_VMFAIL_INVVPID_NONCANONICAL, "VMfail(28): INVVPID individual-address with a non-canonical address") \
	X(INSN_VMFAIL_INVEPT_EPTP, "VMfail(28): INVEPT single-context with an invalid EPTP")   \
	X(INSN_VMFAIL_SHADOW_VMLAUNCH, "VMfailInvalid: VMLAUNCH/VMRESUME with a shadow VMCS current") \
	X(INSN_VMLAUNCH_CHECKS_NEXT, "pre-entry checks passed; VM-entry checks follow")        \
	X(INSN_HOST_FAILURE, "a host callback failed; the instruction did not complete")        \
	X(INSN_VMFAIL_INVVPID_DESC_RSVD, "VMfail(28): INVVPID descriptor bits 63:16 not zero")   \
	X(INSN_VMFAIL_VMPTRLD_NOT_BACKED, "VMfail(9): VMPTRLD of a region L0 does not back as RAM") \
	X(INSN_NO_DECODER, "refused: no instruction information and the build has no decoder (freestanding)")

#endif
