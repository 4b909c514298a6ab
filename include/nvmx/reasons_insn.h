/* SPDX-License-Identifier: MIT */
/* Named reasons for VMX-instruction outcomes. Values are ABI (tests/util/test_names.c
 * pins every one): never renumbered or reused; a new row goes at the END of
 * the list with the next free number of the block. */
#ifndef NVMX_REASONS_INSN_H
#define NVMX_REASONS_INSN_H

#define NVMX_REASONS_INSN(X) \
	X(INSN_OK, 0x0101, "the instruction completed (VMsucceed)") \
	X(INSN_UD_NOT_IN_VMX_OPERATION, 0x0102, "#UD: not in VMX operation (or CR4.VMXE=0 at VMXON)") \
	X(INSN_UD_REAL_OR_V86, 0x0103, "#UD: CR0.PE=0 or RFLAGS.VM=1") \
	X(INSN_UD_COMPAT_MODE, 0x0104, "#UD: IA32_EFER.LMA=1 and CS.L=0") \
	X(INSN_UD_FEATURE_NOT_OFFERED, 0x0105, "#UD: the instruction or its operand type is not offered to L1") \
	X(INSN_UD_BAD_ENCODING, 0x0106, "#UD: a register operand where a memory operand is required") \
	X(INSN_GP_CPL, 0x0107, "#GP(0): CPL > 0") \
	X(INSN_GP_CR0_FIXED, 0x0108, "#GP(0): CR0 violates IA32_VMX_CR0_FIXED0/1 at VMXON") \
	X(INSN_GP_CR4_FIXED, 0x0109, "#GP(0): CR4 violates IA32_VMX_CR4_FIXED0/1 at VMXON") \
	X(INSN_GP_FEATURE_CONTROL, 0x010a, "#GP(0): IA32_FEATURE_CONTROL unlocked or VMX disabled") \
	X(INSN_GP_SEGMENT, 0x010b, "#GP(0): memory operand violates segment limit, type or canonical form") \
	X(INSN_SS_SEGMENT, 0x010c, "#SS(0): SS-relative operand violates the SS limit or canonical form") \
	X(INSN_GUEST_FAULT, 0x010d, "the operand access faulted (#PF or a host-reported fault)") \
	X(INSN_GP_INVALID_DESCRIPTOR_RSVD, 0x010e, "#GP(0): reserved bits in an INVEPT/INVVPID descriptor") \
	X(INSN_VMFAIL_VMXON_PTR_INVALID, 0x010f, "VMfailInvalid: VMXON pointer unaligned or beyond the physical-address width") \
	X(INSN_VMFAIL_VMXON_REVISION, 0x0110, "VMfailInvalid: VMXON region revision identifier or bit 31 wrong") \
	X(INSN_VMFAIL_VMXON_IN_ROOT, 0x0111, "VMfail(15): VMXON executed in VMX root operation") \
	X(INSN_VMFAIL_VMCLEAR_ADDR, 0x0112, "VMfail(2): VMCLEAR with an invalid physical address") \
	X(INSN_VMFAIL_VMCLEAR_VMXON_PTR, 0x0113, "VMfail(3): VMCLEAR with the VMXON pointer") \
	X(INSN_VMFAIL_VMPTRLD_ADDR, 0x0114, "VMfail(9): VMPTRLD with an invalid physical address") \
	X(INSN_VMFAIL_VMPTRLD_VMXON_PTR, 0x0115, "VMfail(10): VMPTRLD with the VMXON pointer") \
	X(INSN_VMFAIL_VMPTRLD_REVISION, 0x0116, "VMfail(11): VMPTRLD with an incorrect VMCS revision identifier") \
	X(INSN_VMFAIL_VMPTRLD_SHADOW, 0x0117, "VMfail(11): VMPTRLD of a shadow VMCS without VMCS shadowing") \
	X(INSN_VMFAIL_NO_CURRENT_VMCS, 0x0118, "VMfailInvalid: no current VMCS") \
	X(INSN_VMFAIL_UNSUPPORTED_FIELD, 0x0119, "VMfail(12): unsupported VMCS component") \
	X(INSN_VMFAIL_READ_ONLY_FIELD, 0x011a, "VMfail(13): VMWRITE to a read-only VMCS component") \
	X(INSN_VMFAIL_VMLAUNCH_NOT_CLEAR, 0x011b, "VMfail(4): VMLAUNCH with a non-clear VMCS") \
	X(INSN_VMFAIL_VMRESUME_NOT_LAUNCHED, 0x011c, "VMfail(5): VMRESUME with a non-launched VMCS") \
	X(INSN_VMFAIL_MOV_SS_BLOCKING, 0x011d, "VMfail(26): VM entry with events blocked by MOV SS") \
	X(INSN_VMFAIL_INVALID_INVEPT_TYPE, 0x011e, "VMfail(28): INVEPT type not supported") \
	X(INSN_VMFAIL_INVALID_INVVPID_TYPE, 0x011f, "VMfail(28): INVVPID type not supported") \
	X(INSN_VMFAIL_INVVPID_VPID_ZERO, 0x0120, "VMfail(28): INVVPID with VPID 0 for a type that needs one") \
	X(INSN_VMFAIL_INVVPID_NONCANONICAL, 0x0121, "VMfail(28): INVVPID individual-address with a non-canonical address") \
	X(INSN_VMFAIL_INVEPT_EPTP, 0x0122, "VMfail(28): INVEPT single-context with an invalid EPTP") \
	X(INSN_VMFAIL_SHADOW_VMLAUNCH, 0x0123, "VMfailInvalid: VMLAUNCH/VMRESUME with a shadow VMCS current") \
	X(INSN_VMLAUNCH_CHECKS_NEXT, 0x0124, "pre-entry checks passed; VM-entry checks follow") \
	X(INSN_HOST_FAILURE, 0x0125, "a host callback failed; the instruction did not complete") \
	X(INSN_VMFAIL_INVVPID_DESC_RSVD, 0x0126, "VMfail(28): INVVPID descriptor bits 63:16 not zero") \
	X(INSN_VMFAIL_VMPTRLD_NOT_BACKED, 0x0127, "VMfail(9): VMPTRLD of a region L0 does not back as RAM")

#endif
