/* SPDX-License-Identifier: MIT */
/*
 * Put L1 in VMX root operation with a current VMCS12 the way L1 does it:
 * VMXON and VMPTRLD executed through the public entry point (the reference
 * host's refhost_exec, which calls nvmx_vcpu_emulate_vmx_insn), rather than by
 * setting the vCPU's internal fields. The regions must already hold the
 * VMCS revision identifier (SDM 25.2); `operand_la` is scratch L1 memory
 * (8 bytes, linear = physical on the reference host) for the instructions'
 * m64 operand. Returns 0 when both instructions succeeded (VMsucceed, SDM
 * 31.3 VMXON, VMPTRLD), -1 otherwise.
 */
#ifndef NVMX_TEST_SUPPORT_VMX_ON_H
#define NVMX_TEST_SUPPORT_VMX_ON_H

#include "refhost.h"

static inline int tsup_vmx_on(struct refhost *h, uint64_t operand_la, uint64_t vmxon_gpa,
                              uint64_t vmcs12_gpa)
{
	struct nvmx_result res;
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMXON, .mem = true, .la = operand_la,
	                           .addr_size = 8 };
	refhost_mem_w64(h, operand_la, vmxon_gpa);
	if (refhost_exec(h, &in, &res) != NVMX_STATUS_OK || res.outcome != NVMX_OUTCOME_SUCCEED)
		return -1;
	in.exit_reason = NVMX_EXIT_REASON_VMPTRLD;
	refhost_mem_w64(h, operand_la, vmcs12_gpa);
	if (refhost_exec(h, &in, &res) != NVMX_STATUS_OK || res.outcome != NVMX_OUTCOME_SUCCEED)
		return -1;
	refhost_mem_w64(h, operand_la, 0);
	return 0;
}

#endif
