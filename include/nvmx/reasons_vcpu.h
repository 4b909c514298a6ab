/* SPDX-License-Identifier: MIT */
/* Named reasons of vCPU signals: INIT, SIPI, RESET (nvmx/vcpu.h). Values
 * are ABI (tests/util/test_names.c pins every one): never renumbered or
 * reused; a new row goes at the END of the list with the next free number
 * of the block. */
#ifndef NVMX_REASONS_VCPU_H
#define NVMX_REASONS_VCPU_H

#define NVMX_REASONS_VCPU(X) \
	X(VCPU_NONE, 0x6001, "no vcpu diagnostic") \
	X(VCPU_INIT_OUTSIDE_VMX, 0x6002, "INIT outside VMX operation: the host performs it as for any processor") \
	X(VCPU_INIT_BLOCKED_ROOT, 0x6003, "INIT blocked in VMX root operation: it stays pending") \
	X(VCPU_INIT_BLOCKED_WAIT_SIPI, 0x6004, "INIT blocked while L2 is in the wait-for-SIPI state") \
	X(VCPU_INIT_EXIT, 0x6005, "INIT in VMX non-root operation: a VM exit to L1 (reason 3)") \
	X(VCPU_RESET, 0x6006, "RESET: the vCPU left VMX operation and dropped its cached VMCS12s")

#endif
