/* SPDX-License-Identifier: MIT */
/* Named reasons of the architectural WRMSR rules (nvmx/msr.h). Values are
 * ABI (tests/util/test_names.c pins every one): never renumbered or reused;
 * a new row goes at the END of the list with the next free number of the
 * block. */
#ifndef NVMX_REASONS_MSR_H
#define NVMX_REASONS_MSR_H

#define NVMX_REASONS_MSR(X) \
	X(MSR_NONE, 0x5001, "no msr diagnostic") \
	X(MSR_WRITE_OK, 0x5002, "WRMSR of the value completes") \
	X(MSR_NOT_ARCHITECTURAL, 0x5003, "the library has no rule for this MSR: the host decides") \
	X(MSR_UNKNOWN, 0x5004, "#GP: the processor has no such MSR") \
	X(MSR_READ_ONLY, 0x5005, "#GP: the MSR is read-only") \
	X(MSR_RESERVED_BITS, 0x5006, "#GP: the value sets reserved bits") \
	X(MSR_NON_CANONICAL, 0x5007, "#GP: the address is not canonical") \
	X(MSR_MEMTYPE, 0x5008, "#GP: a memory type field holds a reserved type (PAT, MTRR)") \
	X(MSR_BEYOND_MAXPHYADDR, 0x5009, "#GP: the value sets address bits beyond the physical-address width") \
	X(MSR_APIC_MODE, 0x500a, "#GP: x2APIC mode enabled while the APIC is disabled")

#endif
