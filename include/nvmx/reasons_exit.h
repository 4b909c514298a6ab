/* SPDX-License-Identifier: MIT */
/* Named reasons of the exit module. Append only: values are ABI. */
#ifndef NVMX_REASONS_EXIT_H
#define NVMX_REASONS_EXIT_H

#define NVMX_REASONS_EXIT(X) \
	X(EXIT_NONE, "no exit diagnostic")                                                         \
	X(EXIT_UNCONDITIONAL, "the exit is unconditional in VMX non-root operation: L1 gets it")  \
	X(EXIT_L1_CONTROL, "a VM-execution control of VMCS12 asks for the exit: L1 gets it")      \
	X(EXIT_L1_BITMAP, "a bitmap of L1 (exception, I/O, MSR, XSS, ENCLS, EOI) asks for the exit") \
	X(EXIT_L1_CR_MASK, "the CR write changes a bit L1 owns (guest/host mask vs read shadow)") \
	X(EXIT_L1_CR3_TARGET, "MOV to CR3 with CR3-load exiting and no matching CR3-target value") \
	X(EXIT_L1_MSR_OUT_OF_RANGE, "the MSR is outside the bitmap ranges or L1 uses no MSR bitmaps") \
	X(EXIT_L1_IO_WRAP, "the I/O access wraps around port 0xFFFF")                              \
	X(EXIT_L1_BITMAP_UNREADABLE, "L1's bitmap page is not backed: treated as all ones")        \
	X(EXIT_L1_VMFUNC_FAIL, "VMFUNC with a function L1 did not enable, or a failing EPTP switch") \
	X(EXIT_L1_EPT12, "the EPT violation or misconfiguration is in L1's EPT12")                \
	X(EXIT_L0_OWNED, "L0 needs the exit for itself (host flag)")                               \
	X(EXIT_L0_NOT_WANTED_BY_L1, "VMCS12 does not ask for the exit: it is L0's")                \
	X(EXIT_L0_ALWAYS, "an exit only L0 can handle (SMI, RSM)")                                 \
	X(EXIT_L0_L1_NO_EPT, "EPT exit while L1 does not use EPT: L0's EPT01")                    \
	X(EXIT_L0_EPT02_FILL, "EPT exit the shadow EPT must handle (EPT02 fill)")                  \
	X(EXIT_L0_UD_FOR_L2, "L1 did not enable the instruction: L0 makes L2 take #UD")            \
	X(EXIT_L0_VMFUNC_EMULATE, "a valid EPTP switch L0 performs for L2")                        \
	X(EXIT_UNKNOWN_REASON, "the basic exit reason is not one the SDM defines")                 \
	X(EXIT_REFLECTED, "the exit was reflected to L1")                                          \
	X(EXIT_ABORT_MSR_STORE, "VMX abort 1: storing an MSR of the VM-exit MSR-store area failed") \
	X(EXIT_ABORT_MSR_LOAD, "VMX abort 4: loading an MSR of the VM-exit MSR-load area failed")  \
	X(EXIT_SYNTH_NOT_INTERCEPTED, "VMCS12 does not ask for the synthesized exit")              \
	X(EXIT_SYNTH_NOT_WAITING_SIPI, "SIPI while L2 is not in the wait-for-SIPI state")         \
	X(EXIT_DECODE_FAILED, "the bytes of an L0-emulated instruction do not decode")             \
	X(EXIT_HOST_FAILURE, "a host callback failed during the exit")                            \
	X(EXIT_L0_EPT01, "EPT violation L0 must resolve: EPT01 does not back the L1 address (result value)") \
	X(EXIT_ABORT_PDPTE, "VMX abort 3: loading the host PDPTEs (PAE paging, no IA-32e host) failed") \
	X(EXIT_NO_DECODER, "an L0-emulated instruction, but the build has no decoder (freestanding): L0 keeps it")

#endif
