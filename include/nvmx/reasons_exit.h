/* SPDX-License-Identifier: MIT */
/* Named reasons of the exit module. Values are ABI (tests/util/test_names.c
 * pins every one): never renumbered or reused; a new row goes at the END of
 * the list with the next free number of the block. */
#ifndef NVMX_REASONS_EXIT_H
#define NVMX_REASONS_EXIT_H

#define NVMX_REASONS_EXIT(X) \
	X(EXIT_NONE, 0x2001, "no exit diagnostic") \
	X(EXIT_UNCONDITIONAL, 0x2002, "the exit is unconditional in VMX non-root operation: L1 gets it") \
	X(EXIT_L1_CONTROL, 0x2003, "a VM-execution control of VMCS12 asks for the exit: L1 gets it") \
	X(EXIT_L1_BITMAP, 0x2004, "a bitmap of L1 (exception, I/O, MSR, XSS, ENCLS, EOI) asks for the exit") \
	X(EXIT_L1_CR_MASK, 0x2005, "the CR write changes a bit L1 owns (guest/host mask vs read shadow)") \
	X(EXIT_L1_CR3_TARGET, 0x2006, "MOV to CR3 with CR3-load exiting and no matching CR3-target value") \
	X(EXIT_L1_MSR_OUT_OF_RANGE, 0x2007, "the MSR is outside the bitmap ranges or L1 uses no MSR bitmaps") \
	X(EXIT_L1_IO_WRAP, 0x2008, "the I/O access wraps around port 0xFFFF") \
	X(EXIT_L1_BITMAP_UNREADABLE, 0x2009, "L1's bitmap page is not backed: treated as all ones") \
	X(EXIT_L1_VMFUNC_FAIL, 0x200a, "VMFUNC with a function L1 did not enable, or a failing EPTP switch") \
	X(EXIT_L1_EPT12, 0x200b, "the EPT violation or misconfiguration is in L1's EPT12") \
	X(EXIT_L0_OWNED, 0x200c, "L0 needs the exit for itself (host flag)") \
	X(EXIT_L0_NOT_WANTED_BY_L1, 0x200d, "VMCS12 does not ask for the exit: it is L0's") \
	X(EXIT_L0_ALWAYS, 0x200e, "an exit only L0 can handle (SMI, RSM)") \
	X(EXIT_L0_L1_NO_EPT, 0x200f, "EPT exit while L1 does not use EPT: L0's EPT01") \
	X(EXIT_L0_EPT02_FILL, 0x2010, "EPT exit the shadow EPT must handle (EPT02 fill)") \
	X(EXIT_L0_UD_FOR_L2, 0x2011, "L1 did not enable the instruction: L0 makes L2 take #UD") \
	X(EXIT_L0_VMFUNC_EMULATE, 0x2012, "a valid EPTP switch L0 performs for L2") \
	X(EXIT_UNKNOWN_REASON, 0x2013, "the basic exit reason is not one the SDM defines") \
	X(EXIT_REFLECTED, 0x2014, "the exit was reflected to L1") \
	X(EXIT_ABORT_MSR_STORE, 0x2015, "VMX abort 1: storing an MSR of the VM-exit MSR-store area failed") \
	X(EXIT_ABORT_MSR_LOAD, 0x2016, "VMX abort 4: loading an MSR of the VM-exit MSR-load area failed") \
	X(EXIT_SYNTH_NOT_INTERCEPTED, 0x2017, "VMCS12 does not ask for the synthesized exit") \
	X(EXIT_SYNTH_NOT_WAITING_SIPI, 0x2018, "SIPI while L2 is not in the wait-for-SIPI state") \
	X(EXIT_DECODE_FAILED, 0x2019, "the bytes of an L0-emulated instruction do not decode") \
	X(EXIT_HOST_FAILURE, 0x201a, "a host callback failed during the exit") \
	X(EXIT_L0_EPT01, 0x201b, "EPT violation L0 must resolve: EPT01 does not back the L1 address (result value)") \
	X(EXIT_ABORT_PDPTE, 0x201c, "VMX abort 3: loading the host PDPTEs (PAE paging, no IA-32e host) failed")

#endif
