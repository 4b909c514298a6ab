/* SPDX-License-Identifier: MIT */
/*
 * Link shim for the ept tests, fuzzer and benchmark on a branch without the
 * instruction module: refhost.c's refhost_exec references
 * nvmx_vcpu_vmx_insn, which none of these call. A weak definition lets them
 * link; once the instruction module is in the library, its definition wins
 * wherever it is linked in.
 */
#include <nvmx/nvmx.h>

__attribute__((weak)) enum nvmx_status nvmx_vcpu_vmx_insn(struct nvmx_vcpu *vcpu,
                                                          const struct nvmx_insn_exit *exit,
                                                          struct nvmx_result *res)
{
	(void)vcpu;
	(void)exit;
	(void)res;
	return NVMX_STATUS_NOT_SUPPORTED;
}
